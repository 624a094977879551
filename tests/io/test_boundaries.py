"""Administrative boundaries: an optional layer, checked on import like the others and kept by
both backends; a package without it imports as before."""

from __future__ import annotations

from pathlib import Path

import shapely

from landrelease.errors import Severity
from landrelease.io import import_package, validate_package
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, feature, package_with, point, square, write_package

AREA = {"boundary_id": "FUZ", "name": "Fuzuli", "level": "district"}


def _package(tmp_path: Path, *feats: dict) -> Path:
    return package_with(tmp_path, "boundaries", *feats)


def test_boundaries_are_stored_with_their_name_and_level(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = _package(
        tmp_path,
        feature(AREA, square(LON0, LAT0, 0.2)),
        feature(
            AREA | {"boundary_id": "KAR", "name": "Karabakh", "level": "region"},
            square(LON0, LAT0, 0.5),
        ),
    )
    report = import_package(workspace, folder)
    assert report.committed, [str(i) for i in report.log.issues(Severity.ERROR)]
    frame = workspace.read_layer("boundaries")
    assert sorted(zip(frame["boundary_id"], frame["name"], frame["level"], strict=True)) == [
        ("FUZ", "Fuzuli", "district"),
        ("KAR", "Karabakh", "region"),
    ]
    fuzuli = frame.set_index("boundary_id").geometry["FUZ"]
    assert abs(shapely.area(fuzuli) - 0.2 * 0.2) < 1e-9  # a square of side 0.2°


def test_a_package_without_boundaries_imports(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg", skip=("boundaries",))
    assert import_package(workspace, folder).committed
    assert len(workspace.read_layer("boundaries")) == 0


def test_a_bad_level_and_a_point_are_refused_with_what_is_accepted(tmp_path: Path) -> None:
    folder = _package(
        tmp_path,
        feature(AREA | {"level": "province"}, square(LON0, LAT0, 0.2)),
        feature(AREA | {"boundary_id": "KHO", "name": "Khojavand"}, point(LON0, LAT0)),
        feature({"boundary_id": "JAB", "level": "district"}, square(LON0, LAT0, 0.1)),
    )
    issues = validate_package(folder).log.issues(Severity.ERROR)
    by_record = {(i.record, i.field): i for i in issues}
    level = by_record[("FUZ", "level")]
    assert level.file == "boundaries.geojson" and "province" in level.value
    assert level.accepted == "one of region, district, community"
    shape = by_record[("KHO", "geometry")]
    assert "wrong geometry type Point" in shape.problem
    assert shape.accepted == "Polygon or MultiPolygon"
    assert ("JAB", "name") in by_record
    assert len(issues) == 3, [str(i) for i in issues]
