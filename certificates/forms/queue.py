"""Forms of the work queue: its filter, and rule 10's decision not to suspend (DOMAIN §1.10)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.selectors.queue import QUEUE_KINDS, QueueFilters
from core.forms import BoundedForm
from core.widgets import FastSelect


class QueueFilterForm(BoundedForm, forms.Form):
    """The queue's filter, from the query string: a value that is not valid is ignored and said so."""

    kind = forms.ChoiceField(
        label=_("What"),
        required=False,
        choices=[("", _("Everything")), *QUEUE_KINDS],
        widget=FastSelect(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("There is no such kind of task; everything is shown.")},
    )
    mine = forms.BooleanField(
        label=_("Mine only"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def filters(self) -> QueueFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(kind=data.get("kind") or "", mine=bool(data.get("mine")))


class NotSuspendForm(BoundedForm, forms.Form):
    """Why the certificate stays valid although its first surveillance is overdue (rule 10)."""

    reason = forms.CharField(
        label=_("Why not suspend"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: the audit is booked for a date agreed with the client. Kept in the task's history."
        ),
    )
