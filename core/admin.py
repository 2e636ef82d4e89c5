from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from core.models import Transition


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "field", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "field"]
    list_select_related = ["content_type", "actor"]
    search_fields = ["reason", "actor__email"]
    date_hierarchy = "at"
