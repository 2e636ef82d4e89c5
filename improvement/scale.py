"""The clients' own work in the national-scale data set (`manage.py seed_scale`): gap analyses
with their answers, and actions in the register raised from their gaps, written in bulk as
`improvement.services` would have left them (answered by the client's own people only, rule 24)."""

import datetime
import random
from dataclasses import dataclass

from core.scale import Bulk, days, moment, seeded
from improvement.enums import ActionKind, ActionSource, ActionStatus, AnswerStatus, GapAnalysisStatus
from improvement.models import Action, GapAnalysis, GapAnswer
from improvement.services.gap import GAP_STATUSES, answer_units
from organisations.models import User
from organisations.scale import Client
from standards.models import Clause, Edition

# What public bodies assess themselves against: (standard code, year) of each edition
COMBOS = (
    (("ISO 9001", 2015), ("ISO/IEC 27001", 2022)),  # 156 answers: the benchmark's analysis of 150+
    (("ISO 9001", 2015),),
    (("ISO/IEC 27001", 2022),),
    (("ISO 9001", 2015), ("ISO 14001", 2015), ("ISO 45001", 2018)),
    (("ISO/IEC 27001", 2022), ("ISO/IEC 20000-1", 2018)),
    (("ISO/IEC 27001", 2022), ("ISO 22301", 2019)),
    (("ISO 9001", 2015), ("ISO/IEC 27001", 2022), ("ISO 22301", 2019)),
    (("ISO 9001", 2015), ("ISO/IEC 27001", 2022), ("ISO/IEC 20000-1", 2018)),
    (("ISO 9001", 2015), ("ISO 14001", 2026), ("ISO 45001", 2018), ("ISO/IEC 27001", 2022)),
    (("ISO 9001", 2015), ("ISO 26000", 2010)),
    (("ISO 9001", 2015), ("ISO 31000", 2018), ("ISO 56002", 2019)),
)
STATUS_WEIGHTS = {
    AnswerStatus.CONFORMING: 50,
    AnswerStatus.PARTIAL: 22,
    AnswerStatus.NONCONFORMING: 13,
    AnswerStatus.NOT_APPLICABLE: 5,
}
NOTES = {
    AnswerStatus.CONFORMING: "Procedure and records seen: {clause} is met.",
    AnswerStatus.PARTIAL: "{clause}: a procedure exists, its records are incomplete.",
    AnswerStatus.NONCONFORMING: "{clause}: nothing in place yet.",
    AnswerStatus.NOT_APPLICABLE: "",
}
NOT_APPLICABLE = "The requirement does not apply to the services in scope: they are set by law."
COMPLETED_SHARE = 0.3
SHARED_SHARE = 0.3
ACTION_SHARE = 0.15  # of the gaps found, raised as actions in the register
STARTED_SHARE = 0.4  # of those actions, being worked on


@dataclass(frozen=True)
class Combo:
    editions: tuple[Edition, ...]
    units: tuple[tuple[Clause, str], ...]

    @property
    def label(self) -> str:
        return " + ".join(edition.label for edition in self.editions)


def combos_read() -> list[Combo]:
    """Each combination of editions with what gets one answer (`answer_units`): a fixed number of
    queries, whatever the size of the data set."""
    editions = {(e.standard.code, e.year): e for e in Edition.objects.select_related("standard")}
    found = []
    for combo in COMBOS:
        chosen = tuple(editions[key] for key in combo if key in editions)
        if len(chosen) == len(combo):
            found.append(Combo(chosen, tuple(answer_units(list(chosen)))))
    return found


def combos_for(rng: random.Random, combos: list[Combo], count: int, answers: int) -> list[Combo]:
    """`count` combinations whose answers add up as near `answers` as they can: each pick aims at
    the average still needed, among the combinations near it; the first is the large one."""
    chosen: list[Combo] = []
    total = 0
    for index in range(count):
        if index == 0:
            pick = combos[0]
        else:
            aim = (answers - total) / (count - index)
            near = [c for c in combos if abs(len(c.units) - aim) <= max(15.0, aim * 0.15)]
            pick = rng.choice(near) if near else min(combos, key=lambda c: abs(len(c.units) - aim))
        chosen.append(pick)
        total += len(pick.units)
    return chosen


def _moment_between(
    rng: random.Random, first: datetime.datetime, last: datetime.datetime
) -> datetime.datetime:
    return first + (last - first) * rng.random()


def _analysis(rng: random.Random, client: Client, combo: Combo, today: datetime.date) -> GapAnalysis:
    started = days(today, -rng.randrange(30, 3 * 365))
    created_at = moment(started, rng.randrange(8, 17), rng.randrange(60))
    completed = rng.random() < COMPLETED_SHARE
    ends = min(days(started, rng.randrange(20, 150)), days(today, -1))
    return GapAnalysis(
        organisation=client.organisation,
        title=f"{combo.label} self-assessment {started.year}",
        status=GapAnalysisStatus.COMPLETED if completed else GapAnalysisStatus.IN_PROGRESS,
        shared_with_cb=rng.random() < SHARED_SHARE,
        created_by=rng.choice(client.writers),
        created_at=created_at,
        completed_at=moment(ends, 16) if completed else None,
    )


