"""The certification body's audits as a management review's prepared inputs show them
(`improvement.registry.review_sections`, HS 9.3.2 "audit results"): the audits of the period whose
report is issued (what the client's members read of them), with their kind, days, outcome or
recommendation and findings by type, and the CB's nonconformities still open on the review's day.
Counted in SQL, in two queries whatever the number of audits and findings; plain data only."""

import datetime

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext

from audits.enums import NC_TYPES, REPORTED_STATUSES, FindingType
from audits.models import Audit, Finding
from audits.selectors.client_register import OPEN_STATUSES
from improvement.registry import ReviewSection, Table, register_review_section

SECTION_KEY = "cb_audits"


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _audits(organisation, since: datetime.date | None, until: datetime.date):
    audits = Audit.objects.filter(
        programme__organisation=organisation, status__in=REPORTED_STATUSES, ends_on__lte=until
    )
    if since:
        audits = audits.filter(ends_on__gt=since)
    counts = {
        f"n_{kind.value}": Count(
            "findings", filter=Q(findings__type=kind.value) & ~Q(findings__status="withdrawn")
        )
        for kind in FindingType
    }
    return audits.select_related("report").annotate(**counts).order_by("starts_on", "pk")


def _outcome(audit: Audit) -> str:
    report = getattr(audit, "report", None)
    if report is None:
        return ""
    if report.stage1_outcome:
        return report.get_stage1_outcome_display()
    return report.get_recommendation_display() if report.recommendation else ""


def provide(organisation, since: datetime.date | None, until: datetime.date) -> ReviewSection:
    section = ReviewSection(
        key=SECTION_KEY,
        title=gettext("The certification body's audit results"),
        explanation=gettext(
            "The certification body's audits of the period whose report is issued, and its "
            "nonconformities still open."
        ),
    )
    types = list(FindingType)
    rows = [
        [
            audit.reference,
            audit.get_kind_display(),
            f"{_day(audit.starts_on)} – {_day(audit.ends_on)}",
            _outcome(audit),
            *[getattr(audit, f"n_{kind.value}") for kind in types],
        ]
        for audit in _audits(organisation, since, until)
    ]
    section.tables.append(
        Table(
            caption=gettext("Audits of the period"),
            columns=[
                gettext("Audit"),
                gettext("Kind"),
                gettext("Days"),
                gettext("Outcome or recommendation"),
                *[str(kind.label) for kind in types],
            ],
            rows=rows,
        )
    )
    if not rows:
        section.lines.append(gettext("No audit of the certification body was reported in the period."))
    open_ncs = dict(
        Finding.objects.filter(
            audit__programme__organisation=organisation,
            audit__status__in=REPORTED_STATUSES,
            audit__ends_on__lte=until,
            type__in=NC_TYPES,
            status__in=OPEN_STATUSES,
        )
        .values_list("type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    section.tables.append(
        Table(
            caption=gettext("Nonconformities of the certification body still open"),
            columns=[gettext("Type"), gettext("Open")],
            rows=[[str(kind.label), open_ncs.get(kind.value, 0)] for kind in NC_TYPES],
        )
    )
    return section


def connect() -> None:
    register_review_section(provide)
