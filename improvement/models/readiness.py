"""Readiness for stage 1 (DOMAIN §13.5): per edition the organisation works towards, the scope of
its management system (HS 4.3) with the sites and processes in it, and whether its readiness pack
is shared with the certification body serving it.

The task list itself is computed from the records (`improvement.readiness`), never stored. A row
exists once the quality manager writes the scope or shares the pack; sharing and un-sharing are
recorded in the transition log. Un-sharing stops the CB's access at once (rule 43).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds


class Readiness(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="readiness"
    )
    edition = models.ForeignKey(
        "standards.Edition", on_delete=models.PROTECT, related_name="+", verbose_name=_("edition")
    )
    scope = models.TextField(
        _("scope of the management system"),
        blank=True,
        max_length=bounds.TEXT_MAX,
        validators=bounds.text_validators(bounds.TEXT_MAX),
        help_text=_(
            "HS 4.3: the boundaries and applicability of the system, as the certificate would state it."
        ),
    )
    sites = models.ManyToManyField(
        "organisations.Site", blank=True, related_name="+", verbose_name=_("sites in scope")
    )
    processes = models.ManyToManyField(
        "improvement.Process", blank=True, related_name="+", verbose_name=_("processes in scope")
    )
    shared_with_cb = models.BooleanField(_("pack shared with the certification body"), default=False)
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "edition__standard__number", "-edition__year"]
        verbose_name = _("readiness for stage 1")
        verbose_name_plural = _("readiness for stage 1")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "edition"], name="readiness_unique_edition")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.edition}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:readiness_detail", args=[self.organisation_id, self.edition_id])
