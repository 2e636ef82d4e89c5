from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin_mixins import NoDeleteAdmin, ReadOnlyAdmin
from core.errors import DomainError
from organisations import security
from organisations.independence import independence_conflict
from organisations.models import (
    AccreditationScope,
    AuditorQualification,
    CBMembership,
    CertificationBody,
    ClientEngagement,
    IAFCode,
    Invitation,
    Organisation,
    OrganisationMembership,
    SignInEvent,
    Site,
    User,
)

# Sign-ins are recorded in SignInEvent, read-only here; axes' access logs are turned off (the
# settings). A second factor is removed only by the recorded reset below, never edited in place.
for model in (AccessLog, AccessFailureLog, TOTPDevice, StaticDevice):
    admin.site.unregister(model)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class IndependentForm(forms.ModelForm):
    """An admin form that makes an active role or an open engagement: the independence rule
    (`organisations.independence`) is part of its validation. `sides` names the two fields that
    join (in an inline, the user comes from the page's own record)."""

    sides: tuple[str, str]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.opens():
            values = {
                name: cleaned.get(name) if name in self.fields else getattr(self.instance, name, None)
                for name in self.sides
            }
            if None not in values.values() and (conflict := independence_conflict(**values)):
                raise ValidationError(conflict.message)
        return cleaned

    def opens(self) -> bool:
        return bool(self.cleaned_data.get("is_active"))


class OrganisationMembershipForm(IndependentForm):
    sides = ("user", "organisation")


class CBMembershipForm(IndependentForm):
    sides = ("user", "certification_body")


class ClientEngagementForm(IndependentForm):
    sides = ("certification_body", "organisation")

    def opens(self) -> bool:
        return self.cleaned_data.get("ended_on") is None


class OrganisationMembershipInline(admin.TabularInline):
    model = OrganisationMembership
    form = OrganisationMembershipForm
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation"]
    can_delete = False


class CBMembershipInline(admin.TabularInline):
    model = CBMembership
    form = CBMembershipForm
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["certification_body"]
    can_delete = False


