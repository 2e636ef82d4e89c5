"""Consented membership: an invitation is a record that grants nothing until the invited person
accepts it (signed in with its address, or creating their account from its link)."""

import datetime
import re

import pytest
from django.contrib import admin
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.services.daily import daily_job_run
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations import services
from organisations.enums import InvitationStatus, OrganisationRole
from organisations.independence import IndependenceError
from organisations.models import Invitation, OrganisationMembership, User
from organisations.selectors import invitation_by_token, token_digest
from tests import factories
from tests.core.test_csp import _inline_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-pass-phrase-2026"


def invite(world, email="new.person@test.example", role=OrganisationRole.CONTRIBUTOR, **kwargs):
    return services.invitation_create(
        actor=world.qm_a, organisation=world.org_a, email=email, full_name="New Person", role=role, **kwargs
    )


def _link(message) -> str:
    return re.search(r"http://\S+/organisations/invitations/\S+/", message.body).group(0)


def _path(invitation) -> str:
    return reverse("organisations:invitation_accept", args=[invitation.token])


def _statuses(invitation) -> list[tuple[str, str]]:
    return [(t.from_state, t.to_state) for t in transitions_of(invitation).order_by("pk")]


# --- the defect: inviting granted membership at once, to anyone


def test_inviting_an_existing_account_grants_nothing_until_accepted(client, world):
    client.force_login(world.qm_a)
    response = client.post(
        reverse("organisations:member_invite", args=[world.org_a.pk]),
        {"email": world.other_cb_manager.email, "full_name": "x", "role": "quality_manager"},
    )
    assert response.status_code == 302
    assert not OrganisationMembership.objects.filter(
        user=world.other_cb_manager, organisation=world.org_a
    ).exists()
    invitation = Invitation.objects.get(email=world.other_cb_manager.email)
    assert (invitation.status, invitation.role, invitation.invited_by) == (
        "pending",
        "quality_manager",
        world.qm_a,
    )


def test_inviting_an_unknown_address_creates_no_account(client, world):
    client.force_login(world.qm_a)
    client.post(
        reverse("organisations:member_invite", args=[world.org_a.pk]),
        {"email": "Someone.New@Test.Example", "full_name": "Someone New", "role": "viewer"},
    )
    assert not User.objects.filter(email__iexact="someone.new@test.example").exists()
    assert Invitation.objects.get().email == "someone.new@test.example"


def test_staff_of_the_cb_serving_the_organisation_cannot_be_invited(client, world):
    client.force_login(world.qm_a)
    response = client.post(
        reverse("organisations:member_invite", args=[world.org_a.pk]),
        {"email": world.cert_manager.email, "full_name": "x", "role": "contributor"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Independence: Certification Manager would both work for CB serving A and belong to Organisation A"
        in page
    )
    assert not Invitation.objects.exists()
    assert not OrganisationMembership.objects.filter(
        user=world.cert_manager, organisation=world.org_a
    ).exists()


# --- the invitation and its e-mail


def test_an_invitation_stores_only_the_hash_of_its_token_and_mails_the_link(
    world, django_capture_on_commit_callbacks, settings
):
    settings.INVITATION_VALID_DAYS = 10
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(world, email="New.Person@Test.Example")
    invitation.refresh_from_db()
    assert (
        invitation.token_hash == token_digest(invitation.token)
        and invitation.token not in invitation.token_hash
    )
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=10)
    assert _statuses(invitation) == [("", "pending")]
    [message] = mail.outbox
    assert message.to == ["new.person@test.example"]
    assert message.subject == "Invitation to join Organisation A"
    assert _link(message).endswith(_path(invitation))
    assert (
        "Create your account and accept here" in message.body
        and "Quality Manager A invites you" in message.body
    )


def test_an_existing_account_is_told_to_sign_in(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, email=world.qm_b.email.upper())
    assert "Sign in with this e-mail address and accept here" in mail.outbox[0].body


def test_inviting_a_member_or_someone_already_invited_says_so(world):
    with pytest.raises(
        services.MembershipError, match="Viewer A is already a member of Organisation A, as viewer"
    ):
        invite(world, email=world.viewer_a.email)
    invite(world)
    with pytest.raises(services.MembershipError, match="already invited to Organisation A, until"):
        invite(world, email="NEW.person@test.example")
    assert Invitation.objects.count() == 1


def test_only_a_quality_manager_invites(world):
    with pytest.raises(NotAllowed):
        services.invitation_create(
            actor=world.contributor_a,
            organisation=world.org_a,
            email="x@test.example",
            full_name="X",
            role="viewer",
        )


def test_an_expired_invitation_gives_way_to_a_new_one(world):
    old = invite(world)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    new = invite(world)
    old.refresh_from_db()
    assert old.status == InvitationStatus.EXPIRED and _statuses(old) == [
        ("", "pending"),
        ("pending", "expired"),
    ]
    assert new.status == InvitationStatus.PENDING


