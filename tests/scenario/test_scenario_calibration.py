"""The generated world beside the real one: every figure within its stated range."""

from __future__ import annotations

import pytest

from landrelease.scenario import ScenarioResult
from landrelease.scenario.calibration import cluster_se, share_row

REQUIRED = (
    "devices per km² of contaminated land",
    "share of suspected area truly contaminated",
    "findings that are UXO",
    "findings that are AP",
    "findings that are AT",
    "civilian incidents during unauthorised travel",
    "civilian incidents during agriculture",
    "civilian incidents during infrastructure work",
    "civilian incidents during official duty",
    "land covered by handed-over mine maps",
    "mine maps that are accurate",
    "contaminated area released since 2020",
    "planned returnees back home",
    "planned returnees",
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_scenarios_are_calibrated(small_scenario, seed: int) -> None:  # type: ignore[no-untyped-def]
    result: ScenarioResult = small_scenario(seed)
    names = [r.name for r in result.calibration]
    for name in REQUIRED:
        assert name in names
    assert len(set(names)) == len(names)
    bad = [
        f"{r.name}: {r.generated:.4g} not in [{r.low:.4g}, {r.high:.4g}]"
        for r in result.calibration
        if not r.ok
    ]
    assert not bad, bad
    for r in result.calibration:
        assert r.low <= r.high and r.reference and r.source and r.unit


def test_region_only_figures_are_left_out_of_windows(small: ScenarioResult) -> None:
    names = {r.name for r in small.calibration}
    assert "devices in the ground (2020)" not in names


def test_share_tolerance_widens_with_few_records() -> None:
    few = share_row("x", 0, 5, 0.2, "20 %", 0.15, 0.25, "test")
    many = share_row("x", 100, 1000, 0.2, "20 %", 0.15, 0.25, "test")
    assert few.low < many.low and few.high > many.high
    assert not many.ok and few.ok


def test_cluster_standard_error_grows_with_lumpy_tasks() -> None:
    even = cluster_se([10] * 20, [2] * 20)
    lumpy = cluster_se([10] * 19 + [200], [0] * 19 + [60])
    assert even == pytest.approx(0.0)
    assert lumpy > 0.05
