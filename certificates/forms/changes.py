"""Forms of the client's change notifications and of the CB's review of them (DOMAIN §1.9, rule 38)."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from audits.models import AuditProgramme
from certificates.change_rules import ChangeContent
from certificates.enums import REVISING_KINDS, ChangeOutcome, DecisionKind
from certificates.models import ChangeNotification, ChangeReview
from certificates.services.changes import RevisionPlan, SpecialAudit
from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from organisations.models import Organisation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HALF_DAY = Decimal("0.5")
CONTENT_FIELDS = (
    "kind",
    "description",
    "effective_on",
    "site_change",
    "name",
    "street",
    "postcode",
    "city",
    "country",
    "headcount",
)


class ChangeNotificationForm(BoundedForm, SubmitOnceForm, forms.ModelForm):
    """What changes, from when, and the new values where the kind has them."""

    class Meta:
        model = ChangeNotification
        fields = [
            "kind",
            "effective_on",
            "description",
            "name",
            "street",
            "postcode",
            "city",
            "country",
            "headcount",
            "site_change",
            "site",
        ]
        widgets = {
            "effective_on": DATE,
        }
        help_texts = {
            "name": _("The new legal name, or the name of a new site."),
            "street": _("The new address: of the organisation, or of the site added or moved."),
            "headcount": _("The organisation's new headcount, or the new site's."),
            "site": _("The site that closes or moves."),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = organisation.sites.filter(is_active=True)

    def content(self) -> ChangeContent:
        data = self.cleaned_data
        site = data.get("site")
        values = {name: data[name] for name in CONTENT_FIELDS}
        return ChangeContent(
            **values | {"country": str(data["country"] or "")}, site_id=site.pk if site else None
        )


class ChangeReviewForm(BoundedForm, forms.Form):
    """The CB's decision on a notified change, with what the outcome needs."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ChangeOutcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the review's history; the client sees the outcome, not the reason."),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=AuditProgramme.objects.none(),
        required=False,
        help_text=_("Of a special audit, or of the decision that revises the certificate."),
    )
    decision_kind = forms.ChoiceField(
        label=_("Decision to take"),
        required=False,
        choices=[("", "—"), *((kind.value, kind.label) for kind in DecisionKind if kind in REVISING_KINDS)],
    )
    starts_on = forms.DateField(label=_("Special audit: first day"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Special audit: last day"), required=False, widget=DATE)
    planned_days = forms.DecimalField(
        label=_("Special audit: planned time (days)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(HALF_DAY), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
        min_value=HALF_DAY,
        max_value=bounds.AUDIT_DAYS_MAX,
    )
    on_site_days = forms.DecimalField(
        label=_("Special audit: of which on site (days)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=bounds.AUDIT_DAYS_MAX,
    )

    NEEDS = {
        ChangeOutcome.SPECIAL_AUDIT: ("programme", "starts_on", "ends_on", "planned_days", "on_site_days"),
        ChangeOutcome.REVISION: ("programme", "decision_kind"),
    }

    def __init__(self, *args, review: ChangeReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = AuditProgramme.objects.filter(
            certification_body=review.certification_body, organisation=review.notification.organisation
        ).order_by("-created_at")

    def clean(self) -> dict:
        data = super().clean()
        for name in self.NEEDS.get(data.get("outcome"), ()):
            if data.get(name) in (None, ""):
                self.add_error(name, _("This outcome needs it."))
        return data

    def special(self) -> SpecialAudit | None:
        data = self.cleaned_data
        if data["outcome"] != ChangeOutcome.SPECIAL_AUDIT:
            return None
        return SpecialAudit(
            programme=data["programme"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            planned_days=data["planned_days"],
            on_site_days=data["on_site_days"],
        )

    def revision(self) -> RevisionPlan | None:
        data = self.cleaned_data
        if data["outcome"] != ChangeOutcome.REVISION:
            return None
        return RevisionPlan(programme=data["programme"], decision_kind=data["decision_kind"])
