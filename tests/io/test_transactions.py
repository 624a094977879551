"""An import is one transaction: interrupted or killed half-way, the workspace is as before."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landrelease.io import import_package
from landrelease.store import Workspace, tables
from tests.helpers import write_package

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from import_bench import make_package


def _rows(ws: Workspace, table: str) -> int:
    with ws.engine.connect() as conn:
        return tables.count_where(conn, table)


def _snapshot(ws: Workspace) -> tuple[dict[str, int], int, int]:
    return (
        ws.counts(),
        _rows(ws, "imports"),
        _rows(ws, "audit_log"),
    )


def test_interrupted_import_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    import_package(ws, write_package(tmp_path / "first"))
    before = _snapshot(ws)
    big = tmp_path / "big"
    make_package(big, 5000, 10)
    monkeypatch.setenv("LANDRELEASE_IMPORT_BATCH_ROWS", "1000")

    def interrupt(file: str, records: int) -> None:
        if records >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_package(ws, big, progress=interrupt)
    assert _snapshot(ws) == before


@pytest.mark.slow
def test_killed_import_leaves_the_workspace_as_before(tmp_path: Path) -> None:
    ws_path = tmp_path / "w.gpkg"
    ws = Workspace.create(str(ws_path))
    import_package(ws, write_package(tmp_path / "first"))
    before = _snapshot(ws)
    ws.close()
    big = tmp_path / "big"
    make_package(big, 300_000, 100)
    code = (
        "import sys; from landrelease.io import import_package; from landrelease.store import Workspace;"
        "import_package(Workspace.open(sys.argv[1]), sys.argv[2])"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(ws_path), str(big)])
    journal = Path(f"{ws_path}-journal")
    deadline = time.monotonic() + 60
    while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # well inside the import: rows are being written
    assert proc.poll() is None, (
        "the import finished before it could be killed; make the package larger"
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert journal.exists()  # the hot journal SQLite rolls back on next open
    with sqlite3.connect(ws_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _snapshot(Workspace.open(str(ws_path))) == before
