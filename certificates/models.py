"""Certification decisions, certificates and their revisions (DOMAIN.md §1.4–1.11, §6).

A `Certificate` is one standard certified for one client by one CB under one number; its status
(§6.2) is what the public verifies. What the certificate says (edition, scope, sites, dates) is a
`CertificateRevision`, made by a `Decision` and issued once: a reissue is a new revision and the
previous one becomes superseded (rule 9). Nothing here is deleted; every status change is in the
transition log.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from certificates.enums import (
    CertificateStatus,
    ChangeKind,
    ChangeOutcome,
    ChangeReviewStatus,
    DecisionKind,
    DecisionOutcome,
    DueKind,
    IncomingStatus,
    ReminderStatus,
    RevisionStatus,
    SiteChange,
    StepKind,
    SuspensionReason,
    TaskKind,
    TaskResolution,
    TaskStatus,
    TransferReviewOutcome,
)
from core import bounds
from organisations.enums import SiteKind
from organisations.models import Address, address_text

TEXT = {"max_length": bounds.TEXT_MAX, "validators": bounds.text_validators(bounds.TEXT_MAX)}
LINE = [bounds.validate_single_line]
DATE = [bounds.validate_date]
NUMBER_MAX_LENGTH = 60


def public_token() -> str:
    """The unguessable part of a revision's public URL (the QR code): 192 random bits."""
    return secrets.token_urlsafe(24)


