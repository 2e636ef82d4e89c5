import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audits.enums import AuditKind, AuditStatus, ProgrammeStatus, TeamRole
from audits.models import Audit, AuditProgramme
from audits.selectors.programmes import time_sheet
from audits.services import audits as audit_services
from audits.services import teams as team_services
from standards.enums import EditionKind
from tests import factories
from tests.audits.test_programme_services import open_programme
from tests.audits.test_team_services import qualify


def open_form(edition, **changes) -> dict:
    return {
        "editions": [edition.pk],
        "stage1_on": "2027-03-01",
        "scope": "Digital public services",
        "sites": [],
        "headcount": "40",
        "effective_personnel": "40",
        "integration_reduction_percent": "0",
        "site_reduction_percent": "0",
        "sampling_appropriate": "on",
        **changes,
    }


def test_a_manager_opens_a_programme_from_the_form(client, world, qms):
    client.force_login(world.cert_manager)
    url = reverse("audits:programme_open", args=[world.org_a.pk])
    response = client.post(url, open_form(qms, sites=[world.site_a.pk], certification_body=world.cb.pk))
    programme = AuditProgramme.objects.get()
    assert response.status_code == 302 and response.url == programme.get_absolute_url()
    assert programme.certification_body == world.cb and time_sheet(programme).initial_days == Decimal("4.0")
    page = client.get(response.url)
    assert "Every planning rule holds" in page.content.decode()


