"""The risk run kept in the workspace, read back, and the survey deciding from it (both backends)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from landrelease.errors import UsageError
from landrelease.evidence.sources import EVIDENCE_LAYERS, evidence_from_workspace
from landrelease.io import import_package
from landrelease.risk import (
    RiskRun,
    StaleRiskMapError,
    compute_risk,
    latest_risk_run,
    load_risk_map,
    store_risk,
    write_geotiff,
)
from landrelease.store import Workspace, WorkspaceView, runs
from landrelease.survey import SurveyRule, decide, read_parts, store_survey
from landrelease.survey.decisions import decide_from_stored
from tests.helpers import LAT0, LON0, feature, point, write_fc, write_package

TINY = "HZ-TINY"


def tiny_package(folder: Path) -> Path:
    """The test package with one more hazard of 24 m², between two others, off any cell centre."""
    pkg = write_package(folder)
    fc = json.loads((pkg / "hazards.geojson").read_text(encoding="utf-8"))
    x, y = LON0 + 0.012, LAT0 + 0.004
    dx, dy = 4.9 / 85300, 4.9 / 111000
    ring = [[x, y], [x + dx, y], [x + dx, y + dy], [x, y + dy], [x, y]]
    props = {"hazard_id": TINY, "classification": "CHA", "status": "active"}
    props |= {"district": "Aghdam", "reported": "2021-03-09"}
    fc["features"].append(feature(props, {"type": "Polygon", "coordinates": [ring]}))
    write_fc(pkg / "hazards.geojson", fc["features"])
    return pkg


@pytest.fixture
def filled(workspace: Workspace, tmp_path: Path) -> Workspace:
    assert import_package(workspace, tiny_package(tmp_path / "pkg")).committed
    return workspace


def _stored(ws: Workspace, tmp_path: Path) -> tuple[RiskRun, int]:
    run = compute_risk(ws)
    tif = write_geotiff(run, tmp_path / "risk.tif")
    return run, store_risk(ws, run, actor="tester", raster=tif)


def test_a_hazard_smaller_than_a_cell_counts_the_same_in_the_map_and_the_survey(
    filled: Workspace,
) -> None:
    run = compute_risk(filled)
    hs = run.hazard_stats.set_index("hazard_id")
    assert run.computer is not None
    assert run.computer.hazard_cells.small[list(hs.index).index(TINY)]
    assert hs.loc[TINY, "area_m2"] == pytest.approx(24.0, abs=0.5)
    assert hs.loc[TINY, "cells"] >= 1 and hs.loc[TINY, "expected_devices"] > 0
    # every hazard: the cells the map counts are the cells the survey decides on
    _, _, ids = run.computer.hazard_cells.cells()
    survey_cells = np.bincount(ids, minlength=len(hs) + 1)[1:]
    np.testing.assert_array_equal(hs["cells"].to_numpy(), survey_cells)
    parts = decide(run, SurveyRule()).parts
    per_hazard = parts.groupby("hazard_id")["expected_devices"].sum()
    np.testing.assert_allclose(
        per_hazard.reindex(hs.index).to_numpy(), hs["expected_devices"].to_numpy(), rtol=1e-6
    )
    tiny = parts[parts["hazard_id"] == TINY]
    assert tiny["expected_devices"].sum() == pytest.approx(hs.loc[TINY, "expected_devices"])


def test_the_survey_decides_from_the_stored_map_as_from_the_map_in_memory(
    filled: Workspace, tmp_path: Path
) -> None:
    run, run_id = _stored(filled, tmp_path)
    rule = SurveyRule()
    fresh = decide(run, rule)
    stored = decide_from_stored(filled, rule)
    assert fresh.risk_run_id is None and stored.risk_run_id == run_id
    a, b = fresh.parts, stored.parts
    assert a["part_id"].tolist() == b["part_id"].tolist()
    np.testing.assert_allclose(b["area_m2"], a["area_m2"], rtol=1e-9)
    np.testing.assert_allclose(b["expected_devices"], a["expected_devices"], rtol=1e-6)
    np.testing.assert_allclose(b["p_any_device"], a["p_any_device"], rtol=1e-6, atol=1e-12)
    assert b["evidence"].tolist() == a["evidence"].tolist()
    assert b["confidence"].tolist() == a["confidence"].tolist()
    survey_id = store_survey(filled, stored, risk_run_id=stored.risk_run_id, actor="tester")
    back = read_parts(filled)
    assert back["part_id"].tolist() == b["part_id"].tolist()
    np.testing.assert_allclose(back["expected_devices"], b["expected_devices"])
    assert back.crs.to_epsg() == 4326 and back.geometry.notna().all()
    with filled.engine.connect() as conn:
        row = runs.read_run(conn, "survey", survey_id)
    assert row is not None and row["risk_run_id"] == run_id
    assert row["summary"]["by_decision"] == stored.summary["by_decision"]


def test_the_stored_risk_run_reads_back_typed(filled: Workspace, tmp_path: Path) -> None:
    assert latest_risk_run(filled) is None
    run, run_id = _stored(filled, tmp_path)
    got = latest_risk_run(WorkspaceView(filled))
    assert got is not None and got.run_id == run_id
    assert (got.model, got.fallback, got.cell_m) == (run.model, run.fallback, run.grid.cell_m)
    assert got.crs == run.grid.crs and got.raster == tmp_path / "risk.tif"
    assert got.records is not None and set(EVIDENCE_LAYERS) <= set(got.records)
    hs = run.hazard_stats
    assert got.hazards["hazard_id"].tolist() == hs["hazard_id"].tolist()
    np.testing.assert_allclose(got.hazards["expected_devices"], hs["expected_devices"])
    later = store_risk(filled, run, actor="tester", raster=None)
    assert later == run_id + 1
    assert (latest := latest_risk_run(filled)) is not None and latest.run_id == later
    assert (written := latest_risk_run(filled, with_raster=True)) is not None
    assert written.run_id == run_id
    with pytest.raises(UsageError, match=r"GeoTIFF of risk run .* is missing"):
        load_risk_map(filled)


def test_a_survey_on_a_map_older_than_the_records_is_refused(
    filled: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no risk map yet: run `landrelease risk` first"):
        decide_from_stored(filled, SurveyRule())
    _stored(filled, tmp_path)
    assert load_risk_map(filled).run_id == 1
    more = tmp_path / "more"
    more.mkdir()
    incident = {"incident_id": "INC-2", "date": "2022-08-01", "killed": 0, "injured": 1}
    write_fc(more / "incidents.geojson", [feature(incident, point(LON0 + 0.03, LAT0 + 0.005))])
    assert import_package(filled, more).committed
    with pytest.raises(StaleRiskMapError, match=r"older than the records: run `landrelease risk`"):
        decide_from_stored(filled, SurveyRule())
    with pytest.raises(StaleRiskMapError, match=r"changed since: incidents\)"):
        load_risk_map(filled)
    _stored(filled, tmp_path)  # the map made again is current
    assert decide_from_stored(filled, SurveyRule()).risk_run_id == 2


def test_a_geotiff_overwritten_by_another_map_is_refused(filled: Workspace, tmp_path: Path) -> None:
    run, _ = _stored(filled, tmp_path)
    run.evidence.stamp = {**run.evidence.stamp, "hazards": ["0", "x", "y"]}
    write_geotiff(run, tmp_path / "risk.tif")
    with pytest.raises(StaleRiskMapError, match="now holds another map"):
        load_risk_map(filled)


def test_evidence_is_read_once_and_weighed_as_of_the_data_date(filled: Workspace) -> None:
    view = WorkspaceView(filled)
    evidence = evidence_from_workspace(view)
    assert evidence.as_of == view.data_date == dt.date(2024, 2, 1)  # the latest funding line
    assert evidence.crs == view.metric_crs
    compute_risk(view)
    assert set(EVIDENCE_LAYERS) <= set(view.reads)
    assert max(view.reads.values()) == 1


def test_without_dated_records_the_evidence_has_no_date_and_the_map_none_of_today(
    workspace: Workspace, tmp_path: Path
) -> None:
    skip = ("activities", "findings", "incidents", "funding", "qa_visits")
    assert import_package(workspace, write_package(tmp_path / "pkg", skip=skip)).committed
    view = WorkspaceView(workspace)
    evidence = evidence_from_workspace(view)
    assert view.data_date is None and evidence.as_of is None
    assert "incidents" not in evidence.groups
    run = compute_risk(view)
    assert run.fallback and np.isfinite(run.probability).any()


def test_the_stored_map_keeps_the_width_of_its_local_finding_rate(
    filled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The σ chosen on held-out searched land is kept with the run: a map read back rebuilds its
    rate at that σ even when the candidate widths have changed since."""
    run, run_id = _stored(filled, tmp_path)
    assert run.computer is not None and run.computer.coarse.rate_scale is not None
    sigma = run.computer.coarse.rate_sigma_m
    with filled.engine.connect() as conn:
        row = runs.read_run(conn, "risk", run_id)
    assert row is not None and row["summary"]["rate_scale"]["sigma_m"] == sigma
    assert row["summary"]["rate_scale"]["reason"] == run.computer.coarse.rate_scale.reason
    monkeypatch.setenv("LANDRELEASE_RISK_RATE_SCALES_M", "7000")
    back = load_risk_map(filled)
    assert back.computer.coarse.rate_sigma_m == sigma
    assert back.computer.coarse.rate_scale is not None
    assert back.computer.coarse.rate_scale.reason == "as the stored map made it"
