"""Where a programme stands in its cycle and its next step (certificates.selectors.programme_cycle):
read from its decisions' certificates, its audits and its successor, shown on its page and in the
programme list; its page's main button is its next step in the work queue."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.enums import AuditKind, AuditStatus, ProgrammeStatus
from audits.models import AuditProgramme
from certificates.enums import CertificateStatus, CycleStatus
from certificates.models import Certificate
from certificates.selectors.programme_cycle import cycle_status, programme_cycles
from certificates.services.steps import cycle_steps_refresh
from organisations.enums import CBRole
from tests import factories
from tests.certificates.conftest import DECIDED_ON, make_certificate, make_programme
from tests.certificates.test_queue_steps import audit_in, reported

C, CS = CycleStatus, CertificateStatus
TODAY = datetime.date(2027, 6, 1)
OPENS = datetime.date(2028, 9, 2)


def status_of(**facts) -> CycleStatus:
    plain = {
        "approved": True,
        "continued": False,
        "certificates": set(),
        "surveillance_held": False,
        "recertification_opens": OPENS,
        "today": TODAY,
    }
    return cycle_status(**(plain | facts))


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"approved": False}, C.BEING_PLANNED),
        ({"approved": False, "certificates": {CS.ACTIVE}}, C.BEING_PLANNED),
        ({}, C.APPROVED),
        ({"certificates": {CS.DRAFT}}, C.APPROVED),  # decided, not issued yet
        ({"certificates": {CS.ACTIVE}}, C.CERTIFIED),
        ({"certificates": {CS.ACTIVE, CS.DRAFT}}, C.CERTIFIED),
        ({"certificates": {CS.ACTIVE}, "surveillance_held": True}, C.IN_SURVEILLANCE),
        ({"certificates": {CS.ACTIVE, CS.SUSPENDED}, "surveillance_held": True}, C.SUSPENDED),
        ({"certificates": {CS.ACTIVE}, "today": OPENS - datetime.timedelta(days=1)}, C.CERTIFIED),
        ({"certificates": {CS.ACTIVE}, "today": OPENS}, C.RECERTIFICATION_DUE),
        ({"certificates": {CS.WITHDRAWN}}, C.ENDED),
        ({"certificates": {CS.EXPIRED, CS.CANCELLED}}, C.ENDED),
        ({"certificates": {CS.ACTIVE}, "continued": True}, C.ENDED),
    ],
)
def test_the_place_in_the_cycle_follows_what_happened(facts, expected):
    assert status_of(**facts) == expected


@pytest.mark.django_db
def test_programme_cycles_reads_each_programme_in_three_queries(world, qms):
    planned = make_programme(world, qms)
    AuditProgramme.objects.filter(pk=planned.pk).update(status=ProgrammeStatus.DRAFT)
    approved = make_programme(world, qms)
    certified = make_certificate(world, qms, number="CB-2026-00001").revisions.get().decision.programme
    surveyed = make_certificate(world, qms, number="CB-2026-00002").revisions.get().decision.programme
    audit_in(
        surveyed,
        kind=AuditKind.SURVEILLANCE_1,
        status=AuditStatus.CLOSED,
        starts_on=DECIDED_ON.replace(year=2027),
    )
    suspended = make_certificate(world, qms, number="CB-2026-00003", status=CS.SUSPENDED)
    withdrawn = make_certificate(world, qms, number="CB-2026-00004")
    Certificate.objects.filter(pk=withdrawn.pk).update(status=CS.WITHDRAWN)
    programmes = [
        planned,
        approved,
        certified,
        surveyed,
        suspended.revisions.get().decision.programme,
        withdrawn.revisions.get().decision.programme,
    ]
    programmes = list(
        AuditProgramme.objects.filter(pk__in=[p.pk for p in programmes])
        .select_related("certification_body")
        .order_by("pk")
    )
    with CaptureQueriesContext(connection) as queries:
        places = programme_cycles(programmes, TODAY)
    assert len(queries) == 3
    assert [places[p.pk] for p in programmes] == [
        C.BEING_PLANNED,
        C.APPROVED,
        C.CERTIFIED,
        C.IN_SURVEILLANCE,
        C.SUSPENDED,
        C.ENDED,
    ]
    # DECIDED_ON 2 March 2026: expires 2029, the recertification window opens six months before
    assert programme_cycles([certified], datetime.date(2028, 12, 1))[certified.pk] == C.RECERTIFICATION_DUE


# --- the programme's page --------------------------------------------------------------------------


def page(client, user, programme) -> str:
    """The programme's page with its next step, which loads after it (htmx)."""
    client.force_login(user)
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200, user
    html = response.content.decode()
    fragment = reverse("certificates:programme_next_step", args=[programme.pk])
    if fragment in html:
        step = client.get(fragment, headers={"HX-Request": "true"})
        assert step.status_code == 200, user
        html += step.content.decode()
    return html


@pytest.mark.django_db
def test_the_programme_page_shows_its_place_and_its_next_step(client, world, qms):
    programme = make_programme(world, qms)
    AuditProgramme.objects.filter(pk=programme.pk).update(status=ProgrammeStatus.DRAFT)
    html = page(client, world.cert_manager, programme)
    assert 'data-cycle="being_planned">Being planned<' in html and "Approve the programme" in html
    assert 'id="programme-next"' not in html  # approving is the main button

    AuditProgramme.objects.filter(pk=programme.pk).update(status=ProgrammeStatus.APPROVED)
    stage2 = reported(
        audit_in(
            programme,
            status=AuditStatus.REPORT_ISSUED,
            starts_on=timezone.localdate() - datetime.timedelta(days=9),
        ),
        timezone.localdate(),
    )
    cycle_steps_refresh(organisations=[programme.organisation_id], reason="the records the test wrote")
    html = page(client, world.cert_manager, programme)
    decide = reverse("certificates:decision_add", args=[programme.pk]) + "?kind=initial"
    assert 'data-cycle="approved">Approved<' in html and "Approve the programme" not in html
    assert "Next step:</strong> Certification decision to take" in html and stage2.reference in html
    assert f'class="btn btn-primary btn-sm" href="{decide}">Record the decision</a>' in html
    # a reviewer reads the step, without its button; the client reads the place only
    reviewer = factories.CBMembershipFactory(certification_body=world.cb, role=CBRole.REVIEWER).user
    html = page(client, reviewer, programme)
    assert "Certification decision to take" in html and "Record the decision</a>" not in html
    html = page(client, world.qm_a, programme)
    assert 'data-cycle="approved"' in html and "Next step" not in html


@pytest.mark.django_db
def test_a_certified_programme_reads_certified_with_nothing_to_approve(client, world, qms):
    programme = make_certificate(world, qms).revisions.get().decision.programme
    html = page(client, world.cert_manager, programme)
    assert 'data-cycle="certified">Certified<' in html
    assert "Approve the programme" not in html and "Being planned" not in html


@pytest.mark.django_db
def test_the_programme_list_shows_each_place_in_a_fixed_number_of_queries(client, world, qms):
    client.force_login(world.cert_manager)

    def listed() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("audits:programme_list"))
        return len(queries), response.content.decode()

    make_certificate(world, qms, number="CB-2026-00001")
    listed()  # the audit-time tables are read once, then cached
    few, html = listed()
    assert 'data-cycle="certified"' in html
    for n in range(2, 6):
        make_certificate(world, qms, number=f"CB-2026-0000{n}", status=CS.SUSPENDED)
    many, html = listed()
    assert many == few and html.count('data-cycle="suspended"') == 4
