"""A new user's two paths to an imported workspace, through the command line only, without the
data contract: (a) the blank template filled in as one does in Excel; (b) the field forms, then
the servers' exports of their submissions (KoboToolbox XLSX, ODK Central CSV zip, both with the
victims' repeat group), each imported twice — the second time changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain import LAYERS
from landrelease.io.templates import columns, example_row
from landrelease.store import Workspace
from tests.io.test_forms import _submission

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())


def test_the_first_help_screens_name_both_ways_in() -> None:
    code, out = run("--help")
    assert code == 0 and "landrelease template DIR" in out and "landrelease forms DIR" in out
    code, out = run("template", "--help")
    assert code == 0 and "landrelease import blank/evidence-package.xlsx -w programme.gpkg" in out
    code, out = run("forms", "--help")
    assert code == 0 and "landrelease import EXPORT -w WORKSPACE.gpkg" in out


def test_a_template_filled_as_in_excel_imports_and_shows_in_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run("template", str(tmp_path / "blank"))
    assert code == 0, out
    book_path = tmp_path / "blank" / "evidence-package.xlsx"
    book = load_workbook(book_path)
    for layer in LAYERS:  # each layer's example row (the instructions sheet shows them), typed in
        row = example_row(layer)
        if layer.name == "hazards":  # as people type: another case, a day-first date, a list
            row.update(status="Active", reported="11/06/2024", blockages="Road,housing")
        if layer.name == "findings":
            row["date"] = dt.datetime(2024, 6, 11, 9, 30)  # an Excel date-time cell
        book[layer.name].append([row[c] for c in columns(layer)])
    book.save(book_path)
    ws = tmp_path / "programme.gpkg"

    code, out = run("import", str(book_path), "-w", str(ws))
    assert code == 1 and not ws.exists()  # refused: nothing written, no workspace file left
    assert (
        "reported = '11/06/2024': not a valid date; write 2024-06-11 or 2024-11-06: day-first "
        "or month-first is ambiguous; or read every such date one way with "
        "LANDRELEASE_IMPORT_DATE_ORDER=day-first (or month-first)" in out
    )
    assert "status = 'Active': read as 'active'" in out  # corrected, with a note
    assert "blockages = 'Road,housing': read as ['road', 'housing']" in out

    monkeypatch.setenv("LANDRELEASE_IMPORT_DATE_ORDER", "day-first")  # as the message says
    code, out = run("import", str(book_path), "-w", str(ws))
    assert code == 0, out
    assert "reported = '11/06/2024': read day-first as 2024-06-11" in out
    assert f"Imported {len(LAYERS)} records" in out and f"{len(LAYERS)} new, 0 updated" in out
    with Workspace.open(str(ws)) as w:
        hazard = w.read_layer("hazards").iloc[0]
        assert (hazard["status"], hazard["blockages"]) == ("active", ["road", "housing"])
        assert str(hazard["reported"])[:10] == "2024-06-11"
        assert str(w.read_layer("findings").iloc[0]["date"])[:10] == "2024-06-11"

    code, out = run("status", "-w", str(ws))
    assert code == 0
    for layer in LAYERS:
        assert f"│ {layer.name} " in out and f"{layer.name} │ 1 │" in out
    assert "│ active │ SHA │ 1 │ 23.7 │" in out  # 0.005° square at 39.95° N, in ha

    code, out = run("import", str(book_path), "-w", str(ws))  # again: nothing changes
    assert code == 0 and f"0 new, 0 updated, {len(LAYERS)} unchanged" in out


# --- (b) the field forms and their submissions ------------------------------------------------

U = [f"{i}b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e" for i in range(1, 5)]


def _form_answers(form: Path) -> tuple[dict[str, str], dict[str, str]]:
    """One submission of the form as written by `landrelease forms` (converted by pyxform as
    the server does): the main answers and one victim's."""
    from landrelease.io.forms import FORMS

    spec = next(f for f in FORMS if f.form_id == form.stem)
    root = ET.fromstring(convert(xlsform=str(form)).xform)
    row, victims = _submission(spec, root)
    return row, victims[0]