def _answer(
    rng: random.Random,
    analysis: GapAnalysis,
    unit: tuple[Clause, str],
    assessed: bool,
    writers: list[User],
    until: datetime.datetime,
) -> GapAnswer:
    """An answer as `gap_answer_save` leaves it (or still not assessed)."""
    clause, key = unit
    answer = GapAnswer(analysis=analysis, clause=clause, hs_key=key)
    if assessed:
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        answer.status = status
        answer.notes = NOTES[status].format(clause=clause.number)
        answer.justification = NOT_APPLICABLE if status == AnswerStatus.NOT_APPLICABLE else ""
        answer.updated_by = rng.choice(writers)
        answer.updated_at = _moment_between(rng, analysis.created_at, until)
    return answer


def _answers(
    rng: random.Random, analysis: GapAnalysis, combo: Combo, client: Client, today: datetime.date
) -> list[GapAnswer]:
    completed = analysis.status == GapAnalysisStatus.COMPLETED
    share = 1.0 if completed else rng.uniform(0.2, 0.9)
    assessed = round(share * len(combo.units))
    until = analysis.completed_at or moment(days(today, -1), 17)
    return [
        _answer(rng, analysis, unit, i < assessed, client.writers, until)
        for i, unit in enumerate(combo.units)
    ]


def _record_analysis(bulk: Bulk, analysis: GapAnalysis, client: Client) -> None:
    bulk.record(
        analysis,
        "status",
        None,
        GapAnalysisStatus.IN_PROGRESS,
        analysis.created_at,
        actor=analysis.created_by,
    )
    closed_at = analysis.completed_at or analysis.created_at
    if analysis.completed_at:
        bulk.record(
            analysis,
            "status",
            GapAnalysisStatus.IN_PROGRESS,
            analysis.status,
            closed_at,
            actor=client.quality_manager,
        )
    if analysis.shared_with_cb:
        bulk.record(analysis, "shared_with_cb", False, True, closed_at, actor=client.quality_manager)


def _record_answers(bulk: Bulk, answers: list[GapAnswer]) -> None:
    for answer in answers:
        if answer.updated_at:
            bulk.record(
                answer,
                "status",
                AnswerStatus.NOT_ASSESSED,
                answer.status,
                answer.updated_at,
                actor=answer.updated_by,
            )


def _action(
    rng: random.Random, answer: GapAnswer, client: Client, number: int, today: datetime.date
) -> Action:
    created_at = answer.updated_at + datetime.timedelta(hours=1)
    started = rng.random() < STARTED_SHARE and created_at.date() < days(today, -2)
    return Action(
        organisation=client.organisation,
        number=number,
        source=ActionSource.GAP_ANALYSIS,
        kind=ActionKind.NONCONFORMITY,
        title=f"Close the gap on {answer.clause.number} {answer.clause.title}"[:200],
        description=answer.notes,
        owner=client.quality_manager,
        due_on=days(created_at.date(), 90),
        status=ActionStatus.IN_PROGRESS if started else ActionStatus.OPEN,
        clause=answer.clause,
        gap_answer=answer,
        created_by=answer.updated_by,
        created_at=created_at,
    )


def _actions(
    rng: random.Random,
    answers: list[GapAnswer],
    client: Client,
    numbers: dict[int, int],
    today: datetime.date,
) -> list[Action]:
    """Some of the gaps found go to the register, numbered per organisation (A-1, A-2, ...)."""
    found = []
    for answer in answers:
        if answer.status in GAP_STATUSES and rng.random() < ACTION_SHARE:
            key = client.organisation.pk
            numbers[key] = numbers.get(key, 0) + 1
            found.append(_action(rng, answer, client, numbers[key], today))
    return found


def _record_actions(bulk: Bulk, actions: list[Action]) -> None:
    for action in actions:
        bulk.record(action, "status", "", ActionStatus.OPEN, action.created_at, actor=action.created_by)
        if action.status == ActionStatus.IN_PROGRESS:
            started = action.created_at + datetime.timedelta(days=2)
            bulk.record(action, "status", ActionStatus.OPEN, action.status, started, actor=action.owner)


def gap_analyses_build(
    bulk: Bulk, clients: list[Client], *, seed: int, today: datetime.date, analyses: int, answers: int
) -> None:
    """`analyses` gap analyses with about `answers` answers in all, of clients drawn at random."""
    rng = seeded(seed, "improvement")
    combos = combos_for(rng, combos_read(), analyses, answers)
    owners = [rng.choice(clients) for _ in combos]
    rows = [_analysis(rng, client, combo, today) for client, combo in zip(owners, combos, strict=True)]
    bulk.insert(rows)
    bulk.stream(
        GapAnalysis.editions.through(gapanalysis_id=row.pk, edition_id=edition.pk)
        for row, combo in zip(rows, combos, strict=True)
        for edition in combo.editions
    )
    found, actions, numbers = [], [], {}
    for row, combo, client in zip(rows, combos, owners, strict=True):
        _record_analysis(bulk, row, client)
        answered = _answers(rng, row, combo, client, today)
        actions += _actions(rng, answered, client, numbers, today)
        found += answered
    bulk.insert(found)
    bulk.insert(actions)
    _record_answers(bulk, found)
    _record_actions(bulk, actions)
    bulk.write_log()
    bulk.progress(f"{len(rows)} gap analyses, {len(found)} answers, {len(actions)} actions")
