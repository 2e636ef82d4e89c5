import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core import bounds
from organisations.enums import (
    CBRole,
    ExpiryConvention,
    InvitationStatus,
    OrganisationKind,
    OrganisationRole,
    QualificationKind,
    SignInKind,
    SiteKind,
)
from organisations.images import image_path, validate_image
from organisations.numbers import validate_number_pattern

LINE = [bounds.validate_single_line]
DATE = [bounds.validate_date]
HEADCOUNT = [MaxValueValidator(bounds.HEADCOUNT_MAX)]
POLICY_DAYS = [MaxValueValidator(bounds.POLICY_DAYS_MAX)]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an e-mail address; what they may do comes from memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, validators=LINE)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("platform staff"), default=False, help_text=_("May sign in to the administration site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class IAFCode(models.Model):
    """An IAF ID 1 economic-sector code (1–39), loaded as data by a migration."""

    code = models.PositiveSmallIntegerField(
        _("code"), primary_key=True, validators=[MinValueValidator(1), MaxValueValidator(39)]
    )
    title = models.CharField(_("title"), max_length=120, validators=LINE)

    class Meta:
        ordering = ["code"]
        verbose_name = _("IAF code")
        verbose_name_plural = _("IAF codes")

    def __str__(self) -> str:
        return f"IAF {self.code} {self.title}"


def address_text(street: str, postcode: str, city: str, country_name: str) -> str:
    """An address on one line: "street, postcode city, country"."""
    locality = " ".join(part for part in (postcode, city) if part)
    return ", ".join(part for part in (street, locality, country_name) if part)


class Address(models.Model):
    street = models.CharField(_("street and number"), max_length=200, validators=LINE)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True, validators=LINE)
    city = models.CharField(_("city"), max_length=100, validators=LINE)
    country = CountryField(_("country"))

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        return address_text(self.street, self.postcode, self.city, self.country.name)


class Organisation(Address):
    """A public body that seeks or holds certification (the CB's client)."""

    name = models.CharField(_("name"), max_length=200, validators=LINE)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    registration_number = models.CharField(
        _("registration number"),
        max_length=60,
        blank=True,
        help_text=_("The official registration or identification number of the body."),
        validators=LINE,
    )
    iaf_codes = models.ManyToManyField(IAFCode, blank=True, verbose_name=_("IAF codes"))
    headcount = models.PositiveIntegerField(
        _("headcount"),
        help_text=_("Everyone working within the scope, on every shift."),
        validators=HEADCOUNT,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~Q(registration_number=""),
                name="organisation_unique_registration",
                violation_error_message=_(
                    "An organisation with this registration number exists in this country."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.pk])


