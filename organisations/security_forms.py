from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm


class _CodeForm(BoundedForm, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self) -> str:
        """Spaces and case as people type them from a phone or a printed sheet do not matter."""
        return "".join(self.cleaned_data["code"].split()).lower()


class EnrolForm(_CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("The six-digit code your app shows")
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class VerifyForm(_CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from your authenticator app, or a recovery code")
