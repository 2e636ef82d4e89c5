"""Administrators read the audit records here; they change through the app's pages and services,
which enforce the rules and log every state change. Consultancy records are entered here too."""

from django.contrib import admin

from audits.models import (
    Audit,
    AuditPlan,
    AuditProgramme,
    AuditReport,
    AuditSite,
    ConsultancyRecord,
    Finding,
    FindingEvidenceFile,
    FindingResponse,
    PlanSession,
    ProgrammeEdition,
    TeamAssignment,
)
from core.admin_mixins import NoDeleteAdmin, ReadOnlyAdmin


class ProgrammeEditionInline(admin.TabularInline):
    model = ProgrammeEdition
    fields = ["edition", "complexity", "override_days", "override_justification"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditProgramme)
class AuditProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["reference", "organisation", "certification_body", "status", "created_at"]
    list_filter = ["status", "certification_body"]
    list_select_related = ["organisation", "certification_body"]
    search_fields = ["organisation__name", "scope"]
    inlines = [ProgrammeEditionInline]


class AuditSiteInline(admin.TabularInline):
    model = AuditSite
    readonly_fields = ["site", "selection"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "status", "starts_on", "ends_on", "planned_days"]
    list_filter = ["kind", "status"]
    list_select_related = ["programme__organisation"]
    search_fields = ["programme__organisation__name"]
    date_hierarchy = "starts_on"
    exclude = ["clauses"]
    inlines = [AuditSiteInline]


@admin.register(TeamAssignment)
class TeamAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "audit", "status", "declaration", "assigned_at"]
    list_filter = ["role", "status", "declaration"]
    list_select_related = ["user", "audit__programme__organisation"]
    search_fields = ["user__full_name", "user__email", "audit__programme__organisation__name"]


@admin.register(ConsultancyRecord)
class ConsultancyRecordAdmin(NoDeleteAdmin):
    """Who advised which client until when: rule 23 keeps them off its audits for 2 years."""

    list_display = ["user", "organisation", "started_on", "ended_on", "recorded_by"]
    list_select_related = ["user", "organisation", "recorded_by"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    exclude = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class PlanSessionInline(admin.TabularInline):
    model = PlanSession
    fields = ["day", "starts_at", "ends_at", "site", "mode", "activity", "removed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditPlan)
class AuditPlanAdmin(ReadOnlyAdmin):
    list_display = ["audit", "language", "updated_at", "sent_at", "acknowledged_at"]
    list_select_related = ["audit__programme__organisation"]
    search_fields = ["audit__programme__organisation__name"]
    raw_id_fields = ["audit", "updated_by", "sent_by", "acknowledged_by"]
    inlines = [PlanSessionInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "type", "status", "clause", "site", "response_due_on", "close_due_on"]
    ordering = ["-pk"]  # the newest first, on the primary key's index (100,000 findings at national scale)
    list_filter = ["type", "status"]
    # not the audit: a finding's reference is made from the audit's id (Audit.reference_of)
    list_select_related = ["clause", "site__organisation"]
    search_fields = ["statement", "audit__programme__organisation__name"]
    raw_id_fields = ["audit", "clause", "site", "raised_by"]
    filter_horizontal = ["editions"]


@admin.register(FindingResponse)
class FindingResponseAdmin(ReadOnlyAdmin):
    list_display = [
        "finding",
        "kind",
        "outcome",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    ]
    list_filter = ["kind", "outcome"]
    list_select_related = ["finding__audit", "submitted_by", "reviewed_by"]
    raw_id_fields = ["finding", "submitted_by", "reviewed_by"]


@admin.register(FindingEvidenceFile)
class FindingEvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "finding", "size", "uploaded_by", "uploaded_at", "removed_at"]
    list_select_related = ["finding__audit", "uploaded_by"]
    search_fields = ["original_name"]
    raw_id_fields = ["finding", "response", "uploaded_by"]


@admin.register(AuditReport)
class AuditReportAdmin(ReadOnlyAdmin):
    list_display = ["audit", "stage1_outcome", "recommendation", "updated_at", "issued_at", "issued_by"]
    list_filter = ["stage1_outcome", "recommendation"]
    list_select_related = ["audit__programme__organisation", "issued_by"]
    raw_id_fields = ["audit", "updated_by", "issued_by"]
