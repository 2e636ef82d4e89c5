"""`{% programme_decisions programme %}`: the programme's decisions and the certificates they made,
with the links to decide for those who may (one query; two for the CB's staff)."""

from django import template

from audits.models import AuditProgramme
from certificates import access
from organisations import access as tenancy

register = template.Library()


@register.inclusion_tag("certificates/_programme_decisions.html", takes_context=True)
def programme_decisions(context, programme: AuditProgramme) -> dict:
    user = context["request"].user
    # the page read the programme through audits.access, so its decisions are the user's to see
    decisions = list(
        programme.decisions.select_related("certificate", "edition__standard").order_by("-decided_on", "-pk")
    )
    certificates = list({d.certificate_id: d.certificate for d in decisions if d.certificate_id}.values())
    return {
        "programme": programme,
        "decisions": decisions,
        "certificates": certificates,
        "can_decide": tenancy.memberships_of(user).is_cb_staff
        and access.can_decide_programme(user, programme),
    }
