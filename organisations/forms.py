from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, SubmitOnceForm
from organisations.enums import OrganisationRole
from organisations.locks import LOCKED_FIELDS
from organisations.models import Organisation, Site, User
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
        widgets = {"iaf_codes": forms.SelectMultiple(attrs={"size": 10})}
        help_texts = {
            "iaf_codes": _("The economic sectors of the scope (IAF ID 1); hold Ctrl to pick several.")
        }

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in LOCKED_FIELDS if locked else ():
            self.fields[name].disabled = True

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

    def details(self) -> SiteDetails:
        return SiteDetails(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class SiteCreateForm(SubmitOnceForm, SiteForm):
    """A new site: saved once, however often the form is sent (`core.submits`)."""


class SiteManagerForm(BoundedForm, forms.Form):
    """Who is responsible for a site: one of the organisation's members, or nobody."""

    manager = forms.ModelChoiceField(label=_("Site manager"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(
            organisation_memberships__organisation=organisation, organisation_memberships__is_active=True
        ).order_by("full_name")


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


class InvitationSignUpForm(BoundedForm, forms.Form):
    """Someone new accepting an invitation: their name and a password (Django's validators)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        cleaned = super().clean()
        password, again = cleaned.get("password1"), cleaned.get("password2")
        if password and again and password != again:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(
                    password, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except ValidationError as weak:
                self.add_error("password1", weak)
        return cleaned
