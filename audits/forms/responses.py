"""The forms of the finding page: the client's answer, the evidence that it was done, the CB's review
and verification. Files go through `improvement.forms.gap.EvidenceUploadForm` (type, size, content)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.forms import BoundedForm, SubmitOnceForm


def _paragraph(label, help_text="", *, required=True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=bounds.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResponsePlanForm(BoundedForm, SubmitOnceForm, forms.Form):
    root_cause = _paragraph(
        _("Root cause"), _("Why the requirement was not met: the cause, not the symptom.")
    )
    correction = _paragraph(
        _("Correction"), _("What was or will be done to remove the nonconformity itself.")
    )
    corrective_action = _paragraph(
        _("Corrective action"),
        _("What was or will be done to remove the cause so that it does not happen again, by whom, by when."),
    )


class ImplementationForm(BoundedForm, SubmitOnceForm, forms.Form):
    implementation = _paragraph(
        _("What was done"),
        _("The correction and corrective action carried out, with the records that show it; attach them."),
    )


class ReviewForm(BoundedForm, forms.Form):
    ACCEPT, REJECT = "accept", "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = _paragraph(
        _("Comment"), _("Needed when you reject: say what is missing or wrong."), required=False
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.REJECT and not data.get("comment", "").strip():
            self.add_error("comment", _("Say why the response is rejected."))
        return data

    @property
    def accepts(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT


class VerifyForm(BoundedForm, forms.Form):
    comment = _paragraph(
        _("How it was verified"),
        _("At which audit or follow-up, and on which evidence, the correction was seen to work."),
    )
