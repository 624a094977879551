"""Submission exports of KoboToolbox and ODK Central, written by hand as the servers write them,
import onto the evidence package with the importer's checks; re-importing changes nothing."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from landrelease.errors import Severity
from landrelease.io import import_package, validate_package
from landrelease.io.forms import FORMS, xlsform
from landrelease.io.submissions import is_submission_export
from landrelease.store import Workspace

ACCIDENT = next(f for f in FORMS if f.form_id == "accident")
HAZARD = next(f for f in FORMS if f.form_id == "hazard_report")
V_ACC, V_HAZ = xlsform(ACCIDENT).version, xlsform(HAZARD).version
U1 = "b7c2e1d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
U2 = "c8d3f2e5-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
U3 = "d9e4a3f6-7b8c-4d9e-8f1a-2b3c4d5e6f7a"


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> Path:
    book = Workbook()
    for i, (name, (header, rows)) in enumerate(sheets.items()):
        ws = book.active if i == 0 else book.create_sheet()
        assert ws is not None
        ws.title = name
        ws.append(header)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


# KoboToolbox, "XML values and headers", XLSX: the repeat group on its own sheet
KOBO_MAIN = [
    "incident_id", "geometry", "_geometry_latitude", "_geometry_longitude",
    "_geometry_altitude", "_geometry_precision", "date", "killed", "injured", "device",
    "activity", "civilian", "date_of_information", "road_name", "lr_form", "lr_form_version",
    "meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status", "_notes",
    "_status", "_submitted_by", "__version__", "_tags", "_index",
]  # fmt: skip
KOBO_VICTIMS = [
    "age", "gender", "outcome", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid", "_submission__submission_time",
]  # fmt: skip


def kobo_accidents(tmp_path: Path, *, killed: Any = 1, age: Any = 34) -> Path:
    main = [
        ["", "39.9612 46.9231 512 4.5", 39.9612, 46.9231, 512, 4.5, "2024-06-03", killed, 1,
         "AP", "agriculture", "true", "", "Aghdam-Fuzuli", "accident", V_ACC,
         f"uuid:{U1}", 101, U1, "2024-06-04T07:12:33", "", "[]", "submitted_via_web", "aysel",
         "vQzJ8", "[]", 1],
        ["IN-OLD-7", "39.9711 46.9402 498 6", 39.9711, 46.9402, 498, 6, "2024-06-05", 0, 0,
         "UXO", "other", "false", "2024-06-05", "", "accident", V_ACC,
         f"uuid:{U2}", 102, U2, "2024-06-05T15:40:02", "", "[]", "submitted_via_web", "aysel",
         "vQzJ8", "[]", 2],
    ]  # fmt: skip
    victims = [
        [age, "male", "killed", 1, "Accident with victims", 1, 101, U1, "2024-06-04T07:12:33"],
        [12, "female", "injured", 2, "Accident with victims", 1, 101, U1, "2024-06-04T07:12:33"],
    ]
    return write_xlsx(
        tmp_path / "Accident_with_victims_-_all_versions_-_2024-06-12.xlsx",
        {"Accident with victims": (KOBO_MAIN, main), "victims": (KOBO_VICTIMS, victims)},
    )


# ODK Central, CSV zip: FORM.csv and FORM-REPEAT.csv, geopoint split in -Latitude, -Longitude…
ODK_MAIN = [
    "SubmissionDate", "hazard_id", "geometry", "classification", "status", "district",
    "reported", "blockages", "device_types", "date_of_information", "lr_form", "lr_form_version",
    "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
]  # fmt: skip
SHAPE = "39.95 46.9 0 5;39.95 46.91 0 5;39.96 46.91 0 5;39.96 46.9 0 5;39.95 46.9 0 5"


def odk_hazards(folder: Path, *, status: str = "active", review: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    rows = [
        ["2024-06-11T09:30:00.000Z", "", SHAPE, "SHA", status, "Aghdam", "2024-06-10",
         "road agriculture", "AP, AT", "2024-06-11", "hazard_report", V_HAZ,
         f"uuid:{U1}", f"uuid:{U1}", 5, "Aysel", 0, 0, "", review, "collect:abc", 0, V_HAZ],
        ["2024-06-12T11:00:00.000Z", "HZ-0042", SHAPE.replace("46.9 ", "46.95 "), "CHA", "active",
         "Fuzuli", "2024-06-12", "", "", "", "hazard_report", V_HAZ,
         f"uuid:{U3}", f"uuid:{U3}", 5, "Aysel", 0, 0, "", "approved", "collect:abc", 0, V_HAZ],
    ]  # fmt: skip
    return write_csv(folder / "hazard_report.csv", ODK_MAIN, rows)


def test_both_dialects_are_recognised_and_packages_are_not(tmp_path: Path) -> None:
    assert is_submission_export(kobo_accidents(tmp_path))
    assert is_submission_export(odk_hazards(tmp_path / "odk"))
    assert is_submission_export(tmp_path / "odk")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_csv(pkg / "funding.csv", ["funding_id", "date"], [["F1", "2024-01-01"]])
    assert not is_submission_export(pkg)
    assert not is_submission_export(pkg / "funding.csv")


def test_a_kobo_xlsx_export_imports_with_its_victims_and_reimports_unchanged(
    tmp_path: Path,
) -> None:
    export = kobo_accidents(tmp_path)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, export)
    assert report.committed, [str(i) for i in report.issues]
    assert report.totals().inserted == 2
    stored = ws.read_layer("incidents").set_index("incident_id")
    assert sorted(stored.index) == ["IN-OLD-7", "IN-b7c2e1d45f6a"]
    first = stored.loc["IN-b7c2e1d45f6a"]
    assert first["victims"] == [
        {"age": 34, "gender": "male", "outcome": "killed"},
        {"age": 12, "gender": "female", "outcome": "injured"},
    ]
    assert stored.loc["IN-OLD-7", "victims"] is None
    assert (first["killed"], first["injured"], first["device"], first["civilian"]) == (
        1,
        1,
        "AP",
        True,
    )
    assert first.geometry.coords[0] == pytest.approx((46.9231, 39.9612))
    # no date of information given: the submission time
    assert first["date_of_information"] == "2024-06-04T07:12:33"
    assert first["extra"] == {
        "submission_id": U1,
        "submission_time": "2024-06-04T07:12:33",
        "form_id": "accident",
        "form_version": V_ACC,
        "road_name": "Aghdam-Fuzuli",
    }
    again = import_package(ws, export)
    assert again.committed
    assert (again.totals().inserted, again.totals().updated, again.totals().unchanged) == (0, 0, 2)


def test_an_odk_central_zip_imports_and_reimports_unchanged(tmp_path: Path) -> None:
    odk_hazards(tmp_path / "hazard_report")
    archive = tmp_path / "hazard_report.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(tmp_path / "hazard_report" / "hazard_report.csv", "hazard_report.csv")
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, archive)
    assert report.committed, [str(i) for i in report.issues]
    stored = ws.read_layer("hazards").set_index("hazard_id")
    assert sorted(stored.index) == ["HZ-0042", "HZ-b7c2e1d45f6a"]
    rec = stored.loc["HZ-b7c2e1d45f6a"]
    assert rec["blockages"] == ["road", "agriculture"]
    assert rec["device_types"] == ["AP", "AT"]
    assert rec.geometry.bounds == pytest.approx((46.9, 39.95, 46.91, 39.96))
    assert rec["area_m2"] == pytest.approx(951_000, rel=0.01)  # 0.01° × 0.01° at 40° N
    assert rec["extra"]["form_version"] == V_HAZ
    assert stored.loc["HZ-0042", "date_of_information"] == "2024-06-12T11:00:00.000Z"
    again = import_package(ws, archive)
    assert again.totals().unchanged == 2 and again.totals().inserted == 0


def test_odk_split_geopoint_columns_and_a_repeat_file_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    header = [
        "SubmissionDate", "incident_id", "geometry-Latitude", "geometry-Longitude",
        "geometry-Altitude", "geometry-Accuracy", "date", "killed", "injured", "lr_form",
        "meta-instanceID", "KEY", "ReviewState", "FormVersion",
    ]  # fmt: skip
    write_csv(
        folder / "accident.csv",
        header,
        [
            ["2024-06-04T07:12:33.000Z", "", "39.9612", "46.9231", "512", "4.5",
             "2024-06-03", "2", "0", "accident", f"uuid:{U1}", f"uuid:{U1}", "", "2024060401"],
            ["2024-06-04T08:00:00.000Z", "", "39.97", "46.93", "512", "4.5",
             "2024-06-03", "0", "1", "accident", f"uuid:{U2}", f"uuid:{U2}", "rejected",
             "2024060401"],
        ],
    )  # fmt: skip
    write_csv(
        folder / "accident-victims.csv",
        ["age", "gender", "outcome", "PARENT_KEY", "KEY"],
        [
            ["40", "male", "killed", f"uuid:{U1}", f"uuid:{U1}/victims[1]"],
            ["", "unknown", "killed", f"uuid:{U1}", f"uuid:{U1}/victims[2]"],
        ],
    )
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, folder)
    assert report.committed, [str(i) for i in report.issues]
    stored = ws.read_layer("incidents")
    assert list(stored["incident_id"]) == ["IN-b7c2e1d45f6a"]
    assert stored.iloc[0]["victims"] == [
        {"age": 40, "gender": "male", "outcome": "killed"},
        {"gender": "unknown", "outcome": "killed"},
    ]
    assert stored.iloc[0].geometry.coords[0] == pytest.approx((46.9231, 39.9612))
    assert stored.iloc[0]["extra"]["form_version"] == "2024060401"
    [warning] = report.log.issues(Severity.WARNING)
    assert warning.file == "accident.csv" and warning.record == f"uuid:{U2}"
    assert "rejected on the server" in warning.problem


def test_bad_answers_are_refused_naming_the_export_record_field_and_value(tmp_path: Path) -> None:
    export = kobo_accidents(tmp_path, killed="-1", age=130)
    report = validate_package(export)
    assert not report.ok
    shown = {(i.file, i.record, i.field, i.value): i for i in report.issues}
    display = f"{export.name}:Accident with victims"
    killed = shown[display, "IN-b7c2e1d45f6a", "killed", "'-1'"]
    assert killed.accepted == "a whole number ≥ 0 [people]"
    victims = next(i for i in report.issues if i.field == "victims")
    assert victims.record == "IN-b7c2e1d45f6a" and "age: whole number 0–120" in victims.accepted


def test_an_odk_geoshape_that_cannot_be_read_names_the_value(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    odk_hazards(folder)
    text = (folder / "hazard_report.csv").read_text(encoding="utf-8")
    (folder / "hazard_report.csv").write_text(
        text.replace(SHAPE, "39.95 46.9 0 5;39.95 forty 0 5", 1), encoding="utf-8"
    )
    report = validate_package(folder)
    [err] = report.log.issues(Severity.ERROR)
    assert (err.file, err.record, err.field) == ("hazard_report.csv", "HZ-b7c2e1d45f6a", "geometry")
    assert err.value == "39.95 46.9 0 5;39.95 forty 0 5" and "geoshape" in err.accepted


def test_an_export_of_no_known_form_is_refused_with_the_forms_named(tmp_path: Path) -> None:
    export = write_csv(
        tmp_path / "my_own_form.csv",
        ["SubmissionDate", "what", "KEY"],
        [["2024-06-04T07:12:33.000Z", "x", f"uuid:{U1}"]],
    )
    report = validate_package(export)
    [err] = report.log.issues(Severity.ERROR)
    assert err.file == "my_own_form.csv" and "which form" in err.problem
    assert "hazard_report" in err.accepted


def test_a_corrected_submission_with_a_later_date_of_information_updates_the_record(
    tmp_path: Path,
) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    assert import_package(ws, odk_hazards(tmp_path / "a")).committed
    later = odk_hazards(tmp_path / "b", status="worked_on")
    later.write_text(
        later.read_text(encoding="utf-8").replace(
            ",2024-06-11,hazard_report", ",2024-07-01,hazard_report"
        ),
        encoding="utf-8",
    )
    report = import_package(ws, tmp_path / "b")
    assert (report.totals().updated, report.totals().unchanged) == (1, 1)
    stored = ws.read_layer("hazards").set_index("hazard_id")
    assert stored.loc["HZ-b7c2e1d45f6a", "status"] == "worked_on"


def test_a_kobo_csv_export_separated_by_semicolons_is_read(tmp_path: Path) -> None:
    header = [
        "hazard_id", "geometry", "classification", "status", "blockages", "blockages/road",
        "blockages/water", "lr_form", "lr_form_version", "_id", "_uuid", "_submission_time",
        "_validation_status", "__version__", "_index",
    ]  # fmt: skip
    row = [
        "", SHAPE, "SHA", "active", "road water", "1", "1", "hazard_report", V_HAZ, "7", U1,
        "2024-06-04T07:12:33", "", "vQzJ8", "1",
    ]  # fmt: skip
    path = tmp_path / "Hazard_report_(non-technical_survey)_-_latest_version.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerow(row)
    assert is_submission_export(path)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, path)
    assert report.committed, [str(i) for i in report.issues]
    rec = ws.read_layer("hazards").iloc[0]
    assert rec["hazard_id"] == "HZ-b7c2e1d45f6a" and rec["blockages"] == ["road", "water"]
    assert rec.geometry.bounds == pytest.approx((46.9, 39.95, 46.91, 39.96))
    # Kobo's 0/1 column per choice is not kept as an extra property
    assert set(rec["extra"]) == {"submission_id", "submission_time", "form_id", "form_version"}


def test_an_export_without_the_hidden_form_column_is_told_by_its_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    odk_hazards(folder)
    frame = (folder / "hazard_report.csv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(frame))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("lr_form", "lr_form_version")]
    kobo_named = tmp_path / "Hazard_report_(non-technical_survey)_-_latest_version.csv"
    write_csv(kobo_named, [rows[0][i] for i in keep], [[r[i] for i in keep] for r in rows[1:]])
    report = validate_package(kobo_named)
    assert report.ok and report.records == 2, [str(i) for i in report.issues]
    assert report.layers[0].layer == "hazards"


@pytest.mark.parametrize("kind", ["kobo_xlsx", "odk_zip"])
def test_an_export_is_read_in_chunks_and_gives_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A large export is converted and checked import_batch_rows at a time: one record a chunk
    here gives the very records of one chunk for all (victims joined across chunks)."""
    from landrelease.errors import IssueLog
    from landrelease.io.submissions import read_submissions

    if kind == "kobo_xlsx":
        export, layer, key = kobo_accidents(tmp_path), "incidents", "incident_id"
    else:
        odk_hazards(tmp_path / "hazard_report")
        export, layer, key = tmp_path / "hazard_report.zip", "hazards", "hazard_id"
        with zipfile.ZipFile(export, "w") as z:
            z.write(tmp_path / "hazard_report" / "hazard_report.csv", "hazard_report.csv")
    whole = Workspace.create(str(tmp_path / "whole.gpkg"))
    assert import_package(whole, export).committed
    monkeypatch.setenv("LANDRELEASE_IMPORT_BATCH_ROWS", "1")
    [read] = read_submissions(export, IssueLog())
    batches = list(read.batches)
    assert [len(b.properties) for b in batches] == [1, 1]
    assert [b.offset for b in batches] == [0, 1]
    chunked = Workspace.create(str(tmp_path / "chunked.gpkg"))
    report = import_package(chunked, export)
    assert report.committed and report.totals().inserted == 2
    a = whole.read_layer(layer).drop(columns="extra").sort_values(key)
    b = chunked.read_layer(layer).drop(columns="extra").sort_values(key)
    assert (
        a.drop(columns="geometry")
        .reset_index(drop=True)
        .equals(b.drop(columns="geometry").reset_index(drop=True))
    )
