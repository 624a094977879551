"""What stops the recall rule: the map's own expectation, or its errors on held-out land."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.risk.errors import ResidualErrors, residual_errors
from landrelease.survey.decisions import CANCEL, SurveyRule, cell_decisions
from landrelease.survey.limit import cancellation_limit


def _world(understate: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray, ResidualErrors]:
    """Active cells, and held-out cells whose low-risk land holds ``understate`` × the devices
    the map expects there (in a quarter of the blocks: the surprises come in whole blocks)."""
    rng = np.random.default_rng(seed)
    n = 40_000
    p = rng.uniform(0.001, 0.1, n)
    block = np.arange(n) // 400
    surprise = (p < 0.02) & (block % 4 == 0)
    lam = -np.log1p(-p) * np.where(surprise, understate, 1.0)
    errors = residual_errors(p, rng.poisson(lam), np.ones(n), block, seed=0)
    assert errors is not None
    active = rng.uniform(0.001, 0.1, 30_000)
    return active, -np.log1p(-active), errors


def test_held_out_surprises_are_named_as_what_stops_cancelling() -> None:
    p, lam, errors = _world(understate=8.0)
    limit = cancellation_limit(p, lam, target_recall=0.99, errors=errors)
    assert limit is not None
    assert limit["cause"] == "held_out_errors"
    # the same cells the rule cancels
    code, _ = cell_decisions(
        p,
        lam,
        np.ones(len(p), int),
        rule=SurveyRule(target_recall=0.99, clearance_devices_per_ha=1e9),
        cell_area_m2=400.0,
        errors=errors,
    )
    assert limit["share_cancelled_cells"] == pytest.approx((code == CANCEL).mean())
    # the map alone would cancel more, and the rung that binds shows why: more found than expected
    assert limit["share_by_map_alone"] > limit["share_cancelled_cells"]
    rung = limit["rung"]
    assert rung["factor"] > 1 and rung["found"] > rung["expected"]
    assert 0 < rung["blocks_found"] <= rung["blocks"] <= 100
    # the held-out cells at or below the rung's threshold (uniform on 0.001–0.1, 40,000 of them)
    assert rung["cells"] == pytest.approx(40_000 * (rung["threshold"] - 0.001) / 0.099, rel=0.05)
    assert f"{rung['found']:,.0f} devices where the map expected" in limit["text"]
    assert "Technical survey of land at that risk" in limit["text"]
    # how much land lies at up to five times the next land's risk, and what surveying it did
    band = (p > limit["next_probability"]) & (p <= 5 * limit["next_probability"])
    assert limit["band"]["share_cells"] == pytest.approx(band.mean())
    assert f"are {band.mean():.1%} of them" in limit["text"]
    assert "cancelled more in 5, twice as much over all, and less in 3" in limit["text"]
    # the figures the rule used: the factor on the share of the devices, at its level
    assert rung["relative"] and rung["factor"] == pytest.approx(
        float(errors.rule_factor(rung["threshold"]))
    )
    assert f"of the {rung['found_all']:,.0f} devices found in all held-out land" in limit["text"]
    assert f"at 90% confidence, at {rung['factor']:,.1f} × the share" in limit["text"]
    assert limit["total_ratio_low"] == 1.0


def test_a_calibrated_map_is_stopped_by_its_own_expectation() -> None:
    p, lam, errors = _world(understate=1.0)
    ones = np.ones_like(errors.upper_ratio)
    flat = ResidualErrors(**{**errors.__dict__, "upper_ratio": ones, "relative_ratio": ones})
    limit = cancellation_limit(p, lam, target_recall=0.99, errors=flat)
    assert limit is not None and limit["cause"] == "expectation"
    assert limit["share_by_map_alone"] == pytest.approx(limit["share_cancelled_cells"])
    assert "only a lower target recall would cancel more" in limit["text"]


def test_nothing_stops_a_rule_that_cancels_everything() -> None:
    p, lam, errors = _world(understate=1.0)
    # every active cell holds almost nothing against a total the target allows to leave
    limit = cancellation_limit(p[:1], lam[:1] * 0, target_recall=0.99, errors=errors)
    assert limit is None


def test_the_ladder_keeps_its_blocks_through_the_stored_run() -> None:
    _, _, errors = _world(understate=8.0)
    back = ResidualErrors.from_state(errors.state())
    assert back.blocks_at is not None and errors.blocks_at is not None
    assert np.array_equal(back.blocks_at, errors.blocks_at)
    assert np.array_equal(back.blocks_found, errors.blocks_found)  # type: ignore[arg-type]
    # a run stored before the ladder kept its blocks still loads, and its limit still reads
    old = {
        k: v
        for k, v in errors.state().items()
        if k not in ("cells", "blocks_at", "blocks_found", "relative_ratio", "relative_level")
    }
    older = ResidualErrors.from_state(old)
    assert older.blocks_at is None
    p, lam, _ = _world(understate=8.0)
    limit = cancellation_limit(p, lam, target_recall=0.99, errors=older)
    assert limit is not None and "held-out cells" in limit["text"]
    assert "spatial blocks" not in limit["text"]
    # and, kept before the relative ladder, it states the bound on the count it used
    assert "× the map's expectation" in limit["text"]
    assert limit["rung"]["factor"] == pytest.approx(
        float(errors.factor(limit["rung"]["threshold"]))
    )


def test_the_land_to_survey_is_named_by_hectares_and_hazards() -> None:
    p, lam, errors = _world(understate=8.0)
    hazards = np.where(p < 0.05, "HZ-LOW", np.where(np.arange(len(p)) % 2, "HZ-A", "HZ-B"))
    names, index = np.unique(hazards, return_inverse=True)
    limit = cancellation_limit(
        p,
        lam,
        target_recall=0.99,
        errors=errors,
        hazard=index,
        hazard_ids=names,
        cell_area_m2=400.0,
    )
    assert limit is not None and limit["cause"] == "held_out_errors"
    nxt = limit["next_probability"]
    band = (p > nxt) & (p <= 5 * nxt)
    got = limit["band"]
    assert got["ha"] == pytest.approx(band.sum() * 400 / 1e4)
    # the hazards holding most of that land first, with their hectares, and how many hold any
    ids, cells = np.unique(hazards[band], return_counts=True)
    assert got["hazard_count"] == len(ids)
    assert got["hazards"][0]["hazard_id"] == ids[np.argmax(cells)]
    assert got["hazards"][0]["ha"] == pytest.approx(cells.max() * 400 / 1e4)
    assert sum(h["ha"] for h in got["hazards"]) == pytest.approx(got["ha"])
    assert (
        f"({got['ha']:,.1f} ha in {len(ids)} hazards; the most in {ids[np.argmax(cells)]}"
        in (limit["text"])
    )
