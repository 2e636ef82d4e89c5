"""The forms of certification decisions and pre-transfer reviews (DOMAIN.md §1.4–1.11, rules 29, 30).

Every choice is scoped to the programme: its certifiable editions (rule 32; one decision per
edition, rule 29), its sites and those of the client's current certificates, its accepted reviews
not yet decided on.
"""

import datetime

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits.models import AuditProgramme
from certificates.enums import DecisionKind, DecisionOutcome, RevisionStatus, TransferReviewOutcome
from certificates.models import CertificateRevision, TransferReview
from certificates.services.decisions import DecisionContent
from certificates.services.transfers import TransferDetails
from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import filtered
from organisations.models import Site
from standards.models import Edition

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
NOT_IN_FUTURE = _("This date is in the future: record it once it has happened.")


def _paragraph(label, help_text="", *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=bounds.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


def _not_in_future(day: datetime.date | None) -> datetime.date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(NOT_IN_FUTURE)
    return day


def certifiable_editions(programme: AuditProgramme) -> QuerySet[Edition]:
    return programme.editions.filter(certifiable=True).select_related("standard").order_by("standard__code")


def decision_sites(programme: AuditProgramme) -> QuerySet[Site]:
    """The programme's sites and those on the client's current certificates at this CB."""
    current = CertificateRevision.objects.filter(
        status=RevisionStatus.CURRENT,
        certificate__organisation_id=programme.organisation_id,
        certificate__certification_body_id=programme.certification_body_id,
    ).values("sites__site")
    return programme.organisation.sites.filter(Q(pk__in=programme.sites.values("pk")) | Q(pk__in=current))


def open_reviews(programme: AuditProgramme) -> QuerySet[TransferReview]:
    """The programme's accepted pre-transfer reviews that no decision has used yet."""
    return programme.transfer_reviews.filter(
        outcome=TransferReviewOutcome.ACCEPT, decision__isnull=True
    ).select_related("edition__standard")


class SiteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, site: Site) -> str:
        return f"{site.name} — {site.city}"


class ReviewChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, review: TransferReview) -> str:
        return (
            f"{review.edition.label}: {review.issuing_body} {review.incoming_number} ({review.reviewed_on})"
        )


class DecisionForm(BoundedForm, SubmitOnceForm, forms.Form):
    """One decision for one edition. In `preview` mode (the "Check" button, or the query string)
    the rationale may be empty: the form only says what the checklist looks at."""

    edition = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=Edition.objects.none(),
        help_text=_("One decision per standard (rule 29)."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=DecisionKind.choices,
        initial=DecisionKind.INITIAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=DecisionOutcome.choices,
        initial=DecisionOutcome.GRANT,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE, initial=timezone.localdate)
    rationale = _paragraph(
        _("Rationale"),
        _("What the decision rests on: the reports reviewed, the nonconformities and how they were settled."),
        rows=4,
    )
    scope = _paragraph(
        _("Scope of the certificate"),
        _("Leave empty to keep the programme's scope (or the certificate's, for a revision)."),
        required=False,
    )
    narrows_scope = forms.BooleanField(
        label=_("The new scope text only narrows the certified scope"),
        required=False,
        help_text=_("A reduction removes; a wider scope is an extension, decided on its extension audit."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    scope_justification = _paragraph(
        _("Why the new text is narrower"),
        _("Kept with the decision and in the certificate's history (rule 16)."),
        required=False,
    )
    sites = SiteChoiceField(
        label=_("Sites"),
        queryset=Site.objects.none(),
        required=False,
        help_text=_(
            "For an extension or a reduction of scope, or to certify a temporary site; none keeps "
            "the usual permanent and virtual sites."
        ),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    transfer_review = ReviewChoiceField(
        label=_("Pre-transfer review"),
        queryset=TransferReview.objects.none(),
        required=False,
        help_text=_("For a transfer: the accepted review it is decided on (rule 30)."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, programme: AuditProgramme, preview: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        editions = certifiable_editions(programme)
        self.fields["edition"].queryset = editions
        listed = list(editions)  # the select's options, read once
        self.fields["edition"].choices = [("", "---------"), *((e.pk, e.label) for e in listed)]
        self.fields["sites"].queryset = decision_sites(programme)
        filtered(self.fields["sites"], _("Find sites"))
        self.fields["transfer_review"].queryset = open_reviews(programme)
        self.fields["rationale"].required = not preview
        if not self.is_bound and "edition" not in self.initial and listed:
            # the checklist of a fresh page previews the first edition: the select shows it too
            self.initial["edition"] = listed[0]

    def clean_decided_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("decided_on"))

    def checks_submit_token(self) -> bool:
        return not self.preview

    def target(self) -> tuple[Edition, DecisionContent] | None:
        """The edition and the content the checklist previews, once those parts are valid (on a
        fresh page, the form's initial values)."""
        if self.is_bound:
            self.is_valid()
        values = self.cleaned_data if self.is_bound else self._initial_values()
        needed = ("edition", "kind", "outcome", "decided_on")
        if any(values.get(name) in (None, "") for name in needed):
            return None
        return values["edition"], self._content(values)

    def content(self) -> DecisionContent:
        return self._content(self.cleaned_data)

    def _initial_values(self) -> dict:
        values = {name: self.get_initial_for_field(field, name) for name, field in self.fields.items()}
        if values["edition"] is None:
            values["edition"] = self.fields["edition"].queryset.first()
        return values

    @staticmethod
    def _content(values: dict) -> DecisionContent:
        is_transfer = values["kind"] == DecisionKind.TRANSFER
        return DecisionContent(
            kind=values["kind"],
            outcome=values["outcome"],
            decided_on=values["decided_on"],
            rationale=values.get("rationale") or "",
            scope=values.get("scope") or "",
            sites=tuple(values.get("sites") or ()),
            transfer_review=values.get("transfer_review") if is_transfer else None,
            narrows_scope=bool(values.get("narrows_scope")),
            scope_justification=values.get("scope_justification") or "",
        )


class TransferReviewForm(BoundedForm, SubmitOnceForm, forms.ModelForm):
    """The pre-transfer review of IAF MD 2, one standard of the programme at a time."""

    edition = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=Edition.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    class Meta:
        model = TransferReview
        fields = [
            "edition",
            "issuing_body",
            "issuing_accreditation_body",
            "incoming_number",
            "incoming_status",
            "incoming_accredited",
            "original_certified_on",
            "cycle_started_on",
            "expires_on",
            "reason",
            "reports_reviewed",
            "open_nonconformities",
            "complaints",
            "regulators",
            "visited",
            "outcome",
            "reviewed_on",
        ]
        widgets = {
            "incoming_status": forms.Select(attrs={"class": "form-select"}),
            "original_certified_on": DATE,
            "cycle_started_on": DATE,
            "expires_on": DATE,
            "reviewed_on": DATE,
            "reason": forms.Textarea(attrs={"rows": 2}),
            "reports_reviewed": forms.Textarea(attrs={"rows": 2}),
            "open_nonconformities": forms.Textarea(attrs={"rows": 2}),
            "complaints": forms.Textarea(attrs={"rows": 2}),
            "regulators": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.RadioSelect,
        }

    def __init__(self, *args, programme: AuditProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = certifiable_editions(programme)
        self.fields["outcome"].choices = TransferReviewOutcome.choices
        self.initial.setdefault("reviewed_on", timezone.localdate())

    def clean_reviewed_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("reviewed_on"))

    def details(self) -> TransferDetails:
        return TransferDetails(
            **{name: self.cleaned_data[name] for name in self.Meta.fields if name != "edition"}
        )
