"""A site's manager: the member responsible for it, named by a quality manager from the sites list,
whatever the certified data's lock (rule 39 reads it for internal audits)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import NotAllowed
from core.models import Transition
from organisations import services
from organisations.services import SiteError
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_quality_manager_names_a_member_and_the_change_is_recorded(world):
    site = services.site_manager_set(actor=world.qm_a, site=world.site_a, manager=world.contributor_a)
    assert site.manager == world.contributor_a
    record = Transition.objects.get(object_id=site.pk, field="manager")
    assert (record.from_state, record.to_state, record.actor) == (
        "",
        world.contributor_a.get_full_name(),
        world.qm_a,
    )
    services.site_manager_set(actor=world.qm_a, site=site, manager=world.contributor_a)  # the same: no record
    services.site_manager_set(actor=world.qm_a, site=site, manager=None)
    site.refresh_from_db()
    assert site.manager is None and Transition.objects.filter(object_id=site.pk, field="manager").count() == 2


def test_only_members_manage_and_only_quality_managers_name_them(world):
    with pytest.raises(SiteError, match="member of the organisation"):
        services.site_manager_set(actor=world.qm_a, site=world.site_a, manager=world.qm_b)
    with pytest.raises(NotAllowed):
        services.site_manager_set(actor=world.contributor_a, site=world.site_a, manager=world.contributor_a)
    world.site_a.refresh_from_db()
    assert world.site_a.manager is None


def test_the_sites_page_names_and_changes_the_manager(client, world):
    client.force_login(world.qm_a)
    url = reverse("organisations:site_manager", args=[world.org_a.pk, world.site_a.pk])
    response = client.post(url, {"manager": world.contributor_a.pk})
    assert response.status_code == 302
    world.site_a.refresh_from_db()
    assert world.site_a.manager == world.contributor_a
    page = client.get(reverse("organisations:sites", args=[world.org_a.pk])).content.decode()
    assert f'<option value="{world.contributor_a.pk}" selected>' in page
    # an outsider's id is refused with a message and changes nothing
    response = client.post(url, {"manager": world.qm_b.pk}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    world.site_a.refresh_from_db()
    assert world.site_a.manager == world.contributor_a


def test_a_viewer_sees_the_manager_and_cannot_change_it(client, world):
    services.site_manager_set(actor=world.qm_a, site=world.site_a, manager=world.contributor_a)
    client.force_login(world.viewer_a)
    page = client.get(reverse("organisations:sites", args=[world.org_a.pk])).content.decode()
    assert world.contributor_a.get_full_name() in page and 'name="manager"' not in page
    url = reverse("organisations:site_manager", args=[world.org_a.pk, world.site_a.pk])
    assert client.post(url, {"manager": ""}).status_code == 403
    world.site_a.refresh_from_db()
    assert world.site_a.manager == world.contributor_a


def test_the_sites_page_reads_the_same_number_of_queries_with_more_sites(
    client, world, django_assert_num_queries
):
    client.force_login(world.qm_a)
    url = reverse("organisations:sites", args=[world.org_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for index in range(3):
        factories.SiteFactory(organisation=world.org_a, name=f"Extra {index}", manager=world.contributor_a)
    with django_assert_num_queries(len(one)):
        client.get(url)
