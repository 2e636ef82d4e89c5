"""The e-mail reminders a person wants: a box per kind of reminder offered to them."""

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.enums import DueKind
from core.forms import BoundedForm


class ReminderPreferencesForm(BoundedForm, forms.Form):
    emailed_kinds = forms.MultipleChoiceField(
        label=_("E-mail me reminders of"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Reminders you do not tick still appear in the app and in your calendar; "
            "you are e-mailed only about what you are responsible for."
        ),
        error_messages={"invalid_choice": _("Choose kinds of reminder from the list.")},
    )

    def __init__(self, *args, kinds: Sequence[DueKind], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emailed_kinds"].choices = [(kind.value, kind.label) for kind in kinds]
