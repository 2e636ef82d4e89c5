"""Forms of the certificate page: the draft revision's details, a suspension, and the reason each
other status change keeps in the history (DOMAIN §1.10, rules 6, 14, 36)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from certificates import certificate_rules
from certificates.enums import SuspensionReason
from certificates.models import Certificate, CertificateRevision
from certificates.services.certificates import ISMS, DraftDetails, Suspension
from core.forms import BoundedForm
from improvement.access import soas_for
from improvement.enums import SoaStatus
from improvement.models import StatementOfApplicability

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SoaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, soa: StatementOfApplicability) -> str:
        return str(soa.label)


class DraftForm(BoundedForm, forms.ModelForm):
    """What may still change on a draft revision: its effective date and, for ISMS, the SoA version:
    an approved version the client shared (the version named is then its label), or a free text for
    an SoA kept outside the app."""

    class Meta:
        model = CertificateRevision
        fields = ["effective_on", "soa", "soa_version"]
        widgets = {"effective_on": DATE}
        field_classes = {"soa": SoaChoiceField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        revision = self.instance
        self.fields["effective_on"].help_text = _(
            "Not before the decision date, %(day)s (rule 6). The expiry date follows the decision."
        ) % {"day": date_format(revision.decision.decided_on)}
        if revision.edition.standard.discipline != ISMS and not revision.soa_version:
            del self.fields["soa_version"]
            del self.fields["soa"]
            return
        soas = soas_for(user) if user is not None else StatementOfApplicability.objects.none()
        self.fields["soa"].queryset = soas.filter(
            status=SoaStatus.APPROVED,
            organisation=revision.certificate.organisation_id,
            edition=revision.edition_id,
        ).order_by("-version")
        self.fields["soa"].empty_label = _("Not in the app: name the version below")
        self.fields["soa"].help_text = _(
            "The approved versions the client shared with the certification body."
        )
        self.fields["soa_version"].help_text = _(
            "For an SoA kept outside the app; a version chosen above names itself."
        )

    def details(self) -> DraftDetails:
        data = self.cleaned_data
        return DraftDetails(
            effective_on=data["effective_on"],
            soa_version=data.get("soa_version", self.instance.soa_version),
            soa=data.get("soa"),
        )


class ReasonForm(BoundedForm, forms.Form):
    """The reason a status change keeps in the certificate's history (rule 36)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SuspendForm(BoundedForm, forms.Form):
    """Rule 14: a reason from the list (a note for "other") and a resolution deadline after today,
    within the certification body's limit."""

    reason = forms.ChoiceField(label=_("Reason"), choices=SuspensionReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("About the suspension"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other”."),
    )
    ends_on = forms.DateField(label=_("To be resolved by"), widget=DATE)

    def __init__(self, *args, certificate: Certificate, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.max_days = certificate.certification_body.suspension_max_days
        latest = today + datetime.timedelta(days=self.max_days)
        field = self.fields["ends_on"]
        field.initial = latest
        field.widget.attrs.update(
            min=(today + datetime.timedelta(days=1)).isoformat(), max=latest.isoformat()
        )
        field.help_text = _(
            "At most %(days)s days from today, the certification body's limit: %(latest)s at the latest. "
            "If it passes unresolved, the certificate is withdrawn or its scope reduced."
        ) % {"days": self.max_days, "latest": date_format(latest)}

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()

    def clean_ends_on(self) -> datetime.date:
        ends_on = self.cleaned_data["ends_on"]
        if refusal := certificate_rules.suspension_deadline_refusal(
            ends_on=ends_on, today=self.today, max_days=self.max_days
        ):
            raise ValidationError(refusal)
        return ends_on

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reason") == SuspensionReason.OTHER and not data.get("note"):
            self.add_error("note", _("Say why the certificate is suspended."))
        return data

    def suspension(self) -> Suspension:
        data = self.cleaned_data
        return Suspension(reason=data["reason"], note=data["note"], ends_on=data["ends_on"])
