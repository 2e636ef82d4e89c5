"""A nonconformity logged during fieldwork reads true (issue: the client is never told to answer
what it cannot answer yet): it reads "logged" until the audit's report is issued, nothing falls due
for the client and no reminder runs before then; its deadlines, counted from the audit's last day
(rule 20), run once the report is issued."""

import datetime

import pytest
from django.urls import reverse

from audits.changes import findings_changed
from audits.enums import AuditStatus, FindingStatus
from audits.finding_rules import status_label
from audits.models import Audit, Finding
from audits.models.fieldwork import TITLE_CHARS
from certificates.enums import DueKind
from certificates.selectors import calendar, queue
from tests.audits.test_findings_services import _clause, open_fieldwork, raise_nc

pytestmark = pytest.mark.django_db


@pytest.fixture
def fieldwork(world, qms):
    return open_fieldwork(world, [qms])


LOGGED_STAFF = "Logged; the client can answer once the report is issued"
LOGGED_CLIENT = "Logged; you can answer once the report is issued"


def nc_items(user, finding) -> list[str]:
    today = finding.response_due_on - datetime.timedelta(days=5)
    items = calendar.due_items(
        calendar.scope_for(user),
        start=today,
        end=today + datetime.timedelta(days=120),
        today=today,
        include_overdue=True,
    )
    return sorted(item.kind for item in items if item.kind in (DueKind.NC_RESPONSE, DueKind.NC_CLOSURE))


def test_the_state_label_says_what_the_reader_can_do():
    assert status_label("open", reported=False) == LOGGED_STAFF
    assert status_label("open", reported=False, client=True) == LOGGED_CLIENT
    assert status_label("open", reported=True, client=True) == "Awaiting the client's response"
    assert status_label("response_submitted", reported=False) == "Response submitted"


def test_a_nonconformity_logged_during_fieldwork_asks_nothing_until_the_report(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    assert finding.response_due_on == fieldwork.audit.ends_on + datetime.timedelta(days=30)  # rule 20
    assert nc_items(world.qm_a, finding) == nc_items(world.cert_manager, finding) == []

    client.force_login(world.auditor)  # the team: the audit's findings and the finding's page
    findings = client.get(reverse("audits:finding_list", args=[fieldwork.audit.pk])).content.decode()
    row = findings[findings.index(f'id="finding-{finding.pk}"') :]
    assert LOGGED_STAFF in row and "Awaiting the client" not in row
    page = client.get(reverse("audits:finding_detail", args=[finding.pk])).content.decode()
    assert f'id="finding-status">{LOGGED_STAFF}<' in page

    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    assert nc_items(world.qm_a, finding) == [DueKind.NC_CLOSURE, DueKind.NC_RESPONSE]
    client.force_login(world.qm_a)
    page = client.get(reverse("audits:finding_detail", args=[finding.pk])).content.decode()
    assert 'id="finding-status">Awaiting the client&#x27;s response<' in page
    assert "Answer the nonconformity" in page


# --- one name per nonconformity: its number and a short title --------------------------------------


@pytest.mark.parametrize(
    ("statement", "title"),
    [
        ("Calibration of the scales is not controlled.", "Calibration of the scales is not controlled."),
        ("Scales not calibrated.\nSeen at the dispatch desk on 3 March.", "Scales not calibrated."),
        (
            "The design review of project P-7 is not recorded, and nobody could say who approved its release",
            "The design review of project P-7 is not recorded, and…",
        ),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_a_short_title_is_the_statements_first_line_cut_at_a_word(statement, title):
    assert Finding.title_of(statement) == title
    assert len(Finding.title_of(statement)) <= TITLE_CHARS


def test_the_calendar_the_queue_and_the_pages_call_it_by_one_name(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    name = f"{finding.reference} Calibration of the scales is not controlled."
    assert finding.name == name
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    today = finding.response_due_on - datetime.timedelta(days=5)
    items = calendar.due_items(
        calendar.scope_for(world.qm_a), start=today, end=today + datetime.timedelta(days=120), today=today
    )
    assert {item.subject for item in items if item.kind == DueKind.NC_RESPONSE} == {name}
    Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.RESPONSE_SUBMITTED)
    findings_changed(findings=[finding])  # as the response services do
    rows = queue.work_queue(
        world.cert_manager, filters=queue.QueueFilters(kind=queue.NC_PLAN), today=today
    ).rows
    assert [row.subject for row in rows] == [name]
    client.force_login(world.qm_a)
    page = client.get(reverse("audits:finding_detail", args=[finding.pk])).content.decode()
    assert f'<h1 class="me-auto">{name}</h1>' in page
