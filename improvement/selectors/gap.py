"""Reads of gap analyses: one analysis laid out as a sheet, its filters, and comparisons."""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from improvement.enums import OPEN_ACTION_STATUSES, AnswerStatus
from improvement.gap_readiness import Bar, Readiness, chart_bars, readiness, readiness_by
from improvement.models import Action, EvidenceFile, GapAnalysis, GapAnswer
from organisations.models import User
from standards.models import Clause, Edition

ANSWER_ORDER = ("clause__edition__standard__number", "clause__edition__year", "clause__position")
GAPS = (AnswerStatus.NONCONFORMING, AnswerStatus.PARTIAL)
CLAUSE, UPDATED_BY = (GapAnswer._meta.get_field(f) for f in ("clause", "updated_by"))
EDITION = Clause._meta.get_field("edition")


class GapFilter(models.TextChoices):
    """Which answers the page lists (the readiness always counts them all)."""

    ALL = "all", _("All clauses")
    UNANSWERED = "unanswered", _("Not yet assessed")
    GAPS = "gaps", _("Not conforming or partial")
    OPEN_ACTIONS = "open_actions", _("With open actions")


def answer_shown(answer: GapAnswer, show: str) -> bool:
    if show == GapFilter.UNANSWERED:
        return answer.status == AnswerStatus.NOT_ASSESSED
    if show == GapFilter.GAPS:
        return answer.status in GAPS
    if show == GapFilter.OPEN_ACTIONS:
        return bool(answer.open_actions)
    return True


@dataclass
class Row:
    answer: GapAnswer
    refs: list[Clause] = field(default_factory=list)  # every clause the answer counts for
    blocks: list["ChapterBlock"] = field(default_factory=list)  # the chapters it scores in
    form: object = None  # the answer's form, set by a view that lets the user write
    action_form: object = None  # the form raising an action from it, for a user who may raise one

    @property
    def evidence(self) -> list[EvidenceFile]:
        live = getattr(self.answer, "live_evidence", None)  # prefetched by gap_sheet
        return live if live is not None else list(self.answer.evidence_files.filter(removed_at__isnull=True))

    @property
    def number(self) -> str:
        return self.answer.hs_key or self.answer.clause.number

    @property
    def counts_for(self) -> str:
        """The clause of each edition the answer counts for: "ISO 9001:2015 5.1.1 · ISO 14001:2015 5.1"."""
        return " · ".join(f"{clause.edition.label} {clause.number}" for clause in self.refs)


@dataclass
class ChapterBlock:
    edition: Edition
    chapter: Clause
    rows: list[Row]
    readiness: Readiness | None = None


@dataclass
class Section:
    """An edition's part of the page: its chapters, each with the rows the filter lets through."""

    edition: Edition
    chapters: list[tuple[ChapterBlock, list[Row]]]


@dataclass
class Shown:
    show: str
    shared_rows: list[Row]
    sections: list[Section]

    @property
    def count(self) -> int:
        return len(self.shared_rows) + sum(len(rows) for s in self.sections for _, rows in s.chapters)


@dataclass
class Sheet:
    analysis: GapAnalysis
    editions: list[Edition]
    shared_rows: list[Row]
    blocks: list[ChapterBlock]
    per_edition: dict[Edition, Readiness]
    combined: Readiness
    answers: list[GapAnswer]

    @property
    def is_integrated(self) -> bool:
        return len(self.editions) > 1

    @property
    def rows(self) -> list[Row]:
        """Every answer once, in page order: the shared ones first, then each edition's own."""
        return [*self.shared_rows, *(row for block in self.blocks for row in block.rows)]

    def row_for(self, answer_pk: int) -> Row:
        return next(row for row in self.rows if row.answer.pk == answer_pk)

    def find(self, answer_pk: int | None) -> Row | None:
        return next((row for row in self.rows if row.answer.pk == answer_pk), None)

    def shown(self, show: str) -> Shown:
        sections: dict[int, Section] = {}
        for block in self.blocks:
            rows = [row for row in block.rows if answer_shown(row.answer, show)]
            if rows:
                sections.setdefault(block.edition.pk, Section(block.edition, [])).chapters.append(
                    (block, rows)
                )
        shared = [row for row in self.shared_rows if answer_shown(row.answer, show)]
        return Shown(show, shared, list(sections.values()))

    def filter_counts(self) -> list[tuple[str, str, int]]:
        """(value, label, number of answers) of each filter, for the page's filter links."""
        return [
            (value, label, sum(answer_shown(a, value) for a in self.answers))
            for value, label in GapFilter.choices
        ]

    def next_unanswered(self, after: int | None = None) -> GapAnswer | None:
        """The next answer not yet assessed after answer `after` in page order, wrapping round to
        the top; with no `after`, the first one. Never `after` itself."""
        rows = self.rows
        start = next((i + 1 for i, row in enumerate(rows) if row.answer.pk == after), 0)
        for row in rows[start:] + rows[:start]:
            if row.answer.status == AnswerStatus.NOT_ASSESSED and row.answer.pk != after:
                return row.answer
        return None

    def charts(self) -> list[tuple[Edition, list[Bar], int]]:
        """Per edition: the bars of its chapters and the chart's height."""
        charts = []
        for edition in self.editions:
            scores = [
                (f"{b.chapter.number} {b.chapter.title}", b.readiness.score)
                for b in self.blocks
                if b.edition == edition
            ]
            charts.append((edition, *chart_bars(scores)))
        return charts

    @property
    def open_actions(self) -> list[Action]:
        """The actions raised from its answers that are open, in progress or awaiting their
        effectiveness review, soonest due first (each with its answer, for the clause)."""
        actions = [action for answer in self.answers for action in answer.open_actions]
        return sorted(
            actions, key=lambda a: (a.due_on is None, a.due_on, a.gap_answer.clause.position, a.number)
        )


