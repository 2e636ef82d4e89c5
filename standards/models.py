import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import bounds
from standards.enums import EditionKind, EditionStatus

LINE = [bounds.validate_single_line]
DATE = [bounds.validate_date]
# The catalogue's own bounds: ISO was founded in 1947, its numbers have at most five digits, and
# a standard's clauses number in the hundreds and nest a few levels deep.
FIRST_ISO_YEAR = 1947
STANDARD_NUMBER_MAX = 99_999
CLAUSE_POSITION_MAX = 100_000
CLAUSE_DEPTH_MAX = 20


class Standard(models.Model):
    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("As printed, e.g. ISO/IEC 27001."), validators=LINE
    )
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    number = models.PositiveIntegerField(
        _("number"),
        help_text=_("The standard's number, for sorting (9001)."),
        validators=[MaxValueValidator(STANDARD_NUMBER_MAX)],
    )
    title = models.CharField(_("title"), max_length=255, validators=LINE)
    discipline = models.CharField(
        _("discipline"),
        max_length=60,
        help_text=_("Short name of the management system, e.g. QMS."),
        validators=LINE,
    )

    class Meta:
        ordering = ["number", "code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("standards:standard_detail", args=[self.slug])


class Edition(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="editions")
    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=[MinValueValidator(FIRST_ISO_YEAR), MaxValueValidator(bounds.LATEST_DATE.year)],
    )
    title = models.CharField(_("title"), max_length=255, validators=LINE)
    kind = models.CharField(_("kind"), max_length=20, choices=EditionKind.choices)
    certifiable = models.BooleanField(_("certifiable"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=EditionStatus.choices)
    published_on = models.DateField(_("published on"), validators=DATE)
    transition_end_on = models.DateField(
        _("transition ends on"),
        null=True,
        blank=True,
        help_text=_("Certificates on this edition are no longer valid after this day."),
        validators=DATE,
    )
    last_initial_audit_on = models.DateField(
        _("last day for initial audits"),
        null=True,
        blank=True,
        help_text=_("After this day no initial or recertification audit may be planned against it."),
        validators=DATE,
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    amendments = models.JSONField(_("amendments"), default=list, blank=True)
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=bounds.LONG_TEXT_MAX,
        validators=bounds.text_validators(bounds.LONG_TEXT_MAX),
    )

    class Meta:
        ordering = ["standard__number", "standard__code", "-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.UniqueConstraint(fields=["standard", "year"], name="edition_unique_year"),
            models.CheckConstraint(
                condition=Q(certifiable=False) | Q(kind=EditionKind.REQUIREMENTS),
                name="edition_only_requirements_certifiable",
                violation_error_message=_("Only a requirements edition can be certifiable."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("standards:edition_detail", args=[self.standard.slug, self.year])

    @property
    def label(self) -> str:
        """The reference as printed on a certificate, e.g. "ISO 9001:2015"."""
        return self.label_for(self.standard.code, self.year)

    @staticmethod
    def label_for(code: str, year: int) -> str:
        """The label from the values alone, for reads that fetch no Edition."""
        return f"{code}:{year}"

    @property
    def is_withdrawn(self) -> bool:
        return self.status == EditionStatus.WITHDRAWN

    @property
    def is_in_transition(self) -> bool:
        return self.status == EditionStatus.IN_TRANSITION

    def accepts_initial_audits_on(self, day: datetime.date) -> bool:
        """Whether an initial or recertification audit may be planned against it on `day`."""
        if not self.certifiable or self.status == EditionStatus.WITHDRAWN:
            return False
        return self.last_initial_audit_on is None or day <= self.last_initial_audit_on


class Clause(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="clauses")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    number = models.CharField(_("number"), max_length=20, validators=LINE)
    title = models.CharField(_("title"), max_length=255, validators=LINE)
    summary = models.CharField(
        _("summary"),
        max_length=200,
        help_text=_("Our own words, never the standard's text."),
        validators=LINE,
    )
    assessable = models.BooleanField(_("assessable"), default=True)
    hs_key = models.CharField(
        _("Harmonized Structure key"),
        max_length=12,
        blank=True,
        help_text=_("Set where the clause is a shared HS clause, e.g. HS-9.2."),
        validators=LINE,
    )
    is_chapter = models.BooleanField(
        _("readiness chapter"), default=False, help_text=_("Readiness is reported per chapter.")
    )
    position = models.PositiveIntegerField(
        _("position"),
        help_text=_("Order within the edition."),
        validators=[MaxValueValidator(CLAUSE_POSITION_MAX)],
    )
    depth = models.PositiveSmallIntegerField(
        _("depth"), default=0, validators=[MaxValueValidator(CLAUSE_DEPTH_MAX)]
    )

    class Meta:
        ordering = ["edition", "position"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="clause_unique_number"),
            models.UniqueConstraint(
                fields=["edition", "hs_key"], condition=~Q(hs_key=""), name="clause_unique_hs_key"
            ),
        ]
        indexes = [models.Index(fields=["edition", "position"], name="clause_edition_position")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AuditTimeTable(models.Model):
    """An audit-time table for one standard, loaded as data by an administrator (DOMAIN §3.6).

    Standards without an IAF table (ISO 22301, ISO/IEC 20000-1, ISO 56001) get the CB's own table
    here; a table loaded for a standard with a built-in one (a newer MD 5 issue, say) replaces it.
    """

    standard = models.OneToOneField(Standard, on_delete=models.PROTECT, related_name="audit_time_table")
    title = models.CharField(
        _("title"), max_length=200, help_text=_("As a justification cites it."), validators=LINE
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("Where the values come from, e.g. a CB procedure."),
        validators=LINE,
    )
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=bounds.LONG_TEXT_MAX,
        validators=bounds.text_validators(bounds.LONG_TEXT_MAX),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["standard__number"]
        verbose_name = _("audit-time table")
        verbose_name_plural = _("audit-time tables")

    def __str__(self) -> str:
        return self.title


class AuditTimeRow(models.Model):
    """Initial audit time (stage 1 + stage 2) in auditor-days for a band of effective personnel."""

    table = models.ForeignKey(AuditTimeTable, on_delete=models.CASCADE, related_name="rows")
    complexity = models.CharField(
        _("complexity"),
        max_length=20,
        default="all",
        help_text=_("all, or high, medium, low, limited…"),
        validators=LINE,
    )
    personnel_min = models.PositiveIntegerField(
        _("from (people)"), validators=[MinValueValidator(1), MaxValueValidator(bounds.HEADCOUNT_MAX)]
    )
    personnel_max = models.PositiveIntegerField(
        _("to (people)"), validators=[MaxValueValidator(bounds.HEADCOUNT_MAX)]
    )
    days = models.DecimalField(
        _("days"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
    )

    class Meta:
        ordering = ["table", "complexity", "personnel_min"]
        verbose_name = _("audit-time row")
        verbose_name_plural = _("audit-time rows")
        constraints = [
            models.UniqueConstraint(
                fields=["table", "complexity", "personnel_min"], name="audit_time_row_unique_band"
            ),
            models.CheckConstraint(
                condition=Q(personnel_max__gte=F("personnel_min")),
                name="audit_time_row_band_order",
                violation_error_message=_("A band cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complexity} {self.personnel_min}–{self.personnel_max}: {self.days}"
