"""Rules of a gap-analysis answer, stated once: the form, the service and the model's constraint
all use these names, so a person reads the same words whichever door refused the answer."""

from django.utils.translation import gettext_lazy as _

from improvement.enums import AnswerStatus

NA_NEEDS_JUSTIFICATION = _("Not applicable needs a justification. Say why the requirement does not apply.")


def lacks_justification(status: str, justification: str) -> bool:
    """Not applicable without a reason (blank or only spaces) is refused."""
    return status == AnswerStatus.NOT_APPLICABLE and not justification.strip()
