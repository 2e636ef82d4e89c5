from django.urls import path

from improvement.views import actions, gap, home, processes, readiness, soa
from improvement.views import internal_audits as ia
from improvement.views import reviews as rv

app_name = "improvement"

# The gap analyses kept the paths they had when the audits app held them (bookmarks keep working).
urlpatterns = [
    path("organisations/<int:org_pk>/gap-analyses/", gap.gap_list, name="gap_list"),
    path("organisations/<int:org_pk>/gap-analyses/new/", gap.gap_start, name="gap_start"),
    path("gap-analyses/<int:pk>/", gap.gap_detail, name="gap_detail"),
    path("gap-analyses/<int:pk>/answers/<int:answer_pk>/", gap.gap_answer, name="gap_answer"),
    path("gap-analyses/<int:pk>/answers/<int:answer_pk>/edit/", gap.gap_answer_edit, name="gap_answer_edit"),
    path("gap-analyses/<int:pk>/answers/<int:answer_pk>/row/", gap.gap_answer_row, name="gap_answer_row"),
    path(
        "gap-analyses/<int:pk>/answers/<int:answer_pk>/actions/new/",
        gap.gap_answer_action_raise,
        name="gap_answer_action_raise",
    ),
    path("gap-analyses/<int:pk>/next-unanswered/", gap.gap_next_unanswered, name="gap_next_unanswered"),
    path(
        "gap-analyses/<int:pk>/answers/<int:answer_pk>/evidence/",
        gap.gap_evidence_upload,
        name="gap_evidence_upload",
    ),
    path(
        "gap-analyses/<int:pk>/evidence/<int:file_pk>/",
        gap.gap_evidence_download,
        name="gap_evidence_download",
    ),
    path(
        "gap-analyses/<int:pk>/evidence/<int:file_pk>/remove/",
        gap.gap_evidence_remove,
        name="gap_evidence_remove",
    ),
    path("gap-analyses/<int:pk>/complete/", gap.gap_complete, name="gap_complete"),
    path("gap-analyses/<int:pk>/share/", gap.gap_share, name="gap_share"),
    path("gap-analyses/<int:pk>/copy/", gap.gap_copy, name="gap_copy"),
    path("gap-analyses/<int:pk>/compare/", gap.gap_compare, name="gap_compare"),
    path("gap-analyses/<int:pk>/pdf/", gap.gap_pdf, name="gap_pdf"),
    path("gap-analyses/<int:pk>/csv/", gap.gap_csv, name="gap_csv"),
    path("gap-analyses/<int:pk>/xlsx/", gap.gap_xlsx, name="gap_xlsx"),
    path("gap-analyses/<int:pk>/import/", gap.gap_import, name="gap_import"),
    path("gap-analyses/<int:pk>/answers/status/", gap.gap_answers_status, name="gap_answers_status"),
    # --- actions ---
    path("actions/<int:pk>/", actions.action_detail, name="action_detail"),
    # --- the action register ---
    path("organisations/<int:org_pk>/actions/", actions.action_list, name="action_list"),
    path("organisations/<int:org_pk>/actions/export/", actions.action_export, name="action_export"),
    path("organisations/<int:org_pk>/actions/new/", actions.action_new, name="action_new"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action_edit"),
    path("actions/<int:pk>/start/", actions.action_start, name="action_start"),
    path("actions/<int:pk>/done/", actions.action_done, name="action_done"),
    path("actions/<int:pk>/review/", actions.action_review, name="action_review"),
    path("actions/<int:pk>/cancel/", actions.action_cancel, name="action_cancel"),
    path("actions/<int:pk>/files/", actions.action_file_add, name="action_file_add"),
    path("actions/<int:pk>/files/<int:file_pk>/", actions.action_file, name="action_file"),
    path(
        "actions/<int:pk>/files/<int:file_pk>/remove/", actions.action_file_remove, name="action_file_remove"
    ),
    path("my-actions/", actions.my_actions, name="my_actions"),
    path("management-system/<slug:section>/", home.management_system, name="management_system"),
    path("next-steps/", home.next_steps, name="next_steps"),
    # --- internal audits: processes, internal auditors' training, programmes, audits ---
    path("organisations/<int:org_pk>/processes/", processes.process_list, name="process_list"),
    path("organisations/<int:org_pk>/processes/new/", processes.process_new, name="process_new"),
    path("processes/<int:pk>/edit/", processes.process_edit, name="process_edit"),
    path("processes/<int:pk>/deactivate/", processes.process_deactivate, name="process_deactivate"),
    path(
        "organisations/<int:org_pk>/internal-auditors/", processes.auditor_trainings, name="auditor_trainings"
    ),
    path(
        "internal-auditor-trainings/<int:pk>/remove/",
        processes.auditor_training_remove,
        name="auditor_training_remove",
    ),
    path(
        "organisations/<int:org_pk>/internal-audits/",
        ia.internal_programme_list,
        name="internal_programme_list",
    ),
    path(
        "organisations/<int:org_pk>/internal-audits/new/",
        ia.internal_programme_new,
        name="internal_programme_new",
    ),
    path(
        "internal-audit-programmes/<int:pk>/", ia.internal_programme_detail, name="internal_programme_detail"
    ),
    path(
        "internal-audit-programmes/<int:pk>/edit/", ia.internal_programme_edit, name="internal_programme_edit"
    ),
    path("internal-audit-programmes/<int:pk>/audits/new/", ia.internal_audit_new, name="internal_audit_new"),
    path("internal-audits/<int:pk>/", ia.internal_audit_detail, name="internal_audit_detail"),
    path("internal-audits/<int:pk>/edit/", ia.internal_audit_edit, name="internal_audit_edit"),
    path("internal-audits/<int:pk>/auditors/", ia.internal_auditor_add, name="internal_auditor_add"),
    path(
        "internal-audits/<int:pk>/auditors/<int:auditor_pk>/remove/",
        ia.internal_auditor_remove,
        name="internal_auditor_remove",
    ),
    path("internal-audits/<int:pk>/start/", ia.internal_audit_start, name="internal_audit_start"),
    path("internal-audits/<int:pk>/checklist/", ia.internal_audit_checklist, name="internal_audit_checklist"),
    path("internal-audits/<int:pk>/findings/new/", ia.internal_finding_new, name="internal_finding_new"),
    path("internal-findings/<int:pk>/edit/", ia.internal_finding_edit, name="internal_finding_edit"),
    path(
        "internal-findings/<int:pk>/withdraw/", ia.internal_finding_withdraw, name="internal_finding_withdraw"
    ),
    path("internal-audits/<int:pk>/report/", ia.internal_audit_report, name="internal_audit_report"),
    path(
        "internal-audits/<int:pk>/report/issue/",
        ia.internal_audit_report_issue,
        name="internal_audit_report_issue",
    ),
    path("internal-audits/<int:pk>/close/", ia.internal_audit_close, name="internal_audit_close"),
    path("internal-audits/<int:pk>/cancel/", ia.internal_audit_cancel, name="internal_audit_cancel"),
    # --- the Statement of Applicability ---
    path("organisations/<int:org_pk>/soa/", soa.soa_list, name="soa_list"),
    path("organisations/<int:org_pk>/soa/new/", soa.soa_new, name="soa_new"),
    path("soa/<int:pk>/", soa.soa_detail, name="soa_detail"),
    path("soa/controls/<int:pk>/", soa.soa_control, name="soa_control"),
    path("soa/<int:pk>/approve/", soa.soa_approve, name="soa_approve"),
    path("soa/<int:pk>/share/", soa.soa_share, name="soa_share"),
    path("soa/<int:pk>/pdf/", soa.soa_pdf, name="soa_pdf"),
    path("soa/<int:pk>/xlsx/", soa.soa_xlsx, name="soa_xlsx"),
]

# --- management reviews ---
urlpatterns += [
    path("organisations/<int:org_pk>/management-reviews/", rv.review_list, name="review_list"),
    path("organisations/<int:org_pk>/management-reviews/new/", rv.review_new, name="review_new"),
    path("management-reviews/<int:pk>/", rv.review_detail, name="review_detail"),
    path("management-reviews/<int:pk>/edit/", rv.review_edit, name="review_edit"),
    path("management-reviews/<int:pk>/attendees/", rv.review_attendee_add, name="review_attendee_add"),
    path(
        "management-reviews/<int:pk>/attendees/<int:attendee_pk>/remove/",
        rv.review_attendee_remove,
        name="review_attendee_remove",
    ),
    path("management-review-inputs/<int:pk>/", rv.review_input, name="review_input"),
    path("management-reviews/<int:pk>/hold/", rv.review_hold, name="review_hold"),
    path(
        "management-reviews/<int:pk>/minutes/approve/",
        rv.review_minutes_approve,
        name="review_minutes_approve",
    ),
    path("management-reviews/<int:pk>/cancel/", rv.review_cancel, name="review_cancel"),
    path("management-reviews/<int:pk>/decisions/new/", rv.review_output_add, name="review_output_add"),
    path(
        "management-review-decisions/<int:pk>/action/", rv.review_output_action, name="review_output_action"
    ),
    path(
        "management-review-decisions/<int:pk>/withdraw/",
        rv.review_output_withdraw,
        name="review_output_withdraw",
    ),
    path("management-reviews/<int:pk>/pdf/", rv.review_pdf, name="review_pdf"),
    # --- readiness for stage 1 ---
    path("organisations/<int:org_pk>/readiness/", readiness.readiness, name="readiness"),
    path(
        "organisations/<int:org_pk>/readiness/<int:edition_pk>/",
        readiness.readiness_detail,
        name="readiness_detail",
    ),
    path(
        "organisations/<int:org_pk>/readiness/<int:edition_pk>/scope/",
        readiness.readiness_scope,
        name="readiness_scope",
    ),
    path(
        "organisations/<int:org_pk>/readiness/<int:edition_pk>/share/",
        readiness.readiness_share,
        name="readiness_share",
    ),
    path("readiness-packs/<int:pk>/", readiness.readiness_pack, name="readiness_pack"),
    path("readiness-packs/<int:pk>/pdf/", readiness.readiness_pack_pdf, name="readiness_pack_pdf"),
]
