"""Land in use as negative evidence: counted as an equivalent searched share measured on searched
land, never assumed; a used field found clean gets a lower risk than the same field unused."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from landrelease.domain.vocab import LAND_USE_KINDS
from landrelease.risk import compute_risk
from landrelease.risk.errors import garwood_upper
from landrelease.risk.landuse import (
    LandUseEffect,
    LandUseShares,
    apply,
    crossfit_shares,
    exposure,
    exposure_at,
    measure,
)
from landrelease.store import Workspace
from landrelease.survey.decisions import SurveyRule, decide

CRS = "EPSG:32638"
CULTIVATED = LAND_USE_KINDS.index("cultivated")

probabilities = st.floats(0.0, 1 - 1e-9, allow_nan=False)
shares = st.floats(0.0, 1.0, allow_nan=False)


@given(probabilities, shares, shares)
def test_a_clean_look_lowers_the_probability_and_never_below_zero(
    p: float, s: float, t: float
) -> None:
    q = float(apply(np.array([p]), np.array([s]))[0])
    assert 0.0 <= q <= p + 1e-12
    assert float(apply(np.array([p]), np.array([0.0]))[0]) == pytest.approx(p)
    # more of the land looked at and found clean: never a higher probability
    lo, hi = sorted((s, t))
    assert (
        float(apply(np.array([p]), np.array([hi]))[0])
        <= float(apply(np.array([p]), np.array([lo]))[0]) + 1e-12
    )


def _cells(found_in_use: int, n: int = 2_000) -> tuple[np.ndarray, ...]:
    """Searched cells at p = 0.1, half of them cultivated for the full years: the other half held
    one device in 10 cells (what the map expects), the cultivated half ``found_in_use``."""
    p = np.full(n, 0.1)
    found = np.zeros(n)
    found[: n // 2 : 10] = 1
    found[n // 2 : n // 2 + found_in_use] = 1
    exposed = np.zeros((n, len(LAND_USE_KINDS)))
    exposed[n // 2 :, CULTIVATED] = 1.0
    return p, found, np.ones(n), np.ones(n), exposed


def test_a_kind_whose_land_held_few_devices_counts_by_its_upper_bound() -> None:
    p, found, share, weight, exposed = _cells(found_in_use=10)
    eff = measure(p, found, share, weight, exposed, level=0.9, max_share=0.9)
    cult = eff.kinds[CULTIVATED]
    # the map got the unused land right (100 found, 105.4 expected: scale 0.949), so it expected
    # 100 devices on the cultivated half; 10 found, at most garwood(10) at 90 %
    assert cult.expected == pytest.approx(100.0)
    assert cult.found == 10
    assert cult.ratio_upper == pytest.approx(float(garwood_upper(10, 0.9)) / 100.0)
    assert cult.share == pytest.approx(1 - float(garwood_upper(10, 0.9)) / 100.0)
    assert 0.8 < cult.share < 0.85
    # kinds with no searched land in that use do not count at all
    assert all(k.share == 0 for k in eff.kinds if k.kind != "cultivated")


def test_land_in_use_that_held_devices_like_any_other_counts_for_nothing() -> None:
    p, found, share, weight, exposed = _cells(found_in_use=100)
    eff = measure(p, found, share, weight, exposed, level=0.9, max_share=0.9)
    assert eff.kinds[CULTIVATED].share == 0.0
    assert not eff.counts


def test_the_share_is_capped_and_never_more_than_the_data_shows() -> None:
    p, found, share, weight, exposed = _cells(found_in_use=0)
    eff = measure(p, found, share, weight, exposed, level=0.9, max_share=0.5)
    assert eff.kinds[CULTIVATED].share == 0.5
    more = [
        measure(*_cells(found_in_use=k), level=0.9, max_share=1.0).kinds[CULTIVATED].share
        for k in (0, 5, 20, 50)
    ]
    assert more == sorted(more, reverse=True) and more[0] > more[-1]


def test_devices_in_one_block_say_less_than_devices_spread_over_many() -> None:
    """Ten devices of one minefield (one spatial block) against ten in ten blocks: the block
    bootstrap widens the bound, and the share, of the clustered ones."""
    p, found, share, weight, exposed = _cells(found_in_use=0)
    n = len(p)
    block = np.arange(n) // 50  # 40 blocks of 50 cells; the cultivated half is blocks 20–39
    spread, clustered = found.copy(), found.copy()
    spread[n // 2 :: 50][:10] = 1  # one device in each of ten cultivated blocks
    clustered[n // 2 : n // 2 + 10] = 1  # ten devices in the first cultivated block
    kw = {"level": 0.9, "max_share": 1.0, "block": block, "seed": 0}
    s_spread = measure(p, spread, share, weight, exposed, **kw).kinds[CULTIVATED]  # type: ignore[arg-type]
    s_clustered = measure(p, clustered, share, weight, exposed, **kw).kinds[CULTIVATED]  # type: ignore[arg-type]
    assert s_spread.found == s_clustered.found == 10
    assert s_clustered.ratio_upper > s_spread.ratio_upper
    assert s_clustered.share < s_spread.share
    # never bolder than the Poisson limit alone
    poisson = measure(p, spread, share, weight, exposed, level=0.9, max_share=1.0)
    assert s_spread.share <= poisson.kinds[CULTIVATED].share


def test_held_out_cells_take_the_share_measured_on_the_other_folds() -> None:
    p, found, share, weight, exposed = _cells(found_in_use=10)
    fold = np.arange(len(p)) % 2
    s = crossfit_shares(p, found, share, weight, exposed, fold, level=0.9, max_share=0.9)
    for k in (0, 1):
        rest = fold != k
        other = measure(
            p[rest], found[rest], share[rest], weight[rest], exposed[rest], level=0.9, max_share=0.9
        )
        mine = (fold == k) & (exposed[:, CULTIVATED] > 0)
        assert np.allclose(s[mine], other.kinds[CULTIVATED].share)
    assert (s[exposed.max(axis=1) == 0] == 0).all()


def test_exposure_grows_with_the_years_and_low_confidence_counts_half(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANDRELEASE_RISK_LAND_USE_FULL_YEARS", "4")
    lu = gpd.GeoDataFrame(
        {
            "land_use_id": ["A", "B", "C", "D"],
            "kind": ["cultivated", "built", "grazed", "track"],
            "years_in_use": [1.0, 4.0, 10.0, 2.0],
            "confidence": [None, "high", "medium", "low"],
        },
        geometry=[shapely.box(100 * i, 0, 100 * i + 100, 100) for i in range(4)],
        crs=CRS,
    )
    assert exposure(lu).tolist() == [0.25, 1.0, 1.0, 0.25]
    at = exposure_at(lu, np.array([50.0, 150.0, 1_000.0]), np.array([50.0, 50.0, 50.0]))
    assert at[0, CULTIVATED] == 0.25 and at[1, LAND_USE_KINDS.index("built")] == 1.0
    assert at[2].sum() == 0


def test_a_used_field_gets_a_lower_risk_than_the_same_field_unused(
    scenario_ws: Workspace, coarse_cells: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generated world (seed 3) with its land in use, against the same world with land in use
    left out (largest share 0): the model and its calibration are the same, and each cell in use
    takes exactly its measured share as a clean look."""
    with_use = compute_risk(scenario_ws)
    monkeypatch.setenv("LANDRELEASE_RISK_LAND_USE_MAX_SHARE", "0")
    without = compute_risk(scenario_ws)
    assert without.land_use is None
    eff = with_use.land_use
    assert eff is not None and eff.counts
    # measured, not assumed: cultivated land in this world held far fewer devices than expected
    cult = eff.kinds[CULTIVATED]
    assert cult.cells > 100 and cult.found < 0.6 * cult.expected and cult.share > 0.3
    lu = with_use.evidence.land_use
    assert lu is not None and len(lu)
    shares = LandUseShares.of(lu, eff)
    assert shares is not None
    g = with_use.grid
    s = shares.burn(g.shape, g.transform, shapely.box(*g.bounds))
    both = np.isfinite(with_use.probability) & np.isfinite(without.probability)
    used = both & (s > 0) & (without.probability > 1e-6)
    unused = both & (s == 0)
    assert used.sum() > 1_000
    p0, p1 = without.probability[used].astype(float), with_use.probability[used].astype(float)
    assert (p1 < p0).all()
    assert np.allclose(p1, apply(p0, s[used]), rtol=1e-4, atol=1e-7)
    assert np.array_equal(with_use.probability[unused], without.probability[unused])
    assert (
        with_use.hazard_stats["expected_devices"].sum()
        < without.hazard_stats["expected_devices"].sum()
    )
    assert any(
        w.startswith("land in use, measured on searched land: cultivated:")
        for w in with_use.warnings
    )

    # the decisions name it where it lowered a part's risk, in the parts and the summary
    monkeypatch.delenv("LANDRELEASE_RISK_LAND_USE_MAX_SHARE")
    result = decide(with_use, SurveyRule())
    named = result.parts["evidence"].str.contains("land in use (", regex=False)
    assert named.any()
    assert sum(result.summary["land_use_parts"].values()) == int(named.sum())
    assert "counted as" in result.parts.loc[named, "evidence"].iloc[0]
    assert result.summary["land_use"] == eff.statement()

    # kept with the run as plain values, read back the same
    assert LandUseEffect.from_state(eff.state()) == eff
