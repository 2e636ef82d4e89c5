from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import NoDeleteAdmin
from standards.models import Clause, Edition, Standard


@admin.register(Standard)
class StandardAdmin(NoDeleteAdmin):
    list_display = ["code", "title", "discipline", "edition_count"]
    search_fields = ["code", "title"]
    prepopulated_fields = {"slug": ["code"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(edition_count=Count("editions"))

    @admin.display(description=_("editions"), ordering="edition_count")
    def edition_count(self, obj: Standard) -> int:
        return obj.edition_count


@admin.register(Edition)
class EditionAdmin(NoDeleteAdmin):
    list_display = [
        "__str__",
        "kind",
        "certifiable",
        "status",
        "published_on",
        "last_initial_audit_on",
        "transition_end_on",
        "clause_count",
    ]
    list_filter = ["kind", "certifiable", "status", "standard"]
    list_select_related = ["standard"]
    search_fields = ["standard__code", "title"]
    autocomplete_fields = ["standard", "supersedes"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(clause_count=Count("clauses"))

    @admin.display(description=_("clauses"), ordering="clause_count")
    def clause_count(self, obj: Edition) -> int:
        return obj.clause_count


@admin.register(Clause)
class ClauseAdmin(NoDeleteAdmin):
    list_display = ["number", "title", "edition", "assessable", "hs_key"]
    list_filter = ["assessable", "edition__standard", "edition__year"]
    list_select_related = ["edition__standard"]
    search_fields = ["number", "title", "hs_key", "edition__standard__code"]
    autocomplete_fields = ["edition", "parent"]
    ordering = ["edition", "position"]
