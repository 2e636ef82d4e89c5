"""What the CB side gives and reads of the client's readiness for stage 1 (DOMAIN §13.5, rule 43).

The editions of the CB's audit programmes of an organisation join the editions its readiness task
list covers (a provider registered with `improvement.registry` in `audits.apps`). The stage 1 audit
page lists the readiness packs the client shared, the audit's editions first, and a stage 1
finding may cite one of them.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse

from audits.models import Audit, Finding, ProgrammeEdition
from improvement import access as improvement_access
from improvement.models import Readiness
from improvement.registry import register_editions


def programme_editions(organisation_id: int) -> QuerySet:
    return ProgrammeEdition.objects.filter(programme__organisation_id=organisation_id).values("edition_id")


def connect() -> None:
    register_editions(programme_editions)


def packs_for_audit(user, audit: Audit) -> list[Readiness]:
    """The packs the audit's organisation shares that the user may read: the audit's editions first
    (one query)."""
    audited = ProgrammeEdition.objects.filter(programme_id=audit.programme_id).values("edition_id")
    packs = (
        improvement_access.readiness_for(user)
        .filter(organisation_id=audit.programme.organisation_id, shared_with_cb=True)
        .annotate(
            audited=Case(
                When(edition_id__in=audited, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("audited", "edition__standard__number", "-edition__year")
    )
    return list(packs)


@dataclass(frozen=True)
class Citation:
    """A finding's cited readiness pack as a page shows it: linked only while the viewer may read it."""

    pack: Readiness
    url: str


def citation_of(user, finding: Finding) -> Citation | None:
    if finding.readiness_pack_id is None:
        return None
    pack = Readiness.objects.select_related("edition__standard").get(pk=finding.readiness_pack_id)
    readable = improvement_access.readiness_for(user).filter(pk=pack.pk).exists()
    return Citation(pack, reverse("improvement:readiness_pack", args=[pack.pk]) if readable else "")
