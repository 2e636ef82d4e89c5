"""The readiness arithmetic, with the worked example stated on the page."""

from decimal import Decimal

import pytest

from improvement.gap_readiness import readiness, readiness_by


def test_worked_example():
    """10 clauses: 4 conforming, 2 partial, 1 not conforming, 1 not applicable, 2 not assessed.

    Applicable = 9; points = 4 × 1 + 2 × ½ = 5; readiness = 5 / 9 = 55.6 %; progress = 8 / 10 = 80 %.
    """
    statuses = (
        ["conforming"] * 4 + ["partial"] * 2 + ["nonconforming", "not_applicable"] + ["not_assessed"] * 2
    )
    result = readiness(statuses)
    assert (result.total, result.applicable, result.assessed, result.points) == (10, 9, 8, Decimal(5))
    assert result.score == Decimal("55.6")
    assert result.progress == 80


@pytest.mark.parametrize(
    ("statuses", "score", "progress"),
    [
        ([], None, 0),
        (["not_applicable"], None, 100),
        (["conforming"], Decimal("100.0"), 100),
        (["not_assessed"], Decimal("0.0"), 0),
        (["partial", "conforming", "conforming"], Decimal("83.3"), 100),
        (["partial", "not_assessed", "not_assessed"], Decimal("16.7"), 33),
    ],
)
def test_readiness_edges(statuses, score, progress):
    result = readiness(statuses)
    assert (result.score, result.progress) == (score, progress)


def test_readiness_by_groups_in_order_of_appearance():
    pairs = [("5", "conforming"), ("4", "nonconforming"), ("5", "partial"), ("4", "not_applicable")]
    result = readiness_by(pairs)
    assert list(result) == ["5", "4"]
    assert result["5"].score == Decimal("75.0") and result["4"].score == Decimal("0.0")
    assert result["4"].applicable == 1


def test_readiness_accepts_the_enum_and_plain_values_alike():
    from improvement.enums import AnswerStatus

    assert readiness([AnswerStatus.PARTIAL, "partial", AnswerStatus.NOT_APPLICABLE]).points == Decimal(1)


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("4 Context", "4 Context"),
        ("A.5 Organizational controls and re", "A.5 Organizational controls and re"),  # 34: fits
        ("A.5 Organizational controls and res", "A.5 Organizational controls and r…"),
    ],
)
def test_chart_label_is_cut_to_the_room_beside_the_bar(label, shown):
    from improvement.gap_readiness import chart_bars

    bars, _ = chart_bars([(label, Decimal("50.0"))])
    assert bars[0].short_label == shown
