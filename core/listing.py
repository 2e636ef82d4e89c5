"""What every long list shares: a page of rows (a page number that is not one gives the first or
the last page, never an error), the filter form's look (django-filter's FilterSet with this form),
its fields as the templates write them, the query string that keeps the filters across pages, and
for lists built from plain values, the labels of a choice and the address of a record's page made
once for all rows."""

from collections.abc import Callable

from django import forms
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import HttpRequest
from django.urls import reverse

from core.forms import BoundedForm

PER_PAGE = 50


def page_of(rows, request: HttpRequest, *, per_page: int = PER_PAGE, param: str = "page") -> Page:
    """One page of `rows` (a queryset, ordered): two queries, the count and the rows."""
    return Paginator(rows, per_page).get_page(request.GET.get(param))


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without `names` (the page): what links to other pages keep."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


class FilterForm(BoundedForm, forms.Form):
    """The form of a list's FilterSet (Meta.form): bounded like every form, small Bootstrap fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"


def form_rows(form: forms.Form) -> list[tuple]:
    """The filter form's fields as a list writes them: each with its choices as text (read once: a
    select's choices iterated by a template would be counted first, a query more) and the chosen
    value, or None for a field that is not a select."""
    rows = []
    for field in form:
        if isinstance(field.field, forms.ChoiceField | forms.ModelChoiceField) and not isinstance(
            field.field.widget, forms.CheckboxInput
        ):
            choices = [(str(value), label) for value, label in iter(field.field.choices)]
            value = field.value()
            rows.append((field, choices, "" if value is None else str(value)))
        else:
            rows.append((field, None, None))
    return rows


def labels_of(choices: type[models.Choices]) -> dict[str, str]:
    """The choices' labels, translated once for a list of many rows (not once a row)."""
    return {value: str(label) for value, label in choices.choices}


PATH_SENTINEL = 987_654_321  # an id no record has: reversed once, then replaced by each record's


def path_of(name: str) -> Callable[[int], str]:
    """The address of a record's page by its id, for many records: the URL is reversed once (a
    thousand reversals cost a tenth of a second) and the id put in its place."""
    pattern = reverse(name, args=[PATH_SENTINEL])
    before, _, after = pattern.partition(str(PATH_SENTINEL))
    return lambda pk: f"{before}{pk}{after}"
