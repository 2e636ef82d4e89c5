from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from core.models import Document, Transition


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "field", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "field"]
    list_select_related = ["content_type", "actor"]
    search_fields = ["reason", "actor__email"]
    date_hierarchy = "at"


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "kind", "object_id", "status", "size", "sha256", "rendered_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["content_type"]
    search_fields = ["sha256", "kind"]
    raw_id_fields = ["requested_by"]
