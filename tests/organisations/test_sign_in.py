"""Sign-in records, throttling per client address across accounts, password-reset throttling and
the idle timeout."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from organisations.backends import UserBackend
from organisations.enums import SignInKind
from organisations.middleware import LAST_SEEN_RESOLUTION_SECONDS
from organisations.models import SignInEvent
from organisations.signins import LAST_SEEN_KEY
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SPRAYER = "203.0.113.5"
ELSEWHERE = "198.51.100.7"


def _login(client, email: str, password: str, address: str = SPRAYER):
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT="Test/1.0",
    )


# --- Sign-in records --------------------------------------------------------------------------------


def test_sign_in_failure_and_sign_out_are_recorded_with_address_and_browser(client, world):
    _login(client, world.qm_a.email, "wrong")
    _login(client, world.qm_a.email.upper(), PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR=SPRAYER)
    events = list(SignInEvent.objects.order_by("pk"))
    assert [(e.kind, e.user, e.email, e.ip_address) for e in events] == [
        (SignInKind.FAILED, None, world.qm_a.email, SPRAYER),
        (SignInKind.SIGNED_IN, world.qm_a, world.qm_a.email, SPRAYER),
        (SignInKind.SIGNED_OUT, world.qm_a, world.qm_a.email, SPRAYER),
    ]
    assert events[1].user_agent == "Test/1.0"


def test_a_lockout_is_recorded(client, world):
    for _attempt in range(5):
        _login(client, world.qm_a.email, "wrong")
    assert SignInEvent.objects.filter(kind=SignInKind.LOCKED_OUT, email=world.qm_a.email).exists()


def test_a_long_browser_name_is_cut_to_its_bound(client, world):
    client.post(
        reverse("login"),
        {"username": world.qm_a.email, "password": PASSWORD},
        HTTP_USER_AGENT="Agent\n" + "x" * 5000,
    )
    event = SignInEvent.objects.get(kind=SignInKind.SIGNED_IN)
    assert len(event.user_agent) == 200 and "\n" not in event.user_agent


# --- Password spraying: failures per client address across accounts ----------------------------------


def test_one_password_tried_against_30_accounts_from_one_address_is_stopped(client, world):
    accounts = factories.UserFactory.create_batch(30)
    answers = [_login(client, user.email, "Winter2026!").status_code for user in accounts]
    assert answers[:25] == [200] * 25  # the form again, with its error
    assert answers[25:] == [429] * 5
    refused = _login(client, world.qm_a.email, PASSWORD)
    assert (
        refused.status_code == 429
        and "Too many failed sign-ins from your network" in refused.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert _login(client, world.qm_a.email, PASSWORD, address=ELSEWHERE).status_code == 302


def test_the_address_limit_counts_only_recent_failures(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    old = timezone.now() - settings.LOGIN_ADDRESS_WINDOW - datetime.timedelta(seconds=1)
    for user in factories.UserFactory.create_batch(3):  # records are never rewritten: made old
        SignInEvent.objects.create(kind=SignInKind.FAILED, email=user.email, ip_address=SPRAYER, at=old)
    assert _login(client, world.qm_a.email, PASSWORD).status_code == 302
    client.logout()
    for user in factories.UserFactory.create_batch(3):
        _login(client, user.email, "wrong")
    assert _login(client, world.qm_a.email, PASSWORD).status_code == 429


# --- Password reset ----------------------------------------------------------------------------------


def _reset(client, email: str, address: str = SPRAYER):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mails_an_account_at_most_three_times_and_answers_alike(client, world):
    known = [_reset(client, world.viewer_a.email) for _request in range(5)]
    unknown = [_reset(client, "nobody@test.example", address=ELSEWHERE) for _request in range(5)]
    assert {(r.status_code, r.url) for r in known + unknown} == {(302, reverse("password_reset_done"))}
    assert [message.to for message in mail.outbox] == [[world.viewer_a.email]] * 3


def test_password_reset_requests_are_limited_per_address(client, world):
    for number in range(10):
        assert _reset(client, f"person{number}@test.example").status_code == 302
    refused = _reset(client, world.viewer_a.email)
    assert refused.status_code == 429 and "Too many password-reset requests" in refused.content.decode()
    assert mail.outbox == []
    assert _reset(client, world.viewer_a.email, address=ELSEWHERE).status_code == 302
    assert len(mail.outbox) == 1


# --- Idle sessions ------------------------------------------------------------------------------------


def _idle_for(client, minutes: float) -> None:
    """Move the clock: the session was last seen this many minutes ago."""
    session = client.session
    session[LAST_SEEN_KEY] = int(timezone.now().timestamp() - minutes * 60)
    session.save()


def test_cb_staff_are_signed_out_after_their_cbs_idle_time(client, world):
    world.cb.session_idle_minutes = 20
    world.cb.save()
    client.force_login(world.auditor)
    _idle_for(client, 19)
    assert client.get(reverse("organisations:list")).status_code == 200
    _idle_for(client, 21)
    response = client.get(reverse("organisations:list"))
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/organisations/"
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.filter(user=world.auditor).latest("pk").kind == SignInKind.IDLE_TIMEOUT


def test_other_users_are_signed_out_after_the_setting(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    client.force_login(world.qm_a)
    _idle_for(client, 59)
    assert client.get(reverse("organisations:list")).status_code == 200
    _idle_for(client, 61)
    assert client.get(reverse("organisations:list")).status_code == 302


def test_activity_keeps_the_session_alive(client, world):
    client.force_login(world.auditor)
    _idle_for(client, 25)
    assert client.get(reverse("organisations:list")).status_code == 200  # seen now
    assert timezone.now().timestamp() - client.session[LAST_SEEN_KEY] < LAST_SEEN_RESOLUTION_SECONDS
    _idle_for(client, 0.5)
    last_seen = client.session[LAST_SEEN_KEY]
    client.get(reverse("organisations:list"))
    assert client.session[LAST_SEEN_KEY] == last_seen  # not written again within the minute


def test_staff_of_several_cbs_get_the_shortest_time_with_the_user(world):
    other = factories.CertificationBodyFactory(session_idle_minutes=15)
    factories.CBMembershipFactory(certification_body=other, user=world.auditor)
    assert UserBackend().get_user(world.auditor.pk).session_idle_minutes == 15
    assert UserBackend().get_user(world.qm_a.pk).session_idle_minutes is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE organisations_signinevent SET email = 'rewritten@example.org' WHERE id = %s",
        "DELETE FROM organisations_signinevent WHERE id = %s",
    ],
)
def test_sign_in_records_are_append_only_in_the_database(statement):
    record = SignInEvent.objects.create(kind=SignInKind.FAILED, email="someone@example.org")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement, [record.pk])
    assert SignInEvent.objects.values_list("email", flat=True).get(pk=record.pk) == "someone@example.org"
