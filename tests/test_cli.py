"""The command line: help everywhere, exit codes 0/1/2, no traceback for a user's mistake."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, feature, point, square, total_records, write_fc, write_package

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_group(app)
    return sorted(group.commands)


def test_help_lists_commands() -> None:
    code, out = run("--help")
    assert code == 0
    for name in ("init", "import", "validate", "export", "status", "settings"):
        assert name in out


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name: str) -> None:
    code, out = run(name, "--help")
    assert code == 0
    assert "Usage" in out and len(out) > 200


def all_commands() -> list[tuple[str, click.Command]]:
    import typer.main

    out: list[tuple[str, click.Command]] = []

    def walk(group: click.Group, path: str) -> None:
        for name, cmd in group.commands.items():
            out.append((f"{path} {name}".strip(), cmd))
            if isinstance(cmd, click.Group):
                walk(cmd, f"{path} {name}")

    walk(typer.main.get_group(app), "")
    return out


def test_help_prose_flows_to_the_terminal_width() -> None:
    # a docstring's line breaks are the source's, not the reader's: a paragraph of help is one
    # line, so the terminal wraps it at its own width instead of breaking sentences midway
    for name, cmd in all_commands():
        for paragraph in (cmd.help or "").split("\n\n"):
            assert "\n" not in paragraph.strip(), (name, paragraph)
    result = runner.invoke(app, ["backtest", "--help"], env={"COLUMNS": "200"})
    assert "beside the devices found; and the land the decisions would have cancelled" in (
        result.output
    )


def test_init_import_status_export(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.gpkg")
    assert run("init", ws, "--crs", "EPSG:32638")[0] == 0
    code, out = run("import", str(write_package(tmp_path / "pkg")), "-w", ws, "--user", "im1")
    assert code == 0, out
    assert f"Imported {total_records()} records" in out
    code, out = run("status", "-w", ws, "--json")
    assert code == 0
    st = json.loads(out)
    assert st["counts"]["hazards"] == 3 and st["metric_crs"] == "EPSG:32638"
    assert {(r["status"], r["classification"]) for r in st["hazard_area"]} == {
        ("active", "SHA"),
        ("active", "CHA"),
    }
    assert 280 < sum(r["area_ha"] for r in st["hazard_area"]) < 290  # three ≈ 95 ha squares
    assert st["latest"]["finding"] == "2022-05-03"
    code, out = run("status", "-w", ws)
    assert code == 0 and "Hazard area" in out and "area (ha)" in out
    code, out = run("export", str(tmp_path / "out"), "-w", ws)
    assert code == 0 and (tmp_path / "out" / "hazards.geojson").exists()
    code, out = run("export", str(tmp_path / "qgis.gpkg"), "-f", "gpkg", "--qgis", "-w", ws)
    assert code == 0 and "QGIS project:" in out and (tmp_path / "qgis.qgs").exists(), out


def test_import_with_one_bad_record_in_each_file_writes_nothing(tmp_path: Path) -> None:
    """The issue's acceptance check: every problem printed, the workspace unchanged, exit 1."""
    ws = str(tmp_path / "w.gpkg")
    pkg = write_package(tmp_path / "pkg")
    run("import", str(write_package(tmp_path / "first", skip=("findings",))), "-w", ws)
    before = Workspace.open(ws).counts()
    bad = {
        "hazards": feature(
            {"hazard_id": "HZ-X", "classification": "XHA", "status": "active"}, square(LON0, LAT0)
        ),
        "findings": feature(
            {"finding_id": "FD-X", "device": "AP", "date": "2022-02-30"}, point(LON0, LAT0)
        ),
        "incidents": feature(
            {"incident_id": "INC-X", "date": "2021-01-01", "killed": -2, "injured": 0},
            point(LON0, LAT0),
        ),
        "settlements": feature({"settlement_id": "ST-X"}, point(LON0, LAT0)),
        "testimony": feature(
            {"testimony_id": "TM-X", "date": "2021-01-01", "statement": "suspected"},
            square(LON0, LAT0, 0.001) | {"type": "Polygon"},
        ),
        "front_lines": feature(
            {"line_id": "FL-X", "valid_from": "1994-01-01", "valid_to": "2020-01-01"},
            point(LON0, LAT0),
        ),
    }
    for name, f in bad.items():
        data = json.loads((pkg / f"{name}.geojson").read_text())
        data["features"].append(f)
        write_fc(pkg / f"{name}.geojson", data["features"])
    (pkg / "funding.csv").write_text(
        (pkg / "funding.csv").read_text() + "2024-03-01,Norway,lots,\n"
    )
    code, out = run("import", str(pkg), "-w", ws)
    assert code == 1
    for fragment in (
        "hazards.geojson",
        "'XHA'",
        "findings.geojson",
        "'2022-02-30'",
        "INC-X",
        "killed",
        "ST-X",
        "name",
        "FL-X",
        "wrong geometry type Point",
        "funding.csv",
        "'lots'",
        "Nothing was written",
    ):
        assert fragment in out, fragment
    assert "Traceback" not in out
    assert Workspace.open(ws).counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "nowhere"), "no such file or folder"),
        (("status", "-w", "missing.gpkg"), "no workspace at missing.gpkg"),
        (("init", "notes.txt"), "must end in .gpkg"),
        (("status", "-w", "a.gpkg", "--db", "postgresql://x/y"), "either --workspace or --db"),
        (("export", "out", "-w", "w.gpkg", "--format", "shp"), "unknown export format"),
        (("init", "w.gpkg", "--crs", "EPSG:4326"), "not a metric"),
        (("scenario", "pkg"), "the built-in regions are karabakh"),
        (("scenario", "--scale", "huge"), "unknown scale 'huge'"),
    ],
)
def test_user_mistakes_give_a_message_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if "export" in args:
        Workspace.create("w.gpkg").close()
    code, out = run(*args)
    assert code in (1, 2), out
    assert message in out
    assert "Traceback" not in out


