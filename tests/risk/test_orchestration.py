"""The jobs of several steps (landrelease.pipeline) that the command line and the demo share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from landrelease import pipeline
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.survey import SurveyRule, read_parts

pytestmark = pytest.mark.usefixtures("coarse_cells")


@pytest.fixture
def ws(scenario_dir: Path, tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(str(tmp_path / "ws.gpkg"), actor="test") as w:
        assert import_package(w, scenario_dir, repair=True).committed
        yield w


def _runs(ws: Workspace) -> list[tuple[object, ...]]:
    return [tuple(r) for r in ws.query("SELECT fid, raster, actor FROM risk_runs ORDER BY fid")]


def test_map_and_survey_writes_both_files_then_keeps_both_runs_linked(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    done = pipeline.map_and_survey(
        ws,
        SurveyRule(target_recall=0.99),
        decisions_path=Path("decisions.gpkg"),
        raster=Path("risk.tif"),
        actor="analyst",
    )
    assert done.raster.is_file() and done.decisions.is_file()
    # the raster is kept by its absolute path, so the web finds it from any folder
    assert _runs(ws) == [(done.run_id, str((tmp_path / "risk.tif").resolve()), "analyst")]
    linked = ws.query("SELECT fid, risk_run_id, actor FROM survey_runs")
    assert [tuple(r) for r in linked] == [(done.survey_id, done.run_id, "analyst")]
    assert len(read_parts(ws, survey_id=done.survey_id)) == len(done.result.parts)

    # a file that cannot be written stops the job before anything is kept
    monkeypatch.setattr("landrelease.risk.compute_risk", lambda *_a, **_k: done.run)
    with pytest.raises(UsageError, match=r"must end in \.gpkg"):
        pipeline.map_and_survey(
            ws, decisions_path=Path("decisions.txt"), raster=Path("again.tif"), actor="analyst"
        )
    assert len(_runs(ws)) == 1


def test_report_formats_are_checked_before_any_work() -> None:
    assert pipeline.report_formats(" PDF, csv ,") == ["pdf", "csv"]
    with pytest.raises(UsageError, match="unknown report format"):
        pipeline.report_formats("pdf,docx")
    with pytest.raises(UsageError, match=r"\(none\)"):
        pipeline.report_formats(" , ")
