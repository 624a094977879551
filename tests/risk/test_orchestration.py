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


def test_a_survey_decides_from_the_stored_map_until_a_record_changes(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from landrelease.records import retire_record

    first = pipeline.map_and_survey(
        ws, decisions_path=tmp_path / "a.gpkg", raster=tmp_path / "a.tif", actor="analyst"
    )
    assert first.run is not None and first.stored is None

    def must_not_map(*_a: object, **_k: object) -> None:
        raise AssertionError("the risk map was computed again")

    monkeypatch.setattr("landrelease.risk.compute_risk", must_not_map)
    again = pipeline.map_and_survey(
        ws, decisions_path=tmp_path / "b.gpkg", raster=tmp_path / "b.tif", actor="analyst"
    )
    assert again.run is None and again.stored is not None
    assert again.run_id == first.run_id and again.survey_id != first.survey_id
    assert again.raster == first.raster and not (tmp_path / "b.tif").exists()
    a, b = first.result.parts, again.result.parts
    assert list(a["part_id"]) == list(b["part_id"])
    assert a["expected_devices"].sum() == pytest.approx(b["expected_devices"].sum(), rel=1e-6)

    incident = str(ws.read_layer("incidents")["incident_id"].iloc[0])
    retire_record(ws, "incidents", incident, actor="im", reason="entered twice")
    monkeypatch.undo()
    third = pipeline.map_and_survey(
        ws, decisions_path=tmp_path / "c.gpkg", raster=tmp_path / "c.tif", actor="analyst"
    )
    assert third.run is not None and third.run_id > first.run_id
    assert third.recomputed_because == ["incidents changed since"]
    asked = pipeline.current_risk_map(ws, model="distance")
    assert asked[0] is None and asked[1] == ["the distance model asked, the map used evidence"]


def test_the_survey_command_says_which_map_it_decided_from(
    ws: Workspace, scenario_dir: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from landrelease.cli import app

    target = ws.target
    ws.close()
    runner = CliRunner()
    mapped = runner.invoke(app, ["risk", "-w", target, "--out", str(tmp_path / "r.tif")])
    assert mapped.exit_code == 0, mapped.output
    out = runner.invoke(app, ["survey", "-w", target, "--out", str(tmp_path / "d.gpkg")])
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert "Deciding from the stored risk map (run 1" in said
    assert "no record changed since" in said
    scored = runner.invoke(
        app,
        ["evaluate", "-w", target, "--truth", str(scenario_dir / "truth"), "--out", str(tmp_path)],
    )
    assert scored.exit_code == 0, scored.output
    said = " ".join(scored.output.split())
    assert "devices the map expects in the hazards ÷ true" in said
    assert "cells holding a device: map ÷ true" in said
    fresh = runner.invoke(
        app, ["survey", "-w", target, "--out", str(tmp_path / "e.gpkg"), "--new-map"]
    )
    assert fresh.exit_code == 0, fresh.output
    assert "Deciding from the stored" not in fresh.output and "Risk map (evidence" in fresh.output
    from landrelease.risk import latest_risk_run

    with Workspace.open(target) as again:
        stored = latest_risk_run(again)
        assert stored is not None and stored.run_id == 2
