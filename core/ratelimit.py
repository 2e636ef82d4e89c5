"""Rate limits on a sliding window, counted in the shared cache (Redis in production).

A fixed window lets a client send twice its limit across a window's edge (20 at 11:59:59 and 20
more at 12:00:00); a sliding window counts the current window's requests plus the previous
window's, weighted by how much of it still lies within one period of now (the "sliding window
counter"). Two cache keys per client and limit, incremented atomically (`cache.incr`), so every
web process counts the same requests when the cache is shared (core/checks.py warns when it is not).
`RATELIMIT_ENABLE = False` (the tests' default) turns every limit off.

When the shared cache cannot be reached (Redis stopped or restarting), each process counts in its
own memory instead: a limit per process, never none, and never an error for the person asking.
One warning is logged when the shared cache is lost, and one when it answers again.
"""

import logging
import math
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


def parse_rate(rate: str) -> tuple[int, int]:
    """`20/m` → (20, 60); `10/10m` → (10, 600): requests per period in seconds."""
    match = RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"A rate reads like 20/m, 200/d or 10/10m, not {rate!r}.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]


def hit(*, group: str, key: str, rate: str, now: float | None = None) -> int | None:
    """Counts one request of `key` (a client address, a user) against `rate`: None when it may go
    ahead, else the seconds to wait (a refused request is not counted)."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window, elapsed = divmod(now, period)
    prefix = f"ratelimit:{group}:{key}:{period}"
    current_key = f"{prefix}:{int(window)}"
    try:
        count, previous = _count(cache, current_key, f"{prefix}:{int(window) - 1}", period)
        counter = cache
        _shared_cache_answers()
    except ValueError:  # the window's key expired between add and incr: a bug to see, not an outage
        raise
    except Exception:  # the shared cache is down: this process counts on its own meanwhile
        _shared_cache_lost()
        counter = _local
        count, previous = _count(counter, current_key, f"{prefix}:{int(window) - 1}", period)
    if previous * (1 - elapsed / period) + count <= limit:
        return None
    try:
        counter.decr(current_key)  # a refused request is not served, so it does not count
    except Exception:
        logger.warning("Rate limit %s: a refused request could not be uncounted", group)
    if count > limit:  # this window alone is full: until the next one
        return max(1, math.ceil(round(period - elapsed, 6)))
    # the previous window's share fades: until it is small enough
    return max(1, math.ceil(round(period * (1 - (limit - count) / previous) - elapsed, 6)))


# --- the fallback while the shared cache is down -------------------------------------------------

_local = LocMemCache("ratelimit-fallback", {"MAX_ENTRIES": 10_000, "CULL_FREQUENCY": 3})
_lost = threading.Event()  # set while the shared cache is known to be down (one warning each way)


def _count(counter, current_key: str, previous_key: str, period: int) -> tuple[int, int]:
    """Counts one request in the current window; returns it with the previous window's count."""
    counter.add(current_key, 0, timeout=2 * period)
    return counter.incr(current_key), counter.get(previous_key, 0)


def _shared_cache_lost() -> None:
    if not _lost.is_set():
        _lost.set()
        logger.warning(
            "Rate limits: the shared cache does not answer; each process counts on its own until it does",
            exc_info=True,
        )


def _shared_cache_answers() -> None:
    if _lost.is_set():
        _lost.clear()
        logger.warning("Rate limits: the shared cache answers again; the limits are shared again")
