import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from standards.enums import EditionKind, EditionStatus


class Standard(models.Model):
    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("As printed, e.g. ISO/IEC 27001.")
    )
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    number = models.PositiveIntegerField(
        _("number"), help_text=_("The standard's number, for sorting (9001).")
    )
    title = models.CharField(_("title"), max_length=255)
    discipline = models.CharField(
        _("discipline"), max_length=60, help_text=_("Short name of the management system, e.g. QMS.")
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
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=EditionKind.choices)
    certifiable = models.BooleanField(_("certifiable"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=EditionStatus.choices)
    published_on = models.DateField(_("published on"))
    transition_end_on = models.DateField(
        _("transition ends on"),
        null=True,
        blank=True,
        help_text=_("Certificates on this edition are no longer valid after this day."),
    )
    last_initial_audit_on = models.DateField(
        _("last day for initial audits"),
        null=True,
        blank=True,
        help_text=_("After this day no initial or recertification audit may be planned against it."),
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
    notes = models.TextField(_("notes"), blank=True)

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
        return f"{self.standard.code}:{self.year}"

    @property
    def is_withdrawn(self) -> bool:
        return self.status == EditionStatus.WITHDRAWN

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
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(
        _("summary"), max_length=200, help_text=_("Our own words, never the standard's text.")
    )
    assessable = models.BooleanField(_("assessable"), default=True)
    hs_key = models.CharField(
        _("Harmonized Structure key"),
        max_length=12,
        blank=True,
        help_text=_("Set where the clause is a shared HS clause, e.g. HS-9.2."),
    )
    is_chapter = models.BooleanField(
        _("readiness chapter"), default=False, help_text=_("Readiness is reported per chapter.")
    )
    position = models.PositiveIntegerField(_("position"), help_text=_("Order within the edition."))
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)

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
    title = models.CharField(_("title"), max_length=200, help_text=_("As a justification cites it."))
    source = models.CharField(
        _("source"), max_length=200, help_text=_("Where the values come from, e.g. a CB procedure.")
    )
    notes = models.TextField(_("notes"), blank=True)
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
        _("complexity"), max_length=20, default="all", help_text=_("all, or high, medium, low, limited…")
    )
    personnel_min = models.PositiveIntegerField(_("from (people)"), validators=[MinValueValidator(1)])
    personnel_max = models.PositiveIntegerField(_("to (people)"))
    days = models.DecimalField(
        _("days"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
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
