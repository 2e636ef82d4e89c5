"""Multi-site sampling (IAF MD 1, DOMAIN.md §4): sample sizes and the recorded random draw.

x is the number of sites without the central function; the central function is audited every
time and is never part of the sample. Sizes are rounded up, computed in integers so that, say,
0.6 × √25 is exactly 3.
"""

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import isqrt


class SampleKind(StrEnum):
    INITIAL = "initial"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"


# y = factor × √x with factor = numerator / 10
FACTORS = {SampleKind.INITIAL: 10, SampleKind.SURVEILLANCE: 6, SampleKind.RECERTIFICATION: 8}
MIN_RANDOM_SHARE = (1, 4)  # at least 25% of the sample is drawn at random


def _ceil_scaled_sqrt(x: int, tenths: int) -> int:
    """The smallest y with y ≥ (tenths / 10) × √x, i.e. 100·y² ≥ tenths²·x."""
    target = tenths * tenths * x
    y = isqrt(target // 100)
    while 100 * y * y < target:
        y += 1
    return y


def sample_size(sites: int, kind: SampleKind, *, sampling_appropriate: bool = True) -> int:
    """Sites to audit besides the central function.

    Where sampling is not appropriate (MD 1 §6.2): every site at initial and recertification
    audits, and 30% of the sites, rounded up, in each surveillance year.
    """
    if sites < 0:
        raise ValueError("The number of sites cannot be negative.")
    if not sampling_appropriate:
        return (3 * sites + 9) // 10 if kind == SampleKind.SURVEILLANCE else sites
    return min(_ceil_scaled_sqrt(sites, FACTORS[kind]), sites)


def minimum_random(size: int) -> int:
    numerator, denominator = MIN_RANDOM_SHARE
    return -(-size * numerator // denominator)


@dataclass(frozen=True)
class Draw:
    """A recorded draw: reproducible from its seed and the candidate order."""

    seed: int
    chosen_on_risk: tuple[int, ...]
    drawn_at_random: tuple[int, ...]

    @property
    def sites(self) -> tuple[int, ...]:
        return self.chosen_on_risk + self.drawn_at_random


def draw_sample(
    candidates: Sequence[int], size: int, *, chosen_on_risk: Sequence[int] = (), seed: int | None = None
) -> Draw:
    """Complete the risk-based choice with a random draw; at least 25% of the sample is random."""
    if size > len(candidates):
        raise ValueError(f"A sample of {size} needs at least {size} candidate sites, not {len(candidates)}.")
    unknown = set(chosen_on_risk) - set(candidates)
    if unknown:
        raise ValueError(f"Sites chosen on risk are not candidates: {sorted(unknown)}.")
    if len(chosen_on_risk) > size - minimum_random(size):
        raise ValueError(
            f"At most {size - minimum_random(size)} of {size} sites may be chosen on risk: "
            f"at least {minimum_random(size)} must be drawn at random."
        )
    seed = secrets.randbits(63) if seed is None else seed
    pool = sorted(set(candidates) - set(chosen_on_risk))
    drawn = random.Random(seed).sample(pool, size - len(chosen_on_risk))  # noqa: S311 - sampling, not security
    return Draw(seed, tuple(chosen_on_risk), tuple(drawn))
