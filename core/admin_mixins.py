from django.contrib import admin


class NoDeleteAdmin(admin.ModelAdmin):
    """Business records are never hard-deleted: deactivate or supersede them instead."""

    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdmin(NoDeleteAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
