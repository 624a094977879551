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
    assert row["LandUse"] == "pasture" and row["wkt"].startswith("MULTIPOLYGON (((")
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


def imsma_accidents(tmp_path: Path, victims: list[dict[str, str]]) -> Path:
    folder = tmp_path / "imsma-accidents"
    folder.mkdir()
    write_csv(
        folder / "accident.csv",
        [
            {
                "accident_localid": "ACC-0031",
                "lon": str(LON0),
                "lat": str(LAT0),
                "DateOfAccident": "2024-04-18",
                "NumberKilled": "1",
                "NumberInjured": "1",
                "DeviceType": "Anti-Personnel Mine",
            }
        ],
    )
    write_csv(folder / "victim.csv", victims)
    return folder


VICTIMS = [
    {"victim_localid": "V-1", "accident_localid": "ACC-0031", "Age": "34", "Gender": "Male",
     "KilledOrInjured": "Killed", "Name": "Elvin M."},
    {"victim_localid": "V-2", "accident_localid": "ACC-0031", "Age": "12", "Gender": "F",
     "KilledOrInjured": "Injured", "Name": "Leyla M."},
]  # fmt: skip


def test_imsma_victims_are_attached_to_their_accident_and_go_back_as_rows(tmp_path: Path) -> None:
    profile = load_profile("imsma_core")
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, imsma_accidents(tmp_path, VICTIMS), profile=profile)
    assert report.committed, [str(i) for i in report.issues]
    [incident] = ws.read_layer("incidents").to_dict("records")
    assert incident["victims"] == [
        {"age": 34, "gender": "male", "outcome": "killed"},
        {"age": 12, "gender": "female", "outcome": "injured"},
    ]
    # a victim's name is not kept anywhere, and that is said, not done silently
    [unkept] = [w for w in report.log.issues(Severity.WARNING) if w.file == "victim.csv"]
    assert unkept.field == "victim_localid, name" and "not kept" in unkept.problem
    assert "Elvin" not in str(incident["extra"])
    with ws.engine.connect() as conn:
        trail = " ".join(str(r) for r in conn.exec_driver_sql("SELECT after FROM audit_log"))
    assert "Elvin" not in trail

    out = tmp_path / "to-imsma"
    export_package(ws, out, profile=profile, include_personal=True)
    with (out / "victim.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {
            "accident_localid": "ACC-0031",
            "age": "34",
            "gender": "Male",
            "killedorinjured": "Killed",
        },
        {
            "accident_localid": "ACC-0031",
            "age": "12",
            "gender": "Female",
            "killedorinjured": "Injured",
        },
    ]
    with (out / "accident.csv").open(encoding="utf-8") as fh:
        assert "victims" not in next(csv.DictReader(fh))
    back = Workspace.create(str(tmp_path / "back.gpkg"))
    assert import_package(back, out, profile=profile).committed
    assert back.read_layer("incidents").iloc[0]["victims"] == incident["victims"]
    again = import_package(ws, out, profile=profile)
    assert again.committed and again.totals().unchanged == 1


def test_a_bad_victim_is_refused_naming_its_file_record_field_and_value(tmp_path: Path) -> None:
    bad = [
        VICTIMS[0] | {"Gender": "X"},
        VICTIMS[1] | {"accident_localid": "ACC-9999"},
        VICTIMS[1] | {"Age": "about 40", "victim_localid": "V-3"},
    ]
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, imsma_accidents(tmp_path, bad), profile=load_profile("imsma_core"))
    assert not report.committed and len(ws.read_layer("incidents")) == 0
    errors = {(i.file, i.record, i.field, i.value): i for i in report.log.issues(Severity.ERROR)}
    gender = errors[("victim.csv", "#1", "gender", "X")]
    assert "female" in gender.accepted and "Male" in gender.accepted.title()
    assert errors[("victim.csv", "#3", "age", "about 40")].accepted == "a whole number 0–120"
    orphan = errors[("victim.csv", "#2", "accident_localid", "ACC-9999")]
    assert "not in the package" in orphan.problem
    assert len(errors) == 3


