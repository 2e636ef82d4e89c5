"""The sliding-window limit: no burst of twice the limit across a window's edge."""

import pytest
from django.core.cache import cache

from core.ratelimit import hit, parse_rate


@pytest.fixture(autouse=True)
def counting(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("20/m", (20, 60)), ("200/d", (200, 86400)), ("10/10m", (10, 600)), ("5/s", (5, 1))],
)
def test_rates_read_as_requests_per_period(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["20", "x/m", "20/w", "20/m/"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError, match="A rate reads like"):
        parse_rate(rate)


def _burst(count: int, at: float) -> list[int | None]:
    return [hit(group="g", key="198.51.100.7", rate="3/m", now=at) for _ in range(count)]


def test_the_limit_holds_within_a_window():
    start = 6_000_000.0  # the start of a minute
    assert _burst(3, start + 10) == [None, None, None]
    assert _burst(1, start + 11) == [49]  # the next window


def test_no_second_burst_right_after_a_window_edge():
    start = 6_000_000.0
    assert _burst(3, start + 59) == [None, None, None]
    # a fixed window would have let these through; the previous minute's 3 weigh 59/60 of 3 now
    assert _burst(3, start + 61) == [19, 19, 19]
    # as the previous minute slides out, the client gets its share back, one request at a time
    assert _burst(2, start + 60 + 20) == [None, 20]
    assert _burst(1, start + 60 + 40) == [None]


def test_each_key_counts_alone():
    start = 6_000_000.0
    _burst(3, start)
    assert hit(group="g", key="198.51.100.8", rate="3/m", now=start) is None
    assert hit(group="other", key="198.51.100.7", rate="3/m", now=start) is None


def test_limits_are_off_when_disabled(settings):
    settings.RATELIMIT_ENABLE = False
    assert _burst(5, 6_000_000.0) == [None] * 5
