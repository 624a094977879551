"""Residual risk that holds: bounds from held-out errors, and a rule that keeps the target against them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from landrelease.evidence.features import FEATURE_NAMES
from landrelease.evidence.grid import Grid
from landrelease.risk.errors import (
    ResidualErrors,
    garwood_upper,
    relative_upper,
    residual_errors,
    share_upper,
)
from landrelease.risk.training import _distance_to_other_clean
from landrelease.survey.decisions import CANCEL, SurveyRule, cell_decisions
from tests.evidence_world import training_on


def test_garwood_limits_match_the_tables() -> None:
    # one-sided 90 % upper limits of a Poisson mean: 2.303 after none, 3.890 after one
    assert garwood_upper(0, 0.9) == pytest.approx(2.3026, abs=1e-3)
    assert garwood_upper(1, 0.9) == pytest.approx(3.8897, abs=1e-3)


def test_a_calibrated_map_gets_a_factor_near_one_and_a_bound_that_holds() -> None:
    rng = np.random.default_rng(7)
    n = 60_000
    p = rng.uniform(0.001, 0.3, n)
    block = np.arange(n) // 300
    errors = residual_errors(p, rng.poisson(-np.log1p(-p)), np.ones(n), block, seed=1)
    assert errors is not None
    assert errors.count_scale == pytest.approx(1.0, abs=0.03)
    assert errors.scale is not None and (errors.scale >= 1).all() and errors.scale.max() < 1.15
    assert 1.0 <= errors.upper_ratio[-1] < 1.1
    # a fresh world from the same map: the devices below each threshold stay under the bound
    # in at least 90 % of such worlds (the level)
    held = 0
    for k in range(50):
        fresh = np.random.default_rng(100 + k).poisson(-np.log1p(-p))
        cut = p <= errors.thresholds[5]
        held += fresh[cut].sum() <= errors.factor(errors.thresholds[5]) * errors.expected[5]
    assert held >= 45


def test_a_map_that_understates_gets_a_factor_that_says_so() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    p = rng.uniform(0.001, 0.1, n)
    # the low-risk land holds three times what the map says; the rest as said
    lam = -np.log1p(-p) * np.where(p < 0.03, 3.0, 1.0)
    errors = residual_errors(p, rng.poisson(lam), np.ones(n), np.arange(n) // 200, seed=0)
    assert errors is not None
    low = errors.factor(0.02) * errors.scale_at(np.array([0.02]))[0]
    assert low > 2.5  # the held-out land below 2 % showed ~3× the expected devices


def test_land_that_held_fewer_devices_never_makes_the_rule_bolder() -> None:
    rng = np.random.default_rng(5)
    n = 40_000
    p = rng.uniform(0.001, 0.1, n)
    errors = residual_errors(p, rng.poisson(-np.log1p(-p) * 0.2), np.ones(n), np.arange(n) // 200)
    assert errors is not None
    assert (errors.upper_ratio >= 1).all()
    assert errors.scale is not None and (errors.scale == 1).all()


def test_no_held_out_cells_no_errors() -> None:
    empty = np.array([])
    assert residual_errors(empty, empty, empty, empty) is None


def _random_map(
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, ResidualErrors | None]:
    """5,000 cells of a random map in 19 hazards, and its ladder from devices drawn as it expects."""
    rng = np.random.default_rng(seed)
    n = 5000
    p = rng.uniform(0.0, 0.3, n)
    lam = -np.log1p(-p)
    hazard = rng.integers(1, 20, n)
    return (
        p,
        lam,
        hazard,
        residual_errors(p, rng.poisson(lam), np.ones(n), np.arange(n) // 50, seed=seed),
    )


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 8.0), st.integers(0, 10_000))
def test_the_rule_keeps_the_target_against_the_bound(factor: float, seed: int) -> None:
    p, lam, hazard, e = _random_map(seed)
    assert e is not None and e.relative_ratio is not None
    e = replace(e, relative_ratio=np.full_like(e.relative_ratio, factor))
    rule = SurveyRule(target_recall=0.95, clearance_devices_per_ha=1e9)
    plain, _ = cell_decisions(p, lam, hazard, rule=rule, cell_area_m2=400.0)
    bounded, _ = cell_decisions(p, lam, hazard, rule=rule, cell_area_m2=400.0, errors=e)
    left = lam[bounded == CANCEL].sum()
    # the bound on the share left keeps the target against the map's whole expectation
    assert factor * left <= 0.05 * lam.sum() + 1e-9
    # with errors, the rule never cancels more than the map's own expectation allows
    assert (bounded == CANCEL).sum() <= (plain == CANCEL).sum()


@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 8.0), st.floats(0.05, 1.0), st.integers(0, 10_000))
def test_a_ladder_kept_before_the_relative_ratio_keeps_todays_rule(
    factor: float, low: float, seed: int
) -> None:
    p, lam, hazard, e = _random_map(seed)
    assert e is not None
    old = replace(
        e,
        upper_ratio=np.full_like(e.upper_ratio, factor),
        total_ratio_low=low,
        relative_ratio=None,
        relative_level=None,
    )
    rule = SurveyRule(target_recall=0.95, clearance_devices_per_ha=1e9)
    plain, _ = cell_decisions(p, lam, hazard, rule=rule, cell_area_m2=400.0)
    bounded, _ = cell_decisions(p, lam, hazard, rule=rule, cell_area_m2=400.0, errors=old)
    left = lam[bounded == CANCEL].sum()
    assert factor * left <= 0.05 * lam.sum() * low + 1e-9
    assert (bounded == CANCEL).sum() <= (plain == CANCEL).sum()


def test_the_relative_bound_is_the_order_statistic_of_the_ratio_of_ratios() -> None:
    # three blocks, two rungs; every bootstrap resample is a multiset of the blocks, so the
    # bound is one of the hand-computed ratios (f_k / e_k) / (f_all / e_all) of a resample
    e_bk = np.array([[1.0, 4.0], [2.0, 4.0], [1.0, 2.0]])  # cumulative per block
    f_bk = np.array([[0.0, 2.0], [3.0, 6.0], [1.0, 1.0]])
    draws = np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]])
    e_star, f_star = draws @ e_bk, draws @ f_bk
    expected, found = e_bk.sum(axis=0), f_bk.sum(axis=0)
    # resample by resample, rung 0: (4/4)/(9/10) = 1.11, (0/3)/(6/12) = 0, (9/6)/(18/12) = 1,
    # (3/3)/(3/6) = 2; at 75 % the "higher" order statistic of the four (position 0.75 × 3 =
    # 2.25, taken up to the fourth) is 2
    rel_star = (f_star[:, 0] / e_star[:, 0]) / (f_star[:, 1] / e_star[:, 1])
    assert rel_star == pytest.approx([10 / 9, 0.0, 1.0, 2.0])
    out = relative_upper(e_star, f_star, expected, found, 0.75)
    # the count alone: 4 of the 9 devices found fell in land given 4 of the 10 expected
    share = float(share_upper(np.array([4.0]), 9.0, 0.75)[0])
    assert share == pytest.approx(stats.beta.ppf(0.75, 5, 5))
    assert share * 10 / 4 < 2.0
    assert out[0] == pytest.approx(2.0)
    assert out[1] == pytest.approx(1.0)  # all the held-out land: its own share, exactly


def test_a_map_too_low_everywhere_gets_a_relative_factor_near_one() -> None:
    # held-out land holds four times what the map expects, at every risk: the absolute bound is
    # about 4 (each cancelled part's stated bound says so), but the share of the devices in
    # low-risk land is what the map says, and the recall rule bounds that share
    rng = np.random.default_rng(11)
    n = 60_000
    p = rng.uniform(0.001, 0.3, n)
    lam = -np.log1p(-p)
    errors = residual_errors(p, rng.poisson(4.0 * lam), np.ones(n), np.arange(n) // 300, seed=2)
    assert errors is not None and errors.relative_ratio is not None
    k = np.searchsorted(errors.thresholds, 0.15)
    assert errors.factor(0.15) * errors.scale_at(np.array([0.15]))[0] > 3.5
    assert 1.0 <= errors.relative_ratio[k] < 1.2
    assert errors.rule_factor(0.15) == errors.relative_ratio[k]
    assert errors.total_factor == 1.0
    # so the rule cancels about what the map's own expectation allows
    active = rng.uniform(0.001, 0.3, 20_000)
    a_lam = -np.log1p(-active)
    rule = SurveyRule(target_recall=0.95, clearance_devices_per_ha=1e9)
    hazard = np.ones(len(active), int)
    plain, _ = cell_decisions(active, a_lam, hazard, rule=rule, cell_area_m2=400.0)
    bounded, _ = cell_decisions(active, a_lam, hazard, rule=rule, cell_area_m2=400.0, errors=errors)
    assert (bounded == CANCEL).sum() >= 0.8 * (plain == CANCEL).sum()


def test_a_stored_ladder_without_the_relative_ratio_loads_and_bounds_as_before() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    p = rng.uniform(0.001, 0.3, n)
    errors = residual_errors(p, rng.poisson(-np.log1p(-p)), np.ones(n), np.arange(n) // 200)
    assert errors is not None and errors.relative_ratio is not None
    back = ResidualErrors.from_state(json.loads(json.dumps(errors.state())))
    assert np.array_equal(back.relative_ratio, errors.relative_ratio)  # type: ignore[arg-type]
    assert back.relative_level == errors.relative_level == errors.level
    old = {k: v for k, v in errors.state().items() if k not in ("relative_ratio", "relative_level")}
    older = ResidualErrors.from_state(old)
    assert older.relative_ratio is None
    assert np.array_equal(older.rule_factor(p), older.factor(p))
    assert older.total_factor == min(1.0, errors.total_ratio_low)
    assert older.rule_level == errors.level


def test_clean_land_is_measured_to_other_activities_only() -> None:
    """A cell of an activity that found nothing is not 0 m from clean land: its own result is
    the answer, so its distance goes to the clean land of the other activities."""
    grid = Grid.covering((0, 0, 2000, 1000), crs="EPSG:32638", cell_m=10.0, max_cells=10**7)
    geoms = np.array([shapely.box(0, 0, 500, 500), shapely.box(800, 0, 1300, 500)])
    clean = np.array([True, True])
    rows, cols = grid.cell_of(np.array([250.0, 1050.0]), np.array([250.0, 250.0]))
    current = np.zeros(2, dtype=np.float32)
    d = _distance_to_other_clean(
        grid, rows, cols, np.array([0, 1]), geoms, clean, current, cap=5000.0
    )
    # cell centres (255, 255) and (1055, 255): 545 m and 555 m to the other box's edge
    assert d[0] == pytest.approx(545, abs=6)
    assert d[1] == pytest.approx(555, abs=6)
    alone = _distance_to_other_clean(
        grid, rows, cols, np.array([0, 1]), geoms, np.array([True, False]), current, cap=5000.0
    )
    assert alone[0] == 5000.0  # no other clean land: at the cap
    assert alone[1] == 0.0  # an activity with finds keeps the distance the tiles computed
    assert "dist_clean" in FEATURE_NAMES


def test_the_local_rate_is_shrunk_towards_the_average() -> None:
    from landrelease.evidence.features import RATE_SHRINK_HA, local_rate

    assert local_rate(np.array([0.0]), np.array([0.0]), 2.0)[0] == pytest.approx(0.0)
    # 1,000 ha searched nearby with four times the average's finds: close to log2(4)
    assert local_rate(np.array([1000.0]), np.array([8000.0]), 2.0)[0] == pytest.approx(
        np.log2((8000 + RATE_SHRINK_HA * 2) / (1000 + RATE_SHRINK_HA) / 2), rel=1e-5
    )
    assert local_rate(np.array([5.0]), np.array([0.0]), 0.0)[0] == 0.0


def test_a_cells_own_activity_is_taken_out_of_its_local_rate(tmp_path: Path) -> None:
    """Finds of the cell's own activity are its answer: an activity with finds and nothing
    searched near it sits at the programme's average once its own finds are taken out."""
    from landrelease.evidence.features import FEATURE_NAMES

    crs = "EPSG:32638"
    boxes = [shapely.box(0, 0, 500, 500), shapely.box(20_000, 0, 20_500, 500)]
    processed = gpd.GeoDataFrame(
        {"activity_id": ["A", "B"], "type": "clearance", "hazard_id": None, "end": None},
        geometry=boxes,
        crs=crs,
    )
    pts = [shapely.Point(100 + 30 * i, 250) for i in range(10)]
    findings = gpd.GeoDataFrame(
        {
            "finding_id": [f"F{i}" for i in range(10)],
            "device": "AP",
            "activity_id": "A",
            "date": None,
        },
        geometry=pts,
        crs=crs,
    )
    ts, computer, grid = training_on(
        processed,
        findings,
        hazard=shapely.box(0, 0, 20_500, 500),
        extent=(-100, -100, 20_600, 600),
        crs=crs,
    )
    col = FEATURE_NAMES.index("rate_found")
    in_a = ts.cols < 20_000 / 50
    raster = computer.compute(next(iter(grid.tiles(size=1024, halo=10))))[col]
    assert raster.max() > 0.5  # the map itself sees A's finds: 1.5 × the average after shrinkage
    assert np.abs(ts.X[in_a, col]).max() < 0.05  # its own cells do not


def test_resamples_without_expectation_give_an_unbounded_ratio_not_nan() -> None:
    # the lowest-risk land lies in one block of three: a bootstrap resample that leaves that
    # block out has no expectation there, so the bound's ratio is unbounded in that resample
    rng = np.random.default_rng(3)
    p = np.concatenate([np.full(50, 0.001), rng.uniform(0.2, 0.6, 100)])
    block = np.concatenate([np.zeros(50), np.repeat([1, 2], 50)]).astype(int)
    y = np.concatenate([np.zeros(50), (rng.uniform(size=100) < 0.4).astype(float)])
    errors = residual_errors(p, y, np.ones(150), block, boot=400, seed=1)
    assert errors is not None
    assert not np.isnan(errors.upper_ratio).any()
    assert np.isinf(errors.upper_ratio[0])
    assert np.isfinite(errors.total_ratio_low)
