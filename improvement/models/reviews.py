"""Management review (HS 9.3, DOMAIN §13.2): top management reviews the system at planned
intervals. A review covers one or several editions; its checklist of inputs is generated from the
HS inputs and each covered standard's own (`improvement.review_inputs`); each input is addressed
with a text or "not applicable" with a reason before the review may be marked held (rule 41). Its
decisions (outputs) are noted or become actions in the register. What the records said for the
meeting (`prepared`) is computed while the review is planned and kept as it was when it was held.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from improvement.enums import ReviewOutputKind, ReviewStatus


def _line(label, *, blank=False, **kwargs) -> models.CharField:
    return models.CharField(
        label,
        max_length=bounds.SHORT_TEXT_MAX,
        blank=blank,
        validators=[bounds.validate_single_line],
        **kwargs,
    )


def _text(label, *, limit=bounds.TEXT_MAX, **kwargs) -> models.TextField:
    return models.TextField(
        label, blank=True, max_length=limit, validators=bounds.text_validators(limit), **kwargs
    )


class ManagementReview(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="management_reviews"
    )
    number = models.PositiveIntegerField(_("number"), help_text=_("Counted per organisation: MR-1, MR-2, …"))
    title = _line(_("title"))
    editions = models.ManyToManyField("standards.Edition", related_name="+", verbose_name=_("editions"))
    planned_on = models.DateField(_("date of the meeting"), validators=[bounds.validate_date])
    held_on = models.DateField(_("held on"), null=True, blank=True, validators=[bounds.validate_date])
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED
    )
    summary = _text(_("summary of the discussion"), limit=bounds.LONG_TEXT_MAX)
    # What the records said for the meeting (`improvement.selectors.reviews.prepared_inputs`, as
    # plain data): computed while planned, stored once when held so the minutes show what was seen
    prepared = models.JSONField(_("prepared inputs"), default=dict, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True)
    cancel_reason = _text(_("why cancelled"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "-planned_on", "-number"]
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="review_unique_number"),
            models.CheckConstraint(
                condition=Q(status__in=[ReviewStatus.PLANNED, ReviewStatus.CANCELLED])
                | Q(held_on__isnull=False, held_at__isnull=False),
                name="review_held_dated",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "planned_on"], name="review_org_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:review_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"MR-{self.number}"

    @property
    def day(self):
        """The day it took place, or is to take place."""
        return self.held_on or self.planned_on


class ReviewAttendee(models.Model):
    """Someone at the meeting: a member of the organisation, or a person named with their function
    (top management is named by name and role, HS 9.3)."""

    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = _line(_("name"), blank=True, help_text=_("For someone without an account."))
    function = _line(_("function"), blank=True, help_text=_("For example: Secretary-General."))
    is_top_management = models.BooleanField(_("top management"), default=False)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["review", "-is_top_management", "pk"]
        verbose_name = _("review attendee")
        verbose_name_plural = _("review attendees")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="review_attendee_named"
            ),
            models.UniqueConstraint(
                fields=["review", "user"],
                condition=Q(user__isnull=False, removed_at__isnull=True),
                name="review_attendee_once",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.email
        return self.name


class ReviewInput(models.Model):
    """One input of the review's checklist (HS 9.3.2 and the covered standards' own, §13.2)."""

    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="inputs")
    key = models.CharField(_("key"), max_length=60, validators=[bounds.validate_single_line])
    standard_code = models.CharField(
        _("standard"),
        max_length=40,
        blank=True,
        validators=[bounds.validate_single_line],
        help_text=_("Empty for the inputs every standard of the Harmonized Structure asks for."),
    )
    label = _line(_("input"))
    position = models.PositiveSmallIntegerField(_("position"))
    answer = _text(_("what was considered"))
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    not_applicable_reason = _text(_("why not applicable"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "position"]
        verbose_name = _("review input")
        verbose_name_plural = _("review inputs")
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="review_input_unique_key")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_addressed(self) -> bool:
        """Rule 41: a text, or "not applicable" with a reason."""
        if self.not_applicable:
            return bool(self.not_applicable_reason.strip())
        return bool(self.answer.strip())


class ReviewOutput(models.Model):
    """A decision of the review (HS 9.3.3): noted, or turned into an action of the register."""

    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="outputs")
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("Counted per review: D-1, D-2, …"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewOutputKind.choices)
    decision = _text(_("decision"))
    action = models.OneToOneField(
        "improvement.Action",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_output",
        verbose_name=_("action"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["review", "number"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="review_output_unique_number"),
            models.CheckConstraint(condition=~Q(decision=""), name="review_output_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.decision[:60]}"

    @property
    def reference(self) -> str:
        return f"D-{self.number}"
