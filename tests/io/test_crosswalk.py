"""An IMSMA-style export read through the crosswalk profile: objects, fields and values
translated, unmapped columns kept and listed, untranslated values refused as usual."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import Severity, UsageError
from landrelease.io import export_package, import_package, validate_package
from landrelease.io.crosswalk import built_in_profiles, load_profile
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0

POLY = (
    f"POLYGON (({LON0} {LAT0}, {LON0 + 0.01} {LAT0}, {LON0 + 0.01} {LAT0 + 0.01}, "
    f"{LON0} {LAT0 + 0.01}, {LON0} {LAT0}))"
)


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def imsma_export(tmp_path: Path, *, status: str = "Worked On") -> Path:
    folder = tmp_path / "imsma"
    folder.mkdir()
    write_csv(
        folder / "hazard.csv",
        [
            {
                "hazard_localid": "HAZ-AGD-0001",
                "wkt": POLY,
                "HazardType": "Confirmed Hazardous Area",
                "Status": status,
                "Province": "Aghdam",
                "DateOfInformation": "2024-05-02",
                "hazard_guid": "0b7e9c4a-1111-4c22-9d33-444455556666",
                "LandUse": "pasture",
            }
        ],
    )
    write_csv(
        folder / "hazreduc.csv",
        [
            {
                "hazreduc_localid": "HR-0007",
                "wkt": POLY,
                "HazReducType": "Technical Survey",
                "hazard_localid": "HAZ-AGD-0001",
                "StartDate": "2024-05-10",
                "EndDate": "2024-06-01",
                "Outcome": "Reduced",
                "Organisation": "ANAMA",
            }
        ],
    )
    return folder


def test_the_built_in_profile_loads_and_is_checked_against_the_contract() -> None:
    assert "imsma_core" in built_in_profiles()
    profile = load_profile("imsma_core")
    assert profile.aliases["hazard"] == "hazards" and profile.aliases["hazreduc"] == "activities"
    assert profile.version == "0.1"


def test_an_imsma_export_imports_through_the_profile(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, imsma_export(tmp_path), profile=load_profile("imsma_core"))
    assert report.committed, [str(i) for i in report.issues]
    hazard = ws.read_layer("hazards").iloc[0]
    assert (hazard["hazard_id"], hazard["classification"], hazard["status"]) == (
        "HAZ-AGD-0001",
        "CHA",
        "worked_on",
    )
    assert hazard["district"] == "Aghdam" and hazard["date_of_information"] == "2024-05-02"
    # unmapped columns are kept, not dropped
    assert hazard["extra"] == {
        "hazard_guid": "0b7e9c4a-1111-4c22-9d33-444455556666",
        "LandUse": "pasture",
    }
    activity = ws.read_layer("activities").iloc[0]
    assert (activity["type"], activity["outcome"], activity["hazard_id"]) == (
        "TS",
        "reduced",
        "HAZ-AGD-0001",
    )
    # … and listed once per file
    [listed] = [w for w in report.log.issues(Severity.WARNING) if w.file == "hazard.csv"]
    assert listed.field == "hazard_guid, LandUse" and "profile imsma_core 0.1" in listed.problem
    assert "hazard_localid" in listed.accepted


def test_a_value_the_profile_does_not_translate_is_refused_with_the_accepted_list(
    tmp_path: Path,
) -> None:
    report = validate_package(
        imsma_export(tmp_path, status="Suspended"), profile=load_profile("imsma_core")
    )
    [err] = report.log.issues(Severity.ERROR)
    assert (err.file, err.record, err.field, err.value) == (
        "hazard.csv",
        "HAZ-AGD-0001",
        "status",
        "'Suspended'",
    )
    assert err.accepted == "one of active, worked_on, closed"


def test_without_the_profile_the_imsma_files_are_not_read_as_layers(tmp_path: Path) -> None:
    report = validate_package(imsma_export(tmp_path))
    assert report.records == 0


def test_a_workbook_with_imsma_sheet_names_is_read_through_the_profile(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Hazard"
    ws.append(["hazard_localid", "wkt", "HazardType", "Status"])
    ws.append(["HAZ-1", POLY, "SHA", "Active"])
    book.save(tmp_path / "export.xlsx")
    report = validate_package(tmp_path / "export.xlsx", profile=load_profile("imsma_core"))
    assert report.ok and report.records == 1
    assert report.layers[0].file == "export.xlsx:Hazard"


def test_a_programme_profile_file_is_checked_before_use(tmp_path: Path) -> None:
    good = tmp_path / "mine.toml"
    good.write_text(
        'name = "mine"\nversion = "3"\n[[layers]]\nsource = "minas"\nlayer = "hazards"\n'
        '[layers.fields]\ncodigo = "hazard_id"\ntipo = "classification"\nestado = "status"\n'
        '[layers.values.status]\n"Activo" = "active"\n',
        encoding="utf-8",
    )
    profile = load_profile(str(good))
    assert profile.aliases == {"minas": "hazards"}
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "bad"\nversion = "1"\n[[layers]]\nsource = "x"\nlayer = "hazards"\n'
        '[layers.fields]\na = "no_such_field"\n[layers.values.status]\n"On" = "open"\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as info:
        load_profile(str(bad))
    assert "hazards has no field 'no_such_field'" in str(info.value)
    assert "'open' not in active, worked_on, closed" in str(info.value)
    with pytest.raises(UsageError, match="no profile 'nope'"):
        load_profile("nope")


def test_import_command_takes_a_profile(tmp_path: Path) -> None:
    export = imsma_export(tmp_path)
    target = tmp_path / "ws.gpkg"
    result = CliRunner().invoke(
        app,
        ["import", str(export), "-w", str(target), "--profile", "imsma_core"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    with Workspace.open(str(target)) as ws:
        assert len(ws.read_layer("hazards")) == 1 and len(ws.read_layer("activities")) == 1
    checked = CliRunner().invoke(
        app, ["validate", str(export), "--profile", "imsma_core"], terminal_width=200
    )
    assert checked.exit_code == 0, checked.output


def test_export_through_the_profile_writes_their_names_and_imports_back_unchanged(
    tmp_path: Path,
) -> None:
    profile = load_profile("imsma_core")
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    assert import_package(ws, imsma_export(tmp_path), profile=profile).committed
    out = tmp_path / "to-imsma"
    result = CliRunner().invoke(
        app,
        ["export", str(out), "-w", str(tmp_path / "ws.gpkg"), "--profile", "imsma_core"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    with (out / "hazard.csv").open(encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["hazard_localid"] == "HAZ-AGD-0001"
    assert (row["hazardtype"], row["status"]) == ("CHA", "Worked On")
    assert row["LandUse"] == "pasture" and row["wkt"].startswith("POLYGON")
    with (out / "hazreduc.csv").open(encoding="utf-8") as fh:
        [act] = list(csv.DictReader(fh))
    assert (act["hazreductype"], act["outcome"]) == ("Technical Survey", "Reduced")
    # what came from IMSMA unmapped goes back under its own name, and is listed
    assert "hazard.csv: not named by the profile" in result.output
    listed = export_package(ws, tmp_path / "again", profile=profile).unmapped
    assert listed == {"hazard.csv": ["LandUse", "hazard_guid"]}
    back = Workspace.create(str(tmp_path / "back.gpkg"))
    report = import_package(back, out, profile=profile)
    assert report.committed, [str(i) for i in report.issues]
    for layer, key in (("hazards", "hazard_id"), ("activities", "activity_id")):
        a = ws.read_layer(layer).drop(columns=["extra", "area_m2"]).set_index(key)
        b = back.read_layer(layer).drop(columns=["extra", "area_m2"]).set_index(key)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), layer
        assert a.geometry.iloc[0].equals_exact(b.geometry.iloc[0], 1e-9)
    again = import_package(ws, out, profile=profile)
    assert again.totals().unchanged == 2 and again.totals().inserted == 0
