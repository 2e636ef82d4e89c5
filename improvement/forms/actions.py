"""The action register's forms. Choices of records are scoped to the organisation: its active
members who may own an action, its sites, the clauses of the standards it works with."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import filtered
from improvement.enums import MANUAL_SOURCES, EffectivenessResult
from improvement.models import Action
from organisations import access as tenancy
from organisations.models import Organisation, Site, User
from standards.enums import EditionStatus
from standards.models import Clause

TEXTAREA = {"rows": 3, "class": "form-control"}
DATE = {"type": "date", "class": "form-control"}


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.email


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, clause: Clause) -> str:
        return f"{clause.edition.label} {clause.number} {clause.title}"


def owners_of(organisation: Organisation):
    """Who may own an action: the organisation's active quality managers and contributors."""
    return User.objects.filter(
        organisation_memberships__organisation=organisation,
        organisation_memberships__is_active=True,
        organisation_memberships__role__in=tenancy.CONTRIBUTING_ROLES,
    ).order_by("full_name", "email")


def clauses_for():
    """The assessable clauses of the editions in force (the catalogue is public)."""
    return (
        Clause.objects.filter(assessable=True)
        .exclude(edition__status=EditionStatus.WITHDRAWN)
        .select_related("edition__standard")
        .order_by("edition__standard__code", "-edition__year", "position")
    )


class ActionFieldsForm(BoundedForm, forms.ModelForm):
    """What a person writes of an action: the same fields on the new and the edit form."""

    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none())
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    clause = ClauseChoiceField(label=_("Clause"), queryset=Clause.objects.none(), required=False)

    class Meta:
        model = Action
        fields = [
            "kind",
            "title",
            "source_reference",
            "description",
            "correction",
            "root_cause",
            "corrective_action",
            "owner",
            "due_on",
            "site",
            "clause",
        ]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "title": forms.TextInput(attrs={"class": "form-control"}),
            "source_reference": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs=TEXTAREA),
            "correction": forms.Textarea(attrs=TEXTAREA),
            "root_cause": forms.Textarea(attrs=TEXTAREA),
            "corrective_action": forms.Textarea(attrs=TEXTAREA),
            "due_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners_of(organisation)
        self.fields["site"].queryset = organisation.sites.filter(is_active=True).order_by("name")
        self.fields["clause"].queryset = clauses_for()
        for name in ("owner", "site", "clause"):
            self.fields[name].widget.attrs["class"] = "form-select"
        filtered(self.fields["clause"], _("Find a clause"))


class ActionNewForm(SubmitOnceForm, ActionFieldsForm):
    """An action entered by hand: a complaint, an incident, a legal requirement or another source."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(source.value, source.label) for source in MANUAL_SOURCES],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    field_order = ["source", *ActionFieldsForm.Meta.fields]


class ActionEditForm(ActionFieldsForm):
    pass


class ActionReviewForm(BoundedForm, forms.Form):
    """The effectiveness review (rule 42); the follow-up's owner and due date when not effective."""

    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    result = forms.ChoiceField(
        label=_("Effectiveness"),
        choices=EffectivenessResult.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Required when not effective: it becomes the follow-up action's description."),
    )
    follow_up_owner = OwnerChoiceField(
        label=_("Owner of the follow-up action"), queryset=User.objects.none(), required=False
    )
    follow_up_due_on = forms.DateField(
        label=_("Follow-up due on"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {"reviewed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["follow_up_owner"].queryset = owners_of(organisation)
        self.fields["follow_up_owner"].widget.attrs["class"] = "form-select"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("result") == EffectivenessResult.NOT_EFFECTIVE:
            if not (data.get("comment") or "").strip():
                self.add_error("comment", _("Say why the action was not effective."))
            if not data.get("follow_up_owner"):
                self.add_error("follow_up_owner", _("Name the owner of the follow-up action."))
        return data


class ActionCancelForm(BoundedForm, forms.Form):
    reason = forms.CharField(
        label=_("Why cancel it"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
