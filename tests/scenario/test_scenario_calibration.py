"""The generated world beside the real one: every figure within its stated range."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from landrelease.cli.display import workspace_data
from landrelease.scenario import ScenarioResult
from landrelease.scenario.calibration import cluster_se, rounded, row, share_row

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


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (287_377.0, "287,000"),
        (125_600.4, "126,000"),
        (775_000.0, "775,000"),
        (1_500_000.0, "1,500,000"),
        (368.0, "368"),
        (43.2, "43.2"),
        (0.0518, "0.0518"),
        (0.02414, "0.0241"),
        (1.0, "1"),
        (999.7, "1,000"),
        (0.0, "0"),
        (float("nan"), "n/a"),
    ],
)
def test_a_figure_is_rounded_with_thousands_separators(value: float, text: str) -> None:
    assert rounded(value) == text


def test_the_calibration_table_prints_no_scientific_notation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = Console(record=True, width=200)
    monkeypatch.setattr(workspace_data, "console", out)
    returnees = row(
        "planned returnees", 287_377, "650,000–800,000 × 38.7%", "people", 125_600, 775_000, ""
    )
    share = row("findings that are UXO", 0.785, "78.5%", "share", 0.479, 1.0, "")
    result = ScenarioResult(
        out=tmp_path,
        seed=1,
        scale="district",
        counts={"hazards": 3, "truth": 10},
        n_devices=10,
        calibration=(returnees, share),
        seconds=1.0,
        devices_found=3,
        devices_set_off=1,
    )
    workspace_data.show_scenario(result)
    text = out.export_text()
    assert (
        "10 devices placed (truth/): 3 since found and 1 set off in incidents, 6 still in the "
        "ground; records: hazards 3" in " ".join(text.split())
    )
    assert "truth 10" not in text
    assert "287,000 people" in text and "126,000 – 775,000" in text
    assert "0.785 share" in text and "0.479 – 1 " in text
    assert "e+" not in text
