"""The quality manager's forms of readiness for stage 1: the scope with its sites and processes,
and sharing the pack with the certification body."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.forms import BoundedForm
from improvement.models import Process, Readiness
from organisations.models import Organisation


class ScopeForm(BoundedForm, forms.Form):
    scope = forms.CharField(
        label=_("Scope of the management system"),
        max_length=bounds.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "HS 4.3: the boundaries and applicability of the system, as the certificate would state it."
        ),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites in scope"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    processes = forms.ModelMultipleChoiceField(
        label=_("Processes in scope"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = organisation.sites.filter(is_active=True).order_by("name")
        self.fields["processes"].queryset = Process.objects.filter(
            organisation=organisation, is_active=True
        ).order_by("name")


def initial_of(row: Readiness | None) -> dict:
    if row is None:
        return {}
    return {"scope": row.scope, "sites": list(row.sites.all()), "processes": list(row.processes.all())}


class ShareForm(BoundedForm, forms.Form):
    shared = forms.TypedChoiceField(
        label=_("Shared with the certification body"),
        choices=[("1", _("Share")), ("0", _("Stop sharing"))],
        coerce=lambda value: value == "1",
        error_messages={"invalid_choice": _("Choose to share the pack or to stop sharing it.")},
    )