class Site(Address):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=200, validators=LINE)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices, default=SiteKind.PERMANENT)
    headcount = models.PositiveIntegerField(_("headcount"), validators=HEADCOUNT)
    is_central_function = models.BooleanField(
        _("central function"),
        default=False,
        help_text=_("Where the management system is planned, controlled and managed."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    manager = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_sites",
        verbose_name=_("site manager"),
        help_text=_("The member responsible for the site: they do not audit it internally (rule 39)."),
    )

    class Meta:
        ordering = ["organisation", "-is_central_function", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_central_function=True, is_active=True),
                name="site_one_central_function",
                violation_error_message=_("The organisation already has an active central function."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="site_unique_name",
                violation_error_message=_("The organisation already has a site with this name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


def default_reminder_lead_days() -> list[int]:
    return [90, 30, 7]


class CertificationBody(Address):
    """An accredited certification body, with the policy settings ISO/IEC 17021-1 leaves to it."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=LINE)
    accreditation_body = models.CharField(
        _("accreditation body"), max_length=120, blank=True, validators=LINE
    )
    accreditation_number = models.CharField(
        _("accreditation number"), max_length=60, blank=True, validators=LINE
    )
    is_active = models.BooleanField(_("active"), default=True)

    # CB policy (DOMAIN §1.2, §1.5, §1.6, §2.4, §3.1, §9, §11): defaults as DOMAIN gives them.
    stage2_min_gap_days = models.PositiveSmallIntegerField(
        _("minimum days between stage 1 and stage 2"), default=0, validators=POLICY_DAYS
    )
    stage2_max_gap_days = models.PositiveSmallIntegerField(
        _("maximum days between stage 1 and stage 2"),
        default=183,
        help_text=_("Beyond it, stage 2 needs a recorded justification or a repeated stage 1."),
        validators=POLICY_DAYS,
    )
    stage2_repeat_after_days = models.PositiveSmallIntegerField(
        _("days to verify majors after stage 2"),
        default=183,
        help_text=_("A major nonconformity not verified within this many days requires a new stage 2."),
        validators=POLICY_DAYS,
    )
    stage1_time_share_percent = models.PositiveSmallIntegerField(
        _("stage 1 share of initial audit time (%)"),
        default=33,
        validators=[MinValueValidator(10), MaxValueValidator(50)],
    )
    stage1_min_days = models.DecimalField(
        _("minimum stage 1 time (days)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
    )
    expiry_convention = models.CharField(
        _("expiry date convention"),
        max_length=20,
        choices=ExpiryConvention.choices,
        default=ExpiryConvention.SAME_DAY,
    )
    surveillance_window_before_months = models.PositiveSmallIntegerField(
        _("surveillance window before the anniversary (months)"),
        default=3,
        validators=[MaxValueValidator(6)],
    )
    surveillance_window_after_months = models.PositiveSmallIntegerField(
        _("surveillance window after the anniversary (months)"),
        default=3,
        validators=[MaxValueValidator(6)],
        help_text=_("Never beyond 12 months after the decision for the first surveillance."),
    )
    reminder_lead_days = models.JSONField(
        _("reminder lead times (days)"),
        default=default_reminder_lead_days,
        help_text=_(
            "Days before a due date on which reminders go out, e.g. [90, 30, 7]; "
            "also on the day, then weekly while overdue."
        ),
    )
    major_plan_days = models.PositiveSmallIntegerField(
        _("major NC: plan due (days)"), default=30, validators=POLICY_DAYS
    )
    major_close_days = models.PositiveSmallIntegerField(
        _("major NC: closure due (days)"), default=90, validators=POLICY_DAYS
    )
    minor_plan_days = models.PositiveSmallIntegerField(
        _("minor NC: plan due (days)"), default=30, validators=POLICY_DAYS
    )
    observations_need_response = models.BooleanField(
        _("observations and OFIs need a response"), default=False
    )
    total_absence_is_major = models.BooleanField(
        _("total absence of a requirement is a major NC"), default=True
    )
    suspend_on_overdue_major = models.BooleanField(
        _("an overdue major NC of a certified client leads to suspension"), default=True
    )
    suspension_max_days = models.PositiveSmallIntegerField(
        _("suspension resolution deadline (days)"), default=183, validators=POLICY_DAYS
    )
    team_notice_days = models.PositiveSmallIntegerField(
        _("team notified to the client at least (days before the audit)"), default=14, validators=POLICY_DAYS
    )
    change_review_days = models.PositiveSmallIntegerField(
        _("client change notifications reviewed within (days)"), default=30, validators=POLICY_DAYS
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("staff signed out after inactivity (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(bounds.SESSION_IDLE_MINUTES_MAX)],
        help_text=_("A staff member of several CBs is signed out after the shortest of their CBs' times."),
    )
    retention_extra_cycles = models.PositiveSmallIntegerField(
        _("records kept for the current cycle plus (cycles)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(bounds.POLICY_CYCLES_MAX)],
    )
    certificate_number_pattern = models.CharField(
        _("certificate number pattern"),
        max_length=40,
        default="{year}-{seq:5}",
        validators=[validate_number_pattern],
        help_text=_(
            "How certificate numbers are made: {seq} or {seq:5} (the running number, padded to 5 digits) is "
            "required; {year} (the decision year) and {standard} (e.g. 9001) are optional."
        ),
    )
    logo = models.FileField(
        _("logo"), upload_to=image_path, blank=True, validators=[validate_image], help_text=_("PNG or JPEG.")
    )
    certification_mark = models.FileField(
        _("certification mark"),
        upload_to=image_path,
        blank=True,
        validators=[validate_image],
        help_text=_("PNG or JPEG; printed on every certificate, which cannot be issued without it."),
    )
    accreditation_symbol = models.FileField(
        _("accreditation symbol"),
        upload_to=image_path,
        blank=True,
        validators=[validate_image],
        help_text=_(
            "The accreditation body's symbol; printed only on certificates within the accreditation."
        ),
    )
    signatory_name = models.CharField(
        _("signatory"),
        max_length=200,
        blank=True,
        validators=LINE,
        help_text=_("The person the certification body authorises to sign its certificates."),
    )
    signatory_function = models.CharField(
        _("signatory's function"),
        max_length=200,
        blank=True,
        validators=LINE,
        help_text=_("E.g. Managing director."),
    )
    signature = models.FileField(
        _("signature"),
        upload_to=image_path,
        blank=True,
        validators=[validate_image],
        help_text=_("Optional: the signatory's signature, PNG or JPEG, printed above their name."),
    )
    lead_auditor_max_consecutive_years = models.PositiveSmallIntegerField(
        _("same lead auditor for a client at most (consecutive years)"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
        validators=[MaxValueValidator(bounds.POLICY_YEARS_MAX)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("certification body")
        verbose_name_plural = _("certification bodies")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage2_max_gap_days__gte=F("stage2_min_gap_days")),
                name="cb_stage_gap_order",
                violation_error_message=_("The maximum gap between stages is below the minimum."),
            ),
            models.CheckConstraint(
                condition=Q(major_close_days__gte=F("major_plan_days")),
                name="cb_major_close_after_plan",
                violation_error_message=_("A major NC cannot be due for closure before its plan."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        days = self.reminder_lead_days
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 < d <= 365 for d in days):
            raise ValidationError(
                {"reminder_lead_days": _("Give a list of whole numbers of days between 1 and 365.")}
            )
        self.reminder_lead_days = sorted(set(days), reverse=True)


class AccreditationScope(models.Model):
    """What a CB is accredited for: one standard and the IAF codes it may certify under it."""

    certification_body = models.ForeignKey(
        CertificationBody, on_delete=models.PROTECT, related_name="accreditation_scopes"
    )
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    iaf_codes = models.ManyToManyField(IAFCode, blank=True, verbose_name=_("IAF codes"))
    valid_from = models.DateField(_("valid from"), validators=DATE)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, validators=DATE)

    class Meta:
        ordering = ["certification_body", "standard__code", "-valid_from"]
        verbose_name = _("accreditation scope")
        verbose_name_plural = _("accreditation scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["certification_body", "standard", "valid_from"], name="accreditation_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="accreditation_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification_body}: {self.standard}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ClientEngagement(models.Model):
    """The organisation is a client of the CB: the CB's staff serve it from `since` on."""

    certification_body = models.ForeignKey(
        CertificationBody, on_delete=models.PROTECT, related_name="engagements"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="engagements")
    since = models.DateField(_("client since"), default=datetime.date.today, validators=DATE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, validators=DATE)

    class Meta:
        ordering = ["-since"]
        verbose_name = _("client engagement")
        verbose_name_plural = _("client engagements")
        constraints = [
            models.UniqueConstraint(
                fields=["certification_body", "organisation"],
                condition=Q(ended_on__isnull=True),
                name="engagement_one_open",
                violation_error_message=_("This organisation is already a client of this CB."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("since")),
                name="engagement_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.certification_body}"


class OrganisationMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="organisation_memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=OrganisationRole.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user__full_name"]
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="org_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"


class Invitation(models.Model):
    """An invitation to join an organisation in a role. It grants nothing until the invited person
    accepts it, signed in with its e-mail address (or creating their account with it). Only a hash
    of the secret token in the e-mailed link is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=150, validators=LINE)
    role = models.CharField(_("role"), max_length=20, choices=OrganisationRole.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("accepted by")
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status=InvitationStatus.PENDING),
                name="invitation_one_pending",
                violation_error_message=_("This person is already invited to this organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()} — {self.organisation}"

    def is_expired(self, now: datetime.datetime) -> bool:
        return self.status == InvitationStatus.EXPIRED or (
            self.status == InvitationStatus.PENDING and now >= self.expires_at
        )


class CBMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cb_memberships")
    certification_body = models.ForeignKey(
        CertificationBody, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=CBRole.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["certification_body", "user__full_name"]
        verbose_name = _("CB membership")
        verbose_name_plural = _("CB memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "certification_body", "role"], name="cb_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.certification_body}"


class AuditorQualification(models.Model):
    """A CB's record that a person is competent for one standard and some IAF codes."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="qualifications")
    certification_body = models.ForeignKey(
        CertificationBody, on_delete=models.PROTECT, related_name="qualifications"
    )
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=20, choices=QualificationKind.choices, default=QualificationKind.AUDITOR
    )
    is_lead_auditor = models.BooleanField(_("lead auditor"), default=False)
    iaf_codes = models.ManyToManyField(IAFCode, blank=True, verbose_name=_("IAF codes"))
    valid_from = models.DateField(_("valid from"), validators=DATE)
    valid_until = models.DateField(_("valid until"), validators=DATE)

    class Meta:
        ordering = ["user__full_name", "standard__code"]
        verbose_name = _("auditor qualification")
        verbose_name_plural = _("auditor qualifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_lead_auditor=False) | Q(kind=QualificationKind.AUDITOR),
                name="qualification_lead_is_auditor",
                violation_error_message=_("Only an auditor qualification can be a lead-auditor one."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="qualification_dates_order",
                violation_error_message=_("A qualification cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        lead = " (lead)" if self.is_lead_auditor else ""
        return f"{self.user}: {self.standard} {self.get_kind_display()}{lead}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def clean(self) -> None:
        super().clean()
        if (
            self.user_id
            and self.certification_body_id
            and not CBMembership.objects.filter(
                user_id=self.user_id, certification_body_id=self.certification_body_id, is_active=True
            ).exists()
        ):
            raise ValidationError({"user": _("The person is not on this certification body's staff.")})


class SignInEvent(models.Model):
    """One sign-in, sign-out, failure or second-factor event: who (or which e-mail was tried), from
    where, when. Written by the sign-in signals and the two-factor services; never edited."""

    kind = models.CharField(_("what"), max_length=20, choices=SignInKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_in_events"
    )
    email = models.CharField(_("e-mail given"), max_length=254, blank=True, validators=LINE)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=bounds.SHORT_TEXT_MAX, blank=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The administrator, when someone else acted on the account."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("sign-in record")
        verbose_name_plural = _("sign-in records")
        indexes = [
            models.Index(fields=["ip_address", "kind", "-at"], name="signin_address"),
            models.Index(fields=["email", "kind", "-at"], name="signin_email"),
            models.Index(fields=["user", "-at"], name="signin_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.email} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("A sign-in record is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A sign-in record is immutable.")
