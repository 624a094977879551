"""The σ of the local finding rate, chosen on held-out blocks of the programme's searched land."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.errors import UsageError
from landrelease.evidence.features import (
    RateScale,
    choose_rate_scale,
    feature,
    rate_scales_setting,
)

CELL_M = 100.0
CANDIDATES = (250.0, 500.0, 1000.0, 1500.0, 2500.0, 4000.0, 8000.0)


def _searched(chance: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every cell searched (1 ha), a device found with the given chance."""
    rng = np.random.default_rng(seed)
    finds = (rng.random(chance.shape) < chance).astype(np.float64)
    return np.ones(chance.shape), finds


def _patchy(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """30 km square; devices in 60 small minefields of 400 m radius (30 % of cells found), 1 %
    elsewhere: the rate must stay local to see them."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:300, 0:300] * CELL_M
    chance = np.full(xx.shape, 0.01)
    for cx, cy in rng.uniform(0, 30_000, size=(60, 2)):
        chance[(xx - cx) ** 2 + (yy - cy) ** 2 < 400**2] = 0.3
    return _searched(chance, seed)


def _regional(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """30 km square; the chance of a find grows smoothly from 1 % in the west to 15 % in the
    east, with no local structure: the wider the kernel, the less noise in the rate."""
    xx = np.mgrid[0:300, 0:300][1] * CELL_M
    return _searched(0.01 + 0.14 * xx / 30_000, seed)


def _choose(ha: np.ndarray, finds: np.ndarray, seed: int = 0) -> RateScale:
    return choose_rate_scale(
        ha, finds, cell_m=CELL_M, candidates=CANDIDATES, block_m=2000.0, folds=5, seed=seed
    )


def test_small_minefields_get_a_narrow_kernel_and_a_regional_trend_a_wide_one() -> None:
    patchy, regional = _choose(*_patchy()), _choose(*_regional())
    assert patchy.sigma_m <= 1000
    assert regional.sigma_m >= 2500
    # the winner is the best held-out score, and clearly better than the far end of the range
    assert patchy.scores[patchy.sigma_m] == max(patchy.scores.values())
    assert patchy.scores[patchy.sigma_m] > patchy.scores[8000.0] + 0.05
    assert regional.scores[regional.sigma_m] > regional.scores[250.0] + 0.05
    assert "held-out blocks" in patchy.reason


def test_the_choice_is_made_on_held_out_blocks() -> None:
    """Finds scattered at random: a rate that saw each cell's own find would rank it almost
    perfectly at the narrowest kernel; measured on blocks it did not see, no width ranks better
    than chance."""
    ha, finds = _searched(np.full((300, 300), 0.05), seed=3)
    choice = _choose(ha, finds)
    assert max(choice.scores.values()) < 0.56
    assert min(choice.scores.values()) > 0.44


def test_the_choice_is_deterministic_with_its_seed() -> None:
    ha, finds = _patchy()
    first, again = _choose(ha, finds, seed=7), _choose(ha, finds, seed=7)
    assert first == again
    other = _choose(ha, finds, seed=8)
    assert other.scores != first.scores  # another seed deals the blocks into other folds


def test_too_few_finds_keep_the_default_width() -> None:
    ha = np.ones((100, 100))
    finds = np.zeros((100, 100))
    finds[10, 10:15] = 1.0
    choice = _choose(ha, finds)
    assert choice.sigma_m == feature("rate_found").scale_m
    assert choice.scores == {}
    assert "fewer than 20" in choice.reason


def test_the_candidate_widths_are_read_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_RISK_RATE_SCALES_M", "2500, 500 1000")
    assert rate_scales_setting() == (500.0, 1000.0, 2500.0)
    monkeypatch.setenv("LANDRELEASE_RISK_RATE_SCALES_M", "wide")
    with pytest.raises(UsageError, match="risk_rate_scales_m"):
        rate_scales_setting()
    monkeypatch.setenv("LANDRELEASE_RISK_RATE_SCALES_M", "0 500")
    with pytest.raises(UsageError, match="kernel widths in metres"):
        rate_scales_setting()
