"""The Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d, DOMAIN §13.4).

For every Annex A control of the edition: applicable or not, the justification for including or
excluding it, whether it is implemented, and a reference to evidence or an action. Versions are
numbered per organisation and edition (v1, v2, …); at most one draft at a time; an approved
version never changes (a new version copies it). The certificate refers to the approved version
(rule 8): a certificate revision may link it when the organisation shares it with its CB.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from improvement.enums import Implementation, SoaStatus


def _line(label, *, blank=False, **kwargs) -> models.CharField:
    return models.CharField(
        label,
        max_length=bounds.SHORT_TEXT_MAX,
        blank=blank,
        validators=[bounds.validate_single_line],
        **kwargs,
    )


def _text(label, **kwargs) -> models.TextField:
    return models.TextField(
        label,
        blank=True,
        max_length=bounds.TEXT_MAX,
        validators=bounds.text_validators(bounds.TEXT_MAX),
        **kwargs,
    )


class StatementOfApplicability(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="statements_of_applicability"
    )
    edition = models.ForeignKey(
        "standards.Edition", on_delete=models.PROTECT, related_name="+", verbose_name=_("edition")
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=SoaStatus.choices, default=SoaStatus.DRAFT)
    notes = _text(_("notes"), help_text=_("The scope it applies to, the risk assessment it follows."))
    drafted_from = models.ForeignKey(
        "improvement.GapAnalysis",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drafted from"),
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    # The approval: by a named person (top management or the information security officer), dated
    approver_name = _line(_("approved by"), blank=True)
    approver_function = _line(_("function of the approver"), blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, validators=[bounds.validate_date])
    approval_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_recorded_at = models.DateTimeField(null=True, blank=True)
    shared_with_cb = models.BooleanField(
        _("shared with the certification body"),
        default=False,
        help_text=_("The CB may read this version and name it on the certificate."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "edition", "-version"]
        verbose_name = _("Statement of Applicability")
        verbose_name_plural = _("Statements of Applicability")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "edition", "version"], name="soa_unique_version"),
            models.UniqueConstraint(
                fields=["organisation", "edition"],
                condition=Q(status=SoaStatus.DRAFT),
                name="soa_one_draft",
                violation_error_message=_("There is already a draft of this Statement of Applicability."),
            ),
            models.CheckConstraint(
                condition=Q(status=SoaStatus.DRAFT)
                | (Q(approved_on__isnull=False, approval_recorded_at__isnull=False) & ~Q(approver_name="")),
                name="soa_approved_named",
            ),
            models.CheckConstraint(
                condition=Q(status=SoaStatus.APPROVED) | Q(shared_with_cb=False), name="soa_shared_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("improvement:soa_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """What a certificate cites (rule 8): "SoA v2, approved 3 March 2027"."""
        if self.approved_on:
            return _("SoA v%(version)s, approved %(day)s") % {
                "version": self.version,
                "day": self.approved_on.isoformat(),
            }
        return _("SoA v%(version)s") % {"version": self.version}

    @property
    def is_draft(self) -> bool:
        return self.status == SoaStatus.DRAFT


class SoaControl(models.Model):
    """One Annex A control in one version."""

    soa = models.ForeignKey(StatementOfApplicability, on_delete=models.PROTECT, related_name="controls")
    clause = models.ForeignKey(
        "standards.Clause", on_delete=models.PROTECT, related_name="+", verbose_name=_("control")
    )
    applicable = models.BooleanField(_("applicable"), null=True, blank=True)
    justification = _text(_("justification"), help_text=_("Why it is included or excluded."))
    implementation = models.CharField(
        _("implementation"), max_length=20, choices=Implementation.choices, blank=True
    )
    evidence = _line(
        _("evidence"), blank=True, help_text=_("Where the evidence is: a policy, a procedure, a record.")
    )
    action = models.ForeignKey(
        "improvement.Action",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["soa", "clause__position"]
        verbose_name = _("SoA control")
        verbose_name_plural = _("SoA controls")
        constraints = [models.UniqueConstraint(fields=["soa", "clause"], name="soa_control_unique")]

    def __str__(self) -> str:
        return f"{self.soa}: {self.clause.number}"

    @property
    def is_decided(self) -> bool:
        """Ready for approval: applicability decided and justified; an applicable control has an
        implementation status."""
        if self.applicable is None or not self.justification.strip():
            return False
        return not self.applicable or bool(self.implementation)
