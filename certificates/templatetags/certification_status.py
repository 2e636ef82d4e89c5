"""`{% certification_status organisation %}`: the certificates of an organisation that the user may
see, each with its status at a glance (one query); `{% certificate_history_lines history as lines %}`:
the certificate's merged history (rule 36), each line with what it is about (the certificate or one
of its revisions) and its sentence."""

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

from certificates.selectors import status as selectors
from core.transitions import Readable, readable

register = template.Library()


@dataclass(frozen=True)
class HistoryLine:
    about: str  # "Certificate" or "Revision 2"
    line: Readable


@register.inclusion_tag("certificates/_certificate_status.html", takes_context=True)
def certification_status(context, organisation) -> dict:
    certificates = selectors.organisation_certificates(context["request"].user, organisation)
    return {
        "certificates": certificates[: selectors.PANEL_MAX],
        "more": len(certificates) > selectors.PANEL_MAX,
        "organisation": organisation,
    }


@register.simple_tag
def certificate_history_lines(history) -> list[HistoryLine]:
    certificate = _("Certificate")
    return [
        HistoryLine(
            about=_("Revision %(n)s") % {"n": t.revision.revision} if t.revision is not None else certificate,
            line=readable(t),
        )
        for t in history
    ]
