"""`{% certification_status organisation %}`: the certificates of an organisation that the user may
see, each with its status at a glance (one query); `{% certificate_history_rows history %}`: the
certificate's merged history as table rows, built in Python (rule 36)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from certificates.selectors import status as selectors
from core.transitions import readable

register = template.Library()
ROW = "<tr>" + "<td>{}</td>" * 6 + '<td class="text-break">{}</td></tr>'


@register.inclusion_tag("certificates/_certificate_status.html", takes_context=True)
def certification_status(context, organisation) -> dict:
    certificates = selectors.organisation_certificates(context["request"].user, organisation)
    return {
        "certificates": certificates[: selectors.PANEL_MAX],
        "more": len(certificates) > selectors.PANEL_MAX,
        "organisation": organisation,
    }


@register.simple_tag
def certificate_history_rows(history) -> SafeString:
    rows = [
        (
            line.at,
            line.actor,
            _("Revision %(n)s") % {"n": t.revision.revision} if t.revision is not None else _("Certificate"),
            line.field,
            line.from_state,
            line.to_state,
            line.reason or "—",
        )
        for t, line in ((t, readable(t)) for t in history)
    ]
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', _("Nothing recorded yet."))
    return format_html_join("", ROW, rows)
