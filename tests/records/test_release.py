"""The release service on both backends: an approval and the booking of an imported approval take
the same path (same ledger lines, same move of the hazard), the preview says what an approval
would do and refuse without writing, and areas are measured in the workspace's own UTM zone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely

from landrelease.errors import DataError
from landrelease.io import import_package
from landrelease.quality import plan_inspection
from landrelease.records import (
    approve_activity,
    book_approved_activities,
    preview_approval,
    save_records,
    submit_activity,
)
from landrelease.reports import load_records
from landrelease.store import Workspace, WorkspaceView, tables
from landrelease.store.crs import area_m2
from tests.helpers import LAT0, LON0, ORGANISATIONS_CSV, feature, square, write_fc, write_package

HZ1 = (LON0 + 0.02, LAT0)  # hazard HZ-1: a 0.01° square, active, SHA


def confirming_ts(status: str) -> dict[str, Any]:
    """A technical survey on HZ-1 that confirms contamination and reduces 20,000 m²."""
    return feature(
        {
            "activity_id": "TS-9",
            "type": "TS",
            "hazard_id": "HZ-1",
            "start": "2024-04-01",
            "end": "2024-05-01",
            "outcome": "confirmed",
            "organisation": "ANAMA",
            "status": status,
            "area_reduced_m2": 20_000,
        },
        square(HZ1[0] + 0.005, HZ1[1] + 0.005, 0.004),
    )


def programme(ws: Workspace, tmp_path: Path, status: str) -> None:
    root = tmp_path / status
    assert import_package(ws, write_package(root / "pkg"), actor="importer").committed
    extra = root / "extra"
    extra.mkdir()
    write_fc(extra / "activities.geojson", [confirming_ts(status)])
    assert import_package(ws, extra, actor="importer").committed


def ledger(ws: Workspace, activity_id: str) -> list[tuple[str, float, float]]:
    """(method, area booked, area of the polygon booked) of an activity's ledger lines."""
    lines = WorkspaceView(ws).ledger()
    lines = lines[lines["activity_id"] == activity_id]
    crs = WorkspaceView(ws).metric_crs
    polygon = area_m2(lines.geometry.values, crs)
    return [
        (str(m), round(float(a), 3), round(float(p), 1))
        for m, a, p in zip(lines["method"], lines["area_m2"], polygon, strict=True)
    ]


def hazard(ws: Workspace, hazard_id: str) -> tuple[str, str]:
    h = ws.read_layer("hazards", ids=[hazard_id]).iloc[0]
    return str(h["status"]), str(h["classification"])


def test_an_imported_approval_moves_its_hazard_exactly_as_its_approval_would(
    workspace: Workspace, tmp_path: Path
) -> None:
    approved_here = Workspace.create(str(tmp_path / "approved-here.gpkg"), actor="tester")
    programme(approved_here, tmp_path, "submitted")
    book_approved_activities(approved_here, actor="im")  # ACT-1, approved in the package
    result = approve_activity(approved_here, "TS-9", actor="boss")
    assert (result.classification_before, result.classification_after) == ("SHA", "CHA")

    programme(workspace, tmp_path, "approved")
    booked = book_approved_activities(workspace, actor="im")
    assert booked.activities == 2 and not booked.log.issues()

    # before the release service, booking left HZ-1 an SHA: ("worked_on", "SHA")
    assert hazard(workspace, "HZ-1") == hazard(approved_here, "HZ-1") == ("worked_on", "CHA")
    assert ledger(workspace, "TS-9") == ledger(approved_here, "TS-9")
    assert ledger(workspace, "TS-9")[0][:2] == ("reduced", 20_000.0)
    assert ledger(workspace, "ACT-1") == ledger(approved_here, "ACT-1")
    # the booking dates the hazard by the activity's end, so later reports still supersede it
    doi = workspace.read_layer("hazards", ids=["HZ-1"]).iloc[0]["date_of_information"]
    assert str(doi)[:10] == "2024-05-01"
    approved_here.close()


def add_activity(ws: Workspace, aid: str, geometry: dict[str, Any], **props: Any) -> None:
    record = {
        "activity_id": aid,
        "type": "clearance",
        "hazard_id": "HZ-2",
        "start": "2025-01-05",
        "end": "2025-01-25",
        "outcome": "cleared",
        "organisation": "ANAMA",
        "status": "draft",
        "geometry": geometry,
        **props,
    }
    save_records(ws, "activities", [record], actor="operator")


def written(ws: Workspace) -> tuple[int, ...]:
    with ws.engine.connect() as conn:
        return tuple(
            tables.count_where(conn, t) for t in ("audit_log", "land_release", "hazard_completions")
        )


