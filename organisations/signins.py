"""Sign-in records (`SignInEvent`) and the throttles that count them.

Django's auth signals and axes' lockout signal write a record for every sign-in, failure, sign-out
and lockout (connected in `OrganisationsConfig.ready`); the two-factor services write their own.
The throttles read the same records: failed sign-ins per client address across every account,
password-reset requests per address and per e-mail, each over a sliding window.
"""

import ipaddress

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core import bounds
from organisations.enums import SignInKind
from organisations.models import SignInEvent, User

# The session's keys: when the user was last seen (seconds since the epoch, for the idle timeout),
# and whether the user enrolled a second factor and must still give a code in this session.
LAST_SEEN_KEY = "signin_last_seen"
SECOND_FACTOR_PENDING_KEY = "signin_second_factor_pending"


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as axes sees it (ipware, behind the same trusted proxies)."""
    try:
        return str(ipaddress.ip_address(get_client_ip_address(request) or "")) if request else None
    except ValueError:
        return None


def _user_agent(request: HttpRequest | None) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "") if request else ""
    return "".join(c for c in agent if c.isprintable())[: bounds.SHORT_TEXT_MAX]


def _email(value: object) -> str:
    return "".join(c for c in str(value or "") if c.isprintable()).strip().lower()[:254]


def sign_in_record(
    *,
    kind: SignInKind,
    request: HttpRequest | None,
    user: User | None = None,
    email: str = "",
    actor: User | None = None,
) -> SignInEvent:
    return SignInEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        email=_email(email or (user.email if user is not None else "")),
        ip_address=client_address(request),
        user_agent=_user_agent(request),
        actor=actor,
    )


def _recent(kind: SignInKind, window) -> QuerySet[SignInEvent]:
    return SignInEvent.objects.filter(kind=kind, at__gte=timezone.now() - window)


def login_refused(request: HttpRequest) -> bool:
    """Too many failed sign-ins from this address lately, whatever the accounts tried."""
    address = client_address(request)
    if address is None:
        return False
    failures = _recent(SignInKind.FAILED, settings.LOGIN_ADDRESS_WINDOW).filter(ip_address=address)
    return failures.count() >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def password_reset_refused(request: HttpRequest) -> bool:
    """Too many password-reset requests from this address lately."""
    address = client_address(request)
    if address is None:
        return False
    requests = _recent(SignInKind.PASSWORD_RESET_REQUESTED, settings.PASSWORD_RESET_WINDOW)
    return requests.filter(ip_address=address).count() >= settings.PASSWORD_RESET_ADDRESS_LIMIT


def password_reset_exhausted(email: str) -> bool:
    """Enough reset e-mails went to this address lately (counted whether an account has it or not)."""
    requests = _recent(SignInKind.PASSWORD_RESET_REQUESTED, settings.PASSWORD_RESET_WINDOW)
    return requests.filter(email=_email(email)).count() >= settings.PASSWORD_RESET_EMAIL_LIMIT


# --- Receivers of Django's and axes' signals (connected in OrganisationsConfig.ready) ---------------


def on_signed_in(sender, request, user, **kwargs) -> None:
    sign_in_record(kind=SignInKind.SIGNED_IN, request=request, user=user)
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(timezone.now().timestamp())


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    sign_in_record(kind=SignInKind.FAILED, request=request, email=(credentials or {}).get("username", ""))


def on_signed_out(sender, request, user, **kwargs) -> None:
    idle = getattr(request, "signed_out_idle", False)
    kind = SignInKind.IDLE_TIMEOUT if idle else SignInKind.SIGNED_OUT
    sign_in_record(kind=kind, request=request, user=user)


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    sign_in_record(kind=SignInKind.LOCKED_OUT, request=request, email=username or "")
