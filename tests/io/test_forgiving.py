"""The importer is forgiving where a value means one thing only, and says so in a note;
where it could mean two things it refuses, naming both."""

from __future__ import annotations

from pathlib import Path

from landrelease.errors import Issue, Severity
from landrelease.io import import_package, validate_package
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, feature, square, write_fc

HAZ = {"hazard_id": "H-1", "classification": "SHA", "status": "active"}


def hazards(tmp_path: Path, *props: dict) -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir(exist_ok=True)
    feats = [
        feature(HAZ | {"hazard_id": f"H-{i + 1}"} | p, square(LON0 + 0.02 * i, LAT0))
        for i, p in enumerate(props)
    ]
    write_fc(folder / "hazards.geojson", feats)
    return folder


def issues(report, severity: Severity) -> list[Issue]:  # type: ignore[no-untyped-def]
    return report.log.issues(severity)


def stored(ws: Workspace, field: str) -> list[object]:
    frame = ws.read_layer("hazards").sort_values("hazard_id")
    return list(frame[field])


def test_vocabulary_is_matched_ignoring_case_and_spaces_with_a_note(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(
        ws,
        hazards(
            tmp_path, {"status": "Active"}, {"status": " worked_on "}, {"classification": "cha"}
        ),
    )
    assert report.committed, [str(i) for i in report.issues]
    notes = {
        (n.file, n.record, n.field, n.value): n.problem for n in issues(report, Severity.WARNING)
    }
    assert notes.keys() == {
        ("hazards.geojson", "H-1", "status", "'Active'"),
        ("hazards.geojson", "H-2", "status", "' worked_on '"),
        ("hazards.geojson", "H-3", "classification", "'cha'"),
    }
    assert "read as 'active'" in notes["hazards.geojson", "H-1", "status", "'Active'"]
    assert "read as 'worked_on'" in notes["hazards.geojson", "H-2", "status", "' worked_on '"]
    assert stored(ws, "status") == ["active", "worked_on", "active"]
    assert stored(ws, "classification") == ["SHA", "SHA", "CHA"]


def test_vocabulary_lists_are_matched_ignoring_case_with_a_note(tmp_path: Path) -> None:
    report = validate_package(hazards(tmp_path, {"blockages": ["Road", "WATER"]}))
    assert report.ok
    [note] = issues(report, Severity.WARNING)
    assert (note.field, note.problem.split(":")[0]) == ("blockages", "read as ['road', 'water']")


def test_a_value_matching_nothing_is_still_refused_with_the_accepted_list(tmp_path: Path) -> None:
    report = validate_package(hazards(tmp_path, {"status": "Actve"}))
    [err] = issues(report, Severity.ERROR)
    assert (err.field, err.value) == ("status", "'Actve'")
    assert "did you mean 'active'" in err.problem
    assert err.accepted == "one of active, worked_on, closed"
    assert not issues(report, Severity.WARNING)