def _answers(analysis: GapAnalysis, clauses: dict[int, Clause]) -> list[GapAnswer]:
    """The answers with their clause (taken from `clauses`), people, live evidence files and
    actions (with their owners).

    Five plain queries: the model's default ordering would join clauses and editions just to
    sort, so the answers are sorted here, on the clauses already loaded.
    """
    answers = list(analysis.answers.order_by())
    files: dict[int, list[EvidenceFile]] = {}
    live = EvidenceFile.objects.filter(answer__analysis=analysis, removed_at__isnull=True)
    for file in live.order_by("uploaded_at", "pk"):
        files.setdefault(file.answer_id, []).append(file)
    people_ids = {a.updated_by_id for a in answers if a.updated_by_id is not None}
    people = User.objects.in_bulk(people_ids) if people_ids else {}
    for answer in answers:  # set_cached_value: what prefetch_related does, without the setters' checks
        CLAUSE.set_cached_value(answer, clauses[answer.clause_id])
        UPDATED_BY.set_cached_value(answer, people.get(answer.updated_by_id))
        answer.live_evidence = files.get(answer.pk, [])
    actions = Action.objects.select_related("owner").order_by("number")
    prefetch_related_objects(answers, Prefetch("actions", queryset=actions))
    return sorted(answers, key=_page_order)


def _page_order(answer: GapAnswer) -> tuple:
    edition = answer.clause.edition
    return (edition.standard.number, edition.year, answer.clause.position)


def _chapter_of(clause: Clause, by_pk: dict[int, Clause]) -> Clause:
    while not clause.is_chapter and clause.parent_id:
        clause = by_pk[clause.parent_id]
    return clause


def _placed(editions: list[Edition], clauses: list, answers: list):
    """Each assessable clause of each edition (clauses and answers as model instances or named
    rows), in page order, with the answer that counts for it
    (its own answer, or the one answer of its HS key: HS keys may have moved since the analysis
    started), as (edition, clause, answer); a clause added to the catalogue after the analysis
    started has none and is left out."""
    by_clause = {a.clause_id: a for a in answers}
    by_key = {a.hs_key: a for a in answers if a.hs_key}
    for edition in editions:
        for clause in (c for c in clauses if c.edition_id == edition.pk and c.assessable):
            answer = by_clause.get(clause.pk)
            answer = by_key.get(answer.hs_key if answer else clause.hs_key, answer)
            if answer is not None:
                yield edition, clause, answer


def _editions_of(analysis: GapAnalysis) -> list[Edition]:
    return list(analysis.editions.select_related("standard").order_by("standard__number", "year"))


