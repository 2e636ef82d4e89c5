from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import FastSelect, FastSelectMultiple
from organisations.enums import OrganisationRole
from organisations.models import Organisation, Site
from organisations.services import OrganisationProfile, SiteDetails


class OrganisationForm(BoundedForm, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "registration_number",
            "street",
            "postcode",
            "city",
            "country",
            "headcount",
            "iaf_codes",
        ]
        widgets = {"iaf_codes": FastSelectMultiple(attrs={"size": 10}), "country": FastSelect}
        help_texts = {
            "iaf_codes": _("The economic sectors of the scope (IAF ID 1); hold Ctrl to pick several.")
        }

    def profile(self) -> OrganisationProfile:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return OrganisationProfile(**values | {"iaf_codes": tuple(values["iaf_codes"])})


class SiteForm(BoundedForm, forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "kind",
            "street",
            "postcode",
            "city",
            "country",
            "headcount",
            "is_central_function",
            "is_active",
        ]
        widgets = {"country": FastSelect}

    def details(self) -> SiteDetails:
        return SiteDetails(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class SiteCreateForm(SubmitOnceForm, SiteForm):
    """A new site: saved once, however often the form is sent (`core.submits`)."""


class MemberInviteForm(BoundedForm, SubmitOnceForm, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationRole.choices)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MembershipRoleForm(BoundedForm, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationRole.choices)


class MembershipDeactivateForm(BoundedForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
