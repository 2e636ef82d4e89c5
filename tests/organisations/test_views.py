import datetime

import pytest
from django.core import mail
from django.urls import reverse

from core.transitions import transitions_of
from organisations.enums import OrganisationRole
from organisations.models import Invitation, OrganisationMembership, Site
from tests import factories

pytestmark = pytest.mark.django_db

SITE_DATA = {
    "name": "Archive",
    "kind": "permanent",
    "street": "Quay 4",
    "postcode": "2000",
    "city": "Antwerp",
    "country": "BE",
    "headcount": "12",
    "is_active": "on",
}


def _post_as(client, user, name, data, **kwargs):
    client.force_login(user)
    return client.post(reverse(name, kwargs=kwargs), data)


# --- permission matrix of every mutating view: allowed, read-only 403, outsider 404, wrong method 405


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("qm_a", 302),
        ("contributor_a", 403),
        ("viewer_a", 403),
        ("auditor", 403),
        ("qm_b", 404),
        ("nobody", 404),
    ],
)
def test_site_create_permission_matrix(client, world, persona, status):
    response = _post_as(
        client, getattr(world, persona), "organisations:site_create", SITE_DATA, pk=world.org_a.pk
    )
    assert response.status_code == status
    assert world.org_a.sites.filter(name="Archive").exists() is (status == 302)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("qm_a", 302), ("viewer_a", 403), ("cert_manager", 403), ("other_cb_manager", 404)],
)
def test_organisation_edit_permission_matrix(client, world, persona, status):
    data = {
        "name": "Renamed A",
        "kind": "agency",
        "street": "s",
        "city": "c",
        "country": "BE",
        "headcount": "5",
    }
    response = _post_as(client, getattr(world, persona), "organisations:edit", data, pk=world.org_a.pk)
    world.org_a.refresh_from_db()
    assert response.status_code == status
    assert (world.org_a.name == "Renamed A") is (status == 302)


@pytest.mark.parametrize(
    ("persona", "status"), [("qm_a", 302), ("contributor_a", 403), ("auditor", 403), ("qm_b", 404)]
)
def test_member_invite_permission_matrix(client, world, persona, status):
    data = {"email": "newcomer@test.example", "full_name": "Newcomer", "role": "viewer"}
    response = _post_as(
        client, getattr(world, persona), "organisations:member_invite", data, pk=world.org_a.pk
    )
    assert response.status_code == status
    assert Invitation.objects.filter(email="newcomer@test.example").exists() is (status == 302)
    assert not OrganisationMembership.objects.filter(user__email="newcomer@test.example").exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("qm_a", 302), ("viewer_a", 403), ("staff", 403), ("qm_b", 404)]
)
def test_member_deactivate_permission_matrix(client, world, persona, status):
    membership = world.contributor_a.organisation_memberships.get()
    response = _post_as(
        client,
        getattr(world, persona),
        "organisations:member_deactivate",
        {"reason": ""},
        pk=world.org_a.pk,
        membership_pk=membership.pk,
    )
    membership.refresh_from_db()
    assert response.status_code == status
    assert membership.is_active is (status != 302)


def test_member_deactivate_get_is_405(client, world):
    client.force_login(world.qm_a)
    membership = world.contributor_a.organisation_memberships.get()
    url = reverse("organisations:member_deactivate", args=[world.org_a.pk, membership.pk])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("name", ["organisations:detail", "organisations:sites", "organisations:members"])
def test_read_pages_refuse_post(client, world, name):
    client.force_login(world.qm_a)
    assert client.post(reverse(name, args=[world.org_a.pk])).status_code == 405


# --- behaviour


def test_site_create_adds_site_and_message(client, world):
    response = _post_as(client, world.qm_a, "organisations:site_create", SITE_DATA, pk=world.org_a.pk)
    site = world.org_a.sites.get(name="Archive")
    assert (site.city, site.headcount, site.is_central_function) == ("Antwerp", 12, False)
    assert response.url == reverse("organisations:sites", args=[world.org_a.pk])
    page = client.get(response.url)
    assert "The site was added." in page.content.decode()


