"""The importer is forgiving where a value means one thing only, and says so in a note;
where it could mean two things it refuses, naming both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from landrelease.errors import Issue, Severity, UsageError
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


def test_an_excel_date_time_is_read_as_its_date_with_a_note(tmp_path: Path) -> None:
    book = tmp_path / "package.xlsx"
    rows = [
        {"funding_id": "F-1", "date": dt.datetime(2024, 6, 11, 9, 30), "source": "EU"},
        {"funding_id": "F-2", "date": dt.datetime(2024, 6, 12), "source": "EU"},
    ]
    pd.DataFrame(rows).assign(amount_usd=1000.0).to_excel(book, sheet_name="funding", index=False)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, book)
    assert report.committed, [str(i) for i in report.issues]
    [note] = issues(report, Severity.WARNING)
    assert (note.record, note.field) == ("F-1", "date")
    assert note.problem == "read as the date 2024-06-11: the time 09:30:00 is not kept"
    dates = ws.read_layer("funding").sort_values("funding_id")["date"]
    assert [str(d)[:10] for d in dates] == ["2024-06-11", "2024-06-12"]


def test_common_unambiguous_dates_are_read_with_a_note(tmp_path: Path) -> None:
    written = ["2024/06/11", "2024.06.11", "25/06/2024", "06/25/2024", "2024-06-11 09:30"]
    report = validate_package(hazards(tmp_path, *[{"reported": d} for d in written]))
    assert report.ok, [str(i) for i in report.issues]
    notes = {n.value: n.problem for n in issues(report, Severity.WARNING)}
    assert notes == {
        "'2024/06/11'": "read as 2024-06-11",
        "'2024.06.11'": "read as 2024-06-11",
        "'25/06/2024'": "read day-first as 2024-06-25",
        "'06/25/2024'": "read month-first as 2024-06-25",
        "'2024-06-11 09:30'": "read as the date 2024-06-11: the time 09:30 is not kept",
    }


def test_a_day_first_or_month_first_date_is_refused_with_both_readings(tmp_path: Path) -> None:
    report = validate_package(hazards(tmp_path, {"reported": "12/06/2024"}))
    [err] = issues(report, Severity.ERROR)
    assert (err.record, err.field, err.value) == ("H-1", "reported", "'12/06/2024'")
    assert err.problem == (
        "not a valid date; write 2024-06-12 or 2024-12-06: day-first or month-first is "
        "ambiguous; or read every such date one way with LANDRELEASE_IMPORT_DATE_ORDER=day-first "
        "(or month-first)"
    )
    assert err.accepted == "a date as YYYY-MM-DD"


@pytest.mark.parametrize(
    ("order", "read"), [("day-first", "2024-06-12"), ("month-first", "2024-12-06")]
)
def test_the_date_order_setting_reads_an_ambiguous_date_one_way_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str, read: str
) -> None:
    monkeypatch.setenv("LANDRELEASE_IMPORT_DATE_ORDER", order)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, hazards(tmp_path, {"reported": "12/06/2024"}))
    assert report.committed, [str(i) for i in report.issues]
    [note] = issues(report, Severity.WARNING)
    assert note.problem == f"read {order} as {read} (setting import_date_order)"
    assert str(ws.read_layer("hazards").iloc[0]["reported"])[:10] == read


def test_a_date_order_setting_that_is_neither_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANDRELEASE_IMPORT_DATE_ORDER", "british")
    with pytest.raises(UsageError, match="accepted day-first or month-first"):
        validate_package(hazards(tmp_path, {"reported": "12/06/2024"}))


def test_comma_lists_in_geojson_are_read_like_in_csv(tmp_path: Path) -> None:
    # GDAL reads a column of arrays and texts as arrays: the text arrives as one item
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(
        ws, hazards(tmp_path, {"blockages": ["housing"]}, {"blockages": "road, agriculture"})
    )
    assert report.committed, [str(i) for i in report.issues]
    assert not report.issues
    assert [list(b) for b in stored(ws, "blockages")] == [["housing"], ["road", "agriculture"]]


def test_a_refused_import_shows_no_written_counts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from landrelease.cli import app

    ws = str(tmp_path / "ws.gpkg")
    Workspace.create(ws)
    # one good record, one bad: the good one was counted as new inside the rolled-back transaction
    package = hazards(tmp_path, {}, {"status": "bogus"})
    result = CliRunner().invoke(app, ["import", str(package), "-w", ws], catch_exceptions=False)
    assert result.exit_code == 1
    assert "0 written: the import was refused, nothing changed" in result.output
    assert "new" not in result.output.split("hazards.geojson:")[0]
