"""What the management-review pages and minutes read (HS 9.3, DOMAIN §13.2).

`prepared_inputs(review)`: the inputs the records give for the meeting, never typed twice: the
status of the actions decided at the previous review, nonconformities and actions since then by
source and status (with the period before as the trend), internal audits and programme coverage
(rule 40), the CB's audits and certificates (from the higher apps, `improvement.registry`), and the
latest gap-analysis readiness of each covered edition. Counted in SQL: the number of queries does
not grow with the records. A planned review shows them live; a held one shows the snapshot it kept
(`ManagementReview.prepared`), read back with `Prepared.from_data`, through the same template.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from improvement.enums import (
    COMPLETED_AUDIT_STATUSES,
    HELD_REVIEW_STATUSES,
    ActionSource,
    ActionStatus,
    InternalFindingGrade,
)
from improvement.models import (
    Action,
    GapAnalysis,
    InternalAudit,
    InternalAuditProgramme,
    InternalFinding,
    ManagementReview,
    ReviewAttendee,
    ReviewOutput,
)
from improvement.registry import ReviewSection, Table, review_sections
from improvement.selectors.internal_audits import clause_label, programme_coverage

UNCOVERED_SHOWN = 40  # clauses listed by name per programme; the rest are counted
PROGRAMMES_SHOWN = 3  # the programmes running on the review's day that cover its editions


@dataclass
class Prepared:
    day: str  # ISO date: the review's day
    since: str  # ISO date of the previous review ("" when none)
    previous: str  # the previous review's reference ("" when none)
    sections: list[ReviewSection] = field(default_factory=list)

    def as_data(self) -> dict:
        return {
            "day": self.day,
            "since": self.since,
            "previous": self.previous,
            "sections": [section.as_data() for section in self.sections],
        }

    @classmethod
    def from_data(cls, data: dict) -> "Prepared":
        return cls(
            day=data.get("day", ""),
            since=data.get("since", ""),
            previous=data.get("previous", ""),
            sections=[ReviewSection.from_data(s) for s in data.get("sections", [])],
        )

    def section(self, key: str) -> ReviewSection | None:
        return next((s for s in self.sections if s.key == key), None)


def _day(value: datetime.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def previous_review(organisation_id: int, before: datetime.date, exclude_pk: int | None = None):
    """The organisation's last review held before the day (None: none)."""
    held = ManagementReview.objects.filter(
        organisation_id=organisation_id, status__in=HELD_REVIEW_STATUSES, held_on__lt=before
    )
    if exclude_pk:
        held = held.exclude(pk=exclude_pk)
    return held.order_by("-held_on", "-number").first()


# --- (a) the actions decided at the previous review -------------------------------------------------


def _previous_actions(previous: ManagementReview | None) -> ReviewSection:
    section = ReviewSection(
        key="previous_actions",
        title=_("Status of actions from the previous management review"),
    )
    if previous is None:
        section.lines.append(_("No management review was held before this one."))
        return section
    outputs = (
        previous.outputs.filter(withdrawn_at__isnull=True).select_related("action__owner").order_by("number")
    )
    rows = []
    for output in outputs:
        action = output.action
        rows.append(
            [
                output.reference,
                output.decision,
                action.reference if action else "",
                action.get_status_display() if action else _("Noted, no action"),
                str(action.owner) if action else "",
                _day(action.due_on) if action else "",
            ]
        )
    section.explanation = _("The decisions of %(ref)s, held on %(day)s.") % {
        "ref": previous.reference,
        "day": _day(previous.held_on),
    }
    section.tables.append(
        Table(
            caption=_("Decisions of %(ref)s") % {"ref": previous.reference},
            columns=[_("Decision"), _("What was decided"), _("Action"), _("Status"), _("Owner"), _("Due")],
            rows=rows,
        )
    )
    if not rows:
        section.lines.append(_("The previous review recorded no decision."))
    return section


# --- (b) nonconformities and actions, and their trend ----------------------------------------------