def test_site_create_second_central_function_shows_error_and_changes_nothing(client, world):
    response = _post_as(
        client,
        world.qm_a,
        "organisations:site_create",
        {**SITE_DATA, "is_central_function": "on"},
        pk=world.org_a.pk,
    )
    assert response.status_code == 200
    assert "already has an active central function" in response.content.decode()
    assert world.org_a.sites.count() == 1


def test_site_create_bad_input_shows_errors(client, world):
    response = _post_as(
        client,
        world.qm_a,
        "organisations:site_create",
        {**SITE_DATA, "headcount": "-4", "country": "XX"},
        pk=world.org_a.pk,
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"headcount", "country"}
    assert world.org_a.sites.count() == 1


def test_site_edit_deactivates_and_records(client, world):
    site = factories.SiteFactory(organisation=world.org_a, name="Old depot")
    data = {**SITE_DATA, "name": "Old depot"}
    del data["is_active"]
    _post_as(client, world.qm_a, "organisations:site_edit", data, pk=world.org_a.pk, site_pk=site.pk)
    site.refresh_from_db()
    assert site.is_active is False
    assert transitions_of(site).filter(field="is_active", to_state="False").exists()


def test_site_edit_of_other_organisations_site_is_404(client, world):
    client.force_login(world.qm_a)
    url = reverse("organisations:site_edit", args=[world.org_a.pk, world.site_b.pk])
    assert client.post(url, SITE_DATA).status_code == 404
    assert Site.objects.get(pk=world.site_b.pk).name == "B headquarters"