def mdr_export(tmp_path: Path) -> Path:
    """A package in GICHD's minimum data requirements, one file per MDR page."""
    folder = tmp_path / "mdr"
    folder.mkdir()
    write_csv(
        folder / "contaminated_area.csv",
        [
            {"area_id": "CA-01", "wkt": POLY, "type_of_area": "SHA", "status": "handed over",
             "category_of_devices": "AP", "expected_beneficiaries": "120"},
            {"area_id": "CA-02", "wkt": POLY, "type_of_area": "CHA", "status": "Open",
             "category_of_devices": "AP, AT", "expected_beneficiaries": "40"},
        ],
    )  # fmt: skip
    write_csv(
        folder / "activity.csv",
        [
            {"activity_id": "A-1", "wkt": POLY, "operational_method": "Technical survey",
             "implementing_organisation": "HALO", "start_date": "2024-03-01",
             "end_date": "2024-03-20", "area_id": "CA-02", "outcome": "reduced",
             "status_of_activity": "completed"},
        ],
    )  # fmt: skip
    write_csv(
        folder / "accident.csv",
        [
            {"accident_id": "AC-1", "lon": str(LON0), "lat": str(LAT0),
             "date_of_accident": "2024-02-02", "category_of_device": "Anti-tank mine",
             "number_killed": "0", "number_injured": "1", "demining_or_mine_accident": "mine"},
        ],
    )  # fmt: skip
    write_csv(
        folder / "victim.csv",
        [
            {"accident_id": "AC-1", "name": "R. K.", "gender": "Female", "date_of_birth": "1990-01-01",
             "status": "injured", "age": "34"},
        ],
    )  # fmt: skip
    write_csv(
        folder / "qa_visit.csv",
        [
            {"qa_visit_id": "Q-1", "lon": str(LON0), "lat": str(LAT0), "date_of_qa_visit": "2024-03-25",
             "activity_inspected": "A-1", "organisation_inspected": "HALO", "kind": "Site visit",
             "severity_of_nonconformity": "minor", "measures_taken": "retraining"},
        ],
    )  # fmt: skip
    return folder


def test_a_gichd_mdr_package_imports_with_its_vocabularies_and_goes_back(tmp_path: Path) -> None:
    profile = load_profile("gichd_mdr")
    assert "GICHD/mdr" in profile.source_note and "gichd_mdr" in built_in_profiles()
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, mdr_export(tmp_path), profile=profile)
    assert report.committed, [str(i) for i in report.issues]
    hazards = ws.read_layer("hazards").set_index("hazard_id")
    assert hazards.loc["CA-01", "status"] == "closed" and hazards.loc["CA-02", "status"] == "active"
    assert hazards.loc["CA-02", "classification"] == "CHA"
    assert hazards.loc["CA-01", "extra"] == {"expected_beneficiaries": "120"}  # kept
    activity = ws.read_layer("activities").iloc[0]
    assert (activity["type"], activity["organisation"], activity["hazard_id"]) == (
        "TS",
        "HALO",
        "CA-02",
    )
    incident = ws.read_layer("incidents").iloc[0]
    assert incident["device"] == "AT"
    assert incident["victims"] == [{"age": 34, "gender": "female", "outcome": "injured"}]
    qa = ws.read_layer("qa_visits").iloc[0]
    assert (qa["kind"], qa["result"]) == ("site_visit", "minor_nonconformity")
    listed = {w.file: w for w in report.log.issues(Severity.WARNING)}
    assert listed["activity.csv"].field == "status_of_activity"
    assert (
        listed["victim.csv"].field == "name, date_of_birth"
        and "not kept" in listed["victim.csv"].problem
    )
    assert "profile gichd_mdr 0.1" in listed["qa_visit.csv"].problem

    out = tmp_path / "to-mdr"
    export_package(ws, out, profile=profile, include_personal=True)
    with (out / "contaminated_area.csv").open(encoding="utf-8") as fh:
        rows = {r["area_id"]: r for r in csv.DictReader(fh)}
    assert (rows["CA-01"]["status"], rows["CA-02"]["status"]) == ("closed", "open")
    assert {"victim.csv", "accident.csv", "qa_visit.csv"} <= {p.name for p in out.iterdir()}
    back = Workspace.create(str(tmp_path / "back.gpkg"))
    report = import_package(back, out, profile=profile)
    assert report.committed, [str(i) for i in report.issues]
    assert back.read_layer("incidents").iloc[0]["victims"] == incident["victims"]
    assert len(back.read_layer("qa_visits")) == 1