@admin.register(User)
class UserAdmin(NoDeleteAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [OrganisationMembershipInline, CBMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]

    actions = ["reset_two_factor"]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.action(description=_("Reset two-factor sign-in (a lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset) -> None:
        try:
            for user in queryset:
                security.two_factor_reset(actor=request.user, user=user, request=request)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        count = len(queryset)
        message = ngettext(
            "Two-factor sign-in reset for %(count)d user: they set it up again at their next sign-in.",
            "Two-factor sign-in reset for %(count)d users: they set it up again at their next sign-in.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(IAFCode)
class IAFCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "title"]
    search_fields = ["=code", "title"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    can_delete = False
    fields = ["name", "kind", "city", "country", "headcount", "is_central_function", "is_active"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteAdmin):
    list_display = ["name", "kind", "country", "registration_number", "headcount", "is_active"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name", "registration_number", "city"]
    filter_horizontal = ["iaf_codes"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(NoDeleteAdmin):
    list_display = ["name", "organisation", "kind", "city", "headcount", "is_central_function", "is_active"]
    list_filter = ["kind", "is_central_function", "is_active"]
    list_select_related = ["organisation"]
    search_fields = ["name", "city", "organisation__name"]
    autocomplete_fields = ["organisation"]


class AccreditationScopeInline(admin.StackedInline):
    model = AccreditationScope
    extra = 0
    can_delete = False
    autocomplete_fields = ["standard"]
    filter_horizontal = ["iaf_codes"]


@admin.register(CertificationBody)
class CertificationBodyAdmin(NoDeleteAdmin):
    list_display = ["name", "country", "accreditation_body", "accreditation_number", "is_active"]
    list_filter = ["is_active", "country"]
    search_fields = ["name", "accreditation_number"]
    inlines = [AccreditationScopeInline]
    fieldsets = [
        (None, {"fields": ["name", "street", "postcode", "city", "country", "is_active"]}),
        (_("Accreditation"), {"fields": ["accreditation_body", "accreditation_number"]}),
        (
            _("Certificates"),
            {
                "fields": [
                    "certificate_number_pattern",
                    "certification_mark",
                    "logo",
                    "accreditation_symbol",
                    "signatory_name",
                    "signatory_function",
                    "signature",
                ],
                "description": _(
                    "Printed on every certificate: a certificate is issued only once the certification "
                    "mark is uploaded; the accreditation symbol only on certificates within the "
                    "accreditation on their issue date."
                ),
            },
        ),
        (
            _("Policy: initial audit"),
            {
                "fields": [
                    "stage2_min_gap_days",
                    "stage2_max_gap_days",
                    "stage2_repeat_after_days",
                    "stage1_time_share_percent",
                    "stage1_min_days",
                ]
            },
        ),
        (
            _("Policy: cycle and calendar"),
            {
                "fields": [
                    "expiry_convention",
                    "surveillance_window_before_months",
                    "surveillance_window_after_months",
                    "reminder_lead_days",
                    "team_notice_days",
                    "change_review_days",
                    "session_idle_minutes",
                    "retention_extra_cycles",
                    "lead_auditor_max_consecutive_years",
                ]
            },
        ),
        (
            _("Policy: findings and suspension"),
            {
                "fields": [
                    "major_plan_days",
                    "major_close_days",
                    "minor_plan_days",
                    "observations_need_response",
                    "total_absence_is_major",
                    "suspend_on_overdue_major",
                    "suspension_max_days",
                ]
            },
        ),
    ]


@admin.register(AccreditationScope)
class AccreditationScopeAdmin(NoDeleteAdmin):
    list_display = ["certification_body", "standard", "valid_from", "valid_until"]
    list_filter = ["standard"]
    list_select_related = ["certification_body", "standard"]
    search_fields = ["certification_body__name", "standard__code"]
    autocomplete_fields = ["certification_body", "standard"]
    filter_horizontal = ["iaf_codes"]


@admin.register(ClientEngagement)
class ClientEngagementAdmin(NoDeleteAdmin):
    form = ClientEngagementForm
    list_display = ["organisation", "certification_body", "since", "ended_on"]
    list_filter = ["certification_body"]
    list_select_related = ["organisation", "certification_body"]
    search_fields = ["organisation__name", "certification_body__name"]
    autocomplete_fields = ["organisation", "certification_body"]


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(NoDeleteAdmin):
    form = OrganisationMembershipForm
    list_display = ["user", "organisation", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(CBMembership)
class CBMembershipAdmin(NoDeleteAdmin):
    form = CBMembershipForm
    list_display = ["user", "certification_body", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "certification_body"]
    list_select_related = ["user", "certification_body"]
    search_fields = ["user__email", "user__full_name", "certification_body__name"]
    autocomplete_fields = ["user", "certification_body"]


@admin.register(AuditorQualification)
class AuditorQualificationAdmin(NoDeleteAdmin):
    list_display = [
        "user",
        "standard",
        "kind",
        "is_lead_auditor",
        "certification_body",
        "valid_until",
        "codes",
    ]
    list_filter = ["kind", "is_lead_auditor", "standard", "certification_body"]
    list_select_related = ["user", "standard", "certification_body"]
    search_fields = ["user__email", "user__full_name", "standard__code"]
    autocomplete_fields = ["user", "certification_body", "standard"]
    filter_horizontal = ["iaf_codes"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("iaf_codes")

    @admin.display(description=_("IAF codes"))
    def codes(self, obj: AuditorQualification) -> str:
        return ", ".join(str(code.code) for code in obj.iaf_codes.all())


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "email", "ip_address", "actor"]
    list_filter = ["kind"]
    list_select_related = ["user", "actor"]
    search_fields = ["email", "user__email", "=ip_address"]
    date_hierarchy = "at"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are made, resent, revoked and accepted in the application, each change recorded."""

    list_display = ["email", "organisation", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["status", "role"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "full_name", "organisation__name"]
    exclude = ["token_hash"]
