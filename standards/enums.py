from django.db import models
from django.utils.translation import gettext_lazy as _


class EditionKind(models.TextChoices):
    REQUIREMENTS = "requirements", _("Requirements")
    GUIDANCE = "guidance", _("Guidance")
    VOCABULARY = "vocabulary", _("Vocabulary")


class EditionStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    IN_TRANSITION = "in_transition", _("In transition")
    WITHDRAWN = "withdrawn", _("Withdrawn")