def _raised_in(organisation_id: int, since: datetime.date | None, until: datetime.date) -> QuerySet[Action]:
    actions = Action.objects.filter(organisation_id=organisation_id, created_at__date__lte=until)
    return actions.filter(created_at__date__gt=since) if since else actions


def _counts(actions: QuerySet[Action]) -> dict[tuple[str, str], int]:
    rows = actions.values_list("source", "status").annotate(n=Count("pk")).order_by()
    return {(source, status): n for source, status, n in rows}


def _actions_section(
    organisation_id: int, since: datetime.date | None, until: datetime.date, before: datetime.date | None
) -> ReviewSection:
    now = _counts(_raised_in(organisation_id, since, until))
    earlier = _counts(_raised_in(organisation_id, before, since)) if since else {}
    section = ReviewSection(
        key="actions",
        title=_("Nonconformities and actions, and their trend"),
        explanation=(
            _("Actions raised in the register from %(since)s to %(until)s, by source and status.")
            % {"since": _day(since), "until": _day(until)}
            if since
            else _("Actions raised in the register up to %(until)s, by source and status.")
            % {"until": _day(until)}
        ),
    )
    statuses = list(ActionStatus)
    rows = []
    for source in ActionSource:
        counts = [now.get((source.value, status.value), 0) for status in statuses]
        if any(counts):
            rows.append([str(source.label), *counts, sum(counts)])
    totals = [sum(n for (_s, status), n in now.items() if status == st.value) for st in statuses]
    rows.append([_("Total"), *totals, sum(totals)])
    section.tables.append(
        Table(
            caption=_("Actions by source and status"),
            columns=[_("Source"), *[str(s.label) for s in statuses], _("Total")],
            rows=rows,
        )
    )
    if since:
        trend = []
        for source in ActionSource:
            this = sum(n for (s, _st), n in now.items() if s == source.value)
            last = sum(n for (s, _st), n in earlier.items() if s == source.value)
            if this or last:
                trend.append([str(source.label), last, this])
        trend.append([_("Total"), sum(earlier.values()), sum(now.values())])
        section.tables.append(
            Table(
                caption=_("Trend: actions raised per period"),
                columns=[_("Source"), _("Period before"), _("This period")],
                rows=trend,
            )
        )
    return section


# --- (c) internal audits and coverage (rule 40) --------------------------------------------------------


