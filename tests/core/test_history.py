"""Every record page shows its history as sentences (rule 36): "Plan sent by Jonas Berg on 3 Dec
2026", made of the field's verbose name and the choice's label, never `plan_sent` or
`team_notified_on`; the admin shows the same."""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from audits.enums import AuditKind, AuditStatus
from certificates.enums import TaskKind
from core.transitions import readable, transition_record
from organisations import services as organisation_services
from tests import factories
from tests.audits.conftest import make_edition
from tests.audits.test_fieldwork_services import led, planned
from tests.audits.test_programme_services import open_programme
from tests.certificates.conftest import make_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def stage1(world):
    qms = make_edition(
        "ISO 9001", 2015, [("4", "Context", "HS-4"), ("4.1", "Context of the organisation", "")]
    )
    return led(world, open_programme(world, [qms]).audits.get(kind=AuditKind.STAGE1))


def _line(subject, field: str, from_state, to_state):
    transition = transition_record(subject=subject, field=field, from_state=from_state, to_state=to_state)
    return readable(transition)


def test_a_status_reads_as_the_field_and_the_choice_labels(stage1):
    line = _line(stage1, "status", AuditStatus.TEAM_ASSIGNED, AuditStatus.PLAN_SENT)
    assert (line.field, line.from_state, line.to_state) == (
        "Status",
        AuditStatus.TEAM_ASSIGNED.label,
        "Plan sent to the client",
    )


def test_a_date_field_reads_as_its_verbose_name_and_a_date(stage1):
    line = _line(stage1, "team_notified_on", None, datetime.date(2027, 1, 4))
    assert (line.field, line.from_state, line.to_state) == (
        "Team notified to the client on",
        "—",
        "4 Jan 2027",
    )


def test_a_flag_reads_as_yes_or_no():
    line = _line(factories.SiteFactory(), "is_active", True, False)
    assert (line.field, line.from_state, line.to_state, line.actor) == ("Active", "yes", "no", "system")


def test_a_name_that_is_not_a_field_reads_as_the_model_declares_it(world):
    site = factories.SiteFactory()  # a name that is no field and that the model does not declare
    assert _line(site, "file_added", "", "report.pdf").field == "File added"
    certificate = make_certificate(world, factories.EditionFactory())
    line = _line(certificate, "flag", "", TaskKind.OVERDUE_SURVEILLANCE)
    assert (line.field, line.to_state) == ("Flag", "Overdue surveillance")


def _day(transition) -> str:
    return date_format(localtime(transition.at), "DATE_FORMAT")


def test_a_named_event_reads_as_a_sentence(world, stage1):
    transition = transition_record(
        subject=stage1,
        field="status",
        from_state=AuditStatus.TEAM_ASSIGNED,
        to_state=AuditStatus.PLAN_SENT,
        actor=world.auditor,
    )
    assert readable(transition).sentence == f"Plan sent by Auditor on {_day(transition)}"
    recalled = transition_record(
        subject=stage1, field="status", from_state=AuditStatus.PLAN_SENT, to_state=AuditStatus.TEAM_ASSIGNED
    )
    assert readable(recalled).sentence == f"Plan recalled by the system on {_day(recalled)}"
    notified = transition_record(
        subject=stage1, field="team_notified_on", from_state=None, to_state=datetime.date(2027, 1, 4)
    )
    assert readable(notified).sentence.startswith("Team notified to the client by the system on ")


@pytest.mark.parametrize(
    ("from_state", "to_state", "event"),
    [
        ("", "contributor", "Role set to Contributor"),
        ("viewer", "contributor", "Role changed from “Viewer” to “Contributor”"),
        ("viewer", "", "Role cleared (was Viewer)"),
    ],
)
def test_a_change_no_model_names_reads_as_what_changed(world, from_state, to_state, event):
    membership = world.viewer_a.organisation_memberships.get()
    transition = transition_record(
        subject=membership, field="role", from_state=from_state, to_state=to_state, actor=world.qm_a
    )
    assert readable(transition).sentence == f"{event} by Quality Manager A on {_day(transition)}"


def test_the_audit_page_shows_its_history_as_sentences(client, world, stage1):
    planned(world, stage1)
    from audits.services import fieldwork

    fieldwork.plan_send(actor=world.auditor, audit=stage1)
    client.force_login(world.qm_a)
    html = client.get(stage1.get_absolute_url()).content.decode()
    assert "Plan sent by Auditor on " in html
    assert "plan_sent" not in html and "team_assigned" not in html and "→" not in html


def test_the_history_reads_the_same_number_of_queries_at_one_and_three_lines(client, world, stage1):
    client.force_login(world.qm_a)
    client.get(stage1.get_absolute_url())  # warm the caches
    with CaptureQueriesContext(connection) as one:
        client.get(stage1.get_absolute_url())
    for day in (4, 5):
        transition_record(
            subject=stage1, field="team_notified_on", from_state=None, to_state=datetime.date(2027, 1, day)
        )
    with CaptureQueriesContext(connection) as three:
        html = client.get(stage1.get_absolute_url()).content.decode()
    assert len(three.captured_queries) == len(one.captured_queries)
    assert html.count("Team notified to the client by the system on ") == 2


def test_the_site_and_membership_pages_show_their_history(client, world):
    site = factories.SiteFactory(organisation=world.org_a)
    details = organisation_services.SiteDetails(
        **{f: getattr(site, f) for f in organisation_services.SiteDetails.__dataclass_fields__}
    )
    details = dataclasses.replace(details, is_active=False)
    organisation_services.site_update(actor=world.qm_a, site=site, details=details)
    membership = world.viewer_a.organisation_memberships.get()
    organisation_services.membership_change_role(actor=world.qm_a, membership=membership, role="contributor")
    client.force_login(world.qm_a)
    member_page = client.get(
        reverse("organisations:member_edit", kwargs={"pk": world.org_a.pk, "membership_pk": membership.pk})
    ).content.decode()
    assert 'id="history-heading"' in member_page
    assert "Role changed from “Viewer” to “Contributor” by Quality Manager A on " in member_page
    site_page = client.get(
        reverse("organisations:site_edit", kwargs={"pk": world.org_a.pk, "site_pk": site.pk})
    ).content.decode()
    assert 'id="history-heading"' in site_page
    assert "Active changed from “yes” to “no” by Quality Manager A on " in site_page


def test_the_admin_shows_the_history_as_sentences(admin_client, stage1):
    transition = transition_record(
        subject=stage1, field="status", from_state=AuditStatus.PLANNED, to_state=AuditStatus.PLAN_SENT
    )
    html = admin_client.get(reverse("admin:core_transition_changelist")).content.decode()
    assert f"Plan sent by the system on {_day(transition)}" in html and "plan_sent" not in html
    html = admin_client.get(reverse("admin:core_transition_change", args=[transition.pk])).content.decode()
    assert "Plan sent by the system on " in html and "Plan sent to the client" in html
