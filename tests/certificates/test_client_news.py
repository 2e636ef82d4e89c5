"""The client is told (issue: nobody is left uninformed): its quality managers are e-mailed when
its audit report is issued, a decision is taken, its certificate is issued, suspended, reinstated
or withdrawn; the same events, in the same words, are on its members' home page; the CB's duties
(an audit to plan, a recertification to decide) read as information, never as the client's tasks."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.enums import AuditKind, Stage1Outcome
from audits.services import fieldwork as fieldwork_services
from audits.services.fieldwork import ReportContent
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, DueKind
from certificates.models import Decision
from certificates.selectors import calendar
from certificates.selectors.news import client_news
from certificates.services import certificates as services
from certificates.services.certificates import Suspension
from tests.audits.test_fieldwork_services import led, planned
from tests.audits.test_programme_services import open_programme
from tests.certificates.conftest import give_images, make_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def stage1(world, qms):
    return led(world, open_programme(world, [qms]).audits.get(kind=AuditKind.STAGE1))


def told(outbox) -> list[tuple[list[str], str]]:
    return [(message.to, message.subject) for message in outbox]


def test_the_quality_managers_are_told_the_report_is_issued(
    world, stage1, django_capture_on_commit_callbacks
):
    planned(world, stage1)
    fieldwork_services.plan_send(actor=world.auditor, audit=stage1)
    fieldwork_services.audit_start(actor=world.auditor, audit=stage1, early_start_reason="Agreed sooner.")
    fieldwork_services.audit_fieldwork_done(actor=world.auditor, audit=stage1)
    fieldwork_services.report_save(
        actor=world.auditor,
        audit=stage1,
        values=ReportContent(stage1_outcome=Stage1Outcome.READY, summary="Ready", objectives_met=True),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fieldwork_services.report_issue(actor=world.auditor, audit=stage1)
    assert told(mail.outbox) == [([world.qm_a.email], "Organisation A: Report of the Stage 1 audit issued")]
    assert "No nonconformity waits for your answer." in mail.outbox[0].body
    assert f"/audits/{stage1.pk}/report/" in mail.outbox[0].body
    (news,) = client_news(world.qm_a)
    assert (news.text, news.url) == ("Report of the Stage 1 audit issued", f"/audits/{stage1.pk}/report/")
    assert client_news(world.qm_b) == []


def test_a_certificate_issued_then_suspended_then_reinstated_is_told_each_time(
    world, qms, django_capture_on_commit_callbacks
):
    give_images(world.cb)
    certificate = make_certificate(world, qms, status=CertificateStatus.DRAFT)
    revision = certificate.revisions.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_issue(actor=world.cert_manager, revision=revision)
        services.certificate_suspend(
            actor=world.cert_manager,
            certificate=certificate,
            suspension=Suspension(reason="audits_refused", note="Surveillance refused twice."),
        )
        services.certificate_reinstate(
            actor=world.cert_manager, certificate=certificate, reason="Audit held."
        )
    number = certificate.number
    assert told(mail.outbox) == [
        ([world.qm_a.email], f"Organisation A: Certificate {number}, revision 1, issued"),
        ([world.qm_a.email], f"Organisation A: Certificate {number} suspended"),
        ([world.qm_a.email], f"Organisation A: Certificate {number} reinstated"),
    ]
    certificate.refresh_from_db()
    suspended_mail = mail.outbox[1].body
    assert "Surveillance or recertification not allowed. Surveillance refused twice." in suspended_mail
    assert "The suspension is to be resolved by " in suspended_mail
    assert [item.text for item in client_news(world.qm_a)] == [
        f"Certificate {number} reinstated",
        f"Certificate {number} suspended",
        f"Certificate {number}, revision 1, issued",
        f"Certification decision for {qms.label}: initial certification granted",  # its grant
    ]


def test_a_decision_is_told_and_on_the_home_page(client, world, qms, django_capture_on_commit_callbacks):
    certificate = make_certificate(world, qms)
    decision = Decision.objects.create(
        programme=certificate.revisions.get().decision.programme,
        edition=qms,
        kind=DecisionKind.SCOPE_EXTENSION,
        outcome=DecisionOutcome.REFUSE,
        decided_on=timezone.localdate(),
        decided_by=world.cert_manager,
        rationale="The new site was not audited.",
    )
    from certificates.mail import send_decision_news_mail

    with django_capture_on_commit_callbacks(execute=True):
        send_decision_news_mail(decision=decision)
    text = f"Certification decision for {qms.label}: extension of scope refused"
    assert told(mail.outbox) == [([world.qm_a.email], f"Organisation A: {text}")]
    assert "The new site was not audited." in mail.outbox[0].body
    client.force_login(world.viewer_a)
    assert reverse("certificates:news") in client.get(reverse("dashboard")).content.decode()  # loads after
    news = client.get(reverse("certificates:news"), headers={"HX-Request": "true"}).content.decode()
    assert "News from your certification body" in news and text in news
    assert reverse("certificates:decision_detail", args=[decision.pk]) in news
    page = client.get(reverse("certificates:news")).content.decode()  # without htmx: a page
    assert "<html" in page and text in page
    client.force_login(world.cert_manager)  # the CB's own staff have no such panel
    assert reverse("certificates:news") not in client.get(reverse("dashboard")).content.decode()


def test_the_cbs_duties_read_as_information_on_the_clients_home_page(world, qms):
    make_certificate(world, qms)  # decided 2 March 2026: surveillance 1 due by 2 March 2027
    today = datetime.date(2027, 1, 15)
    due = calendar.dashboard_due(world.qm_a, today)
    assert DueKind.SURVEILLANCE_1 in {item.kind for item in due.planned_by_cb}
    assert DueKind.SURVEILLANCE_1 not in {item.kind for item in due.upcoming}
    staff = calendar.dashboard_due(world.cert_manager, today)
    assert DueKind.SURVEILLANCE_1 in {item.kind for item in staff.upcoming} and staff.planned_by_cb == []