def gap_sheet(analysis: GapAnalysis) -> Sheet:
    """The analysis as the page shows it, in a fixed number of queries whatever its size."""
    editions = _editions_of(analysis)
    by_edition = {e.pk: e for e in editions}
    clauses = list(Clause.objects.filter(edition__in=editions).order_by("position"))
    by_pk = {c.pk: c for c in clauses}
    for clause in clauses:
        EDITION.set_cached_value(clause, by_edition[clause.edition_id])
    answers = _answers(analysis, by_pk)
    by_key = {a.hs_key: Row(a) for a in answers if a.hs_key}
    blocks: dict[tuple[int, int], ChapterBlock] = {}
    slots = []
    for edition, clause, answer in _placed(editions, clauses, answers):
        chapter = _chapter_of(clause, by_pk)
        slots.append((edition, chapter, answer.status))
        block = blocks.get((edition.pk, chapter.pk))
        if block is None:
            block = blocks[edition.pk, chapter.pk] = ChapterBlock(edition, chapter, [])
        shared = by_key.get(answer.hs_key) if answer.hs_key else None
        row = shared or Row(answer)
        row.refs.append(clause)
        row.blocks.append(block)
        if not shared:
            block.rows.append(row)
    for key, result in readiness_by(((e.pk, c.pk), s) for e, c, s in slots).items():
        blocks[key].readiness = result
    return Sheet(
        analysis=analysis,
        editions=editions,
        shared_rows=list(by_key.values()),
        blocks=list(blocks.values()),
        per_edition=readiness_by((e, s) for e, _, s in slots),
        combined=readiness(s for _, _, s in slots),
        answers=answers,
    )


@dataclass(frozen=True)
class GapFigures:
    """What a summary shows of an analysis: its readiness per edition, as its sheet counts it, and
    how many of the actions raised from its answers are open."""

    per_edition: dict[Edition, Readiness]
    open_actions: int


def gap_figures(analysis: GapAnalysis) -> GapFigures:
    """The analysis's figures without its sheet (no people, files nor actions to lay out): four
    small queries whatever its size."""
    editions = _editions_of(analysis)
    # plain rows (named values), not model instances: an integrated analysis has a thousand clauses
    clauses = list(
        Clause.objects.filter(edition__in=editions)
        .order_by("position")
        .values_list("pk", "edition_id", "hs_key", "assessable", named=True)
    )
    answers = list(analysis.answers.order_by().values_list("pk", "clause_id", "hs_key", "status", named=True))
    placed = _placed(editions, clauses, answers)
    open_actions = Action.objects.filter(gap_answer__analysis=analysis, status__in=OPEN_ACTION_STATUSES)
    return GapFigures(
        per_edition=readiness_by((edition, answer.status) for edition, _clause, answer in placed),
        open_actions=open_actions.count(),
    )


# --- Comparing two analyses of the same editions ------------------------------------------------


def gap_comparable(analysis: GapAnalysis, visible: QuerySet[GapAnalysis]) -> list[GapAnalysis]:
    """The other analyses of the organisation, among `visible`, over exactly the same editions."""
    editions = set(analysis.editions.values_list("pk", flat=True))
    others = (
        visible.filter(organisation=analysis.organisation_id)
        .exclude(pk=analysis.pk)
        .prefetch_related("editions")
    )
    return [other for other in others if {e.pk for e in other.editions.all()} == editions]


@dataclass(frozen=True)
class Change:
    answer: GapAnswer
    before: str | None

    @property
    def before_label(self) -> str:
        return AnswerStatus(self.before).label if self.before else "—"

    @property
    def kind(self) -> str:
        if self.before in (None, AnswerStatus.NOT_ASSESSED):
            return "new"
        order = [AnswerStatus.NONCONFORMING, AnswerStatus.PARTIAL, AnswerStatus.CONFORMING]
        if self.before in order and self.answer.status in order:
            step = order.index(self.answer.status) - order.index(self.before)
            return "improved" if step > 0 else "regressed" if step < 0 else "same"
        return "same" if self.before == self.answer.status else "changed"


@dataclass(frozen=True)
class Comparison:
    older: GapAnalysis
    newer: GapAnalysis
    changes: dict[str, list[Change]]


def gap_comparison(analysis: GapAnalysis, other: GapAnalysis) -> Comparison:
    """The two analyses, the older first, and what changed from it to the newer."""
    older, newer = sorted([analysis, other], key=lambda a: a.created_at)
    return Comparison(older, newer, gap_compare(older, newer))


def gap_compare(older: GapAnalysis, newer: GapAnalysis) -> dict[str, list[Change]]:
    """Each answer of `newer` against the same clause (or shared key) in `older`, by kind of change."""
    rows = older.answers.order_by().values_list("clause_id", "hs_key", "status")
    before = {(clause_id, hs_key): status for clause_id, hs_key, status in rows}
    changes: dict[str, list[Change]] = {"improved": [], "regressed": [], "new": [], "changed": [], "same": []}
    answers = newer.answers.exclude(status=AnswerStatus.NOT_ASSESSED)
    for answer in answers.select_related("clause__edition__standard").order_by(*ANSWER_ORDER):
        change = Change(answer, before.get((answer.clause_id, answer.hs_key)))
        changes[change.kind].append(change)
    return changes
