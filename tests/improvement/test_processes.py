"""The organisation's processes and its internal auditors' training: pages, scoping, soft removal."""

import datetime

import pytest
from django.urls import reverse

from improvement.models import AuditorTraining, Process
from improvement.services import processes as process_services
from tests import factories
from tests.audits.conftest import qms as qms

pytestmark = pytest.mark.django_db


def test_a_quality_manager_adds_a_process_with_owner_and_sites(client, world):
    client.force_login(world.qm_a)
    url = reverse("improvement:process_new", args=[world.org_a.pk])
    response = client.post(
        url,
        {
            "name": "Procurement",
            "description": "Buying",
            "owner": world.contributor_a.pk,
            "sites": [world.site_a.pk],
        },
    )
    assert response.status_code == 302 and response.url == reverse(
        "improvement:process_list", args=[world.org_a.pk]
    )
    process = Process.objects.get()
    assert (process.name, process.owner, list(process.sites.all())) == (
        "Procurement",
        world.contributor_a,
        [world.site_a],
    )


def test_owner_and_sites_are_the_organisations_own(client, world):
    client.force_login(world.qm_a)
    url = reverse("improvement:process_new", args=[world.org_a.pk])
    response = client.post(url, {"name": "Procurement", "owner": world.qm_b.pk, "sites": [world.site_b.pk]})
    assert response.status_code == 200 and Process.objects.count() == 0
    errors = response.context["form"].errors
    assert "owner" in errors and "sites" in errors


def test_a_duplicate_name_is_refused_with_a_message(client, world):
    process_services.process_create(actor=world.qm_a, organisation=world.org_a, name="Payroll")
    client.force_login(world.qm_a)
    response = client.post(reverse("improvement:process_new", args=[world.org_a.pk]), {"name": "payroll"})
    assert response.status_code == 200 and "already has a process" in response.content.decode()
    assert Process.objects.count() == 1


def test_a_process_is_deactivated_never_deleted_and_leaves_the_audit_pickers(client, world):
    process = process_services.process_create(actor=world.qm_a, organisation=world.org_a, name="Payroll")
    client.force_login(world.qm_a)
    assert client.get(reverse("improvement:process_deactivate", args=[process.pk])).status_code == 405
    response = client.post(
        reverse("improvement:process_deactivate", args=[process.pk]), {"reason": "Outsourced"}
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert not process.is_active
    page = client.get(reverse("improvement:process_list", args=[world.org_a.pk])).content.decode()
    assert "Payroll" in page and "Inactive" in page


def test_readers_read_and_do_not_write(client, world):
    process_services.process_create(actor=world.qm_a, organisation=world.org_a, name="Payroll")
    client.force_login(world.viewer_a)
    page = client.get(reverse("improvement:process_list", args=[world.org_a.pk]))
    assert page.status_code == 200 and "Payroll" in page.content.decode()
    assert "Add a process" not in page.content.decode()
    assert client.get(reverse("improvement:process_new", args=[world.org_a.pk])).status_code == 403
    for outsider in (world.cert_manager, world.auditor, world.staff, world.qm_b):
        client.force_login(outsider)
        assert client.get(reverse("improvement:process_list", args=[world.org_a.pk])).status_code == 404


def test_the_tabs_show_to_members_only(client, world):
    client.force_login(world.viewer_a)
    page = client.get(reverse("organisations:detail", args=[world.org_a.pk])).content.decode()
    assert reverse("improvement:internal_programme_list", args=[world.org_a.pk]) in page
    assert reverse("improvement:process_list", args=[world.org_a.pk]) in page
    client.force_login(world.cert_manager)
    page = client.get(reverse("organisations:detail", args=[world.org_a.pk])).content.decode()
    assert reverse("improvement:internal_programme_list", args=[world.org_a.pk]) not in page


def _processes(world, n):
    for i in range(n):
        process_services.process_create(
            actor=world.qm_a, organisation=world.org_a, name=f"P{i}", owner=world.qm_a, sites=[world.site_a]
        )


def test_the_process_list_costs_the_same_queries_for_one_or_three(client, world, django_assert_num_queries):
    client.force_login(world.qm_a)
    url = reverse("improvement:process_list", args=[world.org_a.pk])
    _processes(world, 1)
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    Process.objects.all().delete()
    _processes(world, 3)
    with django_assert_num_queries(len(one.captured_queries)):
        assert "P2" in client.get(url).content.decode()


def test_the_process_list_is_paginated(client, world):
    _processes(world, 27)
    client.force_login(world.qm_a)
    url = reverse("improvement:process_list", args=[world.org_a.pk])
    first = client.get(url)
    assert len(first.context["page_obj"]) == 25 and "Page 1 of 2" in first.content.decode()
    assert len(client.get(url, {"page": 2}).context["page_obj"]) == 2


# --- training


def test_a_training_is_recorded_shown_and_removed_softly(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:auditor_trainings", args=[world.org_a.pk])
    response = client.post(
        url,
        {
            "member": world.membership_viewer_a.pk
            if hasattr(world, "membership_viewer_a")
            else world.viewer_a.organisation_memberships.get().pk,
            "standard": qms.standard.pk,
            "course": "Internal auditor, 2 days",
            "completed_on": "2025-02-03",
        },
    )
    assert response.status_code == 302
    training = AuditorTraining.objects.get()
    assert training.membership.user == world.viewer_a and training.recorded_by == world.qm_a
    assert "Internal auditor, 2 days" in client.get(url).content.decode()
    client.post(reverse("improvement:auditor_training_remove", args=[training.pk]))
    training.refresh_from_db()
    assert (
        training.removed_at is not None and "Internal auditor, 2 days" not in client.get(url).content.decode()
    )


def test_a_training_in_the_future_or_of_another_tenant_is_refused(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:auditor_trainings", args=[world.org_a.pk])
    future = client.post(
        url,
        {
            "member": world.membership_qm_a.pk,
            "standard": qms.standard.pk,
            "course": "C",
            "completed_on": "2099-01-01",
        },
    )
    other = client.post(
        url,
        {
            "member": world.qm_b.organisation_memberships.get().pk,
            "standard": qms.standard.pk,
            "course": "C",
            "completed_on": "2025-01-01",
        },
    )
    assert future.status_code == other.status_code == 200 and AuditorTraining.objects.count() == 0
    assert "completed_on" in future.context["form"].errors and "member" in other.context["form"].errors


def test_a_viewer_reads_trainings_and_cannot_add(client, world, qms):
    client.force_login(world.viewer_a)
    url = reverse("improvement:auditor_trainings", args=[world.org_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    response = client.post(
        url,
        {
            "member": world.membership_qm_a.pk,
            "standard": qms.standard.pk,
            "course": "C",
            "completed_on": "2025-01-01",
        },
    )
    assert response.status_code == 403 and AuditorTraining.objects.count() == 0


def test_the_training_list_costs_the_same_queries_for_one_or_three_members(
    client, world, qms, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.viewer_a)
    url = reverse("improvement:auditor_trainings", args=[world.org_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(2):
        membership = factories.OrganisationMembershipFactory(organisation=world.org_a, role="contributor")
        process_services.auditor_training_add(
            actor=world.qm_a,
            membership=membership,
            standard=qms.standard,
            course=f"C{i}",
            completed_on=datetime.date(2025, 1, 1),
        )
    with django_assert_num_queries(len(before.captured_queries)):
        assert "C1" in client.get(url).content.decode()