def _internal_audits_section(
    review: ManagementReview, since: datetime.date | None, until: datetime.date
) -> ReviewSection:
    audits = InternalAudit.objects.filter(
        programme__organisation_id=review.organisation_id,
        status__in=COMPLETED_AUDIT_STATUSES,
        ends_on__lte=until,
    )
    if since:
        audits = audits.filter(ends_on__gt=since)
    grades = dict(
        InternalFinding.objects.filter(audit__in=audits, withdrawn_at__isnull=True)
        .values_list("grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    completed = audits.count()
    section = ReviewSection(
        key="internal_audits",
        title=_("Internal audit results and coverage"),
        explanation=_(
            "Internal audits completed in the period, their findings, and what the programmes "
            "still have to cover."
        ),
    )
    section.lines.append(_("Internal audits completed in the period: %(n)s") % {"n": completed})
    section.tables.append(
        Table(
            caption=_("Findings of those audits by grade"),
            columns=[_("Grade"), _("Findings")],
            rows=[[str(grade.label), grades.get(grade.value, 0)] for grade in InternalFindingGrade],
        )
    )
    edition_ids = [e.pk for e in review.editions.all()]
    programmes = (
        InternalAuditProgramme.objects.filter(
            organisation_id=review.organisation_id,
            editions__in=edition_ids,
            starts_on__lte=until,
            ends_on__gte=until,
        )
        .distinct()
        .order_by("-starts_on", "-pk")[:PROGRAMMES_SHOWN]
    )
    rows = []
    for programme in programmes:
        coverage = programme_coverage(programme)
        missing = [clause_label(row.clause) for row in coverage.uncovered]
        shown = "; ".join(missing[:UNCOVERED_SHOWN])
        if len(missing) > UNCOVERED_SHOWN:
            shown += " " + _("and %(n)s more") % {"n": len(missing) - UNCOVERED_SHOWN}
        rows.append([programme.title, coverage.covered_count, len(coverage.rows), shown or _("none")])
    if rows:
        section.tables.append(
            Table(
                caption=_("Programme coverage (rule 40)"),
                columns=[_("Programme"), _("Clauses covered"), _("Clauses"), _("Not yet covered")],
                rows=rows,
            )
        )
    else:
        section.lines.append(
            _("No internal audit programme covering these standards runs on the review's day.")
        )
    return section


# --- (e) gap-analysis readiness -------------------------------------------------------------------------


def _gap_section(review: ManagementReview, until: datetime.date) -> ReviewSection:
    from improvement.selectors.gap import gap_sheet

    section = ReviewSection(
        key="gap",
        title=_("Gap-analysis readiness"),
        explanation=_("The latest gap analysis of each covered edition and its readiness score."),
    )
    rows = []
    sheets = {}
    for edition in review.editions.select_related("standard").order_by("standard__number", "year"):
        analysis = (
            GapAnalysis.objects.filter(
                organisation_id=review.organisation_id, editions=edition, created_at__date__lte=until
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if analysis is None:
            rows.append([edition.label, _("No gap analysis"), "", ""])
            continue
        sheet = sheets.get(analysis.pk) or sheets.setdefault(analysis.pk, gap_sheet(analysis))
        result = sheet.per_edition.get(edition)
        score = result.score if result else None
        rows.append(
            [
                edition.label,
                analysis.title,
                analysis.get_status_display(),
                f"{score} %" if score is not None else "–",
            ]
        )
    section.tables.append(
        Table(
            caption=_("Readiness per edition"),
            columns=[_("Edition"), _("Gap analysis"), _("Status"), _("Readiness")],
            rows=rows,
        )
    )
    return section


def prepared_inputs(review: ManagementReview) -> Prepared:
    """What the records say for the review, as of its day."""
    until = review.day
    previous = previous_review(review.organisation_id, until, review.pk)
    since = previous.held_on if previous else None
    before_previous = previous_review(review.organisation_id, since, review.pk) if since else None
    sections = [
        _previous_actions(previous),
        _actions_section(
            review.organisation_id, since, until, before_previous.held_on if before_previous else None
        ),
        _internal_audits_section(review, since, until),
        *review_sections(review.organisation, since, until),
        _gap_section(review, until),
    ]
    return Prepared(
        day=until.isoformat(),
        since=since.isoformat() if since else "",
        previous=previous.reference if previous else "",
        sections=sections,
    )


def shown_inputs(review: ManagementReview) -> Prepared:
    """The live figures while the review is planned; the snapshot kept when it was held."""
    if review.status in HELD_REVIEW_STATUSES and review.prepared:
        return Prepared.from_data(review.prepared)
    return prepared_inputs(review)


# --- the pages' reads ------------------------------------------------------------------------------------


def reviews_of(reviews: QuerySet[ManagementReview]) -> QuerySet[ManagementReview]:
    return (
        reviews.prefetch_related("editions__standard")
        .annotate(
            input_count=Count("inputs", distinct=True),
            addressed_count=Count(
                "inputs",
                filter=(Q(inputs__not_applicable=False) & ~Q(inputs__answer=""))
                | (Q(inputs__not_applicable=True) & ~Q(inputs__not_applicable_reason="")),
                distinct=True,
            ),
        )
        .order_by("-planned_on", "-number")
    )


def attendees_of(review: ManagementReview) -> list[ReviewAttendee]:
    return list(review.attendees.filter(removed_at__isnull=True).select_related("user"))


def inputs_of(review: ManagementReview) -> list:
    return list(review.inputs.select_related("answered_by").order_by("position"))


def outputs_of(review: ManagementReview) -> list[ReviewOutput]:
    return list(review.outputs.select_related("action__owner", "created_by").order_by("number"))


def editions_of(review: ManagementReview) -> list:
    return list(review.editions.select_related("standard").order_by("standard__number", "year"))
