"""Readiness arithmetic of a gap analysis: pure functions over plain values.

The rule, as stated on the page: each applicable clause scores 1 when conforming, ½ when
partially conforming, 0 when not conforming or not yet assessed; clauses marked not applicable
are left out. Readiness = points ÷ applicable clauses, as a percentage. Progress = clauses with
an answer (not applicable included) ÷ all clauses. In an integrated analysis a shared HS answer
counts once for every edition that has the clause.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from audits.enums import ANSWER_POINTS, AnswerStatus


@dataclass(frozen=True)
class Readiness:
    total: int
    applicable: int
    assessed: int
    points: Decimal

    @property
    def score(self) -> Decimal | None:
        """Percentage with one decimal, or None when nothing is applicable."""
        if not self.applicable:
            return None
        return (self.points * 100 / self.applicable).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def progress(self) -> int:
        return round(100 * self.assessed / self.total) if self.total else 0


def readiness(statuses: Iterable[str]) -> Readiness:
    statuses = list(statuses)
    applicable = [s for s in statuses if s != AnswerStatus.NOT_APPLICABLE]
    return Readiness(
        total=len(statuses),
        applicable=len(applicable),
        assessed=sum(s != AnswerStatus.NOT_ASSESSED for s in statuses),
        points=sum((ANSWER_POINTS[AnswerStatus(s)] for s in applicable), Decimal(0)),
    )


def readiness_by(pairs: Iterable[tuple[Hashable, str]]) -> dict[Hashable, Readiness]:
    """Readiness per group of (group, status) pairs, groups in order of first appearance."""
    groups: dict[Hashable, list[str]] = {}
    for group, status in pairs:
        groups.setdefault(group, []).append(status)
    return {group: readiness(statuses) for group, statuses in groups.items()}


@dataclass(frozen=True)
class Bar:
    label: str
    score: Decimal | None
    y: int
    width: int
    colour: str


BAR_WIDTH = 300
BAR_PITCH = 26


def chart_bars(scores: Iterable[tuple[str, Decimal | None]]) -> tuple[list[Bar], int]:
    """Geometry of the horizontal bar chart (drawn as SVG by a template): bars and total height."""
    bars = [
        Bar(label, score, y=i * BAR_PITCH, width=round(BAR_WIDTH * (score or 0) / 100), colour=_colour(score))
        for i, (label, score) in enumerate(scores)
    ]
    return bars, max(len(bars), 1) * BAR_PITCH


def _colour(score: Decimal | None) -> str:
    if score is None or score < 50:
        return "#b02a37"  # dark red: contrast 6.4:1 on white
    return "#997404" if score < 80 else "#146c43"
