from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import NoDeleteAdmin
from standards.models import AuditTimeRow, AuditTimeTable, Clause, Edition, Standard
from standards.time_tables import Row, table_problems


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


class AuditTimeRowFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        rows = [
            Row(
                f.cleaned_data["complexity"],
                f.cleaned_data["personnel_min"],
                f.cleaned_data["personnel_max"],
                f.cleaned_data["days"],
            )
            for f in self.forms
            if f.cleaned_data and not f.errors and not f.cleaned_data.get("DELETE")
        ]
        problems = table_problems(rows)
        if problems:
            raise forms.ValidationError(problems)


class AuditTimeRowInline(admin.TabularInline):
    model = AuditTimeRow
    formset = AuditTimeRowFormSet
    extra = 3


@admin.register(AuditTimeTable)
class AuditTimeTableAdmin(NoDeleteAdmin):
    """Tables for standards without an IAF one; loaded row by row here or by `load_audit_time_table`."""

    list_display = ["title", "standard", "source", "updated_at"]
    list_select_related = ["standard"]
    search_fields = ["title", "standard__code"]
    autocomplete_fields = ["standard"]
    inlines = [AuditTimeRowInline]
