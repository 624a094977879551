"""The backtest's verdict, kept in the workspace, and the survey that reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from landrelease import pipeline, settings
from landrelease.store import Workspace
from landrelease.survey import SurveyRule, latest_backtest, store_backtest
from landrelease.survey.backtest import calibration_verdict
from landrelease.survey.decisions import backtest_support

pytestmark = pytest.mark.usefixtures("coarse_cells")


def test_the_verdict_is_the_poisson_chance_of_the_count() -> None:
    assert calibration_verdict(100.0, 100) == "consistent"
    assert calibration_verdict(100.0, 112) == "consistent"  # within chance
    assert calibration_verdict(100.0, 125) == "under"  # P(N ≥ 125 | 100) ≈ 0.01
    assert calibration_verdict(100.0, 80) == "over"  # P(N ≤ 80 | 100) ≈ 0.02
    assert calibration_verdict(0.0, 0) == "consistent"
    assert calibration_verdict(0.0, 3) == "under"
    assert calibration_verdict(2.0, 6) == "under"  # P(N ≥ 6 | 2) ≈ 0.017


def _kept(verdict: str, *, model: str = "evidence", found_in: int = 0, bound: float = 5.0) -> dict:
    return {
        "fid": 7,
        "as_of": "2025-10-31",
        "model": model,
        "summary": {
            "verdict": verdict,
            "expected_found": 100.0,
            "found_devices": 140,
            "found_in_cancelled": found_in,
            "bound_in_cancelled": bound,
        },
    }


def test_a_failed_backtest_of_the_same_model_withholds_cancellation() -> None:
    why = backtest_support(_kept("under"), model="evidence")
    assert why is not None
    assert "2025-10-31" in why and "140" in why and "100" in why and "too low" in why
    broken = backtest_support(_kept("over", found_in=9, bound=5.0), model="evidence")
    assert broken is not None and "bound" in broken and "9" in broken
    # what does not withhold: no backtest, a passed one, one of another model
    assert backtest_support(None, model="evidence") is None
    assert backtest_support(_kept("consistent"), model="evidence") is None
    assert backtest_support(_kept("over"), model="evidence") is None
    assert backtest_support(_kept("under", model="boosted"), model="evidence") is None
    # 40 % more than expected withholds up to a tolerance of 40 %, not beyond it
    assert backtest_support(_kept("under"), model="evidence", tolerance=0.39) is not None
    assert backtest_support(_kept("under"), model="evidence", tolerance=0.4) is None
    assert backtest_support(_kept("over", found_in=9), model="evidence", tolerance=1) is not None


def test_the_survey_reads_the_latest_backtest(scenario_ws: Workspace, tmp_path: Path) -> None:
    copy = tmp_path / "ws.gpkg"
    shutil.copy(scenario_ws.target, copy)
    ws = Workspace.open(str(copy))
    try:
        assert latest_backtest(ws) is None
        rule = SurveyRule.from_settings()
        before = pipeline.map_and_survey(
            ws, rule, decisions_path=tmp_path / "a.gpkg", raster=tmp_path / "a.tif"
        ).result
        assert before.summary["cancellation_withheld"] is None
        assert (before.parts["decision"] == "cancel").any()
        model = str(settings.get("risk_model"))
        kept = _kept("under", model=model)
        store_backtest(ws, as_of=kept["as_of"], model=model, totals=kept["summary"], actor="test")
        assert latest_backtest(ws)["summary"]["verdict"] == "under"
        after = pipeline.map_and_survey(
            ws, rule, decisions_path=tmp_path / "b.gpkg", raster=tmp_path / "b.tif"
        ).result
        why = after.summary["cancellation_withheld"]
        assert why is not None and "backtest as of 2025-10-31" in why
        assert not (after.parts["decision"] == "cancel").any()
        assert after.parts["confidence"].str.contains("backtest").all()
    finally:
        ws.close()
