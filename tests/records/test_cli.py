"""The workflow from the command line: exit codes 0 / 1 (data) / 2 (usage), messages with numbers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.io import import_package
from landrelease.records import save_records
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, square, write_package

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_activity_commands(tmp_path: Path) -> None:
    target = str(tmp_path / "w.gpkg")
    with Workspace.create(target, actor="im") as ws:
        import_package(ws, write_package(tmp_path / "pkg"), actor="im")
        for aid, x in (("CL-OK", LON0 + 0.04), ("CL-OUT", LON0 + 0.048)):
            save_records(
                ws,
                "activities",
                [
                    {
                        "activity_id": aid,
                        "type": "clearance",
                        "hazard_id": "HZ-2",
                        "start": "2025-01-01",
                        "end": "2025-01-20",
                        "outcome": "cleared",
                        "organisation": "ANAMA",
                        "status": "draft",
                        "geometry": square(x, LAT0, 0.004),
                    }
                ],
                actor="op",
            )
    code, out = run("activity", "submit", "CL-OK", "--cleared", "150000", "-w", target, "-u", "op")
    assert code == 0 and "submitted (was draft)" in out
    code, out = run("activity", "approve", "CL-OK", "-w", target, "-u", "boss")
    assert code == 0 and "15.00 ha cleared" in out and "active → worked_on" in out
    code, out = run("activity", "submit", "CL-OUT", "-w", target)
    assert code == 0 and "lie outside hazard HZ-2" in out  # flagged at once
    code, out = run("activity", "approve", "CL-OUT", "-w", target)
    assert (
        code == 1
        and "cannot approve activity CL-OUT" in out
        and "(50.0 %)" in " ".join(out.split())
    )
    assert "Traceback" not in out
    code, out = run("activity", "reject", "CL-OUT", "-w", target)
    assert code == 2  # --reason is required
    code, out = run(
        "activity", "reject", "CL-OUT", "--reason", "half outside the hazard", "-w", target
    )
    assert code == 0 and "rejected" in out
    code, out = run("activity", "history", "CL-OUT", "-w", target)
    assert code == 0 and "rejected" in out and "submitted" in out
    code, out = run("activity", "approve", "NOPE", "-w", target)
    assert code == 2 and "no activities record 'NOPE'" in out
    code, out = run("activity", "book-imported", "-w", target)
    assert code == 0 and "Booked 1 approved activities" in out
    code, out = run("record", "retire", "incidents", "INC-1", "--reason", "duplicate", "-w", target)
    assert code == 0
    code, out = run(
        "record",
        "spend",
        "EX-1",
        "--date",
        "2025-01-31",
        "--source",
        "national",
        "--amount-usd",
        "1000",
        "-w",
        target,
    )
    assert code == 0
    code, out = run(
        "record",
        "spend",
        "EX-1",
        "--date",
        "2025-01-31",
        "--source",
        "national",
        "--amount-usd",
        "1000",
        "-w",
        target,
    )
    assert code == 2 and "exists" in out
