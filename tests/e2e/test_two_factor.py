"""Two-factor sign-in through the pages: a certification manager, who must use a second factor,
enrols an authenticator app (the codes are computed from the key the page shows, as the app would),
signs out, signs in with a code from the app, signs out and signs in with a recovery code."""

import time
from base64 import b32decode
from binascii import unhexlify

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from organisations.enums import CBRole
from tests import factories
from tests.e2e.test_gap_analysis import _blocked_by_csp
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py


def _app_code(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _password(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_manager_enrols_then_signs_in_with_a_code_and_with_a_recovery_code(page, live_server, settings):
    settings.MFA_REQUIRED = True
    manager = factories.CBMembershipFactory(
        role=CBRole.CERTIFICATION_MANAGER, user__full_name="Mira Manager"
    ).user
    refused = _blocked_by_csp(page)

    # enrolment: the password, then the app's key from the page and a code from it
    _password(page, live_server, manager.email)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the key for your authenticator app")).to_be_visible()
    typed_key = page.locator("[data-secret]").inner_text().replace(" ", "")
    key = b32decode(typed_key)
    page.get_by_label("The six-digit code your app shows").fill(_app_code(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("[data-recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert unhexlify(TOTPDevice.objects.get(user=manager).key) == key
    _sign_out(page, "Mira Manager")

    # the password, then the app's next code (the enrolment used the current one)
    _password(page, live_server, manager.email)
    expect(page.get_by_role("heading", name="Your second factor")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        _app_code(key, steps_ahead=1)
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    _sign_out(page, "Mira Manager")

    # the password, then a recovery code, which is then used up
    _password(page, live_server, manager.email)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("button", name="Mira Manager").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_text("9 recovery codes left.")).to_be_visible()
    expect(page.get_by_role("cell", name="Recovery code used")).to_be_visible()
    assert refused == []
