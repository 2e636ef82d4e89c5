"""The public verification form (rule 33): a certificate number and, where two certification bodies
use the same number, the body."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import NUMBER_MAX_LENGTH
from core.forms import BoundedForm


class VerificationForm(BoundedForm, forms.Form):
    """Read from the query string. `bodies` are the active CBs as (id, name), read once for both
    the option list and its validation."""

    number = forms.CharField(
        label=_("Certificate number"),
        max_length=NUMBER_MAX_LENGTH,
        help_text=_("Exactly as printed on the certificate; capitals do not matter."),
    )
    body = forms.TypedChoiceField(
        label=_("Certification body"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Needed only when two certification bodies use the same number."),
        error_messages={"invalid_choice": _("Choose a certification body from the list.")},
    )

    def __init__(self, *args, bodies: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", _("Any certification body")), *bodies]
        self.fields["number"].widget.attrs.update(
            autocomplete="off", spellcheck="false", autocapitalize="characters"
        )
