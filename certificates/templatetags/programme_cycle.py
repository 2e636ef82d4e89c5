"""Where programmes stand in their cycle, for the audits app's pages (which may not import this
app): `{% programme_next programme as next %}` on a programme's page (its place and its next step),
`{% programme_cycles programmes as rows %}` on a list ((programme, place) pairs, three queries for
the page)."""

from django import template
from django.utils import timezone

from audits.models import AuditProgramme
from certificates.selectors.programme_cycle import ProgrammeNext, programme_cycles, programme_next

register = template.Library()


@register.simple_tag(takes_context=True)
def programme_next_of(context, programme: AuditProgramme) -> ProgrammeNext:
    return programme_next(context["request"].user, programme, today=timezone.localdate())


@register.simple_tag
def programme_cycles_of(programmes) -> list[tuple[AuditProgramme, str]]:
    programmes = list(programmes)
    places = programme_cycles(programmes, timezone.localdate())
    return [(programme, places[programme.pk]) for programme in programmes]
