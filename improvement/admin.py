"""Administrators read the organisation's own management-system records here; they change through
the app's pages and services, which enforce the rules and log every state change."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from improvement.models import (
    Action,
    ActionEvidenceFile,
    AuditorTraining,
    ChecklistItem,
    EvidenceFile,
    GapAnalysis,
    GapAnswer,
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    InternalFinding,
    ManagementReview,
    Process,
    Readiness,
    ReviewAttendee,
    ReviewInput,
    ReviewOutput,
    SoaControl,
    StatementOfApplicability,
)


@admin.register(GapAnalysis)
class GapAnalysisAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "status", "shared_with_cb", "created_by", "created_at"]
    list_filter = ["status", "shared_with_cb"]
    list_select_related = ["organisation", "created_by"]
    search_fields = ["title", "organisation__name"]
    autocomplete_fields = ["organisation", "copied_from", "created_by"]
    filter_horizontal = ["editions", "sites"]
    readonly_fields = ["created_at", "completed_at"]


@admin.register(GapAnswer)
class GapAnswerAdmin(ReadOnlyAdmin):
    list_display = ["analysis", "clause", "hs_key", "status", "updated_by", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["analysis", "clause", "updated_by"]
    search_fields = ["analysis__title", "clause__number", "hs_key"]
    autocomplete_fields = ["analysis", "clause", "updated_by"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "answer", "size", "uploaded_by", "uploaded_at", "removed_at"]
    list_select_related = ["answer__analysis", "answer__clause", "uploaded_by"]
    search_fields = ["original_name", "answer__analysis__title"]
    raw_id_fields = ["answer", "uploaded_by"]


# --- the action register ---


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "source", "kind", "status", "owner", "due_on", "reviewed_on"]
    list_filter = ["status", "source", "kind", "review_result"]
    list_select_related = ["organisation", "owner"]
    search_fields = ["title", "organisation__name", "source_reference", "description"]
    autocomplete_fields = ["organisation", "owner", "created_by", "reviewed_by"]
    raw_id_fields = ["site", "clause", "gap_answer", "internal_finding", "follows"]
    readonly_fields = ["created_at", "done_at"]


@admin.register(ActionEvidenceFile)
class ActionEvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "action", "size", "uploaded_by", "uploaded_at", "removed_at"]
    list_select_related = ["action", "uploaded_by"]
    search_fields = ["original_name", "action__title"]
    raw_id_fields = ["action", "uploaded_by"]


# --- internal audits ---


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["organisation", "owner"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["organisation", "owner"]
    raw_id_fields = ["sites"]


@admin.register(AuditorTraining)
class AuditorTrainingAdmin(ReadOnlyAdmin):
    list_display = ["course", "membership", "standard", "completed_on", "removed_at"]
    list_filter = ["standard"]
    list_select_related = ["membership__user", "membership__organisation", "standard"]
    search_fields = ["course", "membership__user__full_name", "membership__organisation__name"]
    raw_id_fields = ["membership", "standard", "recorded_by"]


@admin.register(InternalAuditProgramme)
class InternalAuditProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "starts_on", "ends_on", "created_by"]
    list_select_related = ["organisation", "created_by"]
    search_fields = ["title", "organisation__name"]
    autocomplete_fields = ["organisation", "created_by"]
    filter_horizontal = ["editions"]


@admin.register(InternalAudit)
class InternalAuditAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "programme", "status", "starts_on", "ends_on", "reported_at", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["programme__organisation"]
    search_fields = ["title", "programme__title", "programme__organisation__name"]
    autocomplete_fields = ["programme", "created_by"]
    raw_id_fields = ["processes", "sites", "clauses"]


@admin.register(InternalAuditor)
class InternalAuditorAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "audit", "is_lead", "added_at", "removed_at"]
    list_filter = ["is_lead"]
    list_select_related = ["audit", "user"]
    search_fields = ["user__full_name", "external_name", "audit__title"]
    autocomplete_fields = ["audit", "user"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "result", "updated_by", "updated_at"]
    list_filter = ["result"]
    list_select_related = ["audit", "clause", "updated_by"]
    search_fields = ["audit__title", "clause__number"]
    autocomplete_fields = ["audit", "clause", "updated_by"]


@admin.register(InternalFinding)
class InternalFindingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "audit", "grade", "clause", "created_at", "withdrawn_at"]
    list_filter = ["grade"]
    list_select_related = ["audit", "clause"]
    search_fields = ["title", "audit__title", "clause__number"]
    autocomplete_fields = ["audit", "clause", "created_by"]
    raw_id_fields = ["process", "site"]


# --- management reviews ---


@admin.register(ManagementReview)
class ManagementReviewAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "status", "planned_on", "held_on", "minutes_approved_at"]
    list_filter = ["status"]
    list_select_related = ["organisation"]
    search_fields = ["title", "organisation__name"]
    autocomplete_fields = ["organisation", "created_by", "held_by", "minutes_approved_by"]
    filter_horizontal = ["editions"]


@admin.register(ReviewAttendee)
class ReviewAttendeeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "review", "function", "is_top_management", "added_at", "removed_at"]
    list_filter = ["is_top_management"]
    list_select_related = ["review", "user"]
    search_fields = ["name", "user__full_name", "review__title"]
    autocomplete_fields = ["review", "user"]


@admin.register(ReviewInput)
class ReviewInputAdmin(ReadOnlyAdmin):
    list_display = ["label", "review", "standard_code", "not_applicable", "answered_by", "answered_at"]
    list_filter = ["not_applicable", "standard_code"]
    list_select_related = ["review", "answered_by"]
    search_fields = ["label", "key", "review__title"]
    autocomplete_fields = ["review", "answered_by"]


@admin.register(ReviewOutput)
class ReviewOutputAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "review", "kind", "action", "created_at", "withdrawn_at"]
    list_filter = ["kind"]
    list_select_related = ["review", "action"]
    search_fields = ["decision", "review__title"]
    autocomplete_fields = ["review", "action", "created_by"]


# --- the Statement of Applicability: read-only (an approved version never changes) ---


@admin.register(StatementOfApplicability)
class StatementOfApplicabilityAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "organisation",
        "edition",
        "version",
        "status",
        "approved_on",
        "shared_with_cb",
    ]
    list_filter = ["status", "shared_with_cb"]
    list_select_related = ["organisation", "edition__standard"]
    search_fields = ["organisation__name", "approver_name"]
    autocomplete_fields = ["organisation", "created_by", "approval_recorded_by"]
    raw_id_fields = ["edition", "drafted_from", "copied_from"]


@admin.register(SoaControl)
class SoaControlAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "applicable", "implementation", "updated_by", "updated_at"]
    list_filter = ["applicable", "implementation"]
    list_select_related = ["soa__organisation", "soa__edition__standard", "clause", "updated_by"]
    search_fields = ["soa__organisation__name", "clause__number"]
    raw_id_fields = ["soa", "clause", "action", "updated_by"]


# --- readiness for stage 1 ---


@admin.register(Readiness)
class ReadinessAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "edition", "shared_with_cb", "shared_at", "updated_at"]
    list_filter = ["shared_with_cb"]
    list_select_related = ["organisation", "edition__standard"]
    search_fields = ["organisation__name", "edition__standard__code", "scope"]
    autocomplete_fields = ["organisation", "edition", "shared_by", "created_by"]
    raw_id_fields = ["sites", "processes"]
    readonly_fields = ["created_at", "updated_at", "shared_at"]
