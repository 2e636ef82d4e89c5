"""The road to stage 1 in a real browser: the quality manager plans a management review, is refused
marking it held while an input is open (rule 41), answers every input, holds it and turns a decision
into an action of the register (HS 9.3); approves the Statement of Applicability (6.1.3 d); shares
the readiness pack, which the CB's lead auditor opens from the stage 1 audit page, and reads no more
once the client stops sharing it (DOMAIN §13.5, rule 43)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from audits.enums import AuditKind
from improvement.enums import ReviewStatus, SoaStatus
from improvement.models import Action, ManagementReview, Readiness, StatementOfApplicability
from improvement.services import soa as soa_services
from tests.audits.conftest import isms as isms  # the ISO/IEC 27001:2022 fixture, 6 Annex A controls
from tests.audits.conftest import qms as qms  # the ISO 9001:2015 fixture
from tests.audits.test_findings_services import open_fieldwork
from tests.e2e.test_gap_analysis import _blocked_by_csp, _sign_in
from tests.e2e.test_internal_audit import _signed_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py

NOT_APPLICABLE_INPUT = "Feedback from interested parties"  # an ISO/IEC 27001 input


def test_quality_manager_holds_a_management_review_and_raises_its_action(page, live_server, world, isms, qms):
    today = timezone.localdate()
    qm = page
    refused = _blocked_by_csp(qm)
    _sign_in(qm, live_server, world.qm_a)

    # --- the home page says what to do next (loaded after the page); the menu opens the reviews ---
    qm.goto(f"{live_server.url}{reverse('dashboard')}")
    next_steps = qm.locator(
        "section", has=qm.get_by_role("heading", name="What to do next in your management system")
    )
    expect(next_steps.get_by_text("Next management review:")).to_be_visible()
    expect(next_steps.get_by_role("link", name="Plan one")).to_have_count(2)  # an audit, a review
    qm.get_by_role("button", name="Management system").click()
    qm.get_by_role("link", name="Management reviews").click()
    qm.wait_for_url(f"{live_server.url}{reverse('improvement:review_list', args=[world.org_a.pk])}")

    # --- plan the review from the organisation's list of reviews ---
    expect(qm.get_by_text("No management review yet.")).to_be_visible()
    qm.get_by_role("link", name="Plan a review").click()
    qm.get_by_label("Title").fill("Management review 2026")
    qm.get_by_label(f"{isms.label} — ").check()
    qm.get_by_label(f"{qms.label} — ").check()
    qm.get_by_label("Date of the meeting").fill(today.isoformat())
    qm.get_by_role("button", name="Save").click()
    review = ManagementReview.objects.get()
    expect(
        qm.get_by_text(f"Review {review.reference} was planned with its checklist of inputs.")
    ).to_be_visible()
    assert qm.url == f"{live_server.url}{review.get_absolute_url()}"
    expect(
        qm.get_by_role("heading", name=f"{review.reference} Management review 2026", level=1)
    ).to_be_visible()
    expect(qm.locator("h1 + .badge")).to_have_text("Planned")
    inputs = list(review.inputs.order_by("position"))
    assert len(inputs) == 7 + 3 + 6  # the HS inputs, then ISO/IEC 27001's and ISO 9001's own

    # --- top management attends: a person without an account ---
    qm.get_by_role("link", name="Add an attendee").click()
    qm.get_by_label("Or a person without an account: name").fill("Dr Anna Weber")
    qm.get_by_label("Function").fill("Secretary-General")
    qm.get_by_label("Top management").check()
    qm.get_by_role("button", name="Add", exact=True).click()
    expect(qm.get_by_text(f"Dr Anna Weber attends {review.reference}.")).to_be_visible()
    attendees = qm.locator("section", has=qm.get_by_role("heading", name="Attendees"))
    expect(attendees.get_by_role("listitem")).to_contain_text(
        "Dr Anna Weber, Secretary-General top management"
    )
    attendee = review.attendees.get()
    assert (attendee.user, attendee.function, attendee.is_top_management) == (None, "Secretary-General", True)

    # --- one input answered, the others not: marking the review held is refused (rule 41) ---
    first = inputs[0]
    qm.locator(f"#input-{first.pk}").get_by_role("link", name=f"Address {first.label}").click()
    qm.get_by_label("What was considered").fill("All 4 actions of MR-0 are closed and found effective.")
    qm.get_by_role("button", name="Save").click()
    expect(qm.get_by_text(f"Input saved: {first.label}")).to_be_visible()
    expect(qm.locator(f"#input-{first.pk}")).to_contain_text("addressed")
    expect(qm.locator("#hold-problems")).to_contain_text(f"Input not addressed: {inputs[1].label}")

    qm.get_by_role("link", name="Mark the review held").click()
    qm.get_by_label("Held on").fill(today.isoformat())
    qm.get_by_role("button", name="Mark held").click()
    summary = qm.locator("#error-summary")  # the page opens on what went wrong
    expect(summary.get_by_text("The review cannot be marked held yet (rule 41).")).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_text(f"Input not addressed: {inputs[1].label};")).to_be_visible()
    review.refresh_from_db()
    assert (review.status, review.held_on) == (ReviewStatus.PLANNED, None)

    # --- every other input answered: one not applicable with its reason, the rest in words ---
    qm.get_by_role("link", name="Cancel").click()
    qm.wait_for_url(f"{live_server.url}{review.get_absolute_url()}")
    for row in inputs[1:]:
        qm.locator(f"#input-{row.pk}").get_by_role("link", name=f"Address {row.label}").click()
        if row.label == NOT_APPLICABLE_INPUT:
            qm.get_by_label("Not applicable", exact=True).check()
            qm.get_by_label("Why not applicable").fill("Covered by the interested parties input of the HS.")
        else:
            qm.get_by_label("What was considered").fill(f"Considered: {row.label.lower()}.")
        qm.get_by_role("button", name="Save").click()
        expect(qm.get_by_text(f"Input saved: {row.label}")).to_be_visible()
    not_applicable = review.inputs.get(label=NOT_APPLICABLE_INPUT)
    expect(qm.locator(f"#input-{not_applicable.pk}")).to_contain_text(
        "Not applicable: Covered by the interested parties input of the HS."
    )
    assert not_applicable.not_applicable and all(row.is_addressed for row in review.inputs.all())
    expect(qm.locator("#hold-problems")).to_have_count(0)

    # --- marked held with its date ---
    held_on = today - datetime.timedelta(days=1)
    qm.get_by_role("link", name="Mark the review held").click()
    expect(qm.locator("#hold-problems")).to_have_count(0)
    qm.get_by_label("Held on").fill(held_on.isoformat())
    qm.get_by_label("Summary of the discussion").fill("The system is effective; one improvement decided.")
    qm.get_by_role("button", name="Mark held").click()
    expect(
        qm.get_by_text(f"Review {review.reference} is held; what the records said is kept.")
    ).to_be_visible()
    expect(qm.locator("h1 + .badge")).to_have_text("Held")
    review.refresh_from_db()
    assert (review.status, review.held_on, review.held_by) == (ReviewStatus.HELD, held_on, world.qm_a)

    # --- a decision, turned into an action of the register ---
    decisions = qm.locator("section", has=qm.get_by_role("heading", name="Decisions", exact=True))
    decisions.get_by_label("Kind").select_option(label="Continual improvement opportunity")
    decisions.get_by_label("Decision").fill("Automate the access review of the file servers.")
    decisions.get_by_role("button", name="Note the decision").click()
    output = review.outputs.get()
    expect(qm.get_by_text(f"Decision {output.reference} was noted.")).to_be_visible()
    decision = qm.locator(f"#output-{output.pk}")
    expect(decision).to_contain_text("Automate the access review of the file servers.")
    decision.get_by_role("link", name=f"Turn into an action {output.reference}").click()
    expect(qm.get_by_label("Title of the action")).to_have_value(
        "Automate the access review of the file servers."
    )
    qm.get_by_label("Title of the action").fill("Automate the access review")
    qm.get_by_label("Owner").select_option(label="Contributor A")
    due = today + datetime.timedelta(days=60)
    qm.get_by_label("Due on").fill(due.isoformat())
    qm.get_by_role("button", name="Raise the action").click()
    action = Action.objects.get()
    expect(
        qm.get_by_text(f"Decision {output.reference} became action {action.reference} in the register.")
    ).to_be_visible()
    assert (action.title, action.owner, action.due_on) == (
        "Automate the access review",
        world.contributor_a,
        due,
    )
    assert (action.source_reference, action.organisation) == (review.reference, world.org_a)
    output.refresh_from_db()
    assert output.action == action
    expect(decision).to_contain_text(f"Action: {action.reference} · Open · Contributor A")
    decision.get_by_role("link", name=action.reference, exact=True).click()
    qm.wait_for_url(f"{live_server.url}{action.get_absolute_url()}")
    expect(qm.get_by_text("Automate the access review").first).to_be_visible()
    assert refused == []


def test_soa_approved_and_readiness_pack_shared_with_the_lead_auditor(
    browser, page, live_server, world, isms, qms
):
    stage1 = open_fieldwork(world, [qms], kind=AuditKind.STAGE1)  # the CB's stage 1, world.auditor leads it
    today = timezone.localdate()
    qm = page
    refused = _blocked_by_csp(qm)
    _sign_in(qm, live_server, world.qm_a)

    # --- the quality manager drafts the Statement of Applicability ---
    qm.goto(f"{live_server.url}{reverse('improvement:soa_list', args=[world.org_a.pk])}")
    expect(qm.get_by_text("No Statement of Applicability yet.")).to_be_visible()
    qm.get_by_label("Edition").select_option(label=isms.label)
    qm.get_by_role("button", name="Start a new version").click()
    soa = StatementOfApplicability.objects.get()
    expect(qm.get_by_text(f"Version {soa.version} was drafted.")).to_be_visible()
    assert qm.url == f"{live_server.url}{soa.get_absolute_url()}"
    expect(qm.get_by_text("0 of 6 controls decided")).to_be_visible()

    # two controls decided in the browser: one applicable, one not applicable
    qm.get_by_role("link", name="Edit A.5.1").click()
    qm.get_by_label("Applicable", exact=True).check()
    qm.get_by_label("Justification").fill("Risk R-3: unclear security responsibilities.")
    qm.get_by_label("Implementation").select_option(label="Implemented")
    qm.get_by_label("Evidence").fill("Information security policy v2")
    qm.get_by_role("button", name="Save").click()
    expect(qm.get_by_text("Control A.5.1 saved.")).to_be_visible()
    qm.get_by_role("link", name="Edit A.8.3").click()
    qm.get_by_label("Not applicable", exact=True).check()
    qm.get_by_label("Justification").fill("No information is processed outside the premises.")
    qm.get_by_role("button", name="Save").click()
    expect(qm.get_by_text("Control A.8.3 saved.")).to_be_visible()
    expect(
        qm.get_by_text("2 of 6 controls decided: 1 applicable (1 implemented), 1 not applicable.")
    ).to_be_visible()
    # the other four with the services (filling each by hand proves nothing more)
    for control in soa.controls.filter(applicable__isnull=True):
        soa_services.soa_control_save(
            actor=world.qm_a,
            control=control,
            applicable=True,
            justification="Risk R-1",
            implementation="implemented",
            evidence="Policy P-1",
        )

    # --- approved in the browser by a named person ---
    qm.reload()
    expect(
        qm.get_by_text("6 of 6 controls decided: 5 applicable (5 implemented), 1 not applicable.")
    ).to_be_visible()
    approval = qm.locator("section", has=qm.get_by_role("heading", name="Record the approval"))
    approval.get_by_label("Approved by").fill("Dr Anna Weber")
    approval.get_by_label("Function").fill("Secretary-General")
    approval.get_by_label("Approved on").fill(today.isoformat())
    approval.get_by_role("button", name="Approve").click()
    expect(qm.get_by_text(f"Version {soa.version} is approved; it no longer changes.")).to_be_visible()
    soa.refresh_from_db()
    assert (soa.status, soa.approver_name, soa.approver_function, soa.approved_on) == (
        SoaStatus.APPROVED,
        "Dr Anna Weber",
        "Secretary-General",
        today,
    )
    expect(qm.get_by_role("link", name="Edit A.5.1")).to_have_count(0)

    # --- the lead auditor's stage 1 page: nothing shared yet ---
    auditor_context, auditor = _signed_in(browser, live_server, world.auditor, refused)
    try:
        audit_url = f"{live_server.url}{stage1.audit.get_absolute_url()}"
        auditor.goto(audit_url)
        packs = auditor.locator(
            "section", has=auditor.get_by_role("heading", name="Readiness packs shared by the client")
        )
        expect(packs).to_contain_text("The client has shared no readiness pack.")

        # --- the quality manager shares the ISO/IEC 27001 pack from its readiness page ---
        detail = reverse("improvement:readiness_detail", args=[world.org_a.pk, isms.pk])
        qm.goto(f"{live_server.url}{detail}")
        expect(qm.get_by_role("heading", name=f"Readiness for stage 1: {isms.label}")).to_be_visible()
        qm.get_by_role("button", name="Share with the certification body").click()
        expect(qm.get_by_text("The readiness pack is shared with the certification body.")).to_be_visible()
        assert qm.url == f"{live_server.url}{detail}"
        expect(qm.get_by_role("button", name="Stop sharing")).to_be_visible()
        row = Readiness.objects.get(organisation=world.org_a, edition=isms)
        assert (row.shared_with_cb, row.shared_by) == (True, world.qm_a)

        # --- the lead auditor opens it from the stage 1 audit page ---
        auditor.reload()
        expect(packs).not_to_contain_text("The client has shared no readiness pack.")
        packs.get_by_role("link", name=f"Readiness pack for {isms.label}").click()
        pack_url = f"{live_server.url}{reverse('improvement:readiness_pack', args=[row.pk])}"
        auditor.wait_for_url(pack_url)
        expect(auditor.get_by_role("heading", level=1)).to_have_text(f"Readiness pack: {isms.label}")
        expect(auditor.get_by_text("shared with the certification body on")).to_be_visible()

        # --- the quality manager stops sharing: the pack is gone for the CB at once ---
        qm.get_by_role("button", name="Stop sharing").click()
        expect(
            qm.get_by_text("The readiness pack is no longer shared: the certification body cannot read it.")
        ).to_be_visible()
        expect(qm.get_by_role("button", name="Share with the certification body")).to_be_visible()
        row.refresh_from_db()
        assert row.shared_with_cb is False
        response = auditor.goto(pack_url)
        assert response is not None and response.status == 404
        auditor.goto(audit_url)
        expect(packs).to_contain_text("The client has shared no readiness pack.")
    finally:
        auditor_context.close()
    assert refused == []
