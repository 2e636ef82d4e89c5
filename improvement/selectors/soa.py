"""Reads of the Statement of Applicability: the versions of an organisation and the controls of a
version, each in a number of queries that does not grow with its rows."""

from django.db.models import Count, Q, QuerySet

from improvement.enums import Implementation, SoaStatus
from improvement.models import SoaControl, StatementOfApplicability

CONTROLS_PAGE_SIZE = 100  # the 93 controls of 27001:2022 on one page
FILTERS = ("applicable", "not_applicable", "undecided")


def versions_of(soas: QuerySet[StatementOfApplicability]) -> QuerySet[StatementOfApplicability]:
    return (
        soas.select_related("edition__standard", "created_by")
        .annotate(
            control_count=Count("controls"),
            applicable_count=Count("controls", filter=Q(controls__applicable=True)),
            excluded_count=Count("controls", filter=Q(controls__applicable=False)),
        )
        .order_by("-created_at", "-pk")
    )


def controls_of(soa: StatementOfApplicability) -> list[SoaControl]:
    return list(
        soa.controls.select_related("clause__parent", "action", "updated_by").order_by("clause__position")
    )


def filtered(controls: list[SoaControl], show: str) -> list[SoaControl]:
    """The controls the filter keeps; undecided as `SoaControl.is_decided` says (the one rule)."""
    if show == "applicable":
        return [c for c in controls if c.applicable is True]
    if show == "not_applicable":
        return [c for c in controls if c.applicable is False]
    if show == "undecided":
        return [c for c in controls if not c.is_decided]
    return controls


def summary(controls: list[SoaControl]) -> dict:
    return {
        "total": len(controls),
        "decided": sum(1 for c in controls if c.is_decided),
        "applicable": sum(1 for c in controls if c.applicable is True),
        "not_applicable": sum(1 for c in controls if c.applicable is False),
        "implemented": sum(
            1 for c in controls if c.applicable and c.implementation == Implementation.IMPLEMENTED
        ),
    }


def draft_of(soa: StatementOfApplicability) -> StatementOfApplicability | None:
    return StatementOfApplicability.objects.filter(
        organisation=soa.organisation_id, edition=soa.edition_id, status=SoaStatus.DRAFT
    ).first()
