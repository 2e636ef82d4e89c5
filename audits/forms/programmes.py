from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from audits import audit_time
from audits.enums import SURVEILLANCES, TeamRole
from audits.models import Audit, AuditProgramme
from audits.models.programme import SCOPE_FIELDS, ProgrammeScope
from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import FastSelect, filtered
from improvement.forms.gap import EditionChoiceField
from organisations.models import CertificationBody, IAFCode, Organisation, Site, User
from standards.enums import EditionStatus
from standards.models import Clause, Edition

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SiteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, site: Site) -> str:
        central = _(", central function") if site.is_central_function else ""
        return f"{site.name} — {site.city} ({site.headcount} people{central})"


class ProgrammeForm(BoundedForm, forms.ModelForm):
    sites = SiteChoiceField(
        label=_("Sites in scope"), queryset=Site.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    iaf_codes = forms.ModelMultipleChoiceField(
        label=_("IAF codes of the scope"),
        queryset=IAFCode.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    class Meta:
        model = AuditProgramme
        fields = list(SCOPE_FIELDS)
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "personnel_justification": forms.Textarea(attrs={"rows": 2}),
            "integration_reason": forms.Textarea(attrs={"rows": 2}),
            "site_reduction_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sites"]
        field.queryset = organisation.sites.filter(is_active=True)
        sites = list(field.queryset)  # read once: the choices, and the default of a new programme
        field.choices = [(site.pk, field.label_from_instance(site)) for site in sites]
        filtered(field, _("Find sites"))
        if not self.instance.pk:
            self.initial.setdefault("sites", sites)
            self.initial.setdefault("iaf_codes", list(organisation.iaf_codes.all()))
            self.initial.setdefault("headcount", organisation.headcount)
            self.initial.setdefault("effective_personnel", organisation.headcount)
        else:
            self.initial["sites"] = list(self.instance.sites.all())
            self.initial["iaf_codes"] = list(self.instance.iaf_codes.all())

    def scope(self) -> ProgrammeScope:
        return ProgrammeScope(**{name: self.cleaned_data[name] for name in SCOPE_FIELDS})

    def clean_sites(self) -> list[Site]:
        return list(self.cleaned_data["sites"])

    def clean_iaf_codes(self) -> list[IAFCode]:
        return list(self.cleaned_data["iaf_codes"])


class ProgrammeOpenForm(SubmitOnceForm, ProgrammeForm):
    certification_body = forms.ModelChoiceField(
        label=_("Certification body"), queryset=CertificationBody.objects.none()
    )
    editions = EditionChoiceField(
        label=_("Standards to certify"),
        queryset=Edition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Certifiable editions only: guidance standards are for gap analyses."),
    )
    stage1_on = forms.DateField(label=_("Stage 1 planned on"), widget=DATE)

    field_order = ["certification_body", "editions", "stage1_on"]

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certification_body"].queryset = bodies
        if len(bodies) == 1:
            self.fields["certification_body"].initial = bodies[0]
            self.fields["certification_body"].widget = forms.HiddenInput()
        self.fields["editions"].queryset = (
            Edition.objects.filter(certifiable=True)
            .exclude(status=EditionStatus.WITHDRAWN)
            .select_related("standard")
        )

    def clean_editions(self) -> list[Edition]:
        return list(self.cleaned_data["editions"])


class EditionTimeForm(BoundedForm, forms.Form):
    complexity = forms.ChoiceField(label=_("Complexity category (column of the table)"))
    override_days = forms.DecimalField(
        label=_("Or enter the initial time by hand (days)"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=bounds.AUDIT_DAYS_MAX,
        max_digits=5,
        decimal_places=1,
        help_text=_("Only beyond the table (over 10 700 people) or where no table applies."),
    )
    override_justification = forms.CharField(
        label=_("Justification of the time entered"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, table: audit_time.Table | None, **kwargs):
        super().__init__(*args, **kwargs)
        columns = list(table.columns) if table else ["all"]
        self.fields["complexity"].choices = [(c, c) for c in columns]


class AdjustmentForm(BoundedForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    percent = forms.DecimalField(
        label=_("Change (%)"), min_value=Decimal(-30), max_value=Decimal(100), max_digits=4, decimal_places=1
    )


AdjustmentFormSet = forms.formset_factory(AdjustmentForm, extra=2, can_delete=True)


def adjustments_from(formset) -> list[audit_time.Adjustment]:
    return [
        audit_time.Adjustment(form.cleaned_data["reason"], form.cleaned_data["percent"])
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AuditPlanForm(BoundedForm, forms.ModelForm):
    class Meta:
        model = Audit
        fields = [
            "starts_on",
            "ends_on",
            "planned_days",
            "on_site_days",
            "days_justification",
            "short_notice",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "days_justification": forms.Textarea(attrs={"rows": 2}),
        }


class SiteDrawForm(BoundedForm, forms.Form):
    chosen_on_risk = SiteChoiceField(
        label=_("Sites chosen on risk"),
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Large or complex sites, a history of nonconformities… The rest is drawn at random."),
    )

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["chosen_on_risk"]
        field.queryset = audit.programme.sites.filter(is_central_function=False)
        self.sites = list(audit.programme.sites.all())  # read once: the choices and whether to draw
        field.choices = [
            (site.pk, field.label_from_instance(site)) for site in self.sites if not site.is_central_function
        ]

    @property
    def has_sites_to_draw(self) -> bool:
        """A draw means something only where the programme has several sites."""
        return len(self.sites) > 1


class CoverageForm(BoundedForm, forms.Form):
    """One set of clause checkboxes per surveillance audit, laid out as a grid by the template."""

    def __init__(self, *args, programme: AuditProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.clauses = list(
            Clause.objects.filter(edition__in=programme.editions.all(), assessable=True)
            .select_related("edition__standard")
            .order_by("edition__standard__number", "position")
        )
        self.audits = list(programme.audits.filter(kind__in=SURVEILLANCES).prefetch_related("clauses"))
        for audit in self.audits:
            self.fields[f"audit_{audit.pk}"] = forms.ModelMultipleChoiceField(
                label=audit.get_kind_display(),
                queryset=Clause.objects.filter(pk__in=[c.pk for c in self.clauses]),
                required=False,
                initial=[c.pk for c in audit.clauses.all()],
            )

    def grid(self) -> list[tuple[Clause, list[tuple[str, bool]]]]:
        chosen = {
            audit.pk: {str(v) for v in (self[f"audit_{audit.pk}"].value() or [])} for audit in self.audits
        }
        return [
            (clause, [(f"audit_{audit.pk}", str(clause.pk) in chosen[audit.pk]) for audit in self.audits])
            for clause in self.clauses
        ]

    def coverage(self) -> dict[int, set[int]]:
        return {audit.pk: {c.pk for c in self.cleaned_data[f"audit_{audit.pk}"]} for audit in self.audits}


class TeamAssignForm(BoundedForm, SubmitOnceForm, forms.Form):
    # the CB's people: a long list at a large CB, on the audit page (core/widgets.py)
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), widget=FastSelect)
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            is_active=True,
            cb_memberships__certification_body=audit.programme.certification_body,
            cb_memberships__is_active=True,
        ).distinct()


class DeclarationForm(BoundedForm, forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this client?"),
        choices=[("no", _("No: no consultancy, employment, family or financial tie")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you declare a conflict."),
    )


class ReasonForm(BoundedForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class WithdrawForm(BoundedForm, forms.Form):
    """Taking someone off a team: the reason is optional (the log records who did it and when)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
