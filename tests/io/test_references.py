"""References to no record are warned about, on both backends; exports read a shared view."""

from __future__ import annotations

import json
from pathlib import Path

from landrelease.domain import layer_by_name
from landrelease.errors import Severity
from landrelease.io import export_package, import_package, layer_table
from landrelease.store import Workspace, WorkspaceView


def test_a_reference_to_no_record_is_a_warning(workspace: Workspace, package: Path) -> None:
    path = package / "findings.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    fc["features"][0]["properties"]["activity_id"] = "ACT-404"
    path.write_text(json.dumps(fc), encoding="utf-8")
    report = import_package(workspace, package, actor="tester")
    assert report.committed  # a warning does not refuse the package
    dangling = [i for i in report.issues if "refers to no record" in i.problem]
    finding = fc["features"][0]["properties"]["finding_id"]
    assert [(i.file, i.record, i.field, i.value, i.severity) for i in dangling] == [
        ("findings.geojson", finding, "activity_id", "'ACT-404'", Severity.WARNING)
    ]


def test_export_reads_through_a_view_each_layer_once(
    workspace: Workspace, package: Path, tmp_path: Path
) -> None:
    assert import_package(workspace, package, actor="tester").committed
    view = WorkspaceView(workspace)
    report = export_package(view, tmp_path / "out", include_personal=False)
    assert report.files["hazards.geojson"] == 3
    assert max(view.reads.values()) == 1
    incidents = json.loads((tmp_path / "out" / "incidents.geojson").read_text(encoding="utf-8"))
    assert all("victims" not in f["properties"] for f in incidents["features"])
    assert (
        report.files == export_package(workspace, tmp_path / "again", include_personal=False).files
    )
    flat = layer_table(layer_by_name("hazards"), view.layer("hazards"))
    assert list(flat["hazard_id"]) == ["HZ-0", "HZ-1", "HZ-2"]
