"""Every kind of bad input gets a precise message and leaves the workspace as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landrelease.errors import Issue, Severity
from landrelease.io import import_package, validate_package
from landrelease.store import Workspace, tables
from tests.helpers import LAT0, LON0, activity, feature, point, square, write_fc, write_package

HAZ = {"hazard_id": "H-1", "classification": "SHA", "status": "active"}


def hazards(tmp_path: Path, *feats: dict, name: str = "pkg", **extra: object) -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    write_fc(folder / "hazards.geojson", list(feats), **extra)
    return folder


def errors(report) -> list[Issue]:  # type: ignore[no-untyped-def]
    return report.log.issues(Severity.ERROR)


def only_error(report) -> Issue:  # type: ignore[no-untyped-def]
    errs = errors(report)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def test_valid_package_validates(package: Path) -> None:
    report = validate_package(package)
    assert report.ok, [str(i) for i in report.issues]
    assert not report.committed


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "hazards.geojson").write_text(
        '{"type": "FeatureCollection",\n "features": [\n {"type": "Feature",, }]}'
    )
    issue = only_error(validate_package(folder))
    assert issue.file == "hazards.geojson"
    assert "malformed JSON at line 3" in issue.problem


def test_wrong_geometry_type(tmp_path: Path) -> None:
    issue = only_error(validate_package(hazards(tmp_path, feature(HAZ, point(LON0, LAT0)))))
    assert (issue.record, issue.field) == ("H-1", "geometry")
    assert "wrong geometry type Point" in issue.problem
    assert issue.accepted == "Polygon or MultiPolygon"


def test_missing_required_property_in_one_record(tmp_path: Path) -> None:
    bad = {k: v for k, v in HAZ.items() if k != "status"} | {"hazard_id": "H-2"}
    report = validate_package(
        hazards(tmp_path, feature(HAZ, square(LON0, LAT0)), feature(bad, square(LON0, LAT0)))
    )
    issue = only_error(report)
    assert (issue.record, issue.field) == ("H-2", "status")
    assert "required" in issue.problem and "active" in issue.accepted


def test_required_property_missing_from_the_whole_file_is_said_once(tmp_path: Path) -> None:
    feats = [
        feature(
            {"hazard_id": f"H-{i}", "Classification": "SHA", "status": "active"}, square(LON0, LAT0)
        )
        for i in range(50)
    ]
    report = validate_package(hazards(tmp_path, *feats))
    issue = only_error(report)
    assert issue.field == "classification"
    assert "missing from every record" in issue.problem and "'Classification'" in issue.problem
    assert report.layers[0].valid == 0


def test_unknown_enum_value_suggests_the_right_one(tmp_path: Path) -> None:
    issue = only_error(
        validate_package(
            hazards(tmp_path, feature(HAZ | {"classification": "SHAA"}, square(LON0, LAT0)))
        )
    )
    assert (issue.record, issue.field, issue.value) == ("H-1", "classification", "'SHAA'")
    assert "did you mean 'SHA'" in issue.problem
    assert issue.accepted == "one of SHA, CHA"


def test_duplicate_ids_point_at_the_first(tmp_path: Path) -> None:
    report = validate_package(
        hazards(tmp_path, *[feature(HAZ, square(LON0, LAT0)) for _ in range(3)])
    )
    errs = errors(report)
    assert len(errs) == 2
    assert all(e.field == "hazard_id" and "record #1 has it already" in e.problem for e in errs)


def test_duplicate_ids_found_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANDRELEASE_IMPORT_BATCH_ROWS", "2")
    feats = [feature(HAZ | {"hazard_id": f"H-{i % 3}"}, square(LON0, LAT0)) for i in range(5)]
    log_report = validate_package(hazards(tmp_path, *feats))
    assert len(errors(log_report)) == 2


def test_coordinates_out_of_range(tmp_path: Path) -> None:
    report = validate_package(
        hazards(
            tmp_path,
            feature(HAZ, square(LON0, LAT0)),
            feature(HAZ | {"hazard_id": "H-2"}, square(LON0, 95.0)),
        )
    )
    issue = only_error(report)
    assert (issue.record, issue.field) == ("H-2", "geometry")
    assert "out of range" in issue.problem and "lat 95" in issue.value


def test_self_intersecting_polygon_is_an_error_then_repaired_on_request(tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [
                [LON0, LAT0],
                [LON0 + 0.01, LAT0 + 0.01],
                [LON0 + 0.01, LAT0],
                [LON0, LAT0 + 0.01],
                [LON0, LAT0],
            ]
        ],
    }
    folder = hazards(tmp_path, feature(HAZ, bowtie))
    issue = only_error(validate_package(folder))
    assert "Self-intersection" in issue.problem and "--repair" in issue.problem
    repaired = validate_package(folder, repair=True)
    assert repaired.ok
    [fix] = repaired.log.issues(Severity.REPAIRED)
    assert fix.record == "H-1" and "repaired: Self-intersection" in fix.problem


def test_unclosed_ring_is_an_error_then_closed_on_request(tmp_path: Path) -> None:
    open_ring = {
        "type": "Polygon",
        "coordinates": [
            [[LON0, LAT0], [LON0 + 0.01, LAT0], [LON0 + 0.01, LAT0 + 0.01], [LON0, LAT0 + 0.01]]
        ],
    }
    folder = hazards(tmp_path, feature(HAZ, open_ring))
    issue = only_error(validate_package(folder))
    assert "unclosed ring" in issue.problem
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    report = import_package(ws, folder, repair=True)
    assert report.committed and len(report.log.issues(Severity.REPAIRED)) == 1
    geom = ws.read_layer("hazards").geometry.iloc[0]
    # stored as the hazards' declared type: a one-part MultiPolygon
    assert geom.is_valid and len(geom.geoms) == 1 and len(geom.geoms[0].exterior.coords) == 5


def test_empty_file(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "hazards.geojson").write_bytes(b"")
    issue = only_error(validate_package(folder))
    assert issue.file == "hazards.geojson" and "empty" in issue.problem


def test_declared_crs_is_honoured(tmp_path: Path) -> None:
    # the same 1 km square given in UTM 38N with a legacy GeoJSON crs member
    x, y = 500_000.0, 4_420_000.0
    utm = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1000, y], [x + 1000, y + 1000], [x, y + 1000], [x, y]]],
    }
    folder = hazards(
        tmp_path,
        feature(HAZ, utm),
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32638"}},
    )
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    report = import_package(ws, folder)
    assert report.ok, [str(i) for i in report.issues]
    hz = ws.read_layer("hazards")
    assert hz["area_m2"].iloc[0] == pytest.approx(1e6, rel=1e-6)
    minx, miny, _, _ = hz.geometry.iloc[0].bounds
    assert 44.9 < minx < 45.1 and 39.9 < miny < 40.0  # UTM 38N's central meridian is 45° E


def test_projected_coordinates_without_crs_are_refused_once(tmp_path: Path) -> None:
    x, y = 500_000.0, 4_420_000.0
    utm = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1000, y], [x + 1000, y + 1000], [x, y], [x, y]]],
    }
    feats = [feature(HAZ | {"hazard_id": f"H-{i}"}, utm) for i in range(10)]
    report = validate_package(hazards(tmp_path, *feats))
    issue = only_error(report)
    assert "coordinates are not degrees" in issue.problem and "x=500000" in issue.value
    assert report.layers[0].valid == 0


def test_non_utf8_text_names_the_byte(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [feature(HAZ | {"district": "Ağdam"}, square(LON0, LAT0))],
        },
        ensure_ascii=False,
    )
    (folder / "hazards.geojson").write_bytes(text.encode("cp1254"))
    issue = only_error(validate_package(folder))
    assert (
        "not UTF-8" in issue.problem
        and "byte" in issue.problem
        and issue.accepted == "UTF-8 text without NUL characters"
    )


@pytest.mark.parametrize(
    "bad", ["2024-02-30", "2024-13-01", "24-01-01", "yesterday", "2024/02/30", "05/01/2024"]
)
def test_bad_dates(tmp_path: Path, bad: str) -> None:
    issue = only_error(
        validate_package(hazards(tmp_path, feature(HAZ | {"reported": bad}, square(LON0, LAT0))))
    )
    assert (issue.field, issue.value) == ("reported", repr(bad))
    assert issue.accepted == "a date as YYYY-MM-DD"


def test_numbers_booleans_and_lists_are_checked(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    base = {"incident_id": "I-1", "date": "2021-01-01", "killed": 0, "injured": 1}
    write_fc(
        folder / "incidents.geojson",
        [
            feature(base, point(LON0, LAT0)),
            feature(base | {"incident_id": "I-2", "killed": -1}, point(LON0, LAT0)),
            feature(base | {"incident_id": "I-3", "injured": "two"}, point(LON0, LAT0)),
            feature(base | {"incident_id": "I-4", "civilian": "perhaps"}, point(LON0, LAT0)),
            feature(base | {"incident_id": "I-5", "victims": [{"age": 300}]}, point(LON0, LAT0)),
        ],
    )
    write_fc(
        folder / "hazards.geojson",
        [feature(HAZ | {"blockages": ["road", "railway"]}, square(LON0, LAT0))],
    )
    report = validate_package(folder)
    found = {(e.record, e.field) for e in errors(report)}
    assert found == {
        ("I-2", "killed"),
        ("I-3", "injured"),
        ("I-4", "civilian"),
        ("I-5", "victims"),
        ("H-1", "blockages"),
    }


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    feats = [
        feature(HAZ | {"hazard_id": f"H-{i}", "status": "open"}, square(LON0, LAT0))
        for i in range(1500)
    ]
    report = validate_package(hazards(tmp_path, *feats))
    log = report.log.files["hazards.geojson"]
    assert log.errors == 1500
    assert len(log.kept) == 1000  # listing capped, count exact
    assert log.by_problem[("status", "not an accepted value")] == 1500


def test_nothing_is_written_when_any_file_has_errors(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg")
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    write_fc(
        folder / "findings.geojson",
        [feature({"finding_id": "F-1", "device": "mine", "date": "2022-01-01"}, point(LON0, LAT0))],
    )
    report = import_package(ws, folder)
    assert not report.committed and report.log.errors == 1
    assert all(n == 0 for n in ws.counts().values())
    with ws.engine.connect() as conn:
        assert tables.count_where(conn, "imports") == 0
        assert tables.count_where(conn, "audit_log") == 0


def test_keep_valid_writes_the_valid_records_only(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg")
    write_fc(
        folder / "findings.geojson",
        [
            feature(
                {"finding_id": "F-1", "device": "mine", "date": "2022-01-01"}, point(LON0, LAT0)
            ),
            feature({"finding_id": "F-2", "device": "AP", "date": "2022-01-01"}, point(LON0, LAT0)),
        ],
    )
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    report = import_package(ws, folder, keep_valid=True)
    assert report.committed and report.log.errors == 1
    assert ws.counts()["findings"] == 1 and ws.counts()["hazards"] == 3


def test_dangling_reference_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    act = activity("A-1", "NTS", "H-404", "cancelled", "2022-01-01", "2022-01-02")
    write_fc(folder / "activities.geojson", [feature(act, square(LON0, LAT0))])
    report = validate_package(folder)
    assert report.ok
    [warning] = report.log.issues(Severity.WARNING)
    assert (warning.record, warning.field, warning.value) == ("A-1", "hazard_id", "'H-404'")


def test_unknown_files_are_refused_or_named_not_read(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg", skip=("assets",))
    (folder / "hazard.geojson").write_text("{}")
    (folder / "truth").mkdir()
    (folder / "truth" / "items.geojson").write_text("not read")
    report = validate_package(folder)  # an unknown file is an error: its records would be lost
    [e] = report.log.issues(Severity.ERROR)
    assert e.file.endswith("hazard.geojson") and "not a layer" in e.problem
    assert "hazards.geojson" in e.accepted
    report = validate_package(folder, ignore_unknown=True)
    assert report.ok
    [w] = report.log.issues(Severity.WARNING)
    assert w.file.endswith("hazard.geojson") and "not a layer" in w.problem


def test_missing_package(tmp_path: Path) -> None:
    issue = only_error(validate_package(tmp_path / "nowhere"))
    assert "no such file or folder" in issue.problem


def test_nul_characters_are_refused_not_truncated(tmp_path: Path) -> None:
    folder = hazards(tmp_path, feature(HAZ | {"district": "Ag\u0000dam"}, square(LON0, LAT0)))
    issue = only_error(validate_package(folder))
    assert "NUL character" in issue.problem


def test_a_victim_with_a_name_is_refused_not_stored(tmp_path: Path) -> None:
    """Names and other details beyond age, gender and outcome are not kept: the record is
    refused with what is accepted, and nothing is written."""
    folder = tmp_path / "pkg"
    folder.mkdir()
    base = {"incident_id": "I-1", "date": "2021-01-01", "killed": 0, "injured": 1}
    victim = {"age": 30, "gender": "female", "outcome": "injured", "name": "A. Example"}
    write_fc(
        folder / "incidents.geojson",
        [
            feature(base | {"victims": [victim]}, point(LON0, LAT0)),
            feature(
                base | {"incident_id": "I-2", "victims": [{"age": 30, "outcome": "killed"}]},
                point(LON0, LAT0),
            ),
        ],
    )
    report = validate_package(folder)
    bad = [e for e in errors(report) if e.field == "victims"]
    assert [e.record for e in bad] == ["I-1"]
    assert "no other keys" in str(bad[0]) and "incidents.geojson" in str(bad[0])
