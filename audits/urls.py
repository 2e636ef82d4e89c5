from django.urls import path

from audits.views import audits, fieldwork, programmes
from audits.views import findings as finding_views
from audits.views import responses as response_views

app_name = "audits"

urlpatterns = [
    path("programmes/", programmes.programme_list, name="programme_list"),
    path("organisations/<int:org_pk>/programmes/new/", programmes.programme_open, name="programme_open"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/time/", programmes.programme_time, name="programme_time"),
    path(
        "programmes/<int:pk>/time/<int:edition_pk>/",
        programmes.programme_edition_time,
        name="programme_edition_time",
    ),
    path("programmes/<int:pk>/coverage/", programmes.programme_coverage, name="programme_coverage"),
    path("programmes/<int:pk>/approve/", programmes.programme_approve, name="programme_approve"),
    path("programmes/<int:pk>/apply-times/", programmes.programme_times_apply, name="programme_times_apply"),
    path(
        "programmes/<int:pk>/headcount-reviewed/",
        programmes.programme_headcount_reviewed,
        name="programme_headcount_reviewed",
    ),
    path("my-audits/", audits.my_audits, name="my_audits"),
    path("audits/<int:pk>/", audits.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/plan/", audits.audit_plan, name="audit_plan"),
    path("audits/<int:pk>/sites/", audits.audit_sites, name="audit_sites"),
    path("audits/<int:pk>/team/", audits.team_assign, name="team_assign"),
    path("audits/<int:pk>/team/confirm/", audits.team_confirm, name="team_confirm"),
    path("audits/<int:pk>/team/notify/", audits.team_notify, name="team_notify"),
    path("audits/<int:pk>/team/<int:assignment_pk>/withdraw/", audits.team_withdraw, name="team_withdraw"),
    path("audits/<int:pk>/team/<int:assignment_pk>/declare/", audits.team_declare, name="team_declare"),
    path("audits/<int:pk>/team/<int:assignment_pk>/object/", audits.team_object, name="team_object"),
    # --- audit lifecycle, plan and report ---
    path("programmes/<int:programme_pk>/audits/new/", fieldwork.audit_add, name="audit_add"),
    path("audits/<int:pk>/audit-plan/", fieldwork.audit_plan_edit, name="audit_plan_edit"),
    path(
        "audits/<int:pk>/audit-plan/sessions/new/",
        fieldwork.audit_plan_session_add,
        name="audit_plan_session_add",
    ),
    path(
        "audits/<int:pk>/audit-plan/sessions/<int:session_pk>/remove/",
        fieldwork.audit_plan_session_remove,
        name="audit_plan_session_remove",
    ),
    path("audits/<int:pk>/audit-plan/send/", fieldwork.audit_plan_send, name="audit_plan_send"),
    path(
        "audits/<int:pk>/audit-plan/acknowledge/",
        fieldwork.audit_plan_acknowledge,
        name="audit_plan_acknowledge",
    ),
    path("audits/<int:pk>/start/", fieldwork.audit_start, name="audit_start"),
    path("audits/<int:pk>/fieldwork-done/", fieldwork.audit_fieldwork_done, name="audit_fieldwork_done"),
    path(
        "audits/<int:pk>/fieldwork-reopen/", fieldwork.audit_fieldwork_reopen, name="audit_fieldwork_reopen"
    ),
    path("audits/<int:pk>/cancel/", fieldwork.audit_cancel, name="audit_cancel"),
    path("audits/<int:pk>/report/", fieldwork.audit_report, name="audit_report"),
    path("audits/<int:pk>/report/issue/", fieldwork.audit_report_issue, name="audit_report_issue"),
    # --- findings ---
    path("audits/<int:pk>/findings/", finding_views.finding_list, name="finding_list"),
    path("audits/<int:pk>/findings/new/", finding_views.finding_new, name="finding_new"),
    path("findings/<int:pk>/edit/", finding_views.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/withdraw/", finding_views.finding_withdraw, name="finding_withdraw"),
    path("findings/<int:pk>/files/", finding_views.finding_file_add, name="finding_file_add"),
    path("findings/<int:pk>/files/<int:file_pk>/", finding_views.finding_file, name="finding_file"),
    path(
        "findings/<int:pk>/files/<int:file_pk>/remove/",
        finding_views.finding_file_remove,
        name="finding_file_remove",
    ),
    # --- responses and review ---
    path("findings/<int:pk>/", response_views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/respond/", response_views.finding_respond, name="finding_respond"),
    path(
        "findings/<int:pk>/implementation/",
        response_views.finding_implementation,
        name="finding_implementation",
    ),
    path(
        "findings/<int:pk>/responses/<int:response_pk>/files/",
        response_views.finding_response_file,
        name="finding_response_file",
    ),
    path(
        "findings/<int:pk>/responses/<int:response_pk>/review/",
        response_views.finding_review,
        name="finding_review",
    ),
    path("findings/<int:pk>/verify/", response_views.finding_verify, name="finding_verify"),
    path("nonconformities/", response_views.nc_list, name="nc_list"),
]
