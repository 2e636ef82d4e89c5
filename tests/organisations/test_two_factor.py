"""Two-factor sign-in: enrolment, the code at sign-in, recovery codes, throttling, who must use it,
and an administrator's reset of a lost device."""

import time
from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import NotAllowed
from organisations import security
from organisations.enums import SignInKind
from organisations.models import SignInEvent
from organisations.security_views import PENDING_SECRET_KEY
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "0123456789abcdef0123456789abcdef01234567"


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or one step later: a code not yet used)."""
    totp = TOTP(unhexlify(secret))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(user) -> list[str]:
    return security.two_factor_enrol(actor=user, secret=SECRET, code=code_for(SECRET), request=None)[1]


def sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"


def kinds(user) -> list[str]:
    return list(SignInEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED = True


def test_cb_staff_without_a_device_is_sent_to_enrolment(client, world, required):
    sign_in(client, world.cert_manager)
    response = client.get(reverse("organisations:list"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup") + "?next=%2Forganisations%2F"


def test_staff_with_a_device_is_sent_to_verification_and_the_admin_refuses_until_then(
    client, world, required
):
    world.staff.is_superuser = True
    world.staff.save()
    enrol(world.staff)
    sign_in(client, world.staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor:verify"))
    assert client.get(reverse("admin:organisations_user_changelist")).status_code == 302
    verified = client.post(
        reverse("two_factor:verify"), {"code": code_for(SECRET, steps_ahead=1), "next": "/admin/"}
    )
    assert verified.status_code == 302 and verified.url == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_sign_in_goes_through_the_apps_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/admin/"
    assert client.get("/admin/").url == "/admin/login/?next=/admin/"


def test_client_users_are_not_asked_without_a_device(client, world, required):
    sign_in(client, world.qm_a)
    assert client.get(reverse("organisations:list")).status_code == 200


def test_requirement_off_lets_cb_staff_in_without_a_device(client, world):
    sign_in(client, world.cert_manager)
    assert client.get(reverse("organisations:list")).status_code == 200


def test_pages_without_a_session_stay_open_while_the_code_is_owed(client, world, required):
    sign_in(client, world.auditor)
    for name in ("healthz", "verification:search", "two_factor:setup"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("two_factor:overview")).status_code == 302
    assert client.post(reverse("logout")).status_code == 302


def test_enrolment_confirms_the_app_and_shows_ten_recovery_codes_once(client, world, required):
    sign_in(client, world.cert_manager)
    page = client.get(reverse("two_factor:setup"))
    secret = client.session[PENDING_SECRET_KEY]
    assert 'src="data:image/svg+xml' in page.content.decode() and "style=" not in page.content.decode()
    response = client.post(reverse("two_factor:setup"), {"code": code_for(secret), "next": "/organisations/"})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    device = TOTPDevice.objects.get(user=world.cert_manager)
    assert device.confirmed and device.key == secret
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert set(
        StaticToken.objects.filter(device__user=world.cert_manager).values_list("token", flat=True)
    ) == set(codes)
    assert all(code in response.content.decode() for code in codes)
    assert PENDING_SECRET_KEY not in client.session
    assert client.get(reverse("organisations:list")).status_code == 200  # this session is verified
    assert kinds(world.cert_manager) == [SignInKind.SIGNED_IN, SignInKind.TWO_FACTOR_ENROLLED]
    again = client.get(reverse("two_factor:setup"))
    assert again.status_code == 302 and again.url == reverse("two_factor:overview")


def test_enrolment_refuses_a_wrong_code(client, world, required):
    sign_in(client, world.cert_manager)
    client.get(reverse("two_factor:setup"))
    wrong = str((int(code_for(client.session[PENDING_SECRET_KEY])) + 500_000) % 1_000_000).zfill(6)
    response = client.post(reverse("two_factor:setup"), {"code": wrong})
    assert "That code does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.cert_manager).exists()


def test_sign_in_with_a_code_after_the_password(client, world, required):
    enrol(world.auditor)
    sign_in(client, world.auditor)
    assert client.get(reverse("organisations:list")).url.startswith(reverse("two_factor:verify"))
    response = client.post(
        reverse("two_factor:verify"), {"code": code_for(SECRET, steps_ahead=1), "next": "/organisations/"}
    )
    assert response.status_code == 302 and response.url == "/organisations/"
    assert client.get(reverse("organisations:list")).status_code == 200
    assert kinds(world.auditor)[-1] == SignInKind.TWO_FACTOR_VERIFIED


def test_a_used_code_is_refused(client, world, required):
    enrol(world.auditor)  # the enrolment used the current code
    sign_in(client, world.auditor)
    response = client.post(reverse("two_factor:verify"), {"code": code_for(SECRET)})
    assert "That code is not right" in response.content.decode()


def test_a_recovery_code_signs_in_once(client, world, required):
    codes = enrol(world.auditor)
    sign_in(client, world.auditor)
    response = client.post(reverse("two_factor:verify"), {"code": codes[0].upper(), "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert kinds(world.auditor)[-1] == SignInKind.RECOVERY_CODE_USED
    assert security.recovery_codes_left(world.auditor) == 9
    client.post(reverse("logout"))
    sign_in(client, world.auditor)
    again = client.post(reverse("two_factor:verify"), {"code": codes[0]})
    assert "That code is not right" in again.content.decode()


def test_wrong_codes_are_throttled(client, world, required):
    enrol(world.auditor)
    sign_in(client, world.auditor)
    for _attempt in range(2):
        client.post(reverse("two_factor:verify"), {"code": "000000"})
    response = client.post(reverse("two_factor:verify"), {"code": code_for(SECRET, steps_ahead=1)})
    assert "Too many wrong codes. Wait" in response.content.decode()
    assert kinds(world.auditor).count(SignInKind.TWO_FACTOR_FAILED) == 3
    assert client.get(reverse("organisations:list")).status_code == 302


def test_a_client_user_who_enrolled_gives_the_code_too(client, world):
    enrol(world.qm_a)  # optional for a client user, then asked at every sign-in
    sign_in(client, world.qm_a)
    assert client.get(reverse("organisations:list")).url.startswith(reverse("two_factor:verify"))


def test_client_user_enrols_from_the_security_page(client, world):
    client.force_login(world.qm_a)
    assert 'href="/accounts/two-factor/"' in client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("two_factor:overview")).content.decode()
    assert "Set up two-factor sign-in" in page and "Signed in" in page


def test_new_recovery_codes_replace_the_old_ones(client, world):
    old = enrol(world.qm_a)
    client.force_login(world.qm_a)
    client.post(reverse("two_factor:verify"), {"code": old[0]})
    response = client.post(reverse("two_factor:recovery_codes"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=world.qm_a).values_list("token", flat=True)) == set(
        new
    )
    assert kinds(world.qm_a)[-1] == SignInKind.RECOVERY_CODES_REPLACED


def test_new_recovery_codes_need_a_verified_session(client, world):
    old = enrol(world.qm_a)
    client.force_login(world.qm_a)
    response = client.post(reverse("two_factor:recovery_codes"))
    assert response.status_code == 302
    assert set(StaticToken.objects.filter(device__user=world.qm_a).values_list("token", flat=True)) == set(
        old
    )


def test_an_administrator_resets_a_lost_device_and_it_is_recorded(client, world):
    enrol(world.auditor)
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:organisations_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [world.auditor.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.auditor).exists()
    assert not StaticToken.objects.filter(device__user=world.auditor).exists()
    event = SignInEvent.objects.filter(user=world.auditor).latest("pk")
    assert (event.kind, event.actor) == (SignInKind.TWO_FACTOR_RESET, admin)


def test_only_an_administrator_may_reset(world):
    enrol(world.auditor)
    with pytest.raises(NotAllowed):
        security.two_factor_reset(actor=world.cert_manager, user=world.auditor, request=None)
    assert TOTPDevice.objects.filter(user=world.auditor).exists()


def test_security_page_reads_the_same_queries_for_1_and_3_records(client, world, django_assert_num_queries):
    client.force_login(world.qm_a)
    client.get(reverse("two_factor:overview"))
    with django_assert_num_queries(5):  # session, user, device, recovery codes, records
        client.get(reverse("two_factor:overview"))
    for _login in range(2):
        client.force_login(world.qm_a)
    client.get(reverse("two_factor:overview"))
    with django_assert_num_queries(5):
        page = client.get(reverse("two_factor:overview"))
    assert len(page.context["sign_ins"]) == 3


def test_a_reset_device_is_owed_no_more_by_whom_it_is_optional_for(client, world):
    enrol(world.qm_a)
    sign_in(client, world.qm_a)
    assert client.get(reverse("organisations:list")).status_code == 302
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    security.two_factor_reset(actor=admin, user=world.qm_a, request=None)
    assert client.get(reverse("organisations:list")).status_code == 200