def test_unknown_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["import", "--frobnicate"])
    assert result.exit_code == 2


def test_validate_is_a_dry_run(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.gpkg")
    run("init", ws)
    code, out = run("validate", str(write_package(tmp_path / "pkg")), "-w", ws)
    assert code == 0 and "nothing was written" in out
    assert all(n == 0 for n in Workspace.open(ws).counts().values())
    code, out = run("validate", str(write_package(tmp_path / "pkg")))
    assert code == 0 and "Valid" in out


def test_issues_csv_lists_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    write_fc(
        folder / "hazards.geojson",
        [
            feature(
                {"hazard_id": f"H-{i}", "classification": "SHA", "status": "?"}, square(LON0, LAT0)
            )
            for i in range(40)
        ],
    )
    code, out = run("validate", str(folder), "--issues-csv", str(tmp_path / "problems.csv"))
    assert code == 1
    assert "… and 20 more" in out
    lines = (tmp_path / "problems.csv").read_text().splitlines()
    assert len(lines) == 41 and lines[0].startswith("severity,file,record,field")


def test_settings_are_listed() -> None:
    code, out = run("settings")
    assert code == 0 and "import_batch_rows" in out and "LANDRELEASE_IMPORT_BATCH_ROWS" in out


def test_a_setting_given_a_word_for_a_number_is_named_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANDRELEASE_RISK_CELL_M", "twenty")
    code, out = run("settings")
    assert code == 2
    assert "Traceback" not in out and "import_batch_rows" not in out
    assert (
        "error: LANDRELEASE_RISK_CELL_M='twenty' is not a number; risk_cell_m is in m "
        "(default 20.0): give a number such as 20.0, or unset LANDRELEASE_RISK_CELL_M"
    ) in " ".join(out.split())
    monkeypatch.setenv("LANDRELEASE_RISK_CELL_M", "20")
    monkeypatch.setenv("LANDRELEASE_RISK_FOLDS", "5.5")
    code, out = run("settings")
    assert code == 2
    assert "LANDRELEASE_RISK_FOLDS='5.5' is not a whole number; risk_folds is in folds" in " ".join(
        out.split()
    )


@pytest.mark.postgis
def test_the_same_commands_on_postgis(pg_url: str, tmp_path: Path) -> None:
    assert run("init", "--db", pg_url)[0] == 0
    code, out = run("import", str(write_package(tmp_path / "pkg")), "--db", pg_url)
    assert code == 0, out
    code, out = run("status", "--db", pg_url, "--json")
    st = json.loads(out)
    assert st["backend"] == "PostGIS"
    assert st["counts"]["findings"] == 3
    assert "postgres@" in st["workspace"]
    code, out = run("import", str(write_package(tmp_path / "pkg")), "--db", pg_url)
    assert f"{total_records()} unchanged" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("forecast", "--runs", "ten"), "--runs 'ten': accepted a whole number ≥ 1, e.g. 1000"),
        (("forecast", "--runs", "0"), "--runs 0: accepted a whole number ≥ 1"),
        (("survey", "--target-recall", "2"), "--target-recall 2: accepted a number ≥ 0.5 and < 1"),
        (("risk", "--cell", "twenty"), "--cell 'twenty': accepted a number > 0, e.g. 20"),
        (("serve", "--port", "99999"), "--port 99999: accepted a whole number from 1 to 65535"),
        (
            ("report", "donor", "--from", "2026-02-30", "--to", "2026-03-31"),
            "--from 2026-02-30 is not a date: February 2026 has 28 days",
        ),
        (
            ("record", "spend", "E1", "--date", "2026-04-31", "--source", "national"),
            "--date 2026-04-31 is not a date: April 2026 has 30 days",
        ),
        (("report", "monthly", "--month", "2026-13"), "--month 2026-13 is not a month"),
        (("plan", "--horizon", "2032-13"), "--horizon 2032-13 is not a month"),
        (("backtest", "--as-of", "2025-06-31"), "--as-of 2025-06-31 is not a date: June 2025"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_option_value_and_what_is_accepted(
    args: tuple[str, ...], message: str
) -> None:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in result.output
    assert "Input should be" not in result.output and "give it as YYYY" not in result.output


def test_every_number_date_and_month_option_is_read_by_the_projects_parsers() -> None:
    # typer's own coercion answers "Input should be a valid integer, unable to parse string…"
    unread = [
        f"{name} {param.opts[0]}"
        for name, cmd in all_commands()
        for param in cmd.params
        if param.type_descriptor.annotation in (int, float)  # type: ignore[attr-defined]
        and param.type_descriptor.parameter_info.parser is None  # type: ignore[attr-defined]
    ]
    assert unread == []


def test_a_mistyped_setting_is_named_with_the_closest_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANDRELEASE_RISK_CEL_M", "20")
    code, out = run("settings")
    assert code == 0 and "risk_cell_m = 20.0" in out
    assert (
        "warning: LANDRELEASE_RISK_CEL_M names no setting and is ignored; did you mean "
        "LANDRELEASE_RISK_CELL_M?"
    ) in " ".join(out.split())


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "LANDRELEASE_RISK_CELL_M",
            "-3",
            "error: LANDRELEASE_RISK_CELL_M='-3' is out of range: risk_cell_m is in m and must "
            "be above 0 (default 20.0); unset LANDRELEASE_RISK_CELL_M for the default",
        ),
        (
            "LANDRELEASE_SURVEY_TARGET_RECALL",
            "2",
            "survey_target_recall is in share and must be at least 0.5 and below 1 (default 0.99)",
        ),
        ("LANDRELEASE_FORECAST_RUNS", "0", "forecast_runs is in runs and must be at least 1"),
    ],
)
def test_a_setting_out_of_its_range_stops_every_command_at_once(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    for command in ("settings", "survey"):
        code, out = run(command, "-w", "nowhere.gpkg") if command == "survey" else run(command)
        assert code == 2
        assert message in " ".join(out.split())
        assert "import_batch_rows" not in out and "no workspace" not in out