def test_member_invite_sends_mail_and_lists_the_invitation(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_as(
            client,
            world.qm_a,
            "organisations:member_invite",
            {"email": "Newcomer@Test.Example", "full_name": "New Comer", "role": "contributor"},
            pk=world.org_a.pk,
        )
    assert response.status_code == 302
    assert mail.outbox[0].to == ["newcomer@test.example"]
    page = client.get(reverse("organisations:members", args=[world.org_a.pk])).content.decode()
    assert "joins once they accept" in page
    assert (
        "Invitations waiting for an answer" in page
        and "New Comer" in page
        and "newcomer@test.example" in page
    )


def test_member_invite_existing_member_shows_error(client, world):
    response = _post_as(
        client,
        world.qm_a,
        "organisations:member_invite",
        {"email": world.viewer_a.email, "full_name": "x", "role": "viewer"},
        pk=world.org_a.pk,
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_member_edit_last_quality_manager_demotion_refused(client, world):
    response = _post_as(
        client,
        world.qm_a,
        "organisations:member_edit",
        {"role": "viewer"},
        pk=world.org_a.pk,
        membership_pk=world.membership_qm_a.pk,
    )
    assert response.status_code == 200
    assert "only quality manager" in response.content.decode()
    world.membership_qm_a.refresh_from_db()
    assert world.membership_qm_a.role == OrganisationRole.QUALITY_MANAGER


def test_member_edit_changes_role(client, world):
    membership = world.viewer_a.organisation_memberships.get()
    _post_as(
        client,
        world.qm_a,
        "organisations:member_edit",
        {"role": "contributor"},
        pk=world.org_a.pk,
        membership_pk=membership.pk,
    )
    membership.refresh_from_db()
    assert membership.role == OrganisationRole.CONTRIBUTOR


def test_member_edit_invalid_role_changes_nothing(client, world):
    membership = world.viewer_a.organisation_memberships.get()
    response = _post_as(
        client,
        world.qm_a,
        "organisations:member_edit",
        {"role": "superuser"},
        pk=world.org_a.pk,
        membership_pk=membership.pk,
    )
    assert response.status_code == 200 and "role" in response.context["form"].errors
    membership.refresh_from_db()
    assert membership.role == OrganisationRole.VIEWER


def test_profile_page_shows_edit_link_to_quality_manager_only(client, world):
    url = reverse("organisations:detail", args=[world.org_a.pk])
    edit_url = reverse("organisations:edit", args=[world.org_a.pk])
    client.force_login(world.qm_a)
    assert edit_url in client.get(url).content.decode()
    client.force_login(world.viewer_a)
    page = client.get(url).content.decode()
    assert edit_url not in page and "CB serving A" in page


# --- query counts: the same at 1 and 3 rows


def _count_queries(client, django_assert_num_queries, url, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 3])
def test_organisation_list_query_count(client, world, django_assert_num_queries, rows):
    for _ in range(rows - 1):
        factories.ClientEngagementFactory(certification_body=world.cb)
    client.force_login(world.auditor)
    # the count, the page, its organisations' sites
    _count_queries(client, django_assert_num_queries, reverse("organisations:list"), 5)


def test_the_organisation_list_is_paginated_and_searchable(client, world):
    for n in range(55):
        factories.ClientEngagementFactory(
            certification_body=world.cb, organisation__name=f"School {n:02d}", organisation__kind="school"
        )
    client.force_login(world.cert_manager)
    url = reverse("organisations:list")

    first = client.get(url)
    assert len(first.context["page_obj"]) == 50 and "Page 1 of 2" in first.content.decode()
    assert [o.name for o in client.get(url, {"q": "school 07"}).context["page_obj"]] == ["School 07"]
    assert client.get(url, {"kind": "school"}).context["page_obj"].paginator.count == 55
    assert client.get(url, {"page": "99"}).context["page_obj"].number == 2
    assert client.get(url, {"kind": "castle"}).context["filters"].errors
    listed = client.get(url, {"q": "school 0"}).content.decode()
    assert "10 organisations" in listed and "School 09" in listed and "School 10" not in listed


@pytest.mark.parametrize("rows", [1, 3])
def test_site_list_query_count(client, world, django_assert_num_queries, rows):
    factories.SiteFactory.create_batch(rows - 1, organisation=world.org_a, manager=world.contributor_a)
    client.force_login(world.qm_a)  # a quality manager: the members to name as site managers too
    _count_queries(
        client, django_assert_num_queries, reverse("organisations:sites", args=[world.org_a.pk]), 6
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_member_list_query_count(client, world, django_assert_num_queries, rows):
    factories.OrganisationMembershipFactory.create_batch(rows - 1, organisation=world.org_b)
    client.force_login(world.qm_b)  # a quality manager: the pending invitations too
    _count_queries(
        client, django_assert_num_queries, reverse("organisations:members", args=[world.org_b.pk]), 6
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_dashboard_query_count(client, world, django_assert_num_queries, rows):
    for _ in range(rows - 1):
        factories.ClientEngagementFactory(certification_body=world.cb)
    for _ in range(rows):  # also a client's member: the panel of nonconformities to answer shows
        factories.OrganisationMembershipFactory(user=world.cert_manager, role=OrganisationRole.VIEWER)
    client.force_login(world.cert_manager)
    # the work panels: next audits, unfinished reports, nonconformities to answer, audit plans to
    # acknowledge, responses to review; the certificates counted by status (the calendar's panels
    # and what to do next in the management system load after the page)
    _count_queries(client, django_assert_num_queries, reverse("dashboard"), 14)


def test_the_dashboard_counts_a_cbs_clients_and_names_the_newest(client, world):
    for n in range(12):
        factories.ClientEngagementFactory(
            certification_body=world.cb,
            organisation__name=f"Client {n:02d}",
            since=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
        )
    client.force_login(world.cert_manager)
    response = client.get(reverse("dashboard"))
    [cb] = response.context["certification_bodies"]
    total = cb.client_count
    assert total >= 12 and len(cb.open_engagements) == 10
    assert [e.organisation.name for e in cb.open_engagements][:2] == ["Client 11", "Client 10"]
    html = response.content.decode()
    assert f'<span class="badge text-bg-secondary">{total}</span>' in html and "Client 00" not in html
    assert "find any client in the organisations list" in html
