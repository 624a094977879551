"""Post-clearance inspection on both backends: plan, sample cells as a map layer, results in words."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.quality import (
    close_non_conformity,
    plan_inspection,
    read_non_conformities,
    read_plan,
    record_inspection,
)
from landrelease.quality.sampling import make_plan
from landrelease.records import approve_activity, save_records, submit_activity
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, square, write_package


def approved_clearance(ws: Workspace, tmp_path: Path, aid: str = "CL-9") -> None:
    assert import_package(ws, write_package(tmp_path / "pkg"), actor="im").committed
    save_records(
        ws,
        "activities",
        [
            {
                "activity_id": aid,
                "type": "clearance",
                "hazard_id": "HZ-2",
                "start": "2025-01-05",
                "end": "2025-01-25",
                "outcome": "cleared",
                "organisation": "ANAMA",
                "status": "draft",
                "geometry": square(LON0 + 0.04, LAT0, 0.005),
            }
        ],
        actor="op",
    )
    submit_activity(ws, aid, actor="op")
    approve_activity(ws, aid, actor="boss")


def test_plan_record_accept_and_reject(workspace: Workspace, tmp_path: Path) -> None:
    approved_clearance(workspace, tmp_path)
    plan = plan_inspection(workspace, activity_id="CL-9", actor="qa", seed=11)
    p = plan.plan
    expected = make_plan(
        lot_cells=p.lot_cells, cell_m2=100, limiting_density_per_ha=1.0, confidence=0.95
    )
    assert p.sample_cells == expected.sample_cells and 2300 < p.lot_cells < 2450
    assert plan.plan_id == "PCI-CL-9-1" and len(plan.samples) == p.sample_cells

    row, cells = read_plan(workspace, plan.plan_id)
    assert int(row["sample_cells"]) == p.sample_cells and row["seed"] == 11
    assert len(cells) == p.sample_cells
    lot = row["geometry"]
    assert shapely.contains(
        lot.buffer(1e-6), shapely.centroid(np.asarray(cells.geometry.values))
    ).all()
    assert plan.cost_per_m2_released == pytest.approx(0.83 * p.sample_area_m2 / p.lot_area_m2)
    assert "against USD 0.83 per m²" in plan.cost_line()

    again = plan_inspection(workspace, activity_id="CL-9", actor="qa", seed=11)
    assert again.plan_id == "PCI-CL-9-2"
    assert shapely.equals_exact(
        np.asarray(again.samples.geometry.values), np.asarray(plan.samples.geometry.values), 1e-9
    ).all()

    result = record_inspection(
        workspace, plan_id=plan.plan_id, actor="qa", date="2025-02-20", devices_found=0
    )
    assert result.decision == "accepted" and result.nc_id is None
    area_ha = p.lot_area_m2 / 10_000
    assert result.statement == (
        f"Accepted: 0 device(s) found. We are 95 % confident that fewer than {result.density_bound_per_ha:.1f} "
        f"devices per hectare remain in the {area_ha:,.2f} ha released by activity CL-9."
    )
    assert 1.0 <= result.density_bound_per_ha < 1.1
    visit = workspace.read_layer("qa_visits", ids=[result.visit_id]).iloc[0]
    assert (visit["kind"], visit["result"], visit["devices_found"]) == (
        "post_clearance_inspection",
        "conforming",
        0,
    )
    with pytest.raises(UsageError, match="recorded already"):
        record_inspection(
            workspace, plan_id=plan.plan_id, actor="qa", date="2025-02-21", devices_found=0
        )

    bad = record_inspection(
        workspace, plan_id=again.plan_id, actor="qa", date="2025-02-22", found_by_sample={5: 1}
    )
    assert bad.decision == "rejected" and bad.statement.startswith("Rejected: 1 device(s) found")
    (nc,) = read_non_conformities(workspace).itertuples()
    assert (nc.nc_id, nc.severity, nc.activity_id) == (bad.nc_id, "critical", "CL-9")
    _, cells2 = read_plan(workspace, again.plan_id)
    assert int(cells2.loc[cells2["sample_no"] == 5, "devices_found"].iloc[0]) == 1
    close_non_conformity(
        workspace,
        bad.nc_id or "",
        actor="qa",
        closed_on="2025-03-01",
        corrective_action="re-cleared the lot",
    )
    assert read_non_conformities(workspace).iloc[0]["closed_on"] == "2025-03-01"


def test_less_area_than_planned_is_not_accepted(workspace: Workspace, tmp_path: Path) -> None:
    approved_clearance(workspace, tmp_path)
    plan = plan_inspection(
        workspace,
        activity_id="CL-9",
        actor="qa",
        seed=1,
        limiting_density_per_ha=2.0,
        method="binomial",
    )
    half = plan.plan.sample_area_m2 / 2
    r = record_inspection(
        workspace,
        plan_id=plan.plan_id,
        actor="qa",
        date="2025-03-01",
        devices_found=0,
        area_inspected_m2=half,
    )
    assert r.decision == "incomplete" and r.statement.startswith("Not accepted")
    assert r.density_bound_per_ha == pytest.approx(
        2 * 2.0, rel=0.02
    )  # half the area: twice the bound


def test_only_released_land_is_inspected(workspace: Workspace, tmp_path: Path) -> None:
    assert import_package(workspace, write_package(tmp_path / "pkg"), actor="im").committed
    with pytest.raises(UsageError, match="has released no land in the ledger"):
        plan_inspection(workspace, activity_id="ACT-2", actor="qa")
    with pytest.raises(UsageError, match="no activity"):
        plan_inspection(workspace, activity_id="NOPE", actor="qa")


runner = CliRunner()


def test_qa_commands_and_the_sample_layer(tmp_path: Path) -> None:
    target = str(tmp_path / "w.gpkg")
    with Workspace.create(target, actor="im") as ws:
        approved_clearance(ws, tmp_path)
    geojson = tmp_path / "samples.geojson"
    out = runner.invoke(
        app,
        [
            "qa",
            "plan",
            "--activity",
            "CL-9",
            "--limit-density",
            "2",
            "--seed",
            "4",
            "--geojson",
            str(geojson),
            "-w",
            target,
        ],
    )
    assert out.exit_code == 0, out.output
    assert "Inspect" in out.output and "USD 0.83 per m²" in out.output and geojson.exists()
    out = runner.invoke(
        app, ["qa", "record", "PCI-CL-9-1", "--sample", "3=x", "--date", "2025-02-01", "-w", target]
    )
    assert out.exit_code == 2 and "give it as NO=N" in out.output
    out = runner.invoke(
        app, ["qa", "record", "PCI-CL-9-1", "--found", "0", "--date", "2025-02-01", "-w", target]
    )
    assert out.exit_code == 0 and "accepted" in out.output and "95 % confident" in out.output
    out = runner.invoke(app, ["qa", "plan", "--activity", "ACT-2", "-w", target])
    assert out.exit_code == 2 and "Traceback" not in out.output
    if shutil.which("ogrinfo"):
        info = subprocess.run(
            ["ogrinfo", "-so", "-al", target, "qa_samples"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "Geometry: Multi Polygon" in info.stdout and "Feature Count: " in info.stdout
        count = int(info.stdout.split("Feature Count: ")[1].split()[0])
        assert count > 0
