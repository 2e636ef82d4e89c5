"""Independence: nobody holds an active role at a CB and in an organisation it serves (one rule,
`organisations.independence`, asked at each door: invitation and acceptance in
test_invitations.py; CB and organisation memberships, engagements and the demo here)."""

import pytest
from django.urls import reverse

from organisations.demo import demo_load
from organisations.enums import CBRole, OrganisationRole
from organisations.independence import IndependenceError, independence_conflict, require_independent
from organisations.models import CBMembership, ClientEngagement, OrganisationMembership
from tests import factories

pytestmark = pytest.mark.django_db

CONFLICT = "Independence: {person} would both work for {body} and belong to {org}, its client."


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def _message(person, body, org) -> str:
    return CONFLICT.format(person=person, body=body, org=org)


# --- the rule


def test_the_rule_names_the_conflict_whichever_side_comes_second(world):
    assert independence_conflict(user=world.qm_a, certification_body=world.cb).message.startswith(
        _message("Quality Manager A", "CB serving A", "Organisation A")
    )
    assert (
        independence_conflict(user=world.cert_manager, organisation=world.org_a).certification_body
        == world.cb
    )
    factories.OrganisationMembershipFactory(user=world.other_cb_manager, organisation=world.org_a)
    conflict = independence_conflict(certification_body=world.other_cb, organisation=world.org_a)
    assert (conflict.person, conflict.certification_body, conflict.organisation) == (
        world.other_cb_manager,
        world.other_cb,
        world.org_a,
    )


@pytest.mark.parametrize(
    ("sides", "conflict"),
    [
        (lambda w: {"user": w.qm_a, "certification_body": w.other_cb}, False),  # B's CB does not serve A
        (lambda w: {"user": w.cert_manager, "organisation": w.org_b}, False),
        (lambda w: {"user": w.nobody, "organisation": w.org_a}, False),
        (lambda w: {"certification_body": w.other_cb, "organisation": w.org_a}, False),
        (lambda w: {"user": w.auditor, "organisation": w.org_a}, True),
        (lambda w: {"user": w.viewer_a, "certification_body": w.cb}, True),
    ],
)
def test_the_rule_table(world, sides, conflict):
    assert (independence_conflict(**sides(world)) is not None) is conflict


def test_inactive_roles_and_ended_engagements_do_not_count(world):
    world.auditor.cb_memberships.update(is_active=False)
    assert independence_conflict(user=world.auditor, organisation=world.org_a) is None
    world.cb.engagements.update(ended_on=world.cb.engagements.get().since)
    assert independence_conflict(user=world.cert_manager, organisation=world.org_a) is None
    with pytest.raises(IndependenceError):
        require_independent(user=world.other_cb_manager, organisation=world.org_b)


# --- the doors in the admin: CB and organisation memberships, engagements


def test_admin_refuses_a_cb_membership_for_a_member_of_a_client(admin_client, world):
    response = admin_client.post(
        reverse("admin:organisations_cbmembership_add"),
        {
            "user": world.qm_a.pk,
            "certification_body": world.cb.pk,
            "role": CBRole.REVIEWER,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert _message("Quality Manager A", "CB serving A", "Organisation A") in response.content.decode()
    assert not CBMembership.objects.filter(user=world.qm_a).exists()


def test_admin_allows_a_cb_membership_at_a_cb_not_serving_the_persons_organisation(admin_client, world):
    response = admin_client.post(
        reverse("admin:organisations_cbmembership_add"),
        {
            "user": world.qm_a.pk,
            "certification_body": world.other_cb.pk,
            "role": CBRole.AUDITOR,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert CBMembership.objects.filter(user=world.qm_a, certification_body=world.other_cb).exists()


def test_admin_refuses_reactivating_a_cb_membership_in_conflict(admin_client, world):
    membership = world.auditor.cb_memberships.get()
    CBMembership.objects.filter(pk=membership.pk).update(is_active=False)
    OrganisationMembership.objects.create(
        user=world.auditor, organisation=world.org_a, role=OrganisationRole.VIEWER
    )
    data = {
        "user": world.auditor.pk,
        "certification_body": world.cb.pk,
        "role": CBRole.AUDITOR,
        "is_active": "on",
    }
    response = admin_client.post(
        reverse("admin:organisations_cbmembership_change", args=[membership.pk]), data
    )
    assert _message("Auditor", "CB serving A", "Organisation A") in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active is False


def test_admin_refuses_an_organisation_membership_for_the_staff_of_its_cb(admin_client, world):
    response = admin_client.post(
        reverse("admin:organisations_organisationmembership_add"),
        {"user": world.cert_manager.pk, "organisation": world.org_a.pk, "role": "viewer", "is_active": "on"},
    )
    assert _message("Certification Manager", "CB serving A", "Organisation A") in response.content.decode()
    assert not OrganisationMembership.objects.filter(user=world.cert_manager).exists()


def test_admin_user_page_refuses_a_conflicting_cb_role_in_its_inline(admin_client, world):
    user = world.qm_a
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "organisation_memberships-TOTAL_FORMS": "1",
        "organisation_memberships-INITIAL_FORMS": "1",
        "organisation_memberships-0-id": world.membership_qm_a.pk,
        "organisation_memberships-0-user": user.pk,
        "organisation_memberships-0-organisation": world.org_a.pk,
        "organisation_memberships-0-role": "quality_manager",
        "organisation_memberships-0-is_active": "on",
        "cb_memberships-TOTAL_FORMS": "1",
        "cb_memberships-INITIAL_FORMS": "0",
        "cb_memberships-0-user": user.pk,
        "cb_memberships-0-certification_body": world.cb.pk,
        "cb_memberships-0-role": CBRole.AUDITOR,
        "cb_memberships-0-is_active": "on",
    }
    response = admin_client.post(reverse("admin:organisations_user_change", args=[user.pk]), data)
    assert _message("Quality Manager A", "CB serving A", "Organisation A") in response.content.decode()
    assert not CBMembership.objects.filter(user=user).exists()


def test_admin_refuses_an_engagement_with_a_client_whose_member_works_for_the_cb(admin_client, world):
    OrganisationMembership.objects.create(
        user=world.other_cb_manager, organisation=world.org_a, role=OrganisationRole.VIEWER
    )
    url = reverse("admin:organisations_clientengagement_add")
    data = {"certification_body": world.other_cb.pk, "organisation": world.org_a.pk, "since": "2026-06-01"}
    response = admin_client.post(url, data)
    assert _message("Other CB Manager", "CB serving B", "Organisation A") in response.content.decode()
    assert not ClientEngagement.objects.filter(
        certification_body=world.other_cb, organisation=world.org_a
    ).exists()
    assert (
        admin_client.post(url, data | {"ended_on": "2026-06-30"}).status_code == 302
    )  # a past one is a record


# --- the demo data keeps the rule


def test_the_demo_refuses_to_engage_a_client_whose_member_works_for_the_cb(db):
    for code in ("ISO 9001", "ISO 14001", "ISO 45001", "ISO/IEC 27001"):
        factories.StandardFactory(code=code)
    demo_load()
    qm = OrganisationMembership.objects.get(user__email="qm@ministry.example")
    CBMembership.objects.create(
        user=qm.user, certification_body=CBMembership.objects.first().certification_body, role=CBRole.AUDITOR
    )
    with pytest.raises(IndependenceError, match="Ministry of Digital Affairs"):
        demo_load()
