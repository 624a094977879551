"""Coordinate systems that do not match their coordinates, or that no one knows, are refused
with both named; nothing is read as WGS84 in their place."""

from __future__ import annotations

from pathlib import Path

import pyproj
import pytest

from landrelease.errors import Severity
from landrelease.io import import_package, validate_package
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, feature, square, write_fc

HAZ = {"hazard_id": "H-1", "classification": "SHA", "status": "active"}
X, Y = 500_000.0, 4_420_000.0
UTM_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[X, Y], [X + 1000, Y], [X + 1000, Y + 1000], [X, Y + 1000], [X, Y]]],
}


def package(tmp_path: Path, geometry: dict, crs: str | None) -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir(exist_ok=True)
    extra = {"crs": {"type": "name", "properties": {"name": crs}}} if crs else {}
    feats = [feature(HAZ | {"hazard_id": f"H-{i}"}, geometry) for i in range(3)]
    write_fc(folder / "hazards.geojson", feats, **extra)
    return folder


def errors(report) -> list:  # type: ignore[no-untyped-def]
    return report.log.issues(Severity.ERROR)


def test_utm_coordinates_without_a_crs_do_not_claim_one_was_declared(tmp_path: Path) -> None:
    report = validate_package(package(tmp_path, UTM_SQUARE, None))
    [err] = errors(report)
    assert "coordinates are not degrees" in err.problem
    assert "declares no CRS" in err.problem and "EPSG:4326" not in err.problem
    assert report.layers[0].valid == 0


def test_utm_coordinates_in_a_table_do_not_claim_a_crs_either(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "findings.csv").write_text(
        f"finding_id,device,date,lon,lat\nF-1,AP,2024-06-11,{X},{Y}\n", encoding="utf-8"
    )
    [err] = errors(validate_package(folder))
    assert "declares no CRS" in err.problem and "EPSG:4326" not in err.problem


def test_degrees_declared_as_web_mercator_are_refused_naming_both(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, package(tmp_path, square(LON0, LAT0), "EPSG:3857"))
    [err] = errors(report)
    assert err.file == "hazards.geojson" and err.field == "geometry"
    assert "look like degrees" in err.problem and "EPSG:3857" in err.problem
    assert err.value == f"x={LON0:.6g}, y={LAT0:.6g}"
    assert not report.committed and report.layers[0].valid == 0
    assert ws.read_layer("hazards").empty


def test_web_mercator_metres_are_transformed(tmp_path: Path) -> None:
    to_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    ring = square(LON0, LAT0)["coordinates"][0]
    metres = {"type": "Polygon", "coordinates": [[list(to_3857.transform(*xy)) for xy in ring]]}
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, package(tmp_path, metres, "EPSG:3857"))
    assert report.committed, [str(i) for i in report.issues]
    bounds = ws.read_layer("hazards").geometry.iloc[0].bounds
    assert bounds == pytest.approx((LON0, LAT0, LON0 + 0.01, LAT0 + 0.01), abs=1e-9)


@pytest.mark.parametrize("crs", ["EPSG:999999", "garbage"])
def test_an_unknown_crs_is_refused_not_read_as_wgs84(crs: str, tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, package(tmp_path, square(LON0, LAT0), crs))
    [err] = errors(report)
    assert (err.file, err.field, err.value) == ("hazards.geojson", "crs", repr(crs))
    assert "cannot be used" in err.problem and "EPSG:32638" in err.accepted
    assert not report.committed and ws.read_layer("hazards").empty


def test_a_known_crs_member_is_still_honoured(tmp_path: Path) -> None:
    report = validate_package(package(tmp_path, UTM_SQUARE, "urn:ogc:def:crs:EPSG::32638"))
    assert report.ok, [str(i) for i in report.issues]
