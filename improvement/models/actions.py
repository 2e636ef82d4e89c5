"""The organisation's one register of actions (HS 10.2, DOMAIN §13.3).

An action answers one nonconformity or opportunity, whatever its source: a gap-analysis answer,
an internal-audit finding, a management-review output, a complaint, an incident, a legal
requirement or anything else entered by hand. It records the correction, the root cause and the
corrective action, its owner and due date, its evidence, and the effectiveness review that alone
closes it (rule 42); "not effective" opens a new action that follows it. The CB's nonconformities
are never copied here: the register reads them from the audit records (see `improvement.registry`).
"""

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
from improvement.enums import ActionKind, ActionSource, ActionStatus, EffectivenessResult


def _text(label, **kwargs) -> models.TextField:
    return models.TextField(
        label,
        blank=True,
        max_length=bounds.TEXT_MAX,
        validators=bounds.text_validators(bounds.TEXT_MAX),
        **kwargs,
    )


class Action(models.Model):
    HISTORY_EVENTS = {
        "status": {
            ActionStatus.OPEN: _("Action reopened"),
            ActionStatus.IN_PROGRESS: _("Action started"),
            ActionStatus.DONE: _("Action done"),
            ActionStatus.EFFECTIVE: _("Judged effective"),
            ActionStatus.NOT_EFFECTIVE: _("Judged not effective"),
            ActionStatus.CANCELLED: _("Action cancelled"),
        },
    }

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="actions"
    )
    number = models.PositiveIntegerField(_("number"), help_text=_("Counted per organisation: A-1, A-2, …"))
    source = models.CharField(_("source"), max_length=20, choices=ActionSource.choices)
    source_reference = models.CharField(
        _("source reference"),
        max_length=bounds.SHORT_TEXT_MAX,
        blank=True,
        validators=[bounds.validate_single_line],
        help_text=_("The complaint's, incident's or law's own reference, if it has one."),
    )
    kind = models.CharField(
        _("answers"), max_length=20, choices=ActionKind.choices, default=ActionKind.NONCONFORMITY
    )
    title = models.CharField(
        _("title"), max_length=bounds.SHORT_TEXT_MAX, validators=[bounds.validate_single_line]
    )
    description = _text(_("nonconformity or opportunity"))
    correction = _text(_("correction"), help_text=_("What was done at once to contain and correct it."))
    root_cause = _text(_("root cause"))
    corrective_action = _text(
        _("corrective action"), help_text=_("What removes the cause, so it does not recur.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True, validators=[bounds.validate_date])
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    clause = models.ForeignKey(
        "standards.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clause"),
    )
    # The record it came from, when it came from one (never both)
    gap_answer = models.ForeignKey(
        "improvement.GapAnswer", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    internal_finding = models.OneToOneField(
        "improvement.InternalFinding", on_delete=models.PROTECT, null=True, blank=True, related_name="action"
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follows"),
        help_text=_("The action found not effective that this one takes over."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # The effectiveness review (rule 42): only it closes the action
    reviewed_on = models.DateField(
        _("effectiveness reviewed on"), null=True, blank=True, validators=[bounds.validate_date]
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("effectiveness reviewed by"),
    )
    review_result = models.CharField(
        _("effectiveness"), max_length=20, choices=EffectivenessResult.choices, blank=True
    )
    review_comment = _text(_("effectiveness comment"))
    cancel_reason = _text(_("why cancelled"))

    class Meta:
        ordering = ["organisation", "-number"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="action_unique_number"),
            models.CheckConstraint(
                condition=~Q(status__in=[ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE])
                | (Q(reviewed_on__isnull=False, reviewed_by__isnull=False) & ~Q(review_result="")),
                name="action_closed_by_review",
                violation_error_message=_("Rule 42: an action closes only with an effectiveness review."),
            ),
            models.CheckConstraint(
                condition=Q(gap_answer__isnull=True) | Q(internal_finding__isnull=True),
                name="action_one_source_record",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="action_org_status_due"),
            models.Index(fields=["owner", "status", "due_on"], name="action_owner_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:action_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"A-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)

    def is_overdue(self, today) -> bool:
        return (
            self.due_on is not None
            and self.due_on < today
            and self.status
            in (
                ActionStatus.OPEN,
                ActionStatus.IN_PROGRESS,
            )
        )


def action_file_path(instance: "ActionEvidenceFile", filename: str) -> str:
    """A server-chosen name: the uploader's file name is kept only as data."""
    return f"actions/{instance.action_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ActionEvidenceFile(StoredFile):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence_files")
    file = models.FileField(_("file"), upload_to=action_file_path)

    class Meta(StoredFile.Meta):
        verbose_name = _("action evidence file")
        verbose_name_plural = _("action evidence files")
