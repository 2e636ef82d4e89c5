from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin
from core.models import Document, EmailStatus, OutgoingEmail, Transition
from core.outbox import emails_retry
from core.transitions import readable


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "what_happened"]
    list_filter = ["content_type", "field"]
    list_select_related = ["content_type", "actor"]
    search_fields = ["reason", "actor__email"]
    date_hierarchy = "at"
    fields = [
        "at",
        "content_type",
        "object_id",
        "what_happened",
        "what_changed",
        "from_label",
        "to_label",
        "actor",
        "reason",
    ]
    readonly_fields = ["what_happened", "what_changed", "from_label", "to_label"]

    @admin.display(description=_("what happened"))
    def what_happened(self, transition: Transition) -> str:
        return readable(transition).sentence

    @admin.display(description=_("what changed"), ordering="field")
    def what_changed(self, transition: Transition) -> str:
        return readable(transition).field

    @admin.display(description=_("from"))
    def from_label(self, transition: Transition) -> str:
        return readable(transition).from_state

    @admin.display(description=_("to"))
    def to_label(self, transition: Transition) -> str:
        return readable(transition).to_state


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "kind", "object_id", "status", "size", "sha256", "rendered_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["content_type"]
    search_fields = ["sha256", "kind"]
    raw_id_fields = ["requested_by"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The e-mail outbox (core.outbox): what is waiting, what was sent when, and what the mail
    server kept refusing (`failed`, with its last error), which an administrator can send again."""

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "created_at"
    fields = [
        "subject",
        "recipients",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
    ]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request, queryset) -> None:
        count = emails_retry(
            email_ids=queryset.filter(status=EmailStatus.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            _("%(count)d failed e-mail(s) queued to be sent again.") % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