def test_a_guidance_edition_is_refused_with_a_message_and_nothing_changes(client, world, qms):
    guidance = factories.EditionFactory(kind=EditionKind.GUIDANCE, certifiable=False)
    client.force_login(world.cert_manager)
    response = client.post(
        reverse("audits:programme_open", args=[world.org_a.pk]),
        open_form(guidance, sites=[world.site_a.pk], certification_body=world.cb.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()  # not even offered
    assert not AuditProgramme.objects.exists()


def test_bad_numbers_get_messages_not_errors(client, world, qms):
    client.force_login(world.cert_manager)
    response = client.post(
        reverse("audits:programme_open", args=[world.org_a.pk]),
        open_form(
            qms,
            sites=[world.site_a.pk],
            certification_body=world.cb.pk,
            effective_personnel="20",
            integration_reduction_percent="35",
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 20" in body
    assert not AuditProgramme.objects.exists()


def post_time(client, programme, adjustments: list[tuple[str, str]]):
    """Post the audit-time form of the programme's (only) edition with these (reason, percent)."""
    pe = programme.programme_editions.get()
    data = {"complexity": "all", "adjustments-TOTAL_FORMS": "2", "adjustments-INITIAL_FORMS": "0"}
    for n, (reason, percent) in enumerate([*adjustments, ("", "")][:2]):
        data |= {f"adjustments-{n}-reason": reason, f"adjustments-{n}-percent": percent}
    return client.post(reverse("audits:programme_edition_time", args=[programme.pk, pe.pk]), data)


def test_the_time_sheet_shows_every_step(client, world, qms):
    programme = open_programme(world, [qms])
    client.force_login(world.cert_manager)
    assert post_time(client, programme, [("Single process, no design", "-10")]).status_code == 302
    client.force_login(world.viewer_a)  # the client reads the justification too
    body = client.get(reverse("audits:programme_time", args=[programme.pk])).content.decode()
    assert "IAF MD 5 Table QMS 1, 40 people, all" in body
    assert "-10.0% Single process, no design" in body
    assert "Adjust the time" not in body


def test_an_over_cap_reduction_is_refused_on_the_form(client, world, qms):
    programme = open_programme(world, [qms])
    client.force_login(world.cert_manager)
    response = post_time(client, programme, [("Mature system", "-20"), ("Small", "-20")])
    assert response.status_code == 200 and "at most 30%" in response.content.decode()
    assert not programme.programme_editions.get().adjustments.exists()


def test_audit_plan_refuses_too_little_time_on_site(client, world, qms):
    programme = open_programme(world, [qms])
    audit = programme.audits.get(kind=AuditKind.STAGE2)
    client.force_login(world.cert_manager)
    response = client.post(
        reverse("audits:audit_plan", args=[audit.pk]),
        {"starts_on": "2027-04-01", "ends_on": "2027-04-02", "planned_days": "3.0", "on_site_days": "2.0"},
    )
    assert response.status_code == 200 and "At least 80% of the audit time" in response.content.decode()
    audit.refresh_from_db()
    assert audit.starts_on == datetime.date(2027, 3, 31)


def test_team_flow_through_the_pages(client, world, qms, django_capture_on_commit_callbacks):
    programme = open_programme(world, [qms])
    audit = programme.audits.get(kind=AuditKind.STAGE1)
    qualify(world, world.auditor, lead=True, codes=())
    client.force_login(world.cert_manager)
    client.post(
        reverse("audits:team_assign", args=[audit.pk]), {"user": world.auditor.pk, "role": TeamRole.LEAD}
    )
    assignment = audit.assignments.get()
    client.force_login(world.auditor)
    assert "Declare" in client.get(reverse("audits:my_audits")).content.decode()
    client.post(
        reverse("audits:team_declare", args=[audit.pk, assignment.pk]), {"conflict": "no", "note": ""}
    )
    client.force_login(world.cert_manager)
    client.post(reverse("audits:team_confirm", args=[audit.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audits:team_notify", args=[audit.pk]))
    audit.refresh_from_db()
    assert audit.status == AuditStatus.TEAM_ASSIGNED and audit.team_notified_on
    client.force_login(world.qm_a)
    assert "Object to Auditor" in client.get(audit.get_absolute_url()).content.decode()
    response = client.post(
        reverse("audits:team_object", args=[audit.pk, assignment.pk]), {"reason": "Former colleague"}
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNED


def test_site_draw_and_coverage_through_the_pages(client, world, qms):
    offices = [factories.SiteFactory(organisation=world.org_a, name=f"Office {n}") for n in range(4)]
    programme = open_programme(world, [qms], sites=[world.site_a, *offices])
    audit = programme.audits.get(kind=AuditKind.STAGE2)
    client.force_login(world.cert_manager)
    client.post(reverse("audits:audit_sites", args=[audit.pk]), {"chosen_on_risk": [offices[0].pk]})
    assert audit.audit_sites.count() == 1 + 2  # central function + ⌈√4⌉
    s1, s2 = programme.audits.filter(kind__in=[AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2]).order_by(
        "kind"
    )
    everything = [c.pk for c in audit.clauses.all()]
    response = client.post(
        reverse("audits:programme_coverage", args=[programme.pk]),
        {f"audit_{s1.pk}": everything, f"audit_{s2.pk}": everything},
    )
    assert response.status_code == 302
    assert s2.clauses.count() == len(everything)


def test_a_read_only_client_cannot_post_coverage(client, world, qms):
    programme = open_programme(world, [qms])
    client.force_login(world.qm_a)
    response = client.post(reverse("audits:programme_coverage", args=[programme.pk]), {})
    assert response.status_code == 403
    assert programme.audits.get(kind=AuditKind.SURVEILLANCE_1).clauses.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_manager", 302),
        ("auditor", 404),
        ("qm_a", 403),
        ("viewer_a", 403),
        ("qm_b", 404),
        ("other_cb_manager", 404),
    ],
)
def test_approve_permission_matrix(client, world, qms, persona, status):
    programme = open_programme(world, [qms])
    client.force_login(getattr(world, persona))
    response = client.post(reverse("audits:programme_approve", args=[programme.pk]))
    programme.refresh_from_db()
    assert response.status_code == status
    assert programme.status == (ProgrammeStatus.APPROVED if status == 302 else ProgrammeStatus.DRAFT)


PLANNER_AUDIT_PAGE = 19  # with the team checks (consultancy in one query) and the audit time from the tables


def _programmes(world, qms, count):
    for _ in range(count):
        programme = open_programme(world, [qms])
        audit = programme.audits.get(kind=AuditKind.STAGE1)
        team_services.team_assign(
            actor=world.cert_manager, audit=audit, user=world.auditor, role=TeamRole.LEAD
        )
    return programme


@pytest.mark.parametrize("count", [1, 3])
def test_lists_run_a_constant_number_of_queries(client, world, qms, count, django_assert_num_queries):
    _programmes(world, qms, count)
    client.force_login(world.cert_manager)
    # the count and the page, audit time (editions with the table version, adjustments), whether the
    # user plans, the first clients of the picker; where each programme stands in its cycle (its
    # decisions' certificates, its surveillance audits, its successors: certificates.programme_cycle)
    with django_assert_num_queries(11):
        assert client.get(reverse("audits:programme_list")).status_code == 200
    client.force_login(world.auditor)
    with django_assert_num_queries(5):  # session, user, the count, the page, the user's assignments
        body = client.get(reverse("audits:my_audits")).content.decode()
    assert body.count(">Declare</a>") == count


@pytest.mark.parametrize("team", [1, 3])
def test_audit_page_queries_do_not_grow_with_the_team(client, world, qms, team, django_assert_num_queries):
    programme = open_programme(world, [qms])
    audit = programme.audits.get(kind=AuditKind.STAGE1)
    members = [world.auditor, world.other_auditor, world.cert_manager][:team]
    for n, member in enumerate(members):
        role = TeamRole.LEAD if n == 0 else TeamRole.AUDITOR
        team_services.team_assign(actor=world.cert_manager, audit=audit, user=member, role=role)
    client.force_login(world.qm_a)
    ContentType.objects.get_for_model(Audit)  # cached for the process, as in production
    # the editions (the planner's page has the audit time instead); the findings panel's counts
    # (the latest findings are read when there are any, during the fieldwork); at stage 1 the
    # readiness packs the client shares (one query)
    with django_assert_num_queries(10):
        assert client.get(audit.get_absolute_url()).status_code == 200
    client.force_login(world.cert_manager)  # the planner also gets the team checks
    with django_assert_num_queries(PLANNER_AUDIT_PAGE):
        assert client.get(audit.get_absolute_url()).status_code == 200
    client.force_login(world.qm_a)
    with django_assert_num_queries(16):  # and where the programme stands in its cycle (3 queries)
        assert client.get(programme.get_absolute_url()).status_code == 200


def test_the_time_sheet_reconciles_the_per_site_times_with_the_total(client, world, qms):
    sites = [world.site_a] + [
        factories.SiteFactory(organisation=world.org_a, name=f"Branch {n}", headcount=30) for n in (1, 2)
    ]
    programme = open_programme(world, [qms], sites=sites)
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    audit_services.audit_sites_draw(actor=world.cert_manager, audit=stage2, chosen_on_risk=[], seed=7)
    client.force_login(world.cert_manager)
    body = client.get(reverse("audits:programme_time", args=[programme.pk])).content.decode()
    sheet = time_sheet(programme, with_sites=True)
    assert sheet.site_days > sheet.initial_days  # the sum differs: the page says why
    assert "How the per-site times relate to the programme" in body
    assert (
        f"The per-site times are not added into the programme's time, so their sum ({sheet.site_days}" in body
    )
    visit = next(v for v in sheet.visits([stage2]) if v.audit == stage2)
    assert {s.pk for s in visit.sites} == {s.pk for s in sites}  # initial sample: every site of three
    assert visit.site_days == sheet.site_days


# --- the list: pages, search, the client picker -----------------------------------------------------


def test_the_list_is_paginated_and_searchable(client, world, qms, settings):
    first = open_programme(world, [qms])
    for _ in range(50):
        open_programme(world, [qms])
    client.force_login(world.cert_manager)
    url = reverse("audits:programme_list")

    page_1, page_2 = client.get(url), client.get(url, {"page": "2"})

    assert len(page_1.context["page_obj"]) == 50 and [p.pk for p in page_2.context["page_obj"]] == [first.pk]
    assert "51 programmes" in page_1.content.decode() and "Page 1 of 2" in page_1.content.decode()
    assert client.get(url, {"page": "x"}).context["page_obj"].number == 1  # not a number: the first page
    found = client.get(url, {"q": first.reference}).context["page_obj"]
    assert [p.pk for p in found] == [first.pk]
    assert len(client.get(url, {"q": world.org_a.name[:6]}).context["page_obj"]) == 50
    assert client.get(url, {"q": "no such client"}).context["page_obj"].paginator.count == 0
    assert client.get(url, {"status": "approved"}).context["page_obj"].paginator.count == 0
    refused = client.get(url, {"status": "nonsense"})
    assert refused.status_code == 200 and refused.context["filters"].errors
    assert 'href="?status=draft&amp;page=2"' in client.get(url, {"status": "draft"}).content.decode()


def test_the_client_picker_finds_clients_by_name_as_the_planner_types(client, world):
    for n in range(25):
        factories.ClientEngagementFactory(
            certification_body=world.cb, organisation__name=f"Municipality of Town {n:02d}"
        )
    client.force_login(world.cert_manager)
    url = reverse("audits:programme_list")

    typed = client.get(url, {"client_q": "town 07"}, HTTP_HX_REQUEST="true")
    assert typed.templates[0].name == "audits/_client_matches.html"
    assert [c.name for c in typed.context["clients"]] == ["Municipality of Town 07"]
    many = client.get(url, {"client_q": "town"})
    assert len(many.context["clients"]) == 20 and many.context["more_clients"]
    assert "More clients match: type more of the name." in many.content.decode()
    assert client.get(url, {"client_q": "zzz"}, HTTP_HX_REQUEST="true").context["clients"] == []
    # another CB's client is never offered
    other = factories.ClientEngagementFactory(organisation__name="Town hall of another CB")
    assert other.organisation not in client.get(url, {"client_q": "town hall"}).context["clients"]


def test_a_person_who_plans_nothing_has_no_client_picker(client, world, qms):
    open_programme(world, [qms])
    client.force_login(world.qm_a)
    response = client.get(reverse("audits:programme_list"), {"client_q": "a"})
    assert response.status_code == 200 and not response.context["can_plan"]
    assert (
        response.context["clients"] == [] and "Open a programme for a client" not in response.content.decode()
    )


def test_my_audits_shows_those_ahead_first_and_the_past_on_demand(client, world, qms):
    programme = _programmes(world, qms, 1)
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    client.force_login(world.auditor)
    url = reverse("audits:my_audits")

    ahead = client.get(url).context["page_obj"]
    assert [audit.pk for audit in ahead] == [stage1.pk]  # stage 1 of 1 March 2027 is ahead
    Audit.objects.filter(pk=stage1.pk).update(
        starts_on=datetime.date(2025, 3, 1), ends_on=datetime.date(2025, 3, 2)
    )
    assert list(client.get(url).context["page_obj"]) == []
    assert [a.pk for a in client.get(url, {"period": "past"}).context["page_obj"]] == [stage1.pk]
    assert [
        a.pk for a in client.get(url, {"period": "all", "q": programme.reference}).context["page_obj"]
    ] == [stage1.pk]
    assert list(client.get(url, {"period": "all", "q": "nobody"}).context["page_obj"]) == []
    refused = client.get(url, {"period": "tomorrow"})
    assert refused.status_code == 200 and refused.context["filters"].errors
