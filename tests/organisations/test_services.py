import dataclasses

import pytest
from django.core.exceptions import ValidationError

from core.transitions import transitions_of
from organisations import services
from organisations.enums import OrganisationRole
from organisations.models import IAFCode
from tests import factories

pytestmark = pytest.mark.django_db


def test_membership_change_role_records_transition(world):
    membership = world.viewer_a.organisation_memberships.get()
    services.membership_change_role(
        actor=world.qm_a, membership=membership, role=OrganisationRole.CONTRIBUTOR
    )
    transition = transitions_of(membership).get(field="role")
    assert (transition.from_state, transition.to_state, transition.actor) == (
        "viewer",
        "contributor",
        world.qm_a,
    )


def test_membership_change_role_to_same_role_is_noop(world):
    membership = world.viewer_a.organisation_memberships.get()
    services.membership_change_role(actor=world.qm_a, membership=membership, role=OrganisationRole.VIEWER)
    assert not transitions_of(membership).filter(field="role").exists()


def test_last_quality_manager_cannot_be_demoted_or_removed(world):
    with pytest.raises(services.MembershipError, match="only quality manager"):
        services.membership_change_role(
            actor=world.qm_a, membership=world.membership_qm_a, role=OrganisationRole.VIEWER
        )
    with pytest.raises(services.MembershipError, match="only quality manager"):
        services.membership_deactivate(actor=world.qm_a, membership=world.membership_qm_a)
    world.membership_qm_a.refresh_from_db()
    assert world.membership_qm_a.is_active and world.membership_qm_a.role == OrganisationRole.QUALITY_MANAGER


def test_quality_manager_can_step_down_when_another_exists(world):
    contributor = world.contributor_a.organisation_memberships.get()
    services.membership_change_role(
        actor=world.qm_a, membership=contributor, role=OrganisationRole.QUALITY_MANAGER
    )
    services.membership_deactivate(actor=world.qm_a, membership=world.membership_qm_a, reason="Retired")
    world.membership_qm_a.refresh_from_db()
    assert world.membership_qm_a.is_active is False
    assert transitions_of(world.membership_qm_a).get(field="is_active").reason == "Retired"


def test_site_create_refuses_second_central_function(world):
    with pytest.raises(ValidationError, match="central function"):
        services.site_create(
            actor=world.qm_a,
            organisation=world.org_a,
            details=services.SiteDetails(
                name="Second HQ", street="x", city="y", country="BE", headcount=3, is_central_function=True
            ),
        )
    assert world.org_a.sites.count() == 1


def test_site_update_deactivation_is_recorded(world):
    site = factories.SiteFactory(organisation=world.org_a)
    details = services.SiteDetails(
        name=site.name, street=site.street, city=site.city, country=site.country, headcount=site.headcount
    )
    services.site_update(
        actor=world.qm_a, site=site, details=dataclasses.replace(details, is_active=False), reason="Closed"
    )
    transition = transitions_of(site).filter(field="is_active").first()
    assert (transition.from_state, transition.to_state, transition.reason) == ("True", "False", "Closed")


def test_organisation_update_sets_fields_and_codes(world):
    org = world.org_a
    profile = services.OrganisationProfile(
        name=org.name, kind=org.kind, street=org.street, city=org.city, country=org.country, headcount=999
    )
    services.organisation_update(
        actor=world.qm_a,
        organisation=org,
        profile=dataclasses.replace(profile, iaf_codes=tuple(IAFCode.objects.filter(code__in=[36, 38]))),
    )
    world.org_a.refresh_from_db()
    assert world.org_a.headcount == 999
    assert sorted(world.org_a.iaf_codes.values_list("code", flat=True)) == [36, 38]