def test_the_preview_books_and_refuses_what_the_approval_does_and_writes_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert import_package(workspace, write_package(tmp_path / "pkg"), actor="importer").committed
    x, y = LON0 + 0.04, LAT0  # HZ-2, active, CHA
    add_activity(workspace, "CL-A", square(x, y, 0.006))
    act = workspace.read_layer("activities", ids=["CL-A"]).iloc[0].to_dict()
    before = written(workspace)
    preview = preview_approval(workspace, act)
    assert written(workspace) == before
    assert preview.flags == [] and preview.refusals == []
    submit_activity(workspace, "CL-A", actor="op")
    result = approve_activity(workspace, "CL-A", actor="boss")
    assert [(b.method, b.area_m2) for b in preview.bookings] == [
        (b.method, b.area_m2) for b in result.bookings
    ]
    assert preview.hazard is not None
    assert (preview.hazard.status_after, preview.hazard.remaining_m2) == (
        result.hazard_status_after,
        result.remaining_m2,
    )

    add_activity(workspace, "CL-B", square(x + 0.004, y + 0.004, 0.006))  # partly over CL-A
    rest = shapely.geometry.shape(square(x, y, 0.01)) - shapely.geometry.shape(square(x, y, 0.006))
    add_activity(workspace, "CL-C", shapely.geometry.mapping(rest), end="2025-03-01")
    submit_activity(workspace, "CL-C", actor="op")
    workspace_view = WorkspaceView(workspace)
    cl_c = workspace_view.layer("activities").set_index("activity_id").loc["CL-C"]
    assert not preview_approval(workspace_view, {**cl_c, "activity_id": "CL-C"}).flags
    approve_activity(workspace, "CL-C", actor="boss")  # the rest of HZ-2: it closes
    assert hazard(workspace, "HZ-2")[0] == "closed"

    cl_b = workspace.read_layer("activities", ids=["CL-B"]).iloc[0].to_dict()
    refused = preview_approval(workspace, cl_b).refusals
    assert "hazard HZ-2 is closed already; no more of it can be released" in [
        i.problem for i in refused
    ]
    submit_activity(workspace, "CL-B", actor="op")
    before = written(workspace)
    with pytest.raises(DataError) as err:
        approve_activity(workspace, "CL-B", actor="boss")
    assert written(workspace) == before
    for i in refused:  # every problem the preview found is the approval's reason to refuse
        assert f"{i.field}: {i.problem}" in str(err.value)


def cambodia(tmp_path: Path) -> Path:
    """A hazard and a clearance near Kampong Thom (105° E, 12.7° N: UTM zone 48N)."""
    folder = tmp_path / "kh"
    folder.mkdir()
    x, y = 105.0, 12.7
    write_fc(
        folder / "hazards.geojson",
        [
            feature(
                {"hazard_id": "KH-1", "classification": "CHA", "status": "active"},
                square(x, y, 0.01),
            )
        ],
    )
    write_fc(
        folder / "activities.geojson",
        [
            feature(
                {
                    "activity_id": "CL-KH",
                    "type": "clearance",
                    "hazard_id": "KH-1",
                    "start": "2025-02-01",
                    "end": "2025-03-01",
                    "outcome": "cleared",
                    "organisation": "ANAMA",
                    "status": "submitted",
                },
                square(x, y, 0.005),
            )
        ],
    )
    (folder / "organisations.csv").write_text(ORGANISATIONS_CSV, encoding="utf-8")
    return folder


def test_areas_are_measured_in_the_workspace_s_own_utm_zone(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert import_package(workspace, cambodia(tmp_path), actor="importer").committed
    with workspace.begin() as conn:  # a workspace that never stored its metric CRS
        workspace.set_meta(conn, "metric_crs", "")
    assert WorkspaceView(workspace).metric_crs == "EPSG:32648"
    lot = shapely.geometry.shape(square(105.0, 12.7, 0.005))
    in_zone = float(area_m2([lot], "EPSG:32648")[0])
    karabakh = float(area_m2([lot], "EPSG:32638")[0])
    assert 299_000 < in_zone < 302_000 and karabakh > 2 * in_zone  # 60° off its meridian

    result = approve_activity(workspace, "CL-KH", actor="boss")
    (booking,) = result.bookings  # (a sliver less: the hazard's edge is straight in metres)
    assert booking.area_m2 == pytest.approx(in_zone, rel=1e-4)
    ((method, booked, polygon),) = ledger(workspace, "CL-KH")
    assert method == "cleared" and booked == pytest.approx(polygon, abs=0.1)
    with workspace.begin() as conn:  # writing the activity stored it: unset it again
        workspace.set_meta(conn, "metric_crs", "")
    plan = plan_inspection(workspace, activity_id="CL-KH", actor="qa", seed=1)
    assert plan.plan.lot_area_m2 == pytest.approx(booked, abs=0.1)  # was 1,061,207 m² (zone 38N)
    assert load_records(workspace).crs == "EPSG:32648"  # was EPSG:32638
