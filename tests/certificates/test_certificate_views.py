"""The certificate page, its managers' actions, and the certification status on the organisation
page and the dashboard (DOMAIN §1.5–1.10, §6; rules 6, 8, 9, 14, 15, 36)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from core.forms import NOT_CONFIRMED
from core.transitions import transition_record
from organisations.models import IAFCode
from tests import factories
from tests.audits.conftest import make_edition
from tests.certificates.conftest import DECIDED_ON, give_images, make_certificate, take_copy

pytestmark = pytest.mark.django_db

S = CertificateStatus
DAY = datetime.timedelta(days=1)
ACTIONS = (
    "certificate_draft_edit",
    "certificate_draft_issue",
    "certificate_draft_void",
    "certificate_suspend",
    "certificate_reinstate",
    "certificate_withdraw",
    "certificate_cancel",
)


def url(name: str, certificate: Certificate) -> str:
    return reverse(f"certificates:{name}", args=[certificate.pk])


def page(client, user, certificate: Certificate) -> str:
    client.force_login(user)
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def post(client, user, name: str, certificate: Certificate, data: dict | None = None):
    client.force_login(user)
    return client.post(url(name, certificate), data or {})


CONFIRMED = {"confirm": "on"}  # the box of a step that cannot be undone, ticked


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def shown(day: datetime.date) -> str:
    return date_format(day)


def reloaded(certificate: Certificate) -> Certificate:
    return Certificate.objects.get(pk=certificate.pk)


def add_revision(
    certificate: Certificate, number: int, *, status: str, sites, decided_on: datetime.date = DECIDED_ON
) -> CertificateRevision:
    """Another revision of the certificate, with its own decision, made with the ORM."""
    first = certificate.revisions.select_related("decision__programme").get(revision=1)
    decision = Decision.objects.create(
        programme=first.decision.programme,
        edition=first.edition,
        kind=DecisionKind.SCOPE_EXTENSION,
        outcome=DecisionOutcome.GRANT,
        decided_on=decided_on,
        decided_by=first.decision.decided_by,
        rationale="Scope extended.",
        certificate=certificate,
    )
    issued = status != RevisionStatus.DRAFT
    revision = CertificateRevision.objects.create(
        certificate=certificate,
        revision=number,
        decision=decision,
        edition=first.edition,
        scope=f"{first.scope}, revision {number}",
        effective_on=decided_on,
        expiry_on=first.expiry_on,
        cycle_started_on=first.cycle_started_on,
        status=status,
        accredited=True if issued else None,
        issued_on=decided_on if issued else None,
        issued_by=first.issued_by if issued else None,
    )
    return take_copy(revision, sites)


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cert_manager", "qm_a", "auditor", "viewer_a"])
def test_certificate_page_shows_the_certificate_to_whoever_sees_it(client, world, certificate, persona):
    current = certificate.revisions.get()
    current.iaf_codes.set([IAFCode.objects.get(code=33)])
    html = page(client, getattr(world, persona), certificate)
    for text in (
        "Certificate CB-2026-00001",
        "VALID",
        "Organisation A",
        escape(world.org_a.address),
        "CB serving A",
        "ISO 9001:2015",
        "Design and delivery of digital public services",
        "A headquarters",
        escape(world.site_a.address),
        "IAF 33",
        shown(DECIDED_ON),  # effective, original certification, cycle start
        shown(datetime.date(2029, 3, 2)),  # expiry
        "Accredited",
        "Certification Manager",  # issued by
        "CB-2026-00001 Rev. 1",
        current.get_public_url(),
        reverse("documents:subject", args=["certificates.certificate", current.pk]),
        'id="certificate-history"',
    ):
        assert text in html, text
    assert "NOT VALID" not in html
    shows_actions = persona == "cert_manager"
    assert (url("certificate_suspend", certificate) in html) is shows_actions
    assert (url("certificate_withdraw", certificate) in html) is shows_actions
    assert ("Change the status" in html) is shows_actions


@pytest.mark.parametrize("persona", ["other_cb_manager", "qm_b", "nobody"])
def test_certificate_page_is_404_for_another_tenant(client, world, certificate, persona):
    client.force_login(getattr(world, persona))
    assert client.get(certificate.get_absolute_url()).status_code == 404
    assert client.post(url("certificate_suspend", certificate), {"reason": "failure"}).status_code == 404
    assert reloaded(certificate).status == S.ACTIVE


def test_certificate_page_asks_anonymous_to_sign_in(client, certificate):
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_certificate_page_lists_every_revision_and_merges_the_history(client, world, certificate):
    first = certificate.revisions.get()
    second = add_revision(certificate, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])
    transition_record(
        subject=certificate, field="status", from_state="draft", to_state="active", reason="Granted."
    )
    transition_record(
        subject=second,
        field="effective_on",
        from_state="2026-03-02",
        to_state="2026-03-10",
        actor=world.cert_manager,
    )
    html = page(client, world.qm_a, certificate)
    assert "CB-2026-00001 Rev. 1" in html and "CB-2026-00001 Rev. 2" in html
    assert "Draft revision: CB-2026-00001 Rev. 2" in html
    assert first.get_public_url() in html
    assert second.get_public_url() not in html  # a draft is never public (rule 33)
    history = html[html.index('id="certificate-history"') :]
    assert history.index("Revision 2") < history.index("Granted.")  # newest first
    assert "Effective from changed from “2 Mar 2026” to “10 Mar 2026” by Certification Manager on " in history
    assert "Certificate issued by the system on " in history  # the transition without an actor


def test_certificate_page_lists_what_the_draft_still_needs(client, world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)  # the CB has no mark yet
    html = page(client, world.cert_manager, certificate)
    assert "Before it can be issued" in html
    assert "the certification body&#x27;s mark (upload it in the body&#x27;s settings)" in html
    assert "NOT VALID" in html
    assert url("certificate_draft_issue", certificate) in html
    assert url("certificate_draft_edit", certificate) in html
    assert url("certificate_draft_void", certificate) in html
    assert url("certificate_suspend", certificate) not in html  # a draft is not suspended


def test_certificate_page_runs_the_same_queries_for_one_revision_and_for_eight(client, world, qms):
    give_images(world.cb)
    small = make_certificate(world, qms, number="CB-2026-00001")
    big = make_certificate(world, qms, number="CB-2026-00002")
    sites = [world.site_a] + [
        factories.SiteFactory(organisation=world.org_a, name=f"Office {n}") for n in range(7)
    ]
    take_copy(big.revisions.get(), sites[1:])
    CertificateRevision.objects.filter(certificate=big).update(status=RevisionStatus.SUPERSEDED)
    for number in range(2, 8):
        revision = add_revision(big, number, status=RevisionStatus.SUPERSEDED, sites=sites)
        revision.iaf_codes.set(IAFCode.objects.filter(code__in=[28, 33, 34]))
        transition_record(subject=revision, field="status", from_state="draft", to_state="current")
    add_revision(big, 8, status=RevisionStatus.CURRENT, sites=sites)
    add_revision(big, 9, status=RevisionStatus.DRAFT, sites=sites)
    add_revision(small, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])  # both have a draft to preview
    for _ in range(5):
        transition_record(subject=big, field="status", from_state="active", to_state="suspended", reason="x")
    client.force_login(world.cert_manager)
    client.get(small.get_absolute_url())  # warm the content types and the session
    counts = []
    for certificate in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(certificate.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert "Office 6" in response.content.decode()
    assert counts[0] == counts[1], counts


# --- the actions ----------------------------------------------------------------------------------


def test_suspend_shows_not_valid_with_the_reason_and_the_deadline(client, world, certificate):
    deadline = timezone.localdate() + 30 * DAY
    response = post(
        client,
        world.cert_manager,
        "certificate_suspend",
        certificate,
        {
            "reason": "audits_refused",
            "note": "Surveillance 1 refused twice.",
            "ends_on": deadline.isoformat(),
        },
    )
    assert response.status_code == 302
    assert messages_of(response) == ["The certificate is suspended."]
    certificate = reloaded(certificate)
    assert (certificate.status, certificate.suspension_ends_on) == (S.SUSPENDED, deadline)
    assert certificate.suspension_reason == "audits_refused"
    html = page(client, world.qm_a, certificate)
    assert "NOT VALID" in html
    assert f"Suspended since {shown(timezone.localdate())}" in html
    assert "Surveillance or recertification not allowed" in html
    assert "Surveillance 1 refused twice." in html
    assert f"To be resolved by {shown(deadline)}" in html
    history = html[html.index('id="certificate-history"') :]
    assert "Certificate suspended by Certification Manager on " in history
    assert "Surveillance or recertification not allowed. Surveillance 1 refused twice." in history


def test_suspend_form_offers_the_cbs_deadline(client, world, certificate):
    world.cb.suspension_max_days = 90
    world.cb.save(update_fields=["suspension_max_days"])
    client.force_login(world.cert_manager)
    html = client.get(url("certificate_suspend", certificate)).content.decode()
    latest = timezone.localdate() + 90 * DAY
    assert f'value="{latest.isoformat()}"' in html
    assert f'max="{latest.isoformat()}"' in html


def test_reinstate_makes_a_suspended_certificate_valid_again(client, world, qms):
    give_images(world.cb)
    certificate = make_certificate(world, qms, status=S.SUSPENDED)
    response = post(
        client, world.cert_manager, "certificate_reinstate", certificate, {"reason": "Audit done."}
    )
    assert response.status_code == 302
    certificate = reloaded(certificate)
    assert (certificate.status, certificate.suspension_ends_on) == (S.ACTIVE, None)
    html = page(client, world.cert_manager, certificate)
    assert "VALID" in html and "NOT VALID" not in html
    assert "Audit done." in html[html.index('id="certificate-history"') :]


def test_withdrawn_certificate_cannot_be_reinstated(client, world, certificate):
    response = post(
        client, world.cert_manager, "certificate_withdraw", certificate, {"reason": "Suspension unresolved."}
    )
    assert response.status_code == 302
    assert reloaded(certificate).status == S.WITHDRAWN
    response = post(client, world.cert_manager, "certificate_reinstate", certificate, {"reason": "Please."})
    assert response.status_code == 200
    assert "rule 15" in response.content.decode()
    assert reloaded(certificate).status == S.WITHDRAWN
    html = page(client, world.cert_manager, certificate)
    assert "NOT VALID" in html and "Withdrawn since" in html
    assert "Suspension unresolved." in html
    assert url("certificate_reinstate", certificate) not in html  # nothing brings it back


def test_cancel_ends_the_certificate(client, world, certificate):
    response = post(
        client, world.cert_manager, "certificate_cancel", certificate, {"reason": "Contract ended."}
    )
    assert response.status_code == 302
    assert reloaded(certificate).status == S.CANCELLED
    html = page(client, world.qm_a, certificate)
    assert "Cancelled since" in html and "Contract ended." in html


def test_void_draft_cancels_a_certificate_never_issued(client, world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)
    response = post(
        client, world.cert_manager, "certificate_draft_void", certificate, {"reason": "Client left."}
    )
    assert response.status_code == 302
    assert certificate.revisions.get().status == RevisionStatus.VOID
    assert reloaded(certificate).status == S.CANCELLED
    html = page(client, world.cert_manager, certificate)
    assert "Never issued" in html and "Client left." in html
    assert url("certificate_draft_issue", certificate) not in html


def test_issue_makes_the_draft_current_and_supersedes_the_first(client, world, certificate):
    draft = add_revision(certificate, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])
    response = post(client, world.cert_manager, "certificate_draft_issue", certificate, CONFIRMED)
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("Revision 2 is issued")
    statuses = dict(certificate.revisions.values_list("revision", "status"))
    assert statuses == {1: RevisionStatus.SUPERSEDED, 2: RevisionStatus.CURRENT}
    draft.refresh_from_db()
    assert (draft.issued_on, draft.issued_by) == (timezone.localdate(), world.cert_manager)
    html = page(client, world.qm_a, certificate)
    assert "Current revision: CB-2026-00001 Rev. 2" in html
    assert "Superseded" in html and "Replaced by revision 2." in html
    assert draft.get_public_url() in html


def test_issue_without_the_cbs_mark_is_refused_with_the_missing_content(client, world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)
    response = post(client, world.cert_manager, "certificate_draft_issue", certificate, CONFIRMED)
    assert response.status_code == 302
    assert "mark" in messages_of(response)[0] and "rule 8" in messages_of(response)[0]
    assert reloaded(certificate).status == S.DRAFT
    assert certificate.revisions.get().status == RevisionStatus.DRAFT


def test_edit_draft_changes_its_effective_date(client, world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)
    response = post(
        client, world.cert_manager, "certificate_draft_edit", certificate, {"effective_on": "2026-03-09"}
    )
    assert response.status_code == 302
    assert certificate.revisions.get().effective_on == datetime.date(2026, 3, 9)
    html = page(client, world.cert_manager, certificate)
    assert "Effective from" in html and "9 Mar 2026" in html


def test_edit_draft_refuses_a_date_before_the_decision(client, world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)
    response = post(
        client, world.cert_manager, "certificate_draft_edit", certificate, {"effective_on": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "rule 6" in response.content.decode()
    assert certificate.revisions.get().effective_on == DECIDED_ON


def test_edit_draft_of_an_isms_certificate_takes_a_one_line_soa_version(client, world):
    isms = make_edition("ISO/IEC 27001", 2022, [("4", "Context", "HS-4"), ("4.1", "Org", "HS-4.1")])
    isms.standard.discipline = "ISMS"
    isms.standard.save(update_fields=["discipline"])
    certificate = make_certificate(world, isms, status=S.DRAFT)
    html = page(client, world.cert_manager, certificate)
    assert "Statement of Applicability" in html
    data = {"effective_on": "2026-03-02", "soa_version": "SoA v3\nsecond line"}
    response = post(client, world.cert_manager, "certificate_draft_edit", certificate, data)
    assert response.status_code == 200
    assert "Keep this on one line" in response.content.decode()
    response = post(
        client, world.cert_manager, "certificate_draft_edit", certificate, {**data, "soa_version": "SoA v3"}
    )
    assert response.status_code == 302
    assert certificate.revisions.get().soa_version == "SoA v3"


@pytest.mark.parametrize("persona", ["auditor", "qm_a", "viewer_a"])
@pytest.mark.parametrize("name", ACTIONS)
def test_actions_are_403_for_everyone_but_the_certification_manager(client, world, qms, persona, name):
    give_images(world.cb)
    certificate = make_certificate(world, qms)
    add_revision(certificate, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])
    client.force_login(getattr(world, persona))
    data = {"reason": "failure", "note": "x", "ends_on": (timezone.localdate() + DAY).isoformat()}
    assert client.post(url(name, certificate), {**data, "effective_on": "2026-03-05"}).status_code == 403
    if name != "certificate_draft_issue":
        assert client.get(url(name, certificate)).status_code == 403
    assert reloaded(certificate).status == S.ACTIVE
    assert certificate.revisions.get(revision=2).status == RevisionStatus.DRAFT


def test_issue_is_post_only(client, world, certificate):
    add_revision(certificate, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])
    client.force_login(world.cert_manager)
    assert client.get(url("certificate_draft_issue", certificate)).status_code == 405


def test_draft_actions_are_404_without_a_draft(client, world, certificate):
    client.force_login(world.cert_manager)
    assert client.get(url("certificate_draft_edit", certificate)).status_code == 404
    assert client.post(url("certificate_draft_issue", certificate)).status_code == 404
    assert client.post(url("certificate_draft_void", certificate), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "failure", "ends_on": "past"}, "must fall after today"),
        ({"reason": "failure", "ends_on": "beyond"}, "must fall after today"),
        ({"reason": "failure", "ends_on": "2200-01-01"}, "Enter a date from"),
        ({"reason": "failure", "ends_on": "not a date"}, "Enter a valid date"),
        ({"reason": "other", "note": "  ", "ends_on": "soon"}, "Say why the certificate is suspended."),
        ({"reason": "bribery", "ends_on": "soon"}, "Select a valid choice"),
        ({"reason": "failure", "note": "x\x00y", "ends_on": "soon"}, "Remove the control characters"),
        ({"reason": "failure", "note": "x" * 2001, "ends_on": "soon"}, "at most 2000 characters"),
        ({"ends_on": "soon"}, "This field is required."),
    ],
)
def test_suspend_refuses_bad_input_with_form_errors(client, world, certificate, data, error):
    today = timezone.localdate()
    days = {"past": today - DAY, "beyond": today + 184 * DAY, "soon": today + 10 * DAY}
    if data.get("ends_on") in days:
        data = {**data, "ends_on": days[data["ends_on"]].isoformat()}
    response = post(client, world.cert_manager, "certificate_suspend", certificate, data)
    assert response.status_code == 200
    assert escape(error) in response.content.decode()
    assert reloaded(certificate).status == S.ACTIVE


@pytest.mark.parametrize("name", ["certificate_withdraw", "certificate_cancel", "certificate_reinstate"])
@pytest.mark.parametrize(
    ("reason", "error"),
    [("", "This field is required."), ("   ", "This field is required."), ("a\x07b", "Remove the control")],
)
def test_reason_actions_refuse_an_empty_or_broken_reason(client, world, qms, name, reason, error):
    give_images(world.cb)
    certificate = make_certificate(world, qms, status=S.SUSPENDED)
    response = post(client, world.cert_manager, name, certificate, {"reason": reason})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert reloaded(certificate).status == S.SUSPENDED


def test_suspending_a_suspended_certificate_says_why_not(client, world, qms):
    give_images(world.cb)
    certificate = make_certificate(world, qms, status=S.SUSPENDED)
    data = {"reason": "failure", "ends_on": (timezone.localdate() + DAY).isoformat()}
    response = post(client, world.cert_manager, "certificate_suspend", certificate, data)
    assert response.status_code == 200
    assert "cannot go from suspended to suspended" in response.content.decode()


# --- status at a glance ---------------------------------------------------------------------------


def test_organisation_page_shows_the_certification_status(client, world, qms):
    give_images(world.cb)
    make_certificate(world, qms, number="CB-2026-00001")
    make_certificate(world, qms, number="CB-2026-00002", status=S.SUSPENDED)
    client.force_login(world.qm_a)
    html = client.get(reverse("organisations:detail", args=[world.org_a.pk])).content.decode()
    section = html[html.index('id="certification-status-heading"') :]
    assert "CB-2026-00001" in section and "CB-2026-00002" in section
    assert "ISO 9001:2015" in section
    assert "VALID" in section and "NOT VALID" in section and "Suspended since" in section
    assert "2029-03-02" in section  # the expiry


def test_organisation_page_runs_one_query_for_the_certificates(client, world, qms):
    give_images(world.cb)
    address = reverse("organisations:detail", args=[world.org_a.pk])
    client.force_login(world.cert_manager)
    client.get(address)
    make_certificate(world, qms, number="CB-2026-00001")
    with CaptureQueriesContext(connection) as one:
        client.get(address)
    for n in range(2, 5):
        make_certificate(world, qms, number=f"CB-2026-0000{n}")
    with CaptureQueriesContext(connection) as four:
        html = client.get(address).content.decode()
    assert "CB-2026-00004" in html
    assert len(one) == len(four)


def test_dashboard_shows_the_client_its_certificates(client, world, certificate):
    client.force_login(world.qm_a)
    html = client.get(reverse("dashboard")).content.decode()
    section = html[html.index('id="own-certificates-heading"') :]
    assert "CB-2026-00001" in section and "VALID" in section and "ISO 9001:2015" in section
    assert "Certificates of CB serving A" not in html


def dashboard_certificates(world, qms) -> tuple[Certificate, Certificate]:
    """A suspended certificate and one expiring within 90 days."""
    give_images(world.cb)
    today = timezone.localdate()
    make_certificate(world, qms, number="CB-2026-00001")
    suspended = make_certificate(world, qms, number="CB-2026-00002", status=S.SUSPENDED)
    Certificate.objects.filter(pk=suspended.pk).update(suspension_ends_on=today + 20 * DAY)
    expiring = make_certificate(
        world, qms, number="CB-2026-00003", decided_on=today - 1000 * DAY, expiry_on=today + 60 * DAY
    )
    return Certificate.objects.get(pk=suspended.pk), expiring


def test_dashboard_counts_the_cbs_certificates_and_links_the_suspended_and_expiring(client, world, qms):
    dashboard_certificates(world, qms)
    make_certificate(world, qms, number="CB-2026-00004", status=S.DRAFT)
    client.force_login(world.auditor)
    html = client.get(reverse("dashboard")).content.decode()
    section = html[html.index(f'id="cb-certificates-{world.cb.pk}-heading"') :]
    assert 'data-status="active">Active: <strong>2</strong>' in section
    assert 'data-status="suspended">Suspended: <strong>1</strong>' in section
    assert 'data-status="draft">Draft: <strong>1</strong>' in section
    register = reverse("certificates:register")
    assert f'href="{register}?status=suspended"' in section and f'href="{register}?expiring=90"' in section
    assert "own-certificates-heading" not in html


def test_the_calendar_panels_give_the_suspension_deadline_and_the_expiry(client, world, qms):
    suspended, expiring = dashboard_certificates(world, qms)
    Certificate.objects.filter(pk=suspended.pk).update(suspension_ends_on=timezone.localdate() - DAY)
    client.force_login(world.cert_manager)
    html = client.get(reverse("calendar:due"), headers={"HX-Request": "true"}).content.decode()
    overdue = html[html.index('id="due-overdue"') : html.index('id="due-upcoming"')]
    assert "Suspension resolution deadline" in overdue and "CB-2026-00002" in overdue
    upcoming = html[html.index('id="due-upcoming"') :]
    assert "Certificate expires" in upcoming and expiring.number in upcoming


def test_dashboard_of_another_cb_shows_none_of_these_certificates(client, world, qms):
    dashboard_certificates(world, qms)
    client.force_login(world.other_cb_manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert "CB-2026-00002" not in html and "CB-2026-00003" not in html
    assert 'data-status="active">Active: <strong>0</strong>' in html


def test_dashboard_runs_the_same_queries_for_one_certificate_and_for_many(client, world, qms):
    give_images(world.cb)
    make_certificate(world, qms, number="CB-2026-00001", status=S.SUSPENDED)
    client.force_login(world.cert_manager)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("dashboard"))
    today = timezone.localdate()
    for n in range(2, 6):
        make_certificate(world, qms, number=f"CB-2026-0000{n}", status=S.SUSPENDED)
        make_certificate(
            world, qms, number=f"CB-2026-0001{n}", decided_on=today - 1000 * DAY, expiry_on=today + n * DAY
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("dashboard")).content.decode()
    assert 'data-status="suspended">Suspended: <strong>5</strong>' in html
    assert len(one) == len(many)


@pytest.mark.parametrize("name", ["certificate_suspend", "certificate_withdraw", "certificate_cancel"])
def test_an_empty_post_shows_the_required_fields(client, world, certificate, name):
    response = post(client, world.cert_manager, name, certificate, {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert reloaded(certificate).status == S.ACTIVE


def test_issuing_asks_to_confirm_what_cannot_be_undone(client, world, certificate):
    add_revision(certificate, 2, status=RevisionStatus.DRAFT, sites=[world.site_a])
    html = page(client, world.cert_manager, certificate)
    assert 'id="confirm-issue"' in html and "Once issued, revision 2 is public" in html
    response = post(client, world.cert_manager, "certificate_draft_issue", certificate)
    assert messages_of(response) == [str(NOT_CONFIRMED)]
    assert dict(certificate.revisions.values_list("revision", "status")) == {
        1: RevisionStatus.CURRENT,
        2: RevisionStatus.DRAFT,
    }
