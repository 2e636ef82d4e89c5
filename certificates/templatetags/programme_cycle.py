"""Where programmes stand in their cycle, for the audits app's pages (which may not import this
app): `{% programme_cycle_of programme as place %}` on a programme's page, `{% programme_cycles_of
programmes as rows %}` on a list ((programme, place) pairs, three queries for the page). The
programme's next step loads after its page (`certificates:programme_next_step`)."""

from django import template
from django.utils import timezone

from audits.models import AuditProgramme
from certificates.selectors.programme_cycle import programme_cycles

register = template.Library()


@register.simple_tag
def programme_cycle_of(programme: AuditProgramme) -> str:
    return programme_cycles([programme], timezone.localdate())[programme.pk]


@register.simple_tag
def programme_cycles_of(programmes) -> list[tuple[AuditProgramme, str]]:
    programmes = list(programmes)
    places = programme_cycles(programmes, timezone.localdate())
    return [(programme, places[programme.pk]) for programme in programmes]
