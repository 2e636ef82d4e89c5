"""`{% certification_status organisation %}`: the certificates of an organisation that the user may
see, each with its status at a glance (one query); `{% certificate_history_rows history %}`: the
certificate's merged history as table rows, built in Python (rule 36)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from certificates.enums import CertificateStatus, RevisionStatus, TaskKind
from certificates.selectors import status as selectors

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


def _field_label(field: str) -> str:
    return {
        "status": _("status"),
        "effective_on": _("effective date"),
        "soa_version": _("SoA version"),
        "flag": _("flag"),
    }.get(field, field)


def _state(transition, value: str) -> str:
    """A status as its label (of a certificate or of a revision), any other value as it is."""
    if not value:
        return "—"
    if transition.field == "flag":  # rule 10's flag, raised and lowered with its task
        return _("Overdue surveillance") if value == TaskKind.OVERDUE_SURVEILLANCE else value
    if transition.field != "status":
        return value
    choices = RevisionStatus if transition.revision is not None else CertificateStatus
    return choices(value).label if value in choices.values else value


@register.simple_tag
def certificate_history_rows(history) -> SafeString:
    system = _("system")
    rows = [
        (
            date_format(localtime(t.at), "SHORT_DATETIME_FORMAT"),
            (t.actor.full_name or t.actor.email) if t.actor else system,
            _("Revision %(n)s") % {"n": t.revision.revision} if t.revision is not None else _("Certificate"),
            _field_label(t.field),
            _state(t, t.from_state),
            _state(t, t.to_state),
            t.reason or "—",
        )
        for t in history
    ]
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', _("Nothing recorded yet."))
    return format_html_join("", ROW, rows)
