"""The files of a package: layer names in any case (with a note), any other file an error naming
it and the accepted names unless --ignore-unknown, and anything that is not a regular file an
error — never skipped silently, and nothing written."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain import LAYERS
from landrelease.errors import Severity
from landrelease.io import import_package
from landrelease.store import Workspace
from tests.helpers import write_package

runner = CliRunner()


def _counts(ws: Workspace) -> dict[str, int]:
    return {layer: len(ws.read_layer(layer)) for layer in ("hazards", "findings")}


def _problems(report, severity: Severity = Severity.ERROR) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f"{i.file} | {i.value} | {i.problem} | {i.accepted}" for i in report.log.issues(severity)
    ]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")


def test_a_layer_file_name_in_another_case_is_read_with_a_note(
    tmp_path: Path, ws: Workspace
) -> None:
    pkg = write_package(tmp_path / "pkg")
    (pkg / "findings.geojson").rename(pkg / "Findings.geojson")
    (pkg / "hazards.geojson").rename(pkg / "HAZARDS.GeoJSON")
    report = import_package(ws, pkg, actor="tester")
    assert report.committed and not report.log.errors
    assert {r.layer for r in report.layers} >= {"findings", "hazards"}
    notes = _problems(report, Severity.WARNING)
    assert any(
        "Findings.geojson" in n and "read as layer findings (the file name's case differs)" in n
        for n in notes
    )
    assert any("HAZARDS.GeoJSON" in n and "read as layer hazards" in n for n in notes)
    assert _counts(ws)["findings"] > 0


def test_an_unknown_file_is_an_error_naming_it_and_the_accepted_names(
    tmp_path: Path, ws: Workspace
) -> None:
    pkg = write_package(tmp_path / "pkg")
    (pkg / "findngs.geojson").write_text("{}")  # a typo: its records would be lost unnoticed
    (pkg / "notes.docx").write_bytes(b"PK")
    report = import_package(ws, pkg, actor="tester")
    assert not report.committed and report.layers == []  # nothing read, nothing written
    errors = _problems(report)
    assert len(errors) == 2
    assert any(
        "findngs.geojson" in e and "not a layer of the evidence package" in e for e in errors
    )
    assert any("notes.docx" in e and "--ignore-unknown" in e for e in errors)
    assert all("hazards.geojson" in e and "findings.geojson" in e for e in errors)  # accepted
    assert _counts(ws) == {"hazards": 0, "findings": 0}

    report = import_package(ws, pkg, actor="tester", ignore_unknown=True)
    assert report.committed and not report.log.errors
    listed = _problems(report, Severity.WARNING)
    assert sum("not read" in n and "(--ignore-unknown)" in n for n in listed) == 2
    assert _counts(ws)["hazards"] > 0


def test_shapefile_sidecars_readme_and_hidden_files_are_not_unknown(
    tmp_path: Path, ws: Workspace
) -> None:
    import geopandas as gpd

    pkg = write_package(tmp_path / "pkg")
    frame = gpd.read_file(pkg / "settlements.geojson")[["settlement_id", "name", "geometry"]]
    (pkg / "settlements.geojson").unlink()
    frame.to_file(pkg / "settlements.shp")
    (pkg / "README.md").write_text("what this is")
    (pkg / ".DS_Store").write_bytes(b"\0")
    assert {p.suffix for p in pkg.iterdir()} >= {".shp", ".dbf", ".shx", ".prj"}
    report = import_package(ws, pkg, actor="tester")
    assert report.committed, _problems(report)


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev_zero", "outside", "odd_dir"])
def test_an_entry_that_is_not_a_regular_file_is_an_error_and_nothing_is_written(
    tmp_path: Path, ws: Workspace, kind: str
) -> None:
    pkg = write_package(tmp_path / "pkg")
    target = pkg / "findings.geojson"
    target.unlink()
    expected = {
        "directory": "a directory, not a regular file",
        "fifo": "a FIFO (named pipe), not a regular file",
        "dev_zero": "a link to /dev/zero (a device), outside the package",
        "outside": "(a regular file), outside the package",
        "odd_dir": "a directory, not a regular file",
    }[kind]
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)  # reading it would wait for ever
    elif kind == "dev_zero":
        target.symlink_to("/dev/zero")  # reading it would never end
    elif kind == "outside":
        (tmp_path / "elsewhere.geojson").write_text("{}")
        target.symlink_to(tmp_path / "elsewhere.geojson")
    else:
        (pkg / "photos").mkdir()
        target = pkg / "photos"
    report = import_package(ws, pkg, actor="tester")
    assert not report.committed and report.layers == []
    errors = _problems(report)
    assert len(errors) == 1 and target.name in errors[0] and expected in errors[0], errors
    assert _counts(ws) == {"hazards": 0, "findings": 0}
    if kind == "odd_dir":  # not a layer's name: listed as not read on request
        report = import_package(ws, pkg, actor="tester", ignore_unknown=True)
        assert report.committed
        assert any("photos" in n and "not read" in n for n in _problems(report, Severity.WARNING))
    else:  # a layer's own file: refused even with --ignore-unknown
        report = import_package(ws, pkg, actor="tester", ignore_unknown=True)
        assert not report.committed and len(_problems(report)) == 1


def test_zip_members_follow_the_same_rules(tmp_path: Path, ws: Workspace) -> None:
    pkg = write_package(tmp_path / "pkg")
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(pkg.iterdir()):
            if p.name == "incidents.geojson":
                continue  # a link stands in its place
            name = "Findings.geojson" if p.name == "findings.geojson" else p.name
            z.write(p, f"pkg/{name}")
        link = zipfile.ZipInfo("pkg/incidents.geojson")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/dev/zero")
        z.writestr("pkg/extra.csv", "a,b\n")
    report = import_package(ws, archive, actor="tester")
    assert not report.committed and report.layers == []
    errors = _problems(report)
    assert any("incidents.geojson" in e and "a link inside the zip" in e for e in errors)
    assert any("extra.csv" in e and "not a layer" in e for e in errors)
    assert len(errors) == 2


def test_the_command_line_flag(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg")
    (pkg / "notes.txt").write_text("x")
    ws = str(tmp_path / "w.gpkg")
    res = runner.invoke(app, ["import", str(pkg), "-w", ws])
    text = " ".join(res.output.split())
    assert res.exit_code == 1 and "notes.txt" in text and "--ignore-unknown" in text
    assert not Path(ws).exists()  # a refused import leaves no new workspace file
    res = runner.invoke(app, ["validate", str(pkg), "--ignore-unknown"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["import", str(pkg), "-w", ws, "--ignore-unknown"])
    assert res.exit_code == 0, res.output


def _template_with_a_hazard(tmp_path: Path) -> Path:
    from openpyxl import load_workbook

    from landrelease.domain import layer_by_name
    from landrelease.io.templates import columns, example_row, write_template

    book_path = write_template(tmp_path / "tpl").workbook
    book = load_workbook(book_path)
    hazards = layer_by_name("hazards")
    row = example_row(hazards)
    book["hazards"].append([row[c] for c in columns(hazards)])
    book.save(book_path)
    return book_path


def test_an_unknown_sheet_is_an_error_naming_the_workbook_the_sheet_and_the_accepted_names(
    tmp_path: Path, ws: Workspace
) -> None:
    from openpyxl import load_workbook

    book_path = _template_with_a_hazard(tmp_path)
    report = import_package(ws, book_path, actor="tester")  # the template's own sheets: no word
    assert report.committed and report.log.issues() == [], [str(i) for i in report.log.issues()]
    book = load_workbook(book_path)
    book.create_sheet("Field notes")  # a sheet a user added; its rows would be lost unnoticed
    book.create_sheet("Hazrds")  # a typo
    book.save(book_path)
    ws2 = Workspace.create(str(tmp_path / "ws2.gpkg"), actor="tester")
    report = import_package(ws2, book_path, actor="tester")
    assert not report.committed and report.layers == []
    errors = sorted(str(i) for i in report.log.issues(Severity.ERROR))
    assert errors == [
        "evidence-package.xlsx:Field notes: not read: the sheet's name is not a layer of the "
        "evidence package; rename the sheet, remove it or give --ignore-unknown (accepted: "
        "sheets named after the layers (" + ", ".join(layer.name for layer in LAYERS) + "); "
        "the template's instructions and lists sheets are skipped)",
        "evidence-package.xlsx:Hazrds: not read: the sheet's name is not a layer of the "
        "evidence package; rename the sheet, remove it or give --ignore-unknown (accepted: "
        "sheets named after the layers (" + ", ".join(layer.name for layer in LAYERS) + "); "
        "the template's instructions and lists sheets are skipped)",
    ]
    assert len(ws2.read_layer("hazards")) == 0

    report = import_package(ws2, book_path, actor="tester", ignore_unknown=True)
    assert report.committed and not report.log.errors
    notes = _problems(report, Severity.WARNING)
    assert sum("(--ignore-unknown)" in n for n in notes) == 2
    assert len(ws2.read_layer("hazards")) == 1


def test_the_template_names_its_sheets_from_the_ones_the_importer_skips(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from landrelease.io.sources import TEMPLATE_SHEETS

    book = load_workbook(_template_with_a_hazard(tmp_path))
    extra = set(book.sheetnames) - {layer.name for layer in LAYERS}
    assert extra == set(TEMPLATE_SHEETS) == {"instructions", "lists"}


def test_an_exported_folder_names_the_programme_in_its_readme_and_imports_back(
    tmp_path: Path, ws: Workspace
) -> None:
    from landrelease.io import export_package
    from landrelease.store.programme import set_programme

    pkg = write_package(tmp_path / "pkg")
    assert import_package(ws, pkg, actor="tester").committed
    set_programme(ws, actor="tester", name="CMAC national programme", country="Cambodia")
    report = export_package(ws, tmp_path / "out", include_personal=False)
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == "# CMAC national programme: evidence package"
    assert "- Programme: CMAC national programme" in readme and "- Country: Cambodia" in readme
    assert "- Amounts in USD (fields ending in `_usd`)" in readme
    assert "- Victims' personal data: left out" in readme
    hazards = len(ws.read_layer("hazards"))
    assert f"| hazards.geojson | {hazards:,} |" in readme and report.files["hazards.geojson"]
    # the layer files are as before, and the README is no unknown file on the way back
    again = Workspace.create(str(tmp_path / "again.gpkg"), actor="tester")
    back = import_package(again, tmp_path / "out", actor="tester")
    assert back.committed and not back.log.errors
    assert len(again.read_layer("hazards")) == hazards
