from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin
from core.models import Document, Transition
from core.transitions import readable


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "what_changed", "from_label", "to_label", "actor"]
    list_filter = ["content_type", "field"]
    list_select_related = ["content_type", "actor"]
    search_fields = ["reason", "actor__email"]
    date_hierarchy = "at"
    fields = ["at", "content_type", "object_id", "what_changed", "from_label", "to_label", "actor", "reason"]
    readonly_fields = ["what_changed", "from_label", "to_label"]

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
