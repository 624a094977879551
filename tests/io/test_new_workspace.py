"""An import that writes nothing leaves no new workspace file behind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.io.package import import_into
from tests.helpers import LAT0, LON0, feature, square, write_fc


def package(tmp_path: Path, status: str) -> Path:
    folder = tmp_path / f"pkg-{status}"
    folder.mkdir()
    props = {"hazard_id": "H-1", "classification": "SHA", "status": status}
    write_fc(folder / "hazards.geojson", [feature(props, square(LON0, LAT0))])
    return folder


def test_a_refused_import_leaves_no_new_workspace_file(tmp_path: Path) -> None:
    target = tmp_path / "new.gpkg"
    result = CliRunner().invoke(
        app, ["import", str(package(tmp_path, "Actve")), "-w", str(target)], terminal_width=200
    )
    assert result.exit_code == 1, result.output
    assert "0 written" in result.output
    assert list(tmp_path.glob("new.gpkg*")) == []


def test_an_accepted_import_keeps_the_new_workspace(tmp_path: Path) -> None:
    target = tmp_path / "new.gpkg"
    result = CliRunner().invoke(
        app, ["import", str(package(tmp_path, "active")), "-w", str(target)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert target.is_file()


def test_a_refused_import_into_an_existing_workspace_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "ws.gpkg"
    assert import_into(str(target), package(tmp_path, "active"), create=True).committed
    before = target.stat().st_size
    report = import_into(str(target), package(tmp_path, "Actve"), create=True)
    assert not report.committed and target.is_file() and target.stat().st_size == before


def test_a_dry_run_into_a_new_workspace_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "dry.gpkg"
    report = import_into(str(target), package(tmp_path, "active"), create=True, dry_run=True)
    assert report.ok and not report.committed
    assert not target.exists()
