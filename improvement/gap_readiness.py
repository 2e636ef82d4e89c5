"""Readiness arithmetic of a gap analysis: pure functions over plain values.

The rule, as stated on the page: each applicable clause scores 1 when conforming, ½ when
partially conforming, 0 when not conforming or not yet assessed; clauses marked not applicable
are left out. Readiness = points ÷ applicable clauses, as a percentage. Progress = clauses with
an answer (not applicable included) ÷ all clauses. In an integrated analysis a shared HS answer
counts once for every edition that has the clause.
"""

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from improvement.enums import ANSWER_POINTS, AnswerStatus


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
    counts = Counter(statuses)
    total = sum(counts.values())
    applicable = {s: n for s, n in counts.items() if s != AnswerStatus.NOT_APPLICABLE}
    return Readiness(
        total=total,
        applicable=sum(applicable.values()),
        assessed=total - counts[AnswerStatus.NOT_ASSESSED],
        points=sum((ANSWER_POINTS[AnswerStatus(s)] * n for s, n in applicable.items()), Decimal(0)),
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

    @property
    def short_label(self) -> str:
        """The label as the chart has room for it."""
        return self.label if len(self.label) <= LABEL_ROOM else self.label[: LABEL_ROOM - 1] + "…"


BAR_WIDTH = 300
BAR_PITCH = 26
LABEL_ROOM = 34  # characters that fit left of the bar at 13 px


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
