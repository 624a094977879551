"""Malformed and oversized inputs are refused with a message naming file, record and field —
never a traceback, never memory that grows with the input. Each case is made from the small
valid package of the tests, with limits set low so that the refusals stay cheap."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import Severity
from landrelease.io import validate_package
from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.auth import add_user
from tests.helpers import FUNDING_CSV, LAT0, LON0, layer_features, write_package

Make = Callable[[Path], Path]
"""Writes a malformed package into a folder and returns what to import."""


def _incident_killed(value: str) -> Make:
    def make(folder: Path) -> Path:
        incidents = layer_features()["incidents"][:1]
        incidents[0]["properties"]["killed"] = 7777777
        text = json.dumps({"type": "FeatureCollection", "features": incidents})
        (folder / "incidents.geojson").write_text(text.replace("7777777", value))
        return folder

    return make


def _too_many_fields(folder: Path) -> Path:
    (folder / "funding.csv").write_text(FUNDING_CSV + "2024-01-01,Japan,5,clearance,x,y\n")
    return folder


def _one_newline(folder: Path) -> Path:
    (folder / "funding.csv").write_text("\n")
    return folder


def _nested_collection(folder: Path) -> Path:
    hazard = layer_features()["hazards"][0]
    geometry = json.dumps({"type": "Point", "coordinates": [LON0, LAT0]})
    for _ in range(1000):
        geometry = f'{{"type": "GeometryCollection", "geometries": [{geometry}]}}'
    feature = f'{{"type": "Feature", "properties": {json.dumps(hazard["properties"])}, "geometry": {geometry}}}'
    (folder / "hazards.geojson").write_text(
        f'{{"type": "FeatureCollection", "features": [{feature}]}}'
    )
    return folder


def _shapefile(folder: Path, *, leave_out: str = "", flip_dbf: bool = False) -> Path:
    hazards = layer_features()["hazards"]
    frame = gpd.GeoDataFrame.from_features(hazards, crs="EPSG:4326").drop(
        columns=["blockages", "device_types"]
    )
    parts = folder / "parts"
    parts.mkdir()
    frame.to_file(parts / "hazards.shp")
    with zipfile.ZipFile(folder / "hazards.zip", "w") as z:
        for f in parts.iterdir():
            data = bytearray(f.read_bytes())
            if f.suffix == ".dbf" and flip_dbf:
                for i in range(8, 40):
                    data[i] ^= 0xFF
            if f.suffix != leave_out:
                z.writestr(f.name, bytes(data))
    shutil.rmtree(parts)
    return folder


def _newer_zip(folder: Path) -> Path:
    """A zipped Shapefile whose members say a newer zip tool (version 14.8) is needed to unzip
    them (found by the long fuzz run: a flipped byte)."""
    _shapefile(folder)
    data = bytearray((folder / "hazards.zip").read_bytes())
    for sig, at in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):  # local and central headers
        i = data.find(sig)
        while i >= 0:
            data[i + at] = 148
            i = data.find(sig, i + 4)
    (folder / "hazards.zip").write_bytes(bytes(data))
    return folder


def _pipeline_crs(folder: Path) -> Path:
    hazards = layer_features()["hazards"]
    crs = {"type": "name", "properties": {"name": "+proj=pipeline +step +proj=axisswap +order=2,1"}}
    (folder / "hazards.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "crs": crs, "features": hazards})
    )
    return folder


def _blob(folder: Path) -> Path:
    """A funding source of 3 MiB (the limits are set to 1 MiB a value, 2 MiB a line)."""
    (folder / "funding.csv").write_text(
        "date,source,amount_usd,purpose\n2024-01-01," + "A" * (3 << 20) + ",5,clearance\n"
    )
    return folder


def _quoted_blob(folder: Path) -> Path:
    """A quoted funding source of 3 MiB spread over short lines: the value limit refuses it."""
    value = '"' + ("A" * 99 + "\n") * ((3 << 20) // 100) + '"'
    (folder / "funding.csv").write_text(
        f"date,source,amount_usd,purpose\n2024-01-01,{value},5,clearance\n"
    )
    return folder


def _zip_bomb(folder: Path) -> Path:
    """A 40 KiB zip expanding to 40 MiB (a 1 MB zip of 1 GiB, scaled down)."""
    with (
        zipfile.ZipFile(folder / "package.zip", "w", zipfile.ZIP_DEFLATED) as z,
        z.open("funding.csv", "w") as fh,
    ):
        fh.write(b"date,source,amount_usd,purpose\n2024-01-01,")
        for _ in range(40):
            fh.write(b"A" * (1 << 20))
        fh.write(b",5,clearance\n")
    return folder / "package.zip"


CASES: dict[str, tuple[Make, str, str]] = {
    # name: (writer, file named in the message, words of the message)
    "too many fields (ParserError)": (
        _too_many_fields,
        "funding.csv",
        "more fields than the header's 4",
    ),
    "one newline (EmptyDataError)": (_one_newline, "funding.csv", "no header row"),
    "1e308 (OverflowError)": (_incident_killed("1e308"), "incidents.geojson", "killed"),
    "20 digits (OverflowError)": (
        _incident_killed("12345678901234567890"),
        "incidents.geojson",
        "killed",
    ),
    "nested 1,000 deep (RecursionError)": (
        _nested_collection,
        "hazards.geojson",
        "nested too deeply",
    ),
    "Shapefile without .shx (IndexError)": (
        lambda f: _shapefile(f, leave_out=".shx"),
        "hazards.zip",
        "no .shx",
    ),
    "zip of a newer tool (NotImplementedError)": (_newer_zip, "hazards.zip", "cannot be unzipped"),
    "bit-flipped .dbf (ArrowInvalid)": (lambda f: _shapefile(f, flip_dbf=True), "hazards.zip", ""),
    "+proj=pipeline (CRSError)": (_pipeline_crs, "hazards.geojson", "CRS cannot be used"),
    "a 3 MiB line": (_blob, "funding.csv", "setting import_max_record_kb"),
    "a 3 MiB quoted value": (_quoted_blob, "funding.csv", "setting import_max_field_kb"),
    "zip bomb": (_zip_bomb, "package.zip/funding.csv", "zip bomb"),
}


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_IMPORT_MAX_FIELD_KB", "1024")
    monkeypatch.setenv("LANDRELEASE_IMPORT_MAX_RECORD_KB", "2048")
    monkeypatch.setenv("LANDRELEASE_IMPORT_MAX_UNZIPPED_MB", "64")


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_file_is_refused_with_a_message_naming_it(case: str, tmp_path: Path) -> None:
    make, file, words = CASES[case]
    report = validate_package(make(tmp_path))
    errors = report.log.issues(Severity.ERROR)
    assert errors, case
    assert any(file in e.file and words in str(e) for e in errors), [str(e) for e in errors]


def test_a_cell_larger_than_the_limit_is_refused_before_it_is_loaded(tmp_path: Path) -> None:
    """The value is refused while the file is streamed: memory does not grow with it."""
    import resource

    (tmp_path / "funding.csv").write_bytes(
        b"date,source,amount_usd,purpose\n2024-01-01," + b"A" * (200 << 20) + b",5,clearance\n"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = validate_package(tmp_path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert report.log.errors == 1 and "import_max_record_kb" in str(report.log.issues()[0])
    assert grown_mib < 100  # the 200 MiB value never held in memory


def test_the_zip_limits_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _zip_bomb(tmp_path)
    monkeypatch.setenv("LANDRELEASE_IMPORT_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("LANDRELEASE_IMPORT_MAX_UNZIPPED_MB", "16")
    (issue,) = validate_package(target).log.issues(Severity.ERROR)
    assert "more than 16 MiB (setting import_max_unzipped_mb)" in str(issue)


@pytest.mark.parametrize(
    "case", ["too many fields (ParserError)", "nested 1,000 deep (RecursionError)", "zip bomb"]
)
def test_the_command_line_exits_as_for_any_data_error(case: str, tmp_path: Path) -> None:
    target = CASES[case][0](tmp_path)
    r = CliRunner().invoke(app, ["validate", str(target)])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output and CASES[case][2] in " ".join(r.output.split())


def test_the_web_answers_422_with_the_message(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    add_user(ws, "im", password="correct horse battery", role="information_manager", actor="t")
    ws.close()
    web = create_app(str(tmp_path / "w.gpkg"))
    try:
        with TestClient(web) as client:
            r = client.post(
                "/api/token", json={"username": "im", "password": "correct horse battery"}
            )
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            for case in CASES:
                folder = tmp_path / "cases" / case.split(" (")[0].replace(" ", "_").replace(",", "")
                folder.mkdir(parents=True)
                target = CASES[case][0](folder)
                if target.is_dir():
                    buf = folder.with_suffix(".zip")
                    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                        for f in target.iterdir():
                            z.write(f, f.name)
                    target = buf
                r = client.post(
                    "/api/packages", files={"package": ("p.zip", target.read_bytes())}, headers=auth
                )
                assert r.status_code == 422, (case, r.status_code, r.text[:300])
                assert r.json()["errors"] >= 1 and r.json()["issues"], case
    finally:
        web.state.workspace.close()


def test_a_valid_package_still_imports(tmp_path: Path) -> None:
    assert validate_package(write_package(tmp_path / "pkg")).log.errors == 0