def _kobo_export(path: Path, row: dict[str, str], victim: dict[str, str]) -> Path:
    """KoboToolbox's XLSX export: a sheet of submissions, the victims on a sheet of their own
    joined by _parent_index; geopoints as "lat lon alt acc" with split columns."""
    main_cols = [*row, "_id", "_uuid", "_submission_time", "__version__", "_index"]
    lat, lon = (float(x) for x in row["geometry"].split()[:2])
    book = Workbook()
    main = book.active
    assert main is not None
    main.title = "Accident with victims"
    main.append([*main_cols, "_geometry_latitude", "_geometry_longitude"])
    for i, uuid in enumerate(U[:2], 1):
        values: dict[str, Any] = row | {"incident_id": ""}
        main.append(
            [values[c] for c in row]
            + [100 + i, uuid, f"2024-06-1{i}T08:00:00", row["lr_form_version"], i, lat, lon]
        )
    sheet = book.create_sheet("victims")
    sheet.append([*victim, "_index", "_parent_table_name", "_parent_index", "_submission__uuid"])
    for i, (parent, outcome) in enumerate(((1, "killed"), (1, "injured"), (2, "injured")), 1):
        answers = victim | {"outcome": outcome}
        sheet.append([*answers.values(), i, "Accident with victims", parent, U[parent - 1]])
    book.save(path)
    return path


def _odk_export(path: Path, row: dict[str, str], victim: dict[str, str]) -> Path:
    """ODK Central's CSV zip: accident.csv and accident-victims.csv joined by PARENT_KEY."""

    def table(header: list[str], rows: list[list[Any]]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(rows)
        return buf.getvalue()

    main_cols = ["SubmissionDate", *row, "meta-instanceID", "KEY", "ReviewState", "FormVersion"]
    mains = [
        [
            f"2024-06-1{i}T09:00:00.000Z",
            *(row | {"incident_id": ""}).values(),
            *(f"uuid:{u}", f"uuid:{u}", "", row["lr_form_version"]),
        ]
        for i, u in enumerate(U[2:], 3)
    ]
    reps = [
        [*victim.values(), f"uuid:{U[2]}", f"uuid:{U[2]}/victims[1]"],
        [*(victim | {"outcome": "injured"}).values(), f"uuid:{U[3]}", f"uuid:{U[3]}/victims[1]"],
    ]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("accident.csv", table(main_cols, mains))
        z.writestr("accident-victims.csv", table([*victim, "PARENT_KEY", "KEY"], reps))
    return path


def test_forms_then_kobo_and_odk_exports_import_and_reimport_unchanged(tmp_path: Path) -> None:
    code, out = run("forms", str(tmp_path / "forms"))
    assert code == 0 and "landrelease import EXPORT" in out
    written = sorted(p.name for p in (tmp_path / "forms").glob("*.xlsx"))
    assert written == [
        "accident.xlsx",
        "finding.xlsx",
        "hazard_report.xlsx",
        "qa_visit.xlsx",
        "risk_education.xlsx",
        "survey_clearance.xlsx",
    ]
    row, victim = _form_answers(tmp_path / "forms" / "accident.xlsx")
    kobo = _kobo_export(tmp_path / "Accident_with_victims_-_all_versions.xlsx", row, victim)
    odk = _odk_export(tmp_path / "accident.zip", row, victim)
    ws = str(tmp_path / "programme.gpkg")

    for export, ids in ((kobo, U[:2]), (odk, U[2:])):
        code, out = run("import", str(export), "-w", ws)
        assert code == 0, out
        assert "Imported 2 records" in out and "2 new, 0 updated, 0 unchanged" in out
        code, again = run("import", str(export), "-w", ws)
        assert code == 0, again
        assert "0 new, 0 updated, 2 unchanged" in again
        with Workspace.open(ws) as w:
            stored = w.read_layer("incidents").set_index("incident_id")
        for uuid in ids:
            assert f"IN-{uuid.replace('-', '')[:12]}" in stored.index

    with Workspace.open(ws) as w:
        stored = w.read_layer("incidents").set_index("incident_id")
    assert len(stored) == 4
    victims = {i: [v["outcome"] for v in stored.loc[i, "victims"]] for i in stored.index}
    assert sorted(victims.values()) == [["injured"], ["injured"], ["killed"], ["killed", "injured"]]
    assert {stored.loc[i, "extra"]["form_version"] for i in stored.index} == {
        row["lr_form_version"]
    }
    code, out = run("status", "-w", ws)
    assert code == 0 and "│ incidents │ 4 │" in out