def test_the_daily_sweep_expires_pending_invitations_once(world):
    due, live = invite(world), invite(world, email="other@test.example")
    Invitation.objects.filter(pk=due.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.invitations_expire(now=timezone.now()) == 1
    assert services.invitations_expire(now=timezone.now()) == 0
    due.refresh_from_db()
    live.refresh_from_db()
    assert (due.status, live.status) == ("expired", "pending")
    assert _statuses(due) == [("", "pending"), ("pending", "expired")]


def test_resend_gives_a_new_link_and_the_old_one_stops(world, django_capture_on_commit_callbacks):
    invitation = invite(world)
    old_token = invitation.token
    with django_capture_on_commit_callbacks(execute=True):
        resent = services.invitation_resend(actor=world.qm_a, invitation=invitation)
    assert resent.token != old_token
    assert invitation_by_token(old_token) is None and invitation_by_token(resent.token) == invitation
    assert _link(mail.outbox[-1]).endswith(reverse("organisations:invitation_accept", args=[resent.token]))


def test_revoke_is_recorded_and_the_link_then_says_so(client, world):
    invitation = invite(world)
    services.invitation_revoke(actor=world.qm_a, invitation=invitation)
    services.invitation_revoke(actor=world.qm_a, invitation=invitation)  # again: a no-op
    invitation.refresh_from_db()
    assert _statuses(invitation) == [("", "pending"), ("pending", "revoked")]
    response = client.get(_path(invitation))
    assert response.status_code == 410 and "was withdrawn" in response.content.decode()
    response = client.post(
        _path(invitation), {"full_name": "N", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="new.person@test.example").exists()
    with pytest.raises(services.MembershipError, match="This invitation is revoked: invite the person again"):
        services.invitation_resend(actor=world.qm_a, invitation=invitation)


# --- accepting


def test_someone_new_creates_their_account_and_joins_at_once(client, world):
    invitation = invite(world)
    page = client.get(_path(invitation)).content.decode()
    assert "Create my account and accept" in page and 'value="New Person"' in page
    response = client.post(
        _path(invitation), {"full_name": "Nora Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.url == world.org_a.get_absolute_url()
    user = User.objects.get(email="new.person@test.example")
    assert user.full_name == "Nora Person" and user.check_password(NEW_PASSWORD)
    membership = OrganisationMembership.objects.get(user=user, organisation=world.org_a)
    assert membership.role == OrganisationRole.CONTRIBUTOR and membership.is_active
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", user) and invitation.accepted_at
    assert _statuses(invitation) == [("", "pending"), ("pending", "accepted")]
    assert (
        "Welcome to Organisation A, as contributor." in client.get(response.url).content.decode()
    )  # signed in


def test_a_weak_or_mistyped_password_is_refused_and_changes_nothing(client, world):
    invitation = invite(world)
    for password, again, error in (
        ("short", "short", "too short"),
        ("new.person@test", "new.person@test", "too similar"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords differ"),
    ):
        response = client.post(
            _path(invitation), {"full_name": "N P", "password1": password, "password2": again}
        )
        assert response.status_code == 200 and error in response.content.decode()
    assert not User.objects.filter(email="new.person@test.example").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_an_existing_account_signs_in_then_accepts(client, world):
    invitation = invite(world, email=world.qm_b.email, role=OrganisationRole.VIEWER)
    page = client.get(_path(invitation)).content.decode()
    assert "sign in with it" in page and f"{reverse('login')}?next=" in page
    client.post(_path(invitation), {"full_name": "x", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert world.qm_b.check_password(factories.PASSWORD)  # no account made or changed signed out
    client.force_login(world.qm_b)
    assert "Accept the invitation" in client.get(_path(invitation)).content.decode()
    assert not OrganisationMembership.objects.filter(user=world.qm_b, organisation=world.org_a).exists()
    response = client.post(_path(invitation))
    assert response.status_code == 302
    assert OrganisationMembership.objects.get(user=world.qm_b, organisation=world.org_a).role == "viewer"


def test_a_signed_in_person_with_another_address_is_refused(client, world):
    invitation = invite(world)
    client.force_login(world.qm_b)
    for response in (client.get(_path(invitation)), client.post(_path(invitation))):
        assert response.status_code == 403
        assert (
            f"This invitation is for new.person@test.example, and you are signed in as {world.qm_b.email}"
            in (response.content.decode())
        )
    assert not OrganisationMembership.objects.filter(user=world.qm_b, organisation=world.org_a).exists()
    with pytest.raises(NotAllowed, match="This invitation is for"):
        services.invitation_accept(actor=world.qm_b, invitation=invitation)


def test_a_used_or_expired_link_says_so_and_changes_nothing(client, world):
    used = invite(world, email=world.qm_b.email)
    services.invitation_accept(actor=world.qm_b, invitation=used)
    with pytest.raises(services.InvitationClosed, match="already accepted"):
        services.invitation_accept(actor=world.qm_b, invitation=used)
    expired = invite(world)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    response = client.post(
        _path(expired), {"full_name": "N", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 410 and "expired on" in response.content.decode()
    assert not User.objects.filter(email="new.person@test.example").exists()
    expired.refresh_from_db()
    assert expired.status == InvitationStatus.PENDING  # the daily sweep records the expiry
    client.force_login(world.qm_b)
    assert "already accepted" in client.get(_path(used)).content.decode()


def test_an_unknown_or_oversized_token_is_not_found(client, world):
    for token in ("nothing-here", "x" * 100_000):
        response = client.get(reverse("organisations:invitation_accept", args=[token]))
        assert (
            response.status_code == 404 and "This invitation link is not valid." in response.content.decode()
        )


def test_a_former_member_is_reinvited_through_the_same_flow(world):
    membership = world.viewer_a.organisation_memberships.get()
    services.membership_deactivate(actor=world.qm_a, membership=membership)
    invitation = invite(world, email=world.viewer_a.email, role=OrganisationRole.CONTRIBUTOR)
    membership.refresh_from_db()
    assert not membership.is_active  # nothing until accepted
    services.invitation_accept(actor=world.viewer_a, invitation=invitation)
    membership.refresh_from_db()
    assert membership.is_active and membership.role == OrganisationRole.CONTRIBUTOR
    assert list(
        transitions_of(membership).filter(field="is_active").order_by("pk").values_list("to_state", "actor")
    ) == [("False", world.qm_a.pk), ("True", world.viewer_a.pk)]


def test_acceptance_rechecks_independence(world):
    """Invited as a stranger; by the time they accept, they work for the CB serving A."""
    invitation = invite(world, email=world.qm_b.email)
    factories.CBMembershipFactory(user=world.qm_b, certification_body=world.cb)
    with pytest.raises(IndependenceError, match="CB serving A"):
        services.invitation_accept(actor=world.qm_b, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not OrganisationMembership.objects.filter(user=world.qm_b, organisation=world.org_a).exists()


# --- the members page


@pytest.mark.parametrize(
    ("persona", "status"), [("qm_a", 302), ("contributor_a", 403), ("auditor", 403), ("qm_b", 404)]
)
@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
def test_revoke_and_resend_permission_matrix(client, world, persona, status, action):
    invitation = invite(world)
    client.force_login(getattr(world, persona))
    url = reverse(f"organisations:{action}", args=[world.org_a.pk, invitation.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == status
    invitation.refresh_from_db()
    changed = invitation.status == "revoked" or invitation.token_hash != token_digest(invitation.token)
    assert changed is (status == 302)


def test_the_members_page_lists_pending_invitations_to_the_quality_manager_only(client, world):
    invite(world)
    url = reverse("organisations:members", args=[world.org_a.pk])
    client.force_login(world.qm_a)
    page = client.get(url).content.decode()
    assert "new.person@test.example" in page and "Revoke" in page and "Resend" in page
    client.force_login(world.viewer_a)
    assert "new.person@test.example" not in client.get(url).content.decode()


@pytest.mark.parametrize("rows", [1, 3])
def test_members_page_query_count_with_invitations(client, world, django_assert_num_queries, rows):
    for n in range(rows):
        invite(world, email=f"invited{n}@test.example")
    client.force_login(world.qm_a)
    with django_assert_num_queries(6):
        assert client.get(reverse("organisations:members", args=[world.org_a.pk])).status_code == 200


def test_the_daily_job_expires_invitations_past_their_date(world):
    invitation = invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    run = daily_job_run(today=timezone.localdate())
    invitation.refresh_from_db()
    assert run.invitations_expired == 1 and invitation.status == InvitationStatus.EXPIRED
    assert "1 invitation(s) expired" in run.summary()


def test_invitations_are_read_only_in_the_admin(rf, world):
    request = rf.get("/")
    request.user = world.staff
    request.user.is_superuser = True
    model_admin = admin.site._registry[Invitation]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert "token_hash" not in model_admin.get_fields(request)


def test_the_invitation_page_has_no_inline_code_in_any_of_its_states(client, world):
    new, known = invite(world), invite(world, email=world.qm_b.email)
    pages = [client.get(_path(new)), client.get(_path(known))]  # the sign-up form, the sign-in link
    client.force_login(world.qm_b)
    pages += [client.get(_path(known)), client.get(_path(new))]  # the button, the wrong account
    assert [page.status_code for page in pages] == [200, 200, 200, 403]
    assert [_inline_code(page) for page in pages] == [[], [], [], []]
