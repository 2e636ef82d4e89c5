"""The home page of an organisation's people says what to do next (DOMAIN §13): their own actions,
the next internal audit and management review, the minutes to approve, readiness per standard, the
audit plans to acknowledge; and the "Management system" menu opens each part of it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.enums import AuditKind
from audits.services import fieldwork as fieldwork_services
from improvement.enums import ActionSource
from improvement.selectors.home import home_for
from improvement.services import actions as action_services
from improvement.services import reviews as review_services
from organisations.enums import OrganisationRole
from tests import factories
from tests.audits.conftest import make_edition
from tests.audits.test_fieldwork_services import led, planned
from tests.audits.test_programme_services import open_programme
from tests.improvement.internal_audit_world import internal_audit_records
from tests.improvement.review_world import review_records
from tests.test_dashboard import _dashboard as _home

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def qms(db):
    return make_edition("ISO 9001", 2015, [("4", "Context", "HS-4"), ("4.1", "Context", "HS-4.1")])


def _action(world, owner, due_on, title="Fix it"):
    return action_services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source=ActionSource.OTHER,
        title=title,
        owner=owner,
        due_on=due_on,
    )


def _next(client, user):
    """What to do next in the management system, as the home page loads it after the page."""
    client.force_login(user)
    response = client.get(reverse("improvement:next_steps"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response


def test_the_home_page_counts_my_actions_overdue_and_due_soon(client, world):
    today = timezone.localdate()
    _action(world, world.qm_a, today - DAY, "Late one")
    _action(world, world.qm_a, today + 10 * DAY, "Soon one")
    _action(world, world.qm_a, today + 90 * DAY, "Later one")
    _action(world, world.contributor_a, today - DAY, "Not mine")
    response = _next(client, world.qm_a)
    home = response.context["home"]
    assert (home.open_actions, home.overdue, home.due_soon) == (3, 1, 1)
    assert [action.title for action in home.actions] == ["Late one", "Soon one", "Later one"]
    html = response.content.decode()
    assert "What to do next in your management system" in html
    assert "1 overdue" in html and "1 due within 30 days" in html and "Not mine" not in html
    assert home_for(world.contributor_a, today).overdue == 1


def test_the_home_page_names_the_next_internal_audit_and_management_review(client, world, qms):
    records = internal_audit_records(world, qms)
    reviews = review_records(world, qms)
    response = _next(client, world.qm_a)
    (own,) = response.context["home"].organisations
    # the audit in progress comes before the planned one; the planned review, not the held one
    assert own.next_audit == records["internal_audit"] and own.next_review == reviews["review"]
    assert own.minutes_to_approve == 1 and own.manages
    html = response.content.decode()
    assert (
        reviews["review"].get_absolute_url() in html and records["internal_audit"].get_absolute_url() in html
    )
    assert "Minutes of management reviews to approve" in html
    review_services.review_minutes_approve(actor=world.qm_a, review=reviews["held_review"])
    contributor = _next(client, world.contributor_a)
    (own,) = contributor.context["home"].organisations
    assert own.minutes_to_approve == 0 and not own.manages
    assert reverse("improvement:review_new", args=[world.org_a.pk]) not in contributor.content.decode()


def test_what_to_do_next_loads_after_the_page_with_readiness_per_standard(client, world, qms):
    internal_audit_records(world, qms)  # a programme for ISO 9001: the organisation works towards it
    html = _home(client, world.qm_a).content.decode()
    next_url = reverse("improvement:next_steps")
    assert f'hx-get="{next_url}"' in html and f'href="{next_url}"' in html
    assert "readiness-summary-heading" not in html  # the home page itself reads none of it
    fragment = _next(client, world.qm_a)
    (summary,) = fragment.context["summaries"]
    assert summary.label == qms.label and summary.organisation == world.org_a
    assert "<html" not in fragment.content.decode() and qms.label in fragment.content.decode()
    page = client.get(next_url).content.decode()  # without JavaScript: a page of its own
    assert "<html" in page and qms.label in page and "What to do next in your management system" in page


def test_with_nothing_planned_the_quality_manager_is_offered_to_plan(client, world):
    html = _next(client, world.qm_a).content.decode()
    assert html.count("none planned") == 2
    assert reverse("improvement:review_new", args=[world.org_a.pk]) in html


def test_the_home_page_of_the_cb_staff_has_no_management_system_part(client, world):
    assert reverse("improvement:next_steps") not in _home(client, world.cert_manager).content.decode()
    response = _next(client, world.cert_manager)
    assert not response.context["home"].shown and response.context["summaries"] == []
    assert "What to do next in your management system" not in response.content.decode()


def test_the_quality_manager_is_asked_to_acknowledge_a_sent_audit_plan(client, world, qms):
    stage1 = led(world, open_programme(world, [qms]).audits.get(kind=AuditKind.STAGE1))
    planned(world, stage1)
    assert _home(client, world.qm_a).context["work"].plans_to_acknowledge == []  # not sent yet
    fieldwork_services.plan_send(actor=world.auditor, audit=stage1)
    response = _home(client, world.qm_a)
    assert response.context["work"].plans_to_acknowledge == [stage1]
    assert "Audit plans to acknowledge" in response.content.decode()
    # only the quality manager acknowledges it: the contributor is not asked
    assert _home(client, world.contributor_a).context["work"].plans_to_acknowledge == []
    assert _home(client, world.qm_b).context["work"].plans_to_acknowledge == []
    fieldwork_services.plan_acknowledge(actor=world.qm_a, audit=stage1)
    assert _home(client, world.qm_a).context["work"].plans_to_acknowledge == []


def test_the_home_page_runs_the_same_queries_however_many_records(
    client, world, qms, django_assert_max_num_queries
):
    today = timezone.localdate()
    internal_audit_records(world, qms)
    review_records(world, qms)
    _action(world, world.qm_a, today - DAY)
    client.force_login(world.qm_a)
    pages = (reverse("dashboard"), reverse("improvement:next_steps"))
    few = {}
    for page in pages:
        client.get(page, headers={"HX-Request": "true"})
        with django_assert_max_num_queries(80) as counted:
            client.get(page, headers={"HX-Request": "true"})
        few[page] = len(counted.captured_queries)
    for n in range(6):
        _action(world, world.qm_a, today + n * DAY)
    for n in range(3):  # more reviews, planned and held
        review_services.review_plan(
            actor=world.qm_a,
            organisation=world.org_a,
            title=f"R{n}",
            editions=[qms],
            planned_on=today + n * DAY,
        )
    for page in pages:
        with django_assert_max_num_queries(few[page]):
            client.get(page, headers={"HX-Request": "true"})


# --- the "Management system" menu


def test_the_menu_takes_a_member_of_one_organisation_straight_to_its_page(client, world):
    client.force_login(world.qm_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Management system" in html
    for section, name in (
        ("readiness", "improvement:readiness"),
        ("gap-analyses", "improvement:gap_list"),
        ("actions", "improvement:action_list"),
        ("internal-audits", "improvement:internal_programme_list"),
        ("management-reviews", "improvement:review_list"),
        ("soa", "improvement:soa_list"),
    ):
        address = reverse("improvement:management_system", args=[section])
        assert address in html
        response = client.get(address)
        assert response.status_code == 302 and response.url == reverse(name, args=[world.org_a.pk])
        assert client.get(response.url).status_code == 200


def test_the_menu_lets_a_member_of_several_organisations_pick_one(client, world):
    factories.OrganisationMembershipFactory(
        organisation=world.org_b, user=world.qm_a, role=OrganisationRole.VIEWER
    )
    client.force_login(world.qm_a)
    response = client.get(reverse("improvement:management_system", args=["soa"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("improvement:soa_list", args=[world.org_a.pk]) in html
    assert reverse("improvement:soa_list", args=[world.org_b.pk]) in html


def test_the_menu_is_for_members_only_and_knows_its_sections(client, world):
    client.force_login(world.cert_manager)
    assert "Management system" not in client.get(reverse("dashboard")).content.decode()
    response = client.get(reverse("improvement:management_system", args=["actions"]))
    assert response.status_code == 200 and "You belong to no organisation" in response.content.decode()
    client.force_login(world.qm_a)
    for section in ("payroll", "x" * 5000, "SOA"):
        assert client.get(reverse("improvement:management_system", args=[section])).status_code == 404
    client.logout()
    assert client.get(reverse("improvement:management_system", args=["actions"])).status_code == 302
