"""Reads of gap analyses: the user's analyses, and one analysis laid out as a sheet."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from audits.enums import AnswerStatus
from audits.gap_readiness import Bar, Readiness, chart_bars, readiness, readiness_by
from audits.models import EvidenceFile, GapAnalysis, GapAnswer
from standards.models import Clause, Edition


@dataclass
class Row:
    answer: GapAnswer
    refs: list[Clause] = field(default_factory=list)  # every clause the answer counts for
    form: object = None  # the answer's form, set by a view that lets the user write

    @property
    def evidence(self) -> list[EvidenceFile]:
        live = getattr(self.answer, "live_evidence", None)  # prefetched by gap_sheet
        return live if live is not None else list(self.answer.evidence_files.filter(removed_at__isnull=True))


@dataclass
class ChapterBlock:
    edition: Edition
    chapter: Clause
    rows: list[Row]
    readiness: Readiness | None = None


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
        return [*self.shared_rows, *(row for block in self.blocks for row in block.rows)]

    def row_for(self, answer_pk: int) -> Row:
        return next(row for row in self.rows if row.answer.pk == answer_pk)

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
    def open_actions(self) -> list[GapAnswer]:
        actions = [a for a in self.answers if a.has_open_action]
        return sorted(actions, key=lambda a: (a.action_due_on is None, a.action_due_on, a.clause.position))


def _answers(analysis: GapAnalysis) -> list[GapAnswer]:
    live = EvidenceFile.objects.filter(removed_at__isnull=True).select_related("uploaded_by")
    return list(
        analysis.answers.select_related("clause__edition__standard", "updated_by", "action_owner")
        .prefetch_related(Prefetch("evidence_files", queryset=live, to_attr="live_evidence"))
        .order_by("clause__edition__standard__number", "clause__edition__year", "clause__position")
    )


def _chapter_of(clause: Clause, by_pk: dict[int, Clause]) -> Clause:
    while not clause.is_chapter and clause.parent_id:
        clause = by_pk[clause.parent_id]
    return clause


def gap_sheet(analysis: GapAnalysis) -> Sheet:
    """The analysis as the page shows it, in a fixed number of queries whatever its size."""
    editions = list(analysis.editions.select_related("standard").order_by("standard__number", "year"))
    clauses = list(Clause.objects.filter(edition__in=editions).order_by("position"))
    by_pk = {c.pk: c for c in clauses}
    answers = _answers(analysis)
    by_clause = {a.clause_id: a for a in answers if not a.hs_key}
    by_key = {a.hs_key: Row(a) for a in answers if a.hs_key}
    blocks: dict[tuple[int, int], ChapterBlock] = {}
    slots = []
    for edition in editions:
        for clause in (c for c in clauses if c.edition_id == edition.pk and c.assessable):
            chapter = _chapter_of(clause, by_pk)
            shared = by_key.get(clause.hs_key) if clause.hs_key else None
            answer = shared.answer if shared else by_clause.get(clause.pk)
            if answer is None:  # a clause added to the catalogue after the analysis started
                continue
            slots.append((edition, chapter, answer.status))
            block = blocks.setdefault((edition.pk, chapter.pk), ChapterBlock(edition, chapter, []))
            if shared:
                shared.refs.append(clause)
            else:
                block.rows.append(Row(answer, [clause]))
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


def gap_compare(older: GapAnalysis, newer: GapAnalysis) -> dict[str, list[Change]]:
    """Each answer of `newer` against the same clause (or shared key) in `older`, by kind of change."""
    before = {(a.clause_id, a.hs_key): a.status for a in older.answers.only("clause_id", "hs_key", "status")}
    changes: dict[str, list[Change]] = {"improved": [], "regressed": [], "new": [], "changed": [], "same": []}
    for answer in newer.answers.select_related("clause__edition__standard").order_by(
        "clause__edition__standard__number", "clause__edition__year", "clause__position"
    ):
        if answer.status == AnswerStatus.NOT_ASSESSED:
            continue
        change = Change(answer, before.get((answer.clause_id, answer.hs_key)))
        changes[change.kind].append(change)
    return changes
