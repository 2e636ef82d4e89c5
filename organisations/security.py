"""Two-factor sign-in with django-otp: who must use it, enrolment, verification with a code from an
authenticator app (TOTP) or a recovery code, replacing the recovery codes, and an administrator's
reset of a lost device. Each of these writes a sign-in record (`organisations.signins`).

A code is checked against one device, inside a transaction that locks it: django-otp's throttling
(each failure doubles the wait before the next try) and its refusal to accept a used TOTP code again
hold under concurrent requests. A used recovery code is deleted by django-otp.
"""

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core.errors import DomainError
from organisations.access import memberships_of, require, signed_in
from organisations.enums import SignInKind
from organisations.models import User
from organisations.signins import SECOND_FACTOR_PENDING_KEY, sign_in_record

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def two_factor_required(user) -> bool:
    """CB staff and administrators must give a second factor (when the setting asks for it)."""
    if not (settings.MFA_REQUIRED and signed_in(user)):
        return False
    return user.is_staff or user.is_superuser or memberships_of(user).is_cb_staff


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def on_signed_in(sender, request, user, **kwargs) -> None:
    """Whoever enrolled gives a code in every new session (the receiver of `user_logged_in`)."""
    if request is not None and hasattr(request, "session"):
        request.session[SECOND_FACTOR_PENDING_KEY] = has_second_factor(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def can_reset_two_factor(actor) -> bool:
    return signed_in(actor) and actor.is_staff and actor.has_perm("organisations.change_user")


# --- Enrolment ------------------------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP key (hex, 20 random bytes), kept in the session until the user confirms it."""
    return random_hex(20)


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows for a secret: the key to type, and its QR code."""

    secret: str
    uri: str

    @property
    def typed_key(self) -> str:
        """The key as authenticator apps ask for it: base32, in groups of four."""
        key = b32encode(unhexlify(self.secret)).decode()
        return " ".join(key[i : i + 4] for i in range(0, len(key), 4))

    @property
    def qr_data_uri(self) -> str:
        """An SVG image as a data: URI (no inline style, so the page's CSP holds)."""
        return segno.make(self.uri, error="m").svg_data_uri(scale=4, border=2)


def enrolment_for(user: User, secret: str) -> Enrolment:
    return Enrolment(secret=secret, uri=TOTPDevice(user=user, key=secret).config_url)


def _code_matches(secret: str, code: str) -> int | None:
    """The time step of the code if it is the current one for the secret (or one step either side)."""
    totp = TOTP(unhexlify(secret))
    totp.time = timezone.now().timestamp()
    return totp.t() if code.isdigit() and totp.verify(int(code), tolerance=1) else None


def _replace_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < settings.RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


@transaction.atomic
def two_factor_enrol(
    *, actor: User, secret: str, code: str, request: HttpRequest | None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator app with a code it shows; returns the device and the recovery codes,
    which are shown once."""
    require(signed_in(actor), _("Sign in first."))
    User.objects.select_for_update().get(pk=actor.pk)
    if has_second_factor(actor):
        raise DomainError(_("Your account already has a second factor. An administrator can reset it."))
    step = _code_matches(secret, code)
    if step is None:
        raise DomainError(
            _("That code does not match. Type the code your app shows now (check the phone's clock).")
        )
    device = TOTPDevice.objects.create(
        user=actor, name=APP_DEVICE_NAME, key=secret, confirmed=True, last_t=step
    )
    codes = _replace_recovery_codes(actor)
    sign_in_record(kind=SignInKind.TWO_FACTOR_ENROLLED, request=request, user=actor)
    return device, codes


@transaction.atomic
def recovery_codes_replace(*, actor: User, request: HttpRequest | None) -> list[str]:
    """New recovery codes; the old ones stop working."""
    require(signed_in(actor), _("Sign in first."))
    if not has_second_factor(actor):
        raise DomainError(_("Set up two-factor sign-in first."))
    codes = _replace_recovery_codes(actor)
    sign_in_record(kind=SignInKind.RECOVERY_CODES_REPLACED, request=request, user=actor)
    return codes


# --- Verification at sign-in ------------------------------------------------------------------------


def _throttle_message(devices: list[Device]) -> str | None:
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed:
            locked_until = (data or {}).get("locked_until")
            seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
            return _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {"seconds": seconds}
    return None


def two_factor_verify(*, actor: User, code: str, request: HttpRequest | None) -> Device:
    """The device that accepts the code (the app's six digits, or a recovery code, which is used up).

    Refusals are recorded and counted by django-otp's throttle, so they are committed before the
    error is raised rather than rolled back with it.
    """
    require(signed_in(actor), _("Sign in first."))
    with transaction.atomic():
        app = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True).first()
        recovery = StaticDevice.objects.select_for_update().filter(user=actor, confirmed=True).first()
        if app is None:
            raise DomainError(_("Your account has no second factor yet: set one up."))
        refusal = _throttle_message([d for d in (app, recovery) if d is not None])
        device = recovery if recovery is not None and not code.isdigit() else app
        if refusal is None and not device.verify_token(code):
            refusal = _("That code is not right. Type the code your app shows now, or a recovery code.")
        if refusal is None:
            kind = SignInKind.RECOVERY_CODE_USED if device is recovery else SignInKind.TWO_FACTOR_VERIFIED
        else:
            kind = SignInKind.TWO_FACTOR_FAILED
        sign_in_record(kind=kind, request=request, user=actor)
    if refusal is not None:
        raise DomainError(refusal)
    return device


# --- An administrator's reset ----------------------------------------------------------------------


@transaction.atomic
def two_factor_reset(*, actor: User, user: User, request: HttpRequest | None) -> None:
    """Remove a user's authenticator app and recovery codes (a lost phone): the user enrols again at
    the next sign-in (or at once, if signed in). Sessions verified with the old device lose it."""
    require(can_reset_two_factor(actor), _("Only an administrator may reset someone's two-factor sign-in."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    sign_in_record(kind=SignInKind.TWO_FACTOR_RESET, request=request, user=user, actor=actor)
