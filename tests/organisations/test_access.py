"""organisations/access.py for every persona of STYLE.md §18."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organisations import access
from organisations.enums import OrganisationRole
from tests import factories

pytestmark = pytest.mark.django_db

# persona -> (sees A, sees B, manages A, contributes to A)
MATRIX = {
    "qm_a": (True, False, True, True),
    "contributor_a": (True, False, False, True),
    "viewer_a": (True, False, False, False),
    "qm_b": (False, True, False, False),
    "auditor": (True, False, False, False),
    "other_auditor": (True, False, False, False),
    "cert_manager": (True, False, False, False),
    "other_cb_manager": (False, True, False, False),
    "staff": (True, True, False, False),
    "nobody": (False, False, False, False),
}


@pytest.mark.parametrize("persona", MATRIX)
def test_access_matrix_for_persona(world, persona):
    user = getattr(world, persona)
    sees_a, sees_b, manages_a, contributes_a = MATRIX[persona]
    visible = set(access.organisations_for(user))
    assert (world.org_a in visible, world.org_b in visible) == (sees_a, sees_b)
    assert access.can_manage_organisation(user, world.org_a) is manages_a
    assert access.can_contribute(user, world.org_a) is contributes_a


def test_anonymous_sees_nothing(world):
    anonymous = AnonymousUser()
    assert not access.organisations_for(anonymous).exists()
    assert access.organisation_role(anonymous, world.org_a) is None
    assert access.can_manage_organisation(anonymous, world.org_a) is False


def test_inactive_membership_gives_no_access(world):
    world.qm_a.organisation_memberships.update(is_active=False)
    assert world.org_a not in set(access.organisations_for(world.qm_a))
    assert access.can_manage_organisation(world.qm_a, world.org_a) is False


def test_inactive_user_gives_no_access(world):
    world.viewer_a.is_active = False
    world.viewer_a.save()
    assert not access.organisations_for(world.viewer_a).exists()


def test_ended_engagement_hides_client_from_cb_staff(world):
    world.cb.engagements.update(ended_on=world.cb.engagements.get().since)
    assert world.org_a not in set(access.organisations_for(world.auditor))


def test_cb_staff_never_see_client_of_another_cb_by_membership_elsewhere(world):
    """A CB manager who is also a viewer of A sees A through that membership only, not B."""
    factories.OrganisationMembershipFactory(
        user=world.other_cb_manager, organisation=world.org_a, role=OrganisationRole.VIEWER
    )
    assert set(access.organisations_for(world.other_cb_manager)) == {world.org_a, world.org_b}
    assert access.can_manage_organisation(world.other_cb_manager, world.org_a) is False


def test_roles_and_staff_predicates(world):
    assert access.organisation_role(world.viewer_a, world.org_a) == OrganisationRole.VIEWER
    assert access.organisation_role(world.viewer_a, world.org_b) is None
    assert access.memberships_of(world.auditor) == access.Memberships(is_client=False, is_cb_staff=True)
    assert access.memberships_of(world.qm_a) == access.Memberships(is_client=True, is_cb_staff=False)
    assert access.memberships_of(world.nobody) == access.Memberships()
