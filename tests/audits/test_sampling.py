"""Multi-site sampling (IAF MD 1): sizes, the not-appropriate mode, the random share."""

import pytest

from audits.sampling import SampleKind, draw_sample, minimum_random, sample_size

INI, S, R = SampleKind.INITIAL, SampleKind.SURVEILLANCE, SampleKind.RECERTIFICATION


@pytest.mark.parametrize(
    ("sites", "initial", "surveillance", "recertification"),
    [
        (0, 0, 0, 0),
        (1, 1, 1, 1),
        (2, 2, 1, 2),  # EA FAQ 46.5: 2 sites → 2 / 1 / 2 plus the central function
        (4, 2, 2, 2),
        (9, 3, 2, 3),
        (10, 4, 2, 3),
        (16, 4, 3, 4),
        (25, 5, 3, 4),
        (26, 6, 4, 5),
        (100, 10, 6, 8),
    ],
)
def test_sample_sizes(sites, initial, surveillance, recertification):
    assert (sample_size(sites, INI), sample_size(sites, S), sample_size(sites, R)) == (
        initial,
        surveillance,
        recertification,
    )


@pytest.mark.parametrize(("sites", "surveillance"), [(1, 1), (3, 1), (4, 2), (10, 3), (11, 4), (20, 6)])
def test_sampling_not_appropriate(sites, surveillance):
    assert sample_size(sites, INI, sampling_appropriate=False) == sites
    assert sample_size(sites, R, sampling_appropriate=False) == sites
    assert sample_size(sites, S, sampling_appropriate=False) == surveillance


@pytest.mark.parametrize(("size", "random_sites"), [(1, 1), (3, 1), (4, 1), (5, 2), (8, 2), (10, 3)])
def test_minimum_random_share(size, random_sites):
    assert minimum_random(size) == random_sites


def test_draw_is_recorded_and_reproducible():
    candidates = list(range(1, 21))
    draw = draw_sample(candidates, 5, chosen_on_risk=[3, 7], seed=42)
    assert draw.chosen_on_risk == (3, 7) and len(draw.drawn_at_random) == 3
    assert not set(draw.drawn_at_random) & {3, 7} and len(set(draw.sites)) == 5
    assert draw_sample(candidates, 5, chosen_on_risk=[3, 7], seed=42) == draw


def test_draw_refuses_too_many_risk_choices():
    with pytest.raises(ValueError, match="at least 2 must be drawn at random"):
        draw_sample(list(range(10)), 5, chosen_on_risk=[0, 1, 2, 3])


def test_draw_refuses_unknown_or_too_few_candidates():
    with pytest.raises(ValueError, match="not candidates"):
        draw_sample([1, 2, 3], 2, chosen_on_risk=[9])
    with pytest.raises(ValueError, match="needs at least 4 candidate"):
        draw_sample([1, 2, 3], 4)


def test_draw_without_seed_records_one_that_reproduces_it():
    candidates = list(range(1, 31))
    draw = draw_sample(candidates, 6, chosen_on_risk=[12])
    assert isinstance(draw.seed, int)
    assert draw_sample(candidates, 6, chosen_on_risk=[12], seed=draw.seed) == draw