class TransferReview(models.Model):
    """The accepting CB's pre-transfer review of a certificate issued by another CB (IAF MD 2)."""

    programme = models.ForeignKey(
        "audits.AuditProgramme", on_delete=models.PROTECT, related_name="transfer_reviews"
    )
    edition = models.ForeignKey("standards.Edition", on_delete=models.PROTECT, related_name="+")
    issuing_body = models.CharField(_("issuing certification body"), max_length=200, validators=LINE)
    issuing_accreditation_body = models.CharField(
        _("its accreditation body"), max_length=120, blank=True, validators=LINE
    )
    incoming_number = models.CharField(_("certificate number"), max_length=NUMBER_MAX_LENGTH, validators=LINE)
    incoming_status = models.CharField(_("status"), max_length=20, choices=IncomingStatus.choices)
    incoming_accredited = models.BooleanField(
        _("accredited"), help_text=_("Issued under an accreditation covering this standard and scope.")
    )
    original_certified_on = models.DateField(_("originally certified on"), validators=DATE)
    cycle_started_on = models.DateField(
        _("current cycle started on"),
        help_text=_("The date of the last certification decision."),
        validators=DATE,
    )
    expires_on = models.DateField(_("expires on"), validators=DATE)
    reason = models.TextField(_("why the client transfers"), **TEXT)
    reports_reviewed = models.TextField(
        _("reports reviewed"),
        help_text=_("The last initial or recertification report and the latest surveillance report."),
        **TEXT,
    )
    open_nonconformities = models.TextField(
        _("open nonconformities"), blank=True, help_text=_("Which, and who closes them."), **TEXT
    )
    complaints = models.TextField(_("complaints and actions taken"), blank=True, **TEXT)
    regulators = models.TextField(_("dealings with regulators"), blank=True, **TEXT)
    visited = models.BooleanField(_("the review included a visit"), default=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=TransferReviewOutcome.choices)
    reviewed_on = models.DateField(_("reviewed on"), validators=DATE)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        verbose_name = _("pre-transfer review")
        verbose_name_plural = _("pre-transfer reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_started_on__gte=F("original_certified_on")),
                name="transfer_cycle_after_original",
                violation_error_message=_(
                    "The current cycle cannot start before the original certification."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("cycle_started_on")),
                name="transfer_expiry_after_cycle",
                violation_error_message=_("The expiry date must come after the start of the cycle."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuing_body} {self.incoming_number}"


class Decision(models.Model):
    """A certification decision (17021-1 §9.5): taken by someone who audited none of the audits
    feeding it (rule 3), one per standard (rule 29), with its rationale."""

    programme = models.ForeignKey("audits.AuditProgramme", on_delete=models.PROTECT, related_name="decisions")
    edition = models.ForeignKey("standards.Edition", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    decided_on = models.DateField(_("decided on"), validators=DATE)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField(_("rationale"), **TEXT)
    scope_justification = models.TextField(
        _("why the new scope text is narrower"),
        blank=True,
        help_text=_("A scope reduction that rewrites the scope text says why the new text only narrows it."),
        **TEXT,
    )
    audits = models.ManyToManyField(
        "audits.Audit", blank=True, related_name="decisions", verbose_name=_("audits feeding the decision")
    )
    certificate = models.ForeignKey(
        "Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    transfer_review = models.OneToOneField(
        TransferReview, on_delete=models.PROTECT, null=True, blank=True, related_name="decision"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("certification decision")
        verbose_name_plural = _("certification decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.TRANSFER) | Q(transfer_review__isnull=False),
                name="decision_transfer_has_review",
                violation_error_message=_("A transfer is decided on a pre-transfer review."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()} ({self.decided_on})"

    def get_absolute_url(self) -> str:
        return reverse("certificates:decision_detail", args=[self.pk])

    @property
    def is_grant(self) -> bool:
        return self.outcome == DecisionOutcome.GRANT


class CertificateNumberSequence(models.Model):
    """The last number allocated for one prefix of a CB's pattern: locked while a number is taken,
    so numbers come without gaps or duplicates, and a rolled-back decision gives its number back."""

    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=NUMBER_MAX_LENGTH + 20)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certification_body", "key"], name="certificate_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class Certificate(models.Model):
    """One standard certified for one client by one CB, under one number, across its cycles."""

    # what its transition log records under a name that is not a field (services/tasks.py: FLAG)
    HISTORY_FIELDS = {"flag": (_("flag"), [(TaskKind.OVERDUE_SURVEILLANCE, _("Overdue surveillance"))])}
    HISTORY_EVENTS = {
        "status": {
            (CertificateStatus.DRAFT, CertificateStatus.ACTIVE): _("Certificate issued"),
            (CertificateStatus.SUSPENDED, CertificateStatus.ACTIVE): _("Certificate reinstated"),
            CertificateStatus.SUSPENDED: _("Certificate suspended"),
            CertificateStatus.WITHDRAWN: _("Certificate withdrawn"),
            CertificateStatus.EXPIRED: _("Certificate expired"),
            CertificateStatus.CANCELLED: _("Certificate cancelled"),
        },
        "flag": {
            ("", TaskKind.OVERDUE_SURVEILLANCE): _("Flagged: first surveillance overdue"),
            (TaskKind.OVERDUE_SURVEILLANCE, ""): _("Flag lifted: first surveillance overdue"),
        },
    }

    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.PROTECT, related_name="certificates"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="certificates"
    )
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("certificate number"), max_length=NUMBER_MAX_LENGTH, validators=LINE)
    status = models.CharField(
        _("status"), max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.DRAFT
    )
    status_since = models.DateField(_("status since"), validators=DATE)
    original_certified_on = models.DateField(
        _("originally certified on"),
        help_text=_("Kept across cycles (17021-1 §8.2.2 NOTE)."),
        validators=DATE,
    )
    suspension_reason = models.CharField(
        _("reason for suspension"), max_length=20, choices=SuspensionReason.choices, blank=True
    )
    suspension_note = models.TextField(_("about the suspension"), blank=True, **TEXT)
    suspension_ends_on = models.DateField(
        _("suspension to be resolved by"), null=True, blank=True, validators=DATE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["certification_body", "status"], name="certificate_cb_status"),
            models.Index(fields=["organisation", "status"], name="certificate_org_status"),
            # public verification looks numbers up whatever their case
            models.Index(Upper("number"), name="certificate_number_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["certification_body", "number"], name="certificate_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status=CertificateStatus.SUSPENDED)
                | (~Q(suspension_reason="") & Q(suspension_ends_on__isnull=False)),
                name="certificate_suspension_complete",
                violation_error_message=_("A suspension needs its reason and its resolution deadline."),
            ),
            models.CheckConstraint(
                condition=~Q(suspension_reason=SuspensionReason.OTHER) | ~Q(suspension_note=""),
                name="certificate_other_suspension_explained",
                violation_error_message=_("Say why the certificate is suspended."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("certificates:certificate_detail", args=[self.pk])

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.ACTIVE


class CertificateRevision(models.Model):
    """What one issue of a certificate says (DOMAIN §6.1), made by one decision. Issued once; a
    change of scope, sites, edition or cycle is a new revision (rules 9, 12, 16).

    The revision keeps its own copy of what was certified, taken when the decision drafts it: the
    holder's name and address here, each site's name and address in its `sites` (`RevisionSite`).
    A client renaming itself or moving a site changes none of it: only a new decision's revision
    certifies the new values."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveSmallIntegerField(_("revision"))
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="revision")
    edition = models.ForeignKey("standards.Edition", on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(_("certified holder"), max_length=200, validators=LINE)
    holder_street = models.CharField(_("holder's street and number"), max_length=200, validators=LINE)
    holder_postcode = models.CharField(_("holder's postcode"), max_length=20, blank=True, validators=LINE)
    holder_city = models.CharField(_("holder's city"), max_length=100, validators=LINE)
    holder_country = CountryField(_("holder's country"))
    scope = models.TextField(_("scope"), **TEXT)
    iaf_codes = models.ManyToManyField("organisations.IAFCode", blank=True, related_name="+")
    effective_on = models.DateField(_("effective from"), validators=DATE)
    expiry_on = models.DateField(_("expires on"), validators=DATE)
    cycle_started_on = models.DateField(_("current cycle started on"), validators=DATE)
    last_recertification_audit_on = models.DateField(
        _("last recertification audit"), null=True, blank=True, validators=DATE
    )
    soa_version = models.CharField(
        _("Statement of Applicability version"),
        max_length=60,
        blank=True,
        help_text=_("Required on ISO/IEC 27001 certificates."),
        validators=LINE,
    )
    soa = models.ForeignKey(
        "improvement.StatementOfApplicability",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Statement of Applicability"),
        help_text=_("The approved version the client shared; its label is the version named above."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    accredited = models.BooleanField(
        _("accredited"),
        null=True,
        blank=True,
        help_text=_("Within the CB's accreditation on the issue date (rule 34); set when issued."),
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True, validators=DATE)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    public_token = models.CharField(max_length=43, unique=True, default=public_token, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["certificate", "-revision"]
        verbose_name = _("certificate revision")
        verbose_name_plural = _("certificate revisions")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "revision"], name="revision_unique"),
            models.UniqueConstraint(
                fields=["certificate"],
                condition=Q(status=RevisionStatus.CURRENT),
                name="revision_one_current",
            ),
            models.UniqueConstraint(
                fields=["certificate"],
                condition=Q(status=RevisionStatus.DRAFT),
                name="revision_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1),
                name="revision_from_one",
                violation_error_message=_("Revisions count from 1."),
            ),
            models.CheckConstraint(
                condition=Q(expiry_on__gt=F("effective_on")),
                name="revision_expiry_after_effective",
                violation_error_message=_("The expiry date must come after the effective date."),
            ),
            models.CheckConstraint(
                condition=Q(status=RevisionStatus.DRAFT)
                | Q(status=RevisionStatus.VOID)
                | (Q(issued_on__isnull=False) & Q(accredited__isnull=False)),
                name="revision_issued_complete",
                violation_error_message=_("An issued revision has its issue date and accreditation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} rev. {self.revision}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:certificate_detail", args=[self.certificate_id])

    def get_public_url(self) -> str:
        return reverse("verification:token", args=[self.public_token])

    @property
    def identifier(self) -> str:
        """The number as printed with its revision (rule 9, DOMAIN §6.1 item 9)."""
        return f"{self.certificate.number} Rev. {self.revision}"

    @property
    def holder_address(self) -> str:
        return address_text(
            self.holder_street, self.holder_postcode, self.holder_city, self.holder_country.name
        )

    @staticmethod
    def holder_of(organisation) -> dict[str, object]:
        """The holder's fields of a revision drafted today: the client's name and address now."""
        return {
            "holder_name": organisation.name,
            "holder_street": organisation.street,
            "holder_postcode": organisation.postcode,
            "holder_city": organisation.city,
            "holder_country": organisation.country,
        }


class RevisionSite(Address):
    """One site as a revision certifies it: its name, kind and address when the revision was
    drafted (DOMAIN §6.1 item 1), with the site it copies kept for identity (which sites a later
    decision keeps or removes)."""

    revision = models.ForeignKey(CertificateRevision, on_delete=models.PROTECT, related_name="sites")
    site = models.ForeignKey("organisations.Site", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200, validators=LINE)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    is_central_function = models.BooleanField(_("central function"))

    class Meta:
        # the central function first, then by name: the order every certificate lists them in
        ordering = ["-is_central_function", "name", "pk"]
        verbose_name = _("certified site")
        verbose_name_plural = _("certified sites")
        constraints = [
            models.UniqueConstraint(fields=["revision", "site"], name="revision_site_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def copy_of(cls, site, *, revision: CertificateRevision) -> "RevisionSite":
        """The site as the revision certifies it, unsaved."""
        return cls(
            revision=revision,
            site=site,
            name=site.name,
            kind=site.kind,
            is_central_function=site.is_central_function,
            street=site.street,
            postcode=site.postcode,
            city=site.city,
            country=site.country,
        )


# --- The work queue, reminders and calendar subscriptions ----------------------------------------


class CertificateDueDate(models.Model):
    """What falls due for a certificate's current cycle, and whether it is done: its surveillances
    (done once held), a calendar year of the cycle without a surveillance planned, the
    recertification (done once granted), the expiry and the end of its edition's transition
    (`due_rules.certificate_items`). Stored, so that a calendar page reads one month, and what is
    overdue, with an index instead of recomputing every certificate's cycle. One truth:
    `certificates.services.due_dates` recalculates a certificate's rows when a service changes
    what they depend on (its revision issued, a decision, one of its organisation's audits
    planned, moved, started or cancelled), and the daily job checks every row and logs what it had
    to correct (a CB's policy or an edition's transition changed in the admin). An expiry or a
    transition is done once its day has passed: the reader says so, the row does not."""

    revision = models.ForeignKey(CertificateRevision, on_delete=models.CASCADE, related_name="due_dates")
    key = models.CharField(_("due item"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=DueKind.choices)
    due_on = models.DateField(_("due on"), validators=DATE)
    done = models.BooleanField(_("done"), default=False)
    # a surveillance's latest planned audit, whose lead auditor is reminded of it
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate due date")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on", "kind"], name="certificate_due_on"),
            # what is overdue: the few rows not done, by day
            models.Index(fields=["due_on"], condition=Q(done=False), name="certificate_due_open"),
            # the latest recalculation: the calendar feed is built again after it
            models.Index(fields=["computed_at"], name="certificate_due_computed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


class CycleStep(models.Model):
    """A next step of the certification cycle waiting for a CB's staff: a programme to approve, an
    audit's team to confirm or notify, its plan to send, its report to issue, a decision to take, a
    certificate to issue, a suspension to resolve (`certificates.selectors.steps` derives each from
    the records that make it due). Stored, so that the work queue reads a CB's open steps with an
    index instead of deriving every programme's on each request. One truth:
    `certificates.services.steps` recalculates an organisation's steps when a service changes what
    they depend on, and the daily job checks every row and logs what it had to correct (a CB's
    notice period or a day setting changed). A step taken is removed: its record (an approval, a
    report, a decision) is its history."""

    key = models.CharField(_("step"), max_length=40, unique=True)  # its source and that record's id
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    source = models.CharField(_("source"), max_length=20)  # programme, audit, decision, draft, suspension
    object_id = models.PositiveBigIntegerField(_("record"))
    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    # the programme whose page shows it as its next step (none: a certificate no programme made)
    programme = models.ForeignKey(
        "audits.AuditProgramme", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # who it is the step of: the programme's author, the audit's lead for its plan and report
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"), validators=DATE)
    # the first day the queue lists it (a team or plan some days before the audit, a report once
    # the audit's last day has passed); none: at once. A programme's page lists its steps at once.
    listed_from = models.DateField(_("listed from"), null=True, blank=True, validators=DATE)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("cycle step")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["certification_body", "due_on"], name="cycle_step_body_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


class Task(models.Model):
    """A task the daily job opens in the CB's work queue when a rule says someone must decide:
    the first surveillance is overdue (rule 10: suspend or not), a suspension's deadline passed
    (rule 14: withdraw or reduce the scope). The action that resolves it closes it; an open task
    of rule 10 is the certificate's OVERDUE_SURVEILLANCE flag."""

    HISTORY_EVENTS = {"status": {TaskStatus.OPEN: _("Task opened"), TaskStatus.DONE: _("Task closed")}}

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=30, choices=TaskKind.choices)
    due_on = models.DateField(_("missed deadline"), validators=DATE)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolution = models.CharField(_("resolution"), max_length=20, choices=TaskResolution.choices, blank=True)
    resolution_note = models.TextField(_("why"), blank=True, **TEXT)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("task")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="task_status_due")]
        constraints = [
            # The daily job opens each task once, however often it runs (a second run changes nothing)
            models.UniqueConstraint(fields=["certificate", "kind", "due_on"], name="task_once"),
            models.CheckConstraint(
                condition=Q(status=TaskStatus.OPEN, closed_at__isnull=True, resolution="")
                | Q(status=TaskStatus.DONE, closed_at__isnull=False) & ~Q(resolution=""),
                name="task_closed_complete",
                violation_error_message=_("A closed task has its closing time and resolution."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.certificate.number}"

    def get_absolute_url(self) -> str:
        return reverse("calendar:task_detail", args=[self.pk])


class Reminder(models.Model):
    """One reminder of one due item to one person: the daily job writes it once (the unique
    constraint) and lists it in the person's digest of the day, unless they do not take its kind by
    e-mail (`in_app`). The person sees it in the app either way."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders"
    )
    item_key = models.CharField(_("due item"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=DueKind.choices)
    due_on = models.DateField(_("due on"), validators=DATE)
    stage = models.CharField(_("reminder"), max_length=20)  # due_rules.reminder_stage
    title = models.CharField(_("what is due"), max_length=300, validators=LINE)
    path = models.CharField(_("link"), max_length=300, validators=LINE)
    # None for the organisation's own work (an action, an internal audit: DueKind OWN_DUE_KINDS)
    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.DIGEST
    )
    # The day's digest that lists it (core.outbox): whether and when it was e-mailed is the e-mail's
    email = models.ForeignKey(
        "core.OutgoingEmail", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # attempts, claimed_at, sent_at, last_error: the per-row e-mails of before the digest
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reminder")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="reminder_status_claimed"),
            models.Index(fields=["recipient", "-created_at"], name="reminder_recipient_recent"),
            # the daily job reads what was written of the items owed today (services.reminders)
            models.Index(fields=["item_key", "stage"], name="reminder_item_stage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "item_key", "due_on", "stage"], name="reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_on}, {self.stage})"


def feed_token() -> str:
    """The secret part of a calendar feed's URL: 192 random bits."""
    return secrets.token_urlsafe(24)


class CalendarSettings(models.Model):
    """A person's calendar feed (its secret URL, regenerable: the old one then stops working) and
    the kinds of reminder they do not want by e-mail (they still see them in the app)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_settings"
    )
    feed_token = models.CharField(max_length=43, unique=True, default=feed_token, editable=False)
    feed_token_created_at = models.DateTimeField(_("feed address made"), default=timezone.now)
    email_muted_kinds = models.JSONField(_("reminders not e-mailed"), default=list, blank=True)

    class Meta:
        verbose_name = _("calendar settings")
        verbose_name_plural = _("calendar settings")

    def __str__(self) -> str:
        return str(self.user)


# --- The client's change notifications (DOMAIN §1.9, 17021-1 §8.5.3; rule 38) --------------------


class ChangeNotification(models.Model):
    """A change the client notifies to the CBs serving it. The new values, where the kind has
    fields, are applied to the organisation or site records when the first CB has reviewed it; the
    certificates keep what was certified until a decision revises them."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="change_notifications"
    )
    kind = models.CharField(_("what changes"), max_length=20, choices=ChangeKind.choices)
    description = models.TextField(_("description"), **TEXT)
    effective_on = models.DateField(_("effective from"), validators=DATE)
    # The new values: the legal name, or the new site's name
    name = models.CharField(_("new name"), max_length=200, blank=True, validators=LINE)
    # The new address: the organisation's, or the site's
    street = models.CharField(_("street and number"), max_length=200, blank=True, validators=LINE)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True, validators=LINE)
    city = models.CharField(_("city"), max_length=100, blank=True, validators=LINE)
    country = CountryField(_("country"), blank=True)
    # The organisation's new headcount, or the new site's
    headcount = models.PositiveIntegerField(
        _("new headcount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(bounds.HEADCOUNT_MAX)],
    )
    site_change = models.CharField(_("site change"), max_length=10, choices=SiteChange.choices, blank=True)
    site = models.ForeignKey(
        "organisations.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("notified"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied to the records"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("change notification")
        verbose_name_plural = _("change notifications")
        indexes = [models.Index(fields=["organisation", "-submitted_at"], name="change_org_submitted")]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"CN-{self.pk:05d}"

    @property
    def carries_values(self) -> bool:
        """It brings new values for the records (a name, an address, a headcount, a site)."""
        return bool(self.name or self.street or self.headcount or self.site_change)

    @property
    def address(self) -> str:
        locality = " ".join(part for part in (self.postcode, self.city) if part)
        country = self.country.name if self.country else ""
        return ", ".join(part for part in (self.street, locality, country) if part)


class ChangeReview(models.Model):
    """One CB's review of a notified change: a task in its work queue, due within the CB's
    `change_review_days`, decided by a certification manager with a reason."""

    notification = models.ForeignKey(ChangeNotification, on_delete=models.PROTECT, related_name="reviews")
    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("to be reviewed by"), validators=DATE)
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeReviewStatus.choices, default=ChangeReviewStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ChangeOutcome.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True, **TEXT)
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.ForeignKey(
        "audits.AuditProgramme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_kind = models.CharField(
        _("decision to take"), max_length=20, choices=DecisionKind.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("change review")
        verbose_name_plural = _("change reviews")
        indexes = [
            models.Index(fields=["certification_body", "status", "due_on"], name="change_review_cb_status")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "certification_body"], name="change_review_once_per_cb"
            ),
            models.CheckConstraint(
                condition=Q(status=ChangeReviewStatus.OPEN, outcome="", decided_at__isnull=True)
                | Q(status=ChangeReviewStatus.DECIDED, decided_at__isnull=False)
                & ~Q(outcome="")
                & ~Q(reason=""),
                name="change_review_decided_complete",
                violation_error_message=_("A reviewed change has its outcome, reason and time."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ChangeOutcome.SPECIAL_AUDIT) | Q(audit__isnull=False),
                name="change_review_special_audit_linked",
                violation_error_message=_("A special audit outcome names its audit."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ChangeOutcome.REVISION)
                | Q(programme__isnull=False) & ~Q(decision_kind=""),
                name="change_review_revision_named",
                violation_error_message=_("A revision outcome names its programme and kind of decision."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification.reference}: {self.certification_body}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:change_review", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ChangeReviewStatus.OPEN


class DailyJobRun(models.Model):
    """One run of the daily job (`certificates.services.daily`): when it started, when it
    finished and what it did. A run without `finished_at` was interrupted (its next run completes
    the work, every step being idempotent); the health endpoint reports the last finished run."""

    day = models.DateField(_("day run for"), validators=DATE)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("daily job run")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-finished_at"], name="daily_run_finished")]

    def __str__(self) -> str:
        return self.summary or f"{self.day}: {_('did not finish')}"
