from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class GapAnalysisStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class AnswerStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not yet assessed")
    CONFORMING = "conforming", _("Conforming")
    PARTIAL = "partial", _("Partially conforming")
    NONCONFORMING = "nonconforming", _("Not conforming")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# Points per status in the readiness score; not applicable is left out of the count altogether.
ANSWER_POINTS = {
    AnswerStatus.CONFORMING: Decimal(1),
    AnswerStatus.PARTIAL: Decimal("0.5"),
    AnswerStatus.NONCONFORMING: Decimal(0),
    AnswerStatus.NOT_ASSESSED: Decimal(0),
}
