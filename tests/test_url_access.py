"""Every URL of the app, every persona, another tenant's ids (PERF_SECURITY.md, OWASP).

The test fails when a URL pattern is missing from ACCESS, so a new page cannot ship without
saying who may open it.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audits.services import programmes as programme_services
from audits.services import teams as team_services
from improvement.services import actions as action_services
from improvement.services import gap as services
from improvement.services import soa as soa_services
from organisations.selectors import token_digest
from tests import factories
from tests.factories import PROGRAMME_SCOPE, ClauseFactory

pytestmark = pytest.mark.django_db

SIGNED_IN = [
    "qm_a",
    "contributor_a",
    "viewer_a",
    "qm_b",
    "auditor",
    "other_auditor",
    "cert_manager",
    "other_cb_manager",
    "staff",
    "nobody",
]
SEES_A = {"qm_a", "contributor_a", "viewer_a", "auditor", "other_auditor", "cert_manager", "staff"}
# Audits and programmes are need to know: the auditor is on audit A's team, the other auditor is not
SEES_AUDIT_A = SEES_A - {"other_auditor"}
MANAGES_A = {"qm_a"}
PLANS_A = {"cert_manager"}
CB_STAFF = {"auditor", "other_auditor", "cert_manager", "other_cb_manager"}
TASK_READERS_A = {"auditor", "other_auditor", "cert_manager", "staff"}

READS_A_GAP = {"qm_a", "contributor_a", "viewer_a"}  # not shared with the CB
WRITES_A_GAP = {"qm_a", "contributor_a"}
READS_A_PACK = READS_A_GAP | {"auditor", "other_auditor", "cert_manager"}  # readiness: shared with A's CB


# url name -> (kwargs from the world, personas that get 200 on GET[, personas that get 403]);
# other signed-in personas get 404. Without a third element, 403 is for those who see organisation A.
ACCESS = {
    "dashboard": (lambda w: {}, set(SIGNED_IN)),
    "standards:catalogue": (lambda w: {}, set(SIGNED_IN)),
    "standards:standard_detail": (lambda w: {"slug": w.edition.standard.slug}, set(SIGNED_IN)),
    "standards:edition_detail": (
        lambda w: {"slug": w.edition.standard.slug, "year": w.edition.year},
        set(SIGNED_IN),
    ),
    "organisations:list": (lambda w: {}, set(SIGNED_IN)),
    "organisations:detail": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:sites": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:members": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:edit": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:site_create": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:site_edit": (lambda w: {"pk": w.org_a.pk, "site_pk": w.site_a.pk}, MANAGES_A),
    "organisations:member_invite": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:member_edit": (
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        MANAGES_A,
    ),
    "organisations:member_deactivate": (
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        set(),
    ),  # POST only
    "organisations:site_manager": (lambda w: {"pk": w.org_a.pk, "site_pk": w.site_a.pk}, set()),  # POST only
    "organisations:invitation_resend": (
        lambda w: {"pk": w.org_a.pk, "invitation_pk": w.invitation_a.pk},
        set(),
    ),  # POST only
    "organisations:invitation_revoke": (
        lambda w: {"pk": w.org_a.pk, "invitation_pk": w.invitation_a.pk},
        set(),
    ),  # POST only
    "improvement:gap_list": (lambda w: {"org_pk": w.org_a.pk}, SEES_A),
    "improvement:gap_start": (lambda w: {"org_pk": w.org_a.pk}, WRITES_A_GAP),
    "improvement:gap_detail": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    "improvement:gap_compare": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    "improvement:gap_pdf": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    "improvement:gap_csv": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    "improvement:gap_xlsx": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    # the workbook given back: the writers; a viewer who reads the analysis is refused
    "improvement:gap_import": (lambda w: {"pk": w.gap_a.pk}, WRITES_A_GAP, READS_A_GAP - WRITES_A_GAP),
    "improvement:gap_answers_status": (lambda w: {"pk": w.gap_a.pk}, set()),
    "improvement:gap_evidence_download": (
        lambda w: {"pk": w.gap_a.pk, "file_pk": w.evidence_a.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:gap_answer": (lambda w: {"pk": w.gap_a.pk, "answer_pk": w.answer_a.pk}, set()),
    "improvement:gap_answer_edit": (
        lambda w: {"pk": w.gap_a.pk, "answer_pk": w.answer_a.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:gap_answer_row": (
        lambda w: {"pk": w.gap_a.pk, "answer_pk": w.answer_a.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:gap_next_unanswered": (lambda w: {"pk": w.gap_a.pk}, READS_A_GAP, set()),
    "improvement:gap_evidence_upload": (lambda w: {"pk": w.gap_a.pk, "answer_pk": w.answer_a.pk}, set()),
    "improvement:gap_evidence_remove": (lambda w: {"pk": w.gap_a.pk, "file_pk": w.evidence_a.pk}, set()),
    "improvement:gap_complete": (lambda w: {"pk": w.gap_a.pk}, set()),
    "improvement:gap_share": (lambda w: {"pk": w.gap_a.pk}, set()),
    "improvement:gap_copy": (lambda w: {"pk": w.gap_a.pk}, set()),
    # --- actions (rule 43: the client's members only) ---
    "improvement:action_detail": (lambda w: {"pk": w.action_a.pk}, READS_A_GAP, set()),
    "audits:programme_list": (lambda w: {}, set(SIGNED_IN)),
    "audits:programme_open": (lambda w: {"org_pk": w.org_a.pk}, PLANS_A),
    "audits:programme_detail": (lambda w: {"pk": w.programme_a.pk}, SEES_AUDIT_A),
    "audits:programme_edit": (lambda w: {"pk": w.programme_a.pk}, PLANS_A),
    "audits:programme_time": (lambda w: {"pk": w.programme_a.pk}, SEES_AUDIT_A),
    "audits:programme_edition_time": (
        lambda w: {"pk": w.programme_a.pk, "edition_pk": w.programme_edition_a.pk},
        PLANS_A,
    ),
    "audits:programme_coverage": (lambda w: {"pk": w.programme_a.pk}, SEES_AUDIT_A),
    "audits:programme_approve": (lambda w: {"pk": w.programme_a.pk}, set()),
    "audits:programme_times_apply": (lambda w: {"pk": w.programme_a.pk}, set()),
    "audits:my_audits": (lambda w: {}, set(SIGNED_IN)),
    "audits:audit_detail": (lambda w: {"pk": w.audit_a.pk}, SEES_AUDIT_A),
    "audits:audit_plan": (lambda w: {"pk": w.audit_a.pk}, PLANS_A),
    "audits:audit_sites": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:team_assign": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:team_confirm": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:team_notify": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:team_withdraw": (lambda w: {"pk": w.audit_a.pk, "assignment_pk": w.assignment_a.pk}, set()),
    "audits:team_declare": (lambda w: {"pk": w.audit_a.pk, "assignment_pk": w.assignment_a.pk}, {"auditor"}),
    "audits:team_object": (lambda w: {"pk": w.audit_a.pk, "assignment_pk": w.assignment_a.pk}, MANAGES_A),
    # --- audit lifecycle, plan and report ---
    "audits:audit_add": (lambda w: {"programme_pk": w.programme_a.pk}, PLANS_A),
    "audits:audit_plan_edit": (lambda w: {"pk": w.audit_a.pk}, SEES_AUDIT_A),
    "audits:audit_plan_session_add": (lambda w: {"pk": w.audit_a.pk}, {"auditor"}),
    "audits:audit_plan_session_remove": (lambda w: {"pk": w.audit_a.pk, "session_pk": w.session_a.pk}, set()),
    "audits:audit_plan_send": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_plan_acknowledge": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_start": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_fieldwork_done": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_fieldwork_reopen": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_cancel": (lambda w: {"pk": w.audit_a.pk}, set()),
    "audits:audit_report": (lambda w: {"pk": w.audit_a.pk}, SEES_AUDIT_A),
    "audits:audit_report_issue": (lambda w: {"pk": w.audit_a.pk}, set()),
    # --- findings ---
    "audits:finding_list": (lambda w: {"pk": w.audit_a.pk}, SEES_AUDIT_A),
    "audits:finding_new": (lambda w: {"pk": w.audit_a.pk}, {"auditor"}),
    "audits:finding_edit": (lambda w: {"pk": w.finding_a.pk}, {"auditor"}),
    "audits:finding_withdraw": (lambda w: {"pk": w.finding_a.pk}, set()),
    "audits:finding_file_add": (lambda w: {"pk": w.finding_a.pk}, set()),
    "audits:finding_file": (lambda w: {"pk": w.finding_a.pk, "file_pk": w.finding_file_a.pk}, SEES_AUDIT_A),
    "audits:finding_file_remove": (lambda w: {"pk": w.finding_a.pk, "file_pk": w.finding_file_a.pk}, set()),
    # --- responses and review ---
    "audits:finding_detail": (lambda w: {"pk": w.nc_a.pk}, SEES_AUDIT_A),
    "audits:finding_respond": (lambda w: {"pk": w.nc_a.pk}, set()),
    "audits:finding_implementation": (lambda w: {"pk": w.nc_a.pk}, set()),
    "audits:finding_response_file": (lambda w: {"pk": w.nc_a.pk, "response_pk": w.response_a.pk}, set()),
    "audits:finding_review": (lambda w: {"pk": w.nc_a.pk, "response_pk": w.response_a.pk}, set()),
    "audits:finding_verify": (lambda w: {"pk": w.nc_a.pk}, set()),
    "audits:nc_list": (lambda w: {}, set(SIGNED_IN)),
    # --- documents ---
    "documents:subject": (
        lambda w: {"kind": "improvement.gap_analysis", "object_id": w.gap_a.pk},
        READS_A_GAP,
        set(),
    ),
    "documents:status": (lambda w: {"document_pk": w.document_a.pk}, READS_A_GAP, set()),
    "documents:download": (lambda w: {"document_pk": w.document_a.pk}, READS_A_GAP, set()),
    # --- certificates: the register, one certificate and its manager's actions, decisions ---
    "certificates:register": (lambda w: {}, set(SIGNED_IN)),
    "certificates:register_csv": (lambda w: {}, CB_STAFF, set(SIGNED_IN) - CB_STAFF),
    "certificates:register_xlsx": (lambda w: {}, CB_STAFF, set(SIGNED_IN) - CB_STAFF),
    "certificates:certificate_detail": (lambda w: {"pk": w.certificate_a.pk}, SEES_A),
    "certificates:certificate_draft_edit": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:certificate_draft_issue": (lambda w: {"pk": w.certificate_a.pk}, set()),
    "certificates:certificate_draft_void": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:certificate_suspend": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:certificate_reinstate": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:certificate_withdraw": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:certificate_cancel": (lambda w: {"pk": w.certificate_a.pk}, PLANS_A),
    "certificates:decision_detail": (lambda w: {"pk": w.decision_a.pk}, SEES_A),
    # a programme is need to know: the other auditor does not see programme A at all
    "certificates:decision_add": (lambda w: {"pk": w.programme_a.pk}, PLANS_A, SEES_AUDIT_A - PLANS_A),
    "certificates:transfer_review_add": (lambda w: {"pk": w.programme_a.pk}, SEES_AUDIT_A, set()),
    # --- calendar: everyone's own calendar, reminders and feed; the CB's work queue and tasks ---
    "calendar:month": (lambda w: {}, set(SIGNED_IN)),
    "calendar:agenda": (lambda w: {}, set(SIGNED_IN)),
    "calendar:due": (lambda w: {}, set(SIGNED_IN)),
    "calendar:reminders": (lambda w: {}, set(SIGNED_IN)),
    "calendar:subscription": (lambda w: {}, set(SIGNED_IN)),
    "calendar:feed_regenerate": (lambda w: {}, set(), set(SIGNED_IN)),  # POST only: everyone's own
    "calendar:queue": (lambda w: {}, CB_STAFF, set(SIGNED_IN) - CB_STAFF),
    "calendar:queue_next": (lambda w: {}, CB_STAFF, set(SIGNED_IN) - CB_STAFF),
    "certificates:news": (lambda w: {}, set(SIGNED_IN)),  # each reads their own organisations' news
    "certificates:programme_next_step": (lambda w: {"pk": w.programme_a.pk}, SEES_AUDIT_A, set()),
    # a task is the CB's: its staff read it (platform staff too), its certification managers act
    "calendar:task_detail": (lambda w: {"pk": w.task_a.pk}, TASK_READERS_A, set()),
    "calendar:task_take": (lambda w: {"pk": w.task_a.pk}, set(), TASK_READERS_A),  # POST only
    "calendar:task_not_suspend": (lambda w: {"pk": w.task_a.pk}, PLANS_A, TASK_READERS_A - PLANS_A),
    # --- the account's own two-factor sign-in: everyone's own, nobody else's ---
    "two_factor:overview": (lambda w: {}, set(SIGNED_IN)),
    "two_factor:setup": (lambda w: {}, set(SIGNED_IN)),
    "two_factor:verify": (lambda w: {}, set(SIGNED_IN)),
    "two_factor:recovery_codes": (lambda w: {}, set(), set(SIGNED_IN)),  # POST only: everyone's own
    # --- change notifications: the client's list and form on its page, the CB's review ---
    "certificates:change_list": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "certificates:change_submit": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "certificates:change_review": (lambda w: {"pk": w.change_review_a.pk}, TASK_READERS_A, set()),
    "certificates:change_review_decide": (
        lambda w: {"pk": w.change_review_a.pk},
        PLANS_A,
        TASK_READERS_A - PLANS_A,
    ),
    "audits:programme_headcount_reviewed": (lambda w: {"pk": w.programme_a.pk}, set()),
    # --- improvement: an action raised from a gap answer ---
    "improvement:gap_answer_action_raise": (lambda w: {"pk": w.gap_a.pk, "answer_pk": w.answer_a.pk}, set()),
    # --- the action register: the client's members only (rule 43); CB and platform staff 404 ---
    "improvement:action_list": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:action_export": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:action_new": (lambda w: {"org_pk": w.org_a.pk}, WRITES_A_GAP, {"viewer_a"}),
    # action A is the quality manager's: a contributor writes only the actions they own
    "improvement:action_edit": (lambda w: {"pk": w.action_a.pk}, MANAGES_A, {"contributor_a", "viewer_a"}),
    "improvement:action_start": (lambda w: {"pk": w.action_a.pk}, set(), READS_A_GAP),
    "improvement:action_done": (lambda w: {"pk": w.action_a.pk}, set(), READS_A_GAP),
    "improvement:action_review": (lambda w: {"pk": w.action_a.pk}, set(), READS_A_GAP),
    "improvement:action_cancel": (lambda w: {"pk": w.action_a.pk}, set(), READS_A_GAP),
    "improvement:action_file_add": (lambda w: {"pk": w.action_a.pk}, set(), READS_A_GAP),
    "improvement:action_file": (
        lambda w: {"pk": w.action_a.pk, "file_pk": w.action_file_a.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:action_file_remove": (
        lambda w: {"pk": w.action_a.pk, "file_pk": w.action_file_a.pk},
        set(),
        READS_A_GAP,
    ),
    "improvement:my_actions": (lambda w: {}, set(SIGNED_IN)),
    # the menu sends a member on to their organisation's page, which keeps its own rules
    "improvement:management_system": (lambda w: {"section": "actions"}, set(SIGNED_IN)),
    "improvement:next_steps": (lambda w: {}, set(SIGNED_IN)),  # each sees their own
    # --- internal audits (rule 43: the organisation's members only, CB staff get 404) ---
    "improvement:process_list": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:process_new": (lambda w: {"org_pk": w.org_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:process_edit": (lambda w: {"pk": w.process_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:process_deactivate": (lambda w: {"pk": w.process_a.pk}, set(), READS_A_GAP),
    "improvement:auditor_trainings": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:auditor_training_remove": (lambda w: {"pk": w.training_a.pk}, set(), READS_A_GAP),
    "improvement:internal_programme_list": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:internal_programme_new": (
        lambda w: {"org_pk": w.org_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_programme_detail": (
        lambda w: {"pk": w.internal_programme_a.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:internal_programme_edit": (
        lambda w: {"pk": w.internal_programme_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_audit_new": (
        lambda w: {"pk": w.internal_programme_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_audit_detail": (lambda w: {"pk": w.internal_audit_a.pk}, READS_A_GAP, set()),
    "improvement:internal_audit_edit": (
        lambda w: {"pk": w.planned_internal_audit_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_auditor_add": (
        lambda w: {"pk": w.internal_audit_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_auditor_remove": (
        lambda w: {"pk": w.internal_audit_a.pk, "auditor_pk": w.internal_auditor_a.pk},
        set(),
        READS_A_GAP,
    ),
    "improvement:internal_audit_start": (lambda w: {"pk": w.planned_internal_audit_a.pk}, set(), READS_A_GAP),
    "improvement:internal_audit_checklist": (lambda w: {"pk": w.internal_audit_a.pk}, READS_A_GAP, set()),
    "improvement:internal_finding_new": (
        lambda w: {"pk": w.internal_audit_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_finding_edit": (
        lambda w: {"pk": w.internal_finding_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_finding_withdraw": (lambda w: {"pk": w.internal_finding_a.pk}, set(), READS_A_GAP),
    "improvement:internal_audit_report": (
        lambda w: {"pk": w.internal_audit_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:internal_audit_report_issue": (lambda w: {"pk": w.internal_audit_a.pk}, set(), READS_A_GAP),
    "improvement:internal_audit_close": (lambda w: {"pk": w.internal_audit_a.pk}, set(), READS_A_GAP),
    "improvement:internal_audit_cancel": (
        lambda w: {"pk": w.planned_internal_audit_a.pk},
        set(),
        READS_A_GAP,
    ),
    # --- management reviews (rule 43: the organisation's members only, CB staff get 404) ---
    "improvement:review_list": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:review_new": (lambda w: {"org_pk": w.org_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:review_detail": (lambda w: {"pk": w.review_a.pk}, READS_A_GAP, set()),
    "improvement:review_edit": (lambda w: {"pk": w.review_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:review_attendee_add": (lambda w: {"pk": w.review_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:review_attendee_remove": (
        lambda w: {"pk": w.review_a.pk, "attendee_pk": w.review_attendee_a.pk},
        set(),
        READS_A_GAP,
    ),
    "improvement:review_input": (
        lambda w: {"pk": w.review_input_a.pk},
        WRITES_A_GAP,
        READS_A_GAP - WRITES_A_GAP,
    ),
    "improvement:review_hold": (lambda w: {"pk": w.review_a.pk}, MANAGES_A, READS_A_GAP - MANAGES_A),
    "improvement:review_minutes_approve": (lambda w: {"pk": w.held_review_a.pk}, set(), READS_A_GAP),
    "improvement:review_cancel": (lambda w: {"pk": w.review_a.pk}, set(), READS_A_GAP),
    "improvement:review_output_add": (
        lambda w: {"pk": w.review_a.pk},
        WRITES_A_GAP,
        READS_A_GAP - WRITES_A_GAP,
    ),
    "improvement:review_output_action": (
        lambda w: {"pk": w.review_output_a.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:review_output_withdraw": (lambda w: {"pk": w.review_output_a.pk}, set(), READS_A_GAP),
    "improvement:review_pdf": (lambda w: {"pk": w.held_review_a.pk}, READS_A_GAP, set()),
    # --- the Statement of Applicability: the client's members; the CB only a shared approved version ---
    "improvement:soa_list": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:soa_new": (lambda w: {"org_pk": w.org_a.pk}, set(), READS_A_GAP),
    "improvement:soa_detail": (lambda w: {"pk": w.soa_a.pk}, READS_A_GAP, set()),
    "improvement:soa_control": (lambda w: {"pk": w.soa_control_a.pk}, WRITES_A_GAP, {"viewer_a"}),
    "improvement:soa_approve": (lambda w: {"pk": w.soa_a.pk}, set(), READS_A_GAP),
    "improvement:soa_share": (lambda w: {"pk": w.soa_approved_a.pk}, set(), READS_A_GAP),
    "improvement:soa_pdf": (lambda w: {"pk": w.soa_approved_a.pk}, READS_A_GAP, set()),
    "improvement:soa_xlsx": (lambda w: {"pk": w.soa_a.pk}, READS_A_GAP, set()),
    # --- readiness for stage 1 (rule 43: the task list for members only; the pack for the CB
    # serving the organisation while it is shared, as A's is here) ---
    "improvement:readiness": (lambda w: {"org_pk": w.org_a.pk}, READS_A_GAP, set()),
    "improvement:readiness_detail": (
        lambda w: {"org_pk": w.org_a.pk, "edition_pk": w.edition.pk},
        READS_A_GAP,
        set(),
    ),
    "improvement:readiness_scope": (
        lambda w: {"org_pk": w.org_a.pk, "edition_pk": w.edition.pk},
        MANAGES_A,
        READS_A_GAP - MANAGES_A,
    ),
    "improvement:readiness_share": (
        lambda w: {"org_pk": w.org_a.pk, "edition_pk": w.edition.pk},
        set(),
        READS_A_GAP,
    ),
    "improvement:readiness_pack": (lambda w: {"pk": w.readiness_a.pk}, READS_A_PACK, set()),
    "improvement:readiness_pack_pdf": (lambda w: {"pk": w.readiness_a.pk}, READS_A_PACK, set()),
}
POST_ONLY = {
    "organisations:member_deactivate",
    "organisations:site_manager",
    "organisations:invitation_resend",
    "organisations:invitation_revoke",
    "improvement:gap_answer",
    "improvement:gap_evidence_upload",
    "improvement:gap_evidence_remove",
    "improvement:gap_complete",
    "improvement:gap_share",
    "improvement:gap_copy",
    "improvement:gap_answers_status",
    "audits:programme_approve",
    "audits:programme_times_apply",
    "audits:programme_headcount_reviewed",
    "audits:audit_sites",
    "audits:team_assign",
    "audits:team_confirm",
    "audits:team_notify",
    "audits:team_withdraw",
    # --- audit lifecycle, plan and report ---
    "audits:audit_plan_session_remove",
    "audits:audit_plan_send",
    "audits:audit_plan_acknowledge",
    "audits:audit_start",
    "audits:audit_fieldwork_done",
    "audits:audit_fieldwork_reopen",
    "audits:audit_cancel",
    "audits:audit_report_issue",
    # --- findings ---
    "audits:finding_withdraw",
    "audits:finding_file_add",
    "audits:finding_file_remove",
    # --- responses and review ---
    "audits:finding_respond",
    "audits:finding_implementation",
    "audits:finding_response_file",
    "audits:finding_review",
    "audits:finding_verify",
    # --- documents ---
    # --- certificates ---
    "certificates:certificate_draft_issue",
    # --- calendar ---
    "calendar:feed_regenerate",
    "calendar:task_take",
    "two_factor:recovery_codes",
    # --- improvement: an action raised from a gap answer ---
    "improvement:gap_answer_action_raise",
    # --- the action register ---
    "improvement:action_start",
    "improvement:action_done",
    "improvement:action_review",
    "improvement:action_cancel",
    "improvement:action_file_add",
    "improvement:action_file_remove",
    # --- internal audits ---
    "improvement:process_deactivate",
    "improvement:auditor_training_remove",
    "improvement:internal_auditor_remove",
    "improvement:internal_audit_start",
    "improvement:internal_finding_withdraw",
    "improvement:internal_audit_report_issue",
    "improvement:internal_audit_close",
    "improvement:internal_audit_cancel",
    # --- management reviews ---
    "improvement:review_attendee_remove",
    "improvement:review_minutes_approve",
    "improvement:review_cancel",
    "improvement:review_output_withdraw",
    # --- the Statement of Applicability ---
    "improvement:soa_new",
    "improvement:soa_approve",
    "improvement:soa_share",
    # --- readiness for stage 1 ---
    "improvement:readiness_share",
}
PUBLIC = {
    "verification:search",
    "verification:token",
    "calendar:feed",  # its secret address is its key (tests/certificates/test_feed.py)
    "organisations:invitation_accept",  # its token is its key (tests/organisations/test_invitations.py)
    "healthz",
    "favicon",  # the site's icon (tests/core/test_favicon.py)
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
}


def url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            names |= url_names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


@pytest.fixture
def w(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world.edition = ClauseFactory(edition__standard__code="ISO 9999", number="4.1").edition
    world.membership_viewer_a = world.viewer_a.organisation_memberships.get()
    for suffix, org, qm in (("a", world.org_a, world.qm_a), ("b", world.org_b, world.qm_b)):
        gap = services.gap_analysis_start(
            actor=qm, organisation=org, title=f"Gap {suffix}", editions=[world.edition], sites=[]
        )
        answer = gap.answers.get()
        evidence = services.gap_evidence_add(
            actor=qm, answer=answer, upload=SimpleUploadedFile("e.txt", b"e")
        )
        setattr(world, f"gap_{suffix}", gap)
        setattr(world, f"answer_{suffix}", answer)
        setattr(world, f"evidence_{suffix}", evidence)
        action = action_services.action_create(
            actor=qm, organisation=org, source="complaint", title=f"Complaint {suffix}", owner=qm
        )
        setattr(world, f"action_{suffix}", action)
    for suffix, cb, manager, org, site, auditor in (
        ("a", world.cb, world.cert_manager, world.org_a, world.site_a, world.auditor),
        ("b", world.other_cb, world.other_cb_manager, world.org_b, world.site_b, None),
    ):
        if auditor is None:
            auditor = factories.CBMembershipFactory(certification_body=cb, user__full_name="Auditor B").user
        programme = programme_services.programme_open(
            actor=manager,
            certification_body=cb,
            organisation=org,
            editions=[world.edition],
            sites=[site],
            iaf_codes=[],
            stage1_on=datetime.date(2027, 3, 1),
            scope=PROGRAMME_SCOPE,
        )
        audit = programme.audits.get(kind="stage1")
        assignment = team_services.team_assign(actor=manager, audit=audit, user=auditor, role="lead")
        audit.team_notified_on = datetime.date(2027, 1, 1)  # so that the client may object
        audit.save(update_fields=["team_notified_on"])
        setattr(world, f"programme_{suffix}", programme)
        setattr(world, f"programme_edition_{suffix}", programme.programme_editions.get())
        setattr(world, f"audit_{suffix}", audit)
        setattr(world, f"assignment_{suffix}", assignment)
    # --- plan, report ---
    from audits.services import fieldwork as fieldwork_services

    for suffix in ("a", "b"):
        audit, lead = getattr(world, f"audit_{suffix}"), getattr(world, f"assignment_{suffix}").user
        fieldwork_services.plan_save(
            actor=lead,
            audit=audit,
            objectives="Readiness",
            language="English",
            confidentiality="",
            arrangements="",
        )
        session = fieldwork_services.plan_session_add(
            actor=lead,
            audit=audit,
            day=audit.starts_on,
            starts_at=datetime.time(9),
            ends_at=datetime.time(10),
            site=getattr(world, f"site_{suffix}"),
            mode="on_site",
            activity="Opening meeting",
            clauses=[],
            auditors=[lead],
        )
        setattr(world, f"session_{suffix}", session)
    # --- findings ---
    from audits.models import Audit
    from audits.services import findings as finding_services

    for suffix in ("a", "b"):  # an OFI with a file on each audit, logged while its fieldwork ran
        audit = getattr(world, f"audit_{suffix}")
        lead = audit.assignments.get(role="lead").user
        Audit.objects.filter(pk=audit.pk).update(status="in_progress")
        content = finding_services.FindingContent(type="ofi", statement=f"Finding {suffix}")
        finding = finding_services.finding_raise(actor=lead, audit=audit, content=content)
        upload = SimpleUploadedFile("f.txt", b"f")
        finding_file = finding_services.finding_file_add(actor=lead, finding=finding, upload=upload)
        setattr(world, f"finding_{suffix}", finding)
        setattr(world, f"finding_file_{suffix}", finding_file)
        Audit.objects.filter(pk=audit.pk).update(status="planned")
    # --- responses ---
    from audits.models import Finding, FindingResponse

    for suffix in ("a", "b"):  # a major nonconformity answered by the client, waiting for review
        audit = getattr(world, f"audit_{suffix}")
        nc = Finding.objects.create(
            audit=audit,
            number=90,
            type="major",
            status="response_submitted",
            site=getattr(world, f"site_{suffix}"),
            clause=world.edition.clauses.first(),
            statement="Nonconformity",
            evidence="Record seen",
            raised_by=audit.assignments.get(role="lead").user,
        )
        response = FindingResponse.objects.create(
            finding=nc,
            kind="plan",
            root_cause="Cause",
            correction="Correction",
            corrective_action="Action",
            submitted_by=getattr(world, f"qm_{suffix}"),
        )
        setattr(world, f"nc_{suffix}", nc)
        setattr(world, f"response_{suffix}", response)
    # --- documents ---
    from django.core.files.base import ContentFile

    from core.models import Document

    for suffix in ("a", "b"):
        document = Document.objects.create(
            kind="improvement.gap_analysis",
            subject=getattr(world, f"gap_{suffix}"),
            status="ready",
            file=ContentFile(b"%PDF-1.7 test", name=f"gap-{suffix}.pdf"),
            size=13,
        )
        setattr(world, f"document_{suffix}", document)
    # --- certificates: an active certificate with a draft revision 2 waiting to be issued ---
    from types import SimpleNamespace

    from certificates.enums import TaskKind
    from certificates.models import CertificateRevision, Decision, Task
    from tests.certificates.conftest import make_certificate, take_copy

    for suffix, cb, org, site, manager in (
        ("a", world.cb, world.org_a, world.site_a, world.cert_manager),
        ("b", world.other_cb, world.org_b, world.site_b, world.other_cb_manager),
    ):
        side = SimpleNamespace(cb=cb, org_a=org, site_a=site, cert_manager=manager)
        certificate = make_certificate(side, world.edition, number=f"CERT-{suffix.upper()}")
        current = certificate.revisions.get()
        extension = Decision.objects.create(
            programme=current.decision.programme,
            edition=world.edition,
            kind="scope_extension",
            outcome="grant",
            decided_on=current.effective_on,
            decided_by=manager,
            rationale="Scope extension audit closed.",
            certificate=certificate,
        )
        draft = CertificateRevision.objects.create(
            certificate=certificate,
            revision=2,
            decision=extension,
            edition=world.edition,
            scope=current.scope,
            effective_on=current.effective_on,
            expiry_on=current.expiry_on,
            cycle_started_on=current.cycle_started_on,
        )
        take_copy(draft, [site])
        setattr(world, f"certificate_{suffix}", certificate)
        setattr(world, f"decision_{suffix}", current.decision)
        # --- calendar: the daily job's rule-10 task on the certificate ---
        task = Task.objects.create(
            certificate=certificate, kind=TaskKind.OVERDUE_SURVEILLANCE, due_on=current.effective_on
        )
        setattr(world, f"task_{suffix}", task)
    # --- invitations to join each organisation, waiting for an answer ---
    from organisations.services import invitation_create

    for suffix, org, qm in (("a", world.org_a, world.qm_a), ("b", world.org_b, world.qm_b)):
        invitation = invitation_create(
            actor=qm,
            organisation=org,
            email=f"invited.{suffix}@test.example",
            full_name="Invited",
            role="viewer",
        )
        setattr(world, f"invitation_{suffix}", invitation)
    # --- change notifications: a change of scope notified by each client, its CB's review open ---
    from certificates.change_rules import ChangeContent
    from certificates.services.changes import change_notify

    for suffix in ("a", "b"):
        notification = change_notify(
            actor=getattr(world, f"qm_{suffix}"),
            organisation=getattr(world, f"org_{suffix}"),
            content=ChangeContent(
                kind="scope", description="A new service", effective_on=datetime.date(2027, 1, 1)
            ),
        )
        setattr(world, f"change_review_{suffix}", notification.reviews.get())
    # --- the action register: an evidence file on each organisation's action ---
    for suffix in ("a", "b"):
        action_file = action_services.action_file_add(
            actor=getattr(world, f"qm_{suffix}"),
            action=getattr(world, f"action_{suffix}"),
            upload=SimpleUploadedFile("a.txt", b"a"),
        )
        setattr(world, f"action_file_{suffix}", action_file)
    # --- internal audits: for A and B, a process, a training, a programme, an audit in progress
    # with its auditor, checklist and finding, and a planned audit ---
    from tests.improvement.internal_audit_world import internal_audit_records

    for suffix in ("a", "b"):
        for key, record in internal_audit_records(world, world.edition, suffix).items():
            setattr(world, f"{key}_{suffix}", record)
    # --- management reviews: for A and B, a planned review with an attendee, an answered input and
    # a decision, and a held review of the year before ---
    from tests.improvement.review_world import review_records

    for suffix in ("a", "b"):
        for key, record in review_records(world, world.edition, suffix).items():
            setattr(world, f"{key}_{suffix}", record)
    # --- the Statement of Applicability: for A and B, an approved v1 (not shared) and a draft v2 ---
    from tests.improvement.soa_world import approved

    isms = ClauseFactory(edition__standard__code="ISO/IEC 27001", number="A.5.1").edition
    for suffix, org, qm in (("a", world.org_a, world.qm_a), ("b", world.org_b, world.qm_b)):
        setattr(world, f"soa_approved_{suffix}", approved(org, isms, qm))
        soa = soa_services.soa_draft(actor=qm, organisation=org, edition=isms)
        setattr(world, f"soa_{suffix}", soa)
        setattr(world, f"soa_control_{suffix}", soa.controls.get())
    # --- readiness for stage 1: each organisation's pack of the edition, shared with its CB ---
    from improvement.services.readiness import readiness_share

    for suffix in ("a", "b"):
        org, qm = getattr(world, f"org_{suffix}"), getattr(world, f"qm_{suffix}")
        row = readiness_share(actor=qm, organisation=org, edition=world.edition, shared=True)
        setattr(world, f"readiness_{suffix}", row)
    return world


def test_every_url_is_in_the_access_table():
    assert url_names(get_resolver()) - PUBLIC == set(ACCESS)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_is_sent_to_login(client, w, name):
    response = client.get(reverse(name, kwargs=ACCESS[name][0](w)))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _forbidden(w, name: str) -> set[str]:
    """The personas who see the record but may not use the page (403)."""
    kwargs, allowed, *forbidden = ACCESS[name]
    if forbidden:
        return forbidden[0]
    if name.startswith("improvement:gap_") and "org_pk" not in kwargs(w):
        return READS_A_GAP - allowed  # an unshared analysis: only the client's members see it
    if "org_pk" in kwargs(w) or not name.startswith("audits:"):  # pages of the organisation
        return SEES_A - allowed
    return SEES_AUDIT_A - allowed


@contextmanager
def _signed_in(client, user):
    """One persona's requests, undone afterwards: the next persona finds the same world (the
    world is built once a page, not once a persona: ten times fewer builds)."""
    with transaction.atomic():
        client.force_login(user)
        yield
        transaction.set_rollback(True)


# Menu entries that send a member of one organisation on to its page
SENDS_ON = {"improvement:management_system"}


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_get_access_per_persona(client, w, name):
    kwargs, allowed, *_ = ACCESS[name]
    forbidden = _forbidden(w, name)
    for persona in SIGNED_IN:
        with _signed_in(client, getattr(w, persona)):
            response = client.get(reverse(name, kwargs=kwargs(w)))
            if name in SENDS_ON and response.status_code == 302:
                assert not response.url.startswith(reverse("login")), persona
                response = client.get(response.url)  # what counts is the page it lands on
        if name in POST_ONLY:
            assert response.status_code == 405, persona
        elif persona in allowed:
            assert response.status_code == 200, persona
            assert "no-store" in response["Cache-Control"]  # nothing confidential stays in a cache
        else:
            assert response.status_code == (403 if persona in forbidden else 404), persona


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_post_access_per_persona(client, w, name):
    """An empty POST as every persona: who does not see the record gets 404, as on GET; who sees
    it gets the page again with its errors, a redirect with a message, a 403 or a 405; never an
    error page."""
    kwargs, allowed, *_ = ACCESS[name]
    for persona in SIGNED_IN:
        with _signed_in(client, getattr(w, persona)):
            response = client.post(reverse(name, kwargs=kwargs(w)), {})
        if persona in allowed | _forbidden(w, name):
            assert response.status_code in (200, 302, 403, 405), persona
        else:
            assert response.status_code in (404, 405), persona
            assert response.status_code == 404 or name in GET_ONLY or name not in POST_ONLY, persona


GET_ONLY = {
    "organisations:detail",
    "organisations:sites",
    "organisations:members",
    "improvement:gap_list",
    "improvement:gap_detail",
    "improvement:gap_compare",
    "improvement:gap_pdf",
    "improvement:gap_csv",
    "improvement:gap_xlsx",
    "improvement:gap_evidence_download",
    "improvement:gap_answer_edit",
    "improvement:gap_answer_row",
    "improvement:gap_next_unanswered",
    "improvement:action_detail",
    "audits:programme_detail",
    "audits:programme_time",
    "audits:audit_detail",
    # --- audit lifecycle, plan and report ---
    # --- findings ---
    "audits:finding_list",
    "audits:finding_file",
    # --- responses and review ---
    "audits:finding_detail",
    "audits:nc_list",
    # --- documents ---
    "documents:status",
    "documents:download",
    # --- certificates ---
    "certificates:register",
    "certificates:register_csv",
    "certificates:register_xlsx",
    "certificates:certificate_detail",
    "certificates:decision_detail",
    # --- calendar ---
    "calendar:month",
    "calendar:agenda",
    "calendar:due",
    "calendar:reminders",
    "calendar:queue",
    "calendar:queue_next",
    "certificates:news",
    "certificates:programme_next_step",
    "calendar:task_detail",
    "certificates:change_list",
    "certificates:change_review",
    # --- the action register ---
    "improvement:action_list",
    "improvement:action_export",
    "improvement:action_file",
    "improvement:my_actions",
    "improvement:management_system",
    "improvement:next_steps",
    # --- internal audits ---
    "improvement:process_list",
    "improvement:internal_programme_list",
    "improvement:internal_programme_detail",
    "improvement:internal_audit_detail",
    # --- management reviews ---
    "improvement:review_list",
    "improvement:review_detail",
    "improvement:review_pdf",
    # --- the Statement of Applicability ---
    "improvement:soa_list",
    "improvement:soa_detail",
    "improvement:soa_pdf",
    "improvement:soa_xlsx",
    # --- readiness for stage 1 ---
    "improvement:readiness",
    "improvement:readiness_detail",
    "improvement:readiness_pack",
    "improvement:readiness_pack_pdf",
}
TENANT_URLS = sorted(
    name
    for name in ACCESS
    if name.split(":")[0]
    in {"organisations", "improvement", "audits", "documents", "certificates", "calendar"}
    and name
    not in {
        "organisations:list",
        "audits:programme_list",
        "audits:my_audits",
        "audits:nc_list",
        "certificates:register",
        "certificates:register_csv",
        "certificates:register_xlsx",
        "calendar:month",
        "calendar:agenda",
        "calendar:due",
        "calendar:reminders",
        "calendar:subscription",
        "calendar:feed_regenerate",
        "calendar:queue",
        "calendar:queue_next",
        "certificates:news",  # the member's own organisations' news, no id
        "improvement:my_actions",  # the action register: everyone's own, no id
        "improvement:management_system",  # the menu: the member's own organisations, no id
        "improvement:next_steps",  # the home page's next steps: the member's own, no id
    }
)


def _pk_of_b(w, name: str) -> int:
    if name.startswith("improvement:gap_"):
        return w.gap_b.pk
    if name.startswith("improvement:action_"):
        return w.action_b.pk
    if name.startswith("audits:programme_"):
        return w.programme_b.pk
    if name.startswith(("audits:audit_", "audits:team_")):
        return w.audit_b.pk
    if name.startswith("audits:finding_"):
        return w.audit_b.pk if name in ("audits:finding_list", "audits:finding_new") else w.finding_b.pk
    if name.startswith("certificates:certificate_"):
        return w.certificate_b.pk
    if name == "certificates:decision_detail":
        return w.decision_b.pk
    if name.startswith("calendar:task_"):
        return w.task_b.pk
    if name.startswith("certificates:change_review"):
        return w.change_review_b.pk
    if name.startswith("certificates:change_"):
        return w.org_b.pk
    if name.startswith("certificates:"):
        return w.programme_b.pk
    # --- internal audits ---
    internal = {
        "improvement:process_edit": w.process_b,
        "improvement:process_deactivate": w.process_b,
        "improvement:auditor_training_remove": w.training_b,
        "improvement:internal_programme_detail": w.internal_programme_b,
        "improvement:internal_programme_edit": w.internal_programme_b,
        "improvement:internal_audit_new": w.internal_programme_b,
        "improvement:internal_finding_edit": w.internal_finding_b,
        "improvement:internal_finding_withdraw": w.internal_finding_b,
    }
    if name in internal:
        return internal[name].pk
    if name.startswith(("improvement:internal_audit", "improvement:internal_auditor")):
        return w.internal_audit_b.pk
    # --- management reviews ---
    reviews = {
        "improvement:review_input": w.review_input_b,
        "improvement:review_output_action": w.review_output_b,
        "improvement:review_output_withdraw": w.review_output_b,
        "improvement:review_minutes_approve": w.held_review_b,
        "improvement:review_pdf": w.held_review_b,
    }
    if name.startswith("improvement:review_"):
        return reviews.get(name, w.review_b).pk
    # --- the Statement of Applicability ---
    soa = {
        "improvement:soa_control": w.soa_control_b,
        "improvement:soa_share": w.soa_approved_b,
        "improvement:soa_pdf": w.soa_approved_b,
    }
    if name.startswith("improvement:soa_"):
        return soa.get(name, w.soa_b).pk
    # --- readiness for stage 1 ---
    if name.startswith("improvement:readiness_pack"):
        return w.readiness_b.pk
    return w.org_b.pk


# Everyone who does not see organisation B's side: B's quality manager, the CB serving B and
# platform staff do. Each tries every page of B, by GET and by POST.
OUTSIDERS_OF_B = sorted(set(SIGNED_IN) - {"qm_b", "other_cb_manager", "staff"})
METHODS = ("get", "post")
CROSS_TENANT_CASES = len(TENANT_URLS) * len(OUTSIDERS_OF_B) * len(METHODS)


def _ids_of_b(w, name: str) -> dict:
    return {
        "pk": _pk_of_b(w, name),
        "edition_pk": w.programme_edition_b.pk,
        "assignment_pk": w.assignment_b.pk,
        "org_pk": w.org_b.pk,
        "site_pk": w.site_b.pk,
        "membership_pk": w.qm_b.organisation_memberships.get().pk,
        "answer_pk": w.answer_b.pk,
        "file_pk": w.action_file_b.pk if name.startswith("improvement:action_") else w.evidence_b.pk,
        "document_pk": w.document_b.pk,
        "kind": "improvement.gap_analysis",
        "object_id": w.gap_b.pk,
        "response_pk": w.response_b.pk,
        "programme_pk": w.programme_b.pk,
        "session_pk": w.session_b.pk,
        "invitation_pk": w.invitation_b.pk,
        "auditor_pk": w.internal_auditor_b.pk,  # internal audits
        "attendee_pk": w.review_attendee_b.pk,  # management reviews
    }


def test_the_cross_tenant_sweep_counts_its_cases():
    """Every page of B with B's ids, as each of the 7 personas who do not see B, by GET and by
    POST: 14 cases a page (`CROSS_TENANT_CASES` in all; a page of B missing here fails
    `test_every_tenant_page_is_swept`)."""
    assert len(OUTSIDERS_OF_B) == 7 and len(TENANT_URLS) >= 75
    assert len(TENANT_URLS) * 14 == CROSS_TENANT_CASES


def test_every_tenant_page_is_swept(w):
    """Every page whose address holds an id (of a record, an organisation, a kind and object) is
    swept with B's ids: none can be left out of TENANT_URLS by mistake."""
    with_ids = {name for name in ACCESS if ACCESS[name][0](w)}
    # the catalogue is public; the menu's address names a section, not a record
    not_tenants = {"standards:standard_detail", "standards:edition_detail", "improvement:management_system"}
    assert with_ids - not_tenants == set(TENANT_URLS)


