"""`{% programme_decisions programme %}`: the programme's decisions and the certificates they made,
with the links to decide for those who may (two queries)."""

from django import template

from audits.models import AuditProgramme
from certificates import access

register = template.Library()


@register.inclusion_tag("certificates/_programme_decisions.html", takes_context=True)
def programme_decisions(context, programme: AuditProgramme) -> dict:
    user = context["request"].user
    decisions = list(
        access.decisions_for(user)
        .filter(programme=programme)
        .select_related("certificate")
        .order_by("-decided_on", "-pk")
    )
    certificates = list({d.certificate_id: d.certificate for d in decisions if d.certificate_id}.values())
    return {
        "programme": programme,
        "decisions": decisions,
        "certificates": certificates,
        "can_decide": access.can_decide_programme(user, programme),
    }
