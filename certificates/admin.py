"""Administrators read decisions and certificates here. They change only through the app's pages
and services, which enforce rules 6–16 and log every state change; an expiry date in particular
is never edited (rule 12)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certificates.models import (
    CalendarSettings,
    Certificate,
    CertificateDueDate,
    CertificateRevision,
    ChangeNotification,
    ChangeReview,
    CycleStep,
    DailyJobRun,
    Decision,
    Reminder,
    RevisionSite,
    Task,
    TransferReview,
)
from core.admin_mixins import ReadOnlyAdmin


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "programme", "edition", "decided_by", "certificate", "recorded_at"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["programme__organisation", "edition__standard", "decided_by", "certificate"]
    search_fields = ["programme__organisation__name", "certificate__number", "rationale"]
    raw_id_fields = ["programme", "edition", "decided_by", "certificate", "transfer_review"]
    filter_horizontal = ["audits"]


class RevisionInline(admin.TabularInline):
    model = CertificateRevision
    fields = ["revision", "status", "edition", "effective_on", "expiry_on", "accredited", "issued_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "organisation", "standard", "status", "status_since", "certification_body"]
    list_filter = ["status", "certification_body", "standard"]
    list_select_related = ["organisation", "standard", "certification_body"]
    search_fields = ["number", "organisation__name"]
    inlines = [RevisionInline]


class RevisionSiteInline(admin.TabularInline):
    """The sites as the revision certifies them: copied when it was drafted, never edited."""

    model = RevisionSite
    fields = ["name", "kind", "is_central_function", "street", "postcode", "city", "country"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CertificateRevision)
class CertificateRevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "edition", "effective_on", "expiry_on", "accredited", "issued_on"]
    list_filter = ["status", "accredited"]
    list_select_related = ["certificate", "edition__standard"]
    search_fields = ["certificate__number", "certificate__organisation__name"]
    raw_id_fields = ["certificate", "decision", "edition", "issued_by"]
    filter_horizontal = ["iaf_codes"]
    exclude = ["public_token"]
    inlines = [RevisionSiteInline]


@admin.register(TransferReview)
class TransferReviewAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "programme", "edition", "outcome", "reviewed_on", "reviewed_by"]
    list_filter = ["outcome", "incoming_status"]
    list_select_related = ["programme__organisation", "edition__standard", "reviewed_by"]
    search_fields = ["incoming_number", "issuing_body", "programme__organisation__name"]
    raw_id_fields = ["programme", "edition", "reviewed_by"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    """The work queue's tasks: opened by the daily job, closed by the action they ask for."""

    list_display = ["__str__", "kind", "due_on", "status", "owner", "resolution", "closed_at"]
    list_filter = ["status", "kind", "resolution"]
    list_select_related = ["certificate", "owner"]
    search_fields = ["certificate__number", "certificate__organisation__name"]
    raw_id_fields = ["certificate", "owner", "closed_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """The reminders written, to whom, and whether the day's digest listing them went out (its
    failures are also in Outgoing e-mails, where they are sent again)."""

    list_display = ["title", "recipient", "due_on", "stage", "status", "email_status"]
    list_filter = ["status", "kind", "stage"]
    list_select_related = ["recipient", "email"]
    search_fields = ["title", "recipient__email", "item_key"]
    raw_id_fields = ["recipient", "certification_body", "organisation", "email"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("e-mail"))
    def email_status(self, reminder: Reminder) -> str:
        """The digest's state for today's rows; before the digest, the row's own."""
        return reminder.email.get_status_display() if reminder.email else reminder.get_status_display()


@admin.register(DailyJobRun)
class DailyJobRunAdmin(ReadOnlyAdmin):
    """Each run of the daily job; one without an end was interrupted and completed by the next."""

    list_display = ["started_at", "day", "finished_at", "summary"]
    date_hierarchy = "started_at"


@admin.register(CertificateDueDate)
class CertificateDueDateAdmin(ReadOnlyAdmin):
    """The stored due dates the calendar reads (`services.due_dates`): when each was last
    computed; the daily job's check logs any it corrects."""

    list_display = ["due_on", "kind", "certificate_number", "done", "computed_at"]
    list_filter = ["kind", "done"]
    list_select_related = ["revision__certificate"]
    search_fields = ["revision__certificate__number"]
    raw_id_fields = ["revision", "audit"]
    date_hierarchy = "due_on"
    show_full_result_count = False

    @admin.display(description=_("certificate"), ordering="revision__certificate__number")
    def certificate_number(self, row: CertificateDueDate) -> str:
        return row.revision.certificate.number


@admin.register(CycleStep)
class CycleStepAdmin(ReadOnlyAdmin):
    """The cycle's next steps the work queue reads (`services.steps`): when each was last computed;
    the daily job's check logs any it corrects."""

    list_display = ["due_on", "kind", "key", "organisation", "certification_body", "owner", "computed_at"]
    list_filter = ["kind", "certification_body"]
    list_select_related = ["organisation", "certification_body", "owner"]
    search_fields = ["key", "organisation__name"]
    raw_id_fields = ["organisation", "certification_body", "programme", "owner"]
    date_hierarchy = "due_on"
    show_full_result_count = False


@admin.register(CalendarSettings)
class CalendarSettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "feed_token_created_at", "email_muted_kinds"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    exclude = ["feed_token"]  # the feed's secret: its owner sees it on their subscription page


class ChangeReviewInline(admin.TabularInline):
    model = ChangeReview
    fields = ["certification_body", "due_on", "status", "outcome", "decided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChangeNotification)
class ChangeNotificationAdmin(ReadOnlyAdmin):
    """The client's change notifications (rule 38): made and reviewed only through the app."""

    list_display = ["__str__", "organisation", "effective_on", "submitted_at", "applied_at"]
    list_filter = ["kind"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "description"]
    raw_id_fields = ["organisation", "site", "submitted_by"]
    inlines = [ChangeReviewInline]


@admin.register(ChangeReview)
class ChangeReviewAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "certification_body", "due_on", "status", "outcome", "decided_at"]
    list_filter = ["status", "outcome", "certification_body"]
    list_select_related = ["notification", "certification_body"]
    search_fields = ["notification__organisation__name"]
    raw_id_fields = ["notification", "certification_body", "audit", "programme", "decided_by"]