@pytest.mark.parametrize("name", TENANT_URLS)
def test_every_outsider_gets_404_on_every_page_of_b(client, w, name):
    ids_of_b = _ids_of_b(w, name)
    address = reverse(name, kwargs={key: ids_of_b[key] for key in ACCESS[name][0](w)})
    tried = []
    for persona in OUTSIDERS_OF_B:
        client.force_login(getattr(w, persona))
        for method in METHODS:
            response = getattr(client, method)(address)
            wrong_method = (method == "post" and name in GET_ONLY) or (method == "get" and name in POST_ONLY)
            assert response.status_code == (405 if wrong_method else 404), (persona, method)
            tried.append((persona, method))
    assert len(tried) == len(OUTSIDERS_OF_B) * len(METHODS)
    _assert_b_unchanged(w)


def _assert_b_unchanged(w) -> None:
    w.org_b.refresh_from_db()
    w.gap_b.refresh_from_db()
    assert w.org_b.name == "Organisation B" and w.org_b.memberships.filter(is_active=True).count() == 1
    w.invitation_b.refresh_from_db()
    assert w.invitation_b.status == "pending" and w.invitation_b.token_hash == token_digest(
        w.invitation_b.token
    )
    assert not w.gap_b.is_completed and not w.gap_b.shared_with_cb and w.gap_b.copies.count() == 0
    assert not w.answer_b.actions.exists()  # no action raised from B's answers
    w.action_b.refresh_from_db()
    assert (
        w.action_b.status == "open"
        and w.action_b.title == "Complaint b"
        and w.action_b.follow_ups.count() == 0
    )
    w.audit_b.refresh_from_db()
    w.assignment_b.refresh_from_db()
    assert (
        w.audit_b.status == "planned" and w.assignment_b.is_active and w.assignment_b.declaration == "pending"
    )
    w.programme_b.refresh_from_db()
    assert w.programme_b.status == "draft" and w.programme_b.scope == "Services"
    assert w.audit_b.audit_sites.count() == 0 and w.audit_b.starts_on == datetime.date(2027, 3, 1)
    w.certificate_b.refresh_from_db()
    w.task_b.refresh_from_db()
    assert w.certificate_b.status == "active" and w.task_b.status == "open"
    assert w.certificate_b.revisions.filter(status="draft").count() == 1
    assert w.nc_b.responses.count() == 1 and w.finding_b.files.filter(removed_at__isnull=True).count() == 1
    # --- internal audits ---
    for record in ("process_b", "training_b", "internal_audit_b", "internal_finding_b", "internal_auditor_b"):
        getattr(w, record).refresh_from_db()
    assert w.process_b.is_active and w.process_b.name == "Procurement b" and w.training_b.removed_at is None
    assert w.internal_audit_b.status == "in_progress" and w.internal_audit_b.conclusions == ""
    assert w.internal_finding_b.withdrawn_at is None and w.internal_auditor_b.removed_at is None
    assert w.internal_audit_b.findings.count() == 1 and w.internal_audit_b.auditors.count() == 1
    assert w.internal_programme_b.audits.count() == 2
    # --- management reviews ---
    for record in ("review_b", "review_attendee_b", "review_input_b", "review_output_b", "held_review_b"):
        getattr(w, record).refresh_from_db()
    assert (
        w.review_b.status == "planned" and w.review_b.title == "Review b" and w.held_review_b.status == "held"
    )
    assert w.review_attendee_b.removed_at is None and w.review_output_b.withdrawn_at is None
    assert w.review_output_b.action_id is None and w.review_input_b.answer == "Considered"
    assert w.review_b.outputs.count() == 1 and w.review_b.attendees.count() == 1
    # --- the Statement of Applicability ---
    for record in ("soa_b", "soa_approved_b", "soa_control_b"):
        getattr(w, record).refresh_from_db()
    assert w.soa_b.is_draft and not w.soa_approved_b.shared_with_cb and w.soa_control_b.updated_at is None
    assert w.org_b.statements_of_applicability.count() == 2
    # --- readiness for stage 1 ---
    w.readiness_b.refresh_from_db()
    assert w.readiness_b.shared_with_cb and w.readiness_b.scope == "" and not w.readiness_b.sites.exists()
