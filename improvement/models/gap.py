import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.models import StoredFile
from improvement.enums import AnswerStatus, GapAnalysisStatus
from improvement.gap_rules import NA_NEEDS_JUSTIFICATION


class GapAnalysis(models.Model):
    """The client's own clause-by-clause self-assessment against one or several editions.

    Several editions make an integrated analysis: clauses that share a Harmonized Structure key
    are answered once and count for every edition. Never a certification audit (rule 24).
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="gap_analyses"
    )
    title = models.CharField(_("title"), max_length=200, validators=[bounds.validate_single_line])
    editions = models.ManyToManyField("standards.Edition", related_name="+", verbose_name=_("editions"))
    sites = models.ManyToManyField(
        "organisations.Site",
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Leave empty for the whole organisation."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=GapAnalysisStatus.choices, default=GapAnalysisStatus.IN_PROGRESS
    )
    shared_with_cb = models.BooleanField(
        _("shared with the certification body"),
        default=False,
        help_text=_("The staff of the certification bodies serving the organisation may read it."),
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("gap analysis")
        verbose_name_plural = _("gap analyses")
        indexes = [models.Index(fields=["organisation", "-created_at"], name="gap_org_created")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement:gap_detail", args=[self.pk])

    @property
    def is_completed(self) -> bool:
        return self.status == GapAnalysisStatus.COMPLETED


class GapAnswer(models.Model):
    """One answer of an analysis: for one clause, or for one shared HS key (then `clause` is the
    first edition's clause with that key, and the answer counts for every edition's clause)."""

    analysis = models.ForeignKey(GapAnalysis, on_delete=models.PROTECT, related_name="answers")
    clause = models.ForeignKey("standards.Clause", on_delete=models.PROTECT, related_name="+")
    hs_key = models.CharField(_("shared HS key"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AnswerStatus.choices, default=AnswerStatus.NOT_ASSESSED
    )
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Why the requirement does not apply."),
        max_length=bounds.TEXT_MAX,
        validators=bounds.text_validators(bounds.TEXT_MAX),
    )
    notes = models.TextField(
        _("evidence notes"),
        blank=True,
        max_length=bounds.TEXT_MAX,
        validators=bounds.text_validators(bounds.TEXT_MAX),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        ordering = ["analysis", "clause__edition", "clause__position"]
        verbose_name = _("gap analysis answer")
        verbose_name_plural = _("gap analysis answers")
        constraints = [
            models.UniqueConstraint(fields=["analysis", "clause"], name="gap_answer_unique_clause"),
            models.UniqueConstraint(
                fields=["analysis", "hs_key"], condition=~Q(hs_key=""), name="gap_answer_unique_hs_key"
            ),
            models.CheckConstraint(
                condition=~Q(status=AnswerStatus.NOT_APPLICABLE) | ~Q(justification=""),
                name="gap_answer_na_justified",
                violation_error_message=NA_NEEDS_JUSTIFICATION,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.analysis}: {self.hs_key or self.clause.number}"

    @property
    def open_actions(self) -> list:
        """Its actions still to finish or to review (prefetch `actions` when listing answers)."""
        return [action for action in self.actions.all() if action.is_open]


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    """A server-chosen name: the uploader's file name is kept only as data."""
    return f"evidence/{instance.answer.analysis_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class EvidenceFile(StoredFile):
    answer = models.ForeignKey(GapAnswer, on_delete=models.PROTECT, related_name="evidence_files")
    file = models.FileField(_("file"), upload_to=evidence_path)

    class Meta(StoredFile.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
