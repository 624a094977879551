"""Backups and restores on both backends: a consistent snapshot while another connection
writes, every table equal after a restore, and a clear refusal for anything that is not a
landrelease backup."""

from __future__ import annotations

import io
import sqlite3
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import DataError, UsageError
from landrelease.io import import_package
from landrelease.store import Workspace, schema, tables
from landrelease.store.backup import MANIFEST_TABLE, backup, read_manifest, restore
from tests.conftest import require_postgis
from tests.helpers import write_package


def frames(ws: Workspace) -> dict[str, pd.DataFrame]:
    """Every table of the workspace as a frame, rows in the order they were written."""
    out: dict[str, pd.DataFrame] = {}
    with ws.engine.connect() as conn:
        for name, table in schema.METADATA.tables.items():
            if "fid" in table.columns:
                frame = tables.read_table(conn, name, include_retired=True)
            else:
                rows = ws.query(f"SELECT * FROM {name} ORDER BY 1")
                frame = pd.DataFrame([tuple(r) for r in rows], columns=list(table.columns.keys()))
            out[name] = pd.DataFrame(frame).reset_index(drop=True)
    return out


def assert_same_records(source: Workspace, restored: Workspace) -> None:
    """Every table equal; the audit trail equal up to the backup's and the restore's own entries."""
    a, b = frames(source), frames(restored)
    assert a.keys() == b.keys()
    for name in a:
        left, right = a[name], b[name]
        if name == "audit_log":
            assert left.iloc[-1]["action"] == "backup" and right.iloc[-1]["action"] == "restore"
            left, right = left.iloc[:-1], right.iloc[:-1]
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)


def test_a_backup_taken_while_another_connection_writes_is_one_consistent_state(
    tmp_path: Path,
) -> None:
    """Each write adds 5 audit entries and 1 import together: any snapshot holds 5 of one per other."""
    ws = Workspace.create(str(tmp_path / "w.gpkg"), actor="tester")
    import_package(ws, write_package(tmp_path / "pkg"), actor="tester")
    with ws.engine.connect() as c:
        audit0 = c.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
        imports0 = c.exec_driver_sql("SELECT count(*) FROM imports").scalar()
    stop, commits = threading.Event(), [0]

    def write() -> None:
        while not stop.is_set():
            with ws.begin() as conn:
                ws.start_import(conn, actor="writer", source="thread", mode="all")
                for i in range(5):
                    tables.insert_records(
                        conn,
                        "audit_log",
                        [
                            {
                                "at": "2024-01-01T00:00:00.000Z",
                                "actor": "writer",
                                "action": "insert",
                                "layer": "hazards",
                                "record_id": f"HZ-{i}",
                            }
                        ],
                    )
            commits[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        reports = []
        for k in range(3):
            while commits[0] < 5 * (k + 1):  # writes before and between the backups
                threading.Event().wait(0.01)
            reports.append(backup(ws, tmp_path / f"b{k}.gpkg", actor="tester"))
    finally:
        stop.set()
        writer.join()
        ws.close()
    assert commits[0] >= 15
    for k, report in enumerate(reports):
        with sqlite3.connect(report.path) as conn:
            audit = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            imports = conn.execute("SELECT count(*) FROM imports").fetchone()[0]
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"
        # each earlier backup wrote its own audit entry to the source before this snapshot
        assert audit - audit0 - k == 5 * (imports - imports0)
        assert report.manifest.counts["audit_log"] == audit
        assert report.manifest.counts["imports"] == imports


def test_a_restored_geopackage_holds_every_record(tmp_path: Path) -> None:
    filled = Workspace.create(str(tmp_path / "w.gpkg"), actor="tester")
    import_package(filled, write_package(tmp_path / "pkg"), actor="tester")
    report = backup(filled, tmp_path / "backup.gpkg", actor="tester")
    assert report.manifest.backend == "geopackage" and report.manifest.records > 0
    assert read_manifest(report.path) == report.manifest
    done = restore(report.path, str(tmp_path / "restored.gpkg"), actor="restorer")
    assert done.manifest == report.manifest
    with Workspace.open(str(tmp_path / "restored.gpkg")) as restored:
        assert_same_records(filled, restored)
        assert (
            restored.query(f"SELECT count(*) FROM sqlite_master WHERE name = '{MANIFEST_TABLE}'")[
                0
            ][0]
            == 0
        )
        note = restored.query("SELECT actor, note FROM audit_log WHERE action = 'restore'")
    filled.close()
    assert note[0][0] == "restorer" and "backup.gpkg" in note[0][1]


@pytest.fixture
def new_database() -> Iterator[str]:
    """The URL of a database that does not exist yet (dropped afterwards)."""
    import psycopg

    url = require_postgis()
    name = f"lr_restore_{uuid.uuid4().hex[:10]}"
    yield url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.postgis
def test_a_postgis_backup_restores_into_a_new_database_with_every_record(
    pg_url: str, new_database: str, tmp_path: Path
) -> None:
    with Workspace.create(pg_url, actor="tester") as ws:
        import_package(ws, write_package(tmp_path / "pkg"), actor="tester")
        report = backup(ws, tmp_path / "backup.tar", actor="tester")
        assert report.manifest.backend == "postgis"
        with tarfile.open(report.path) as tar:
            assert set(tar.getnames()) == {"manifest.json", "workspace.pgdump"}
        done = restore(report.path, new_database, actor="restorer")
        assert done.created_database
        with Workspace.open(new_database) as restored:
            assert_same_records(ws, restored)
    # a database that holds tables is never written over
    with pytest.raises(UsageError, match="never writes over existing data"):
        restore(report.path, new_database)


@pytest.mark.postgis
def test_a_damaged_postgis_backup_leaves_no_database(
    pg_url: str, new_database: str, tmp_path: Path
) -> None:
    with Workspace.create(pg_url, actor="tester") as ws:
        report = backup(ws, tmp_path / "backup.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(report.path) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "workspace.pgdump":
                data = data[: len(data) // 2]
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    import psycopg

    with pytest.raises(UsageError, match="pg_restore failed"):
        restore(damaged, new_database)
    with psycopg.connect(require_postgis()) as conn:
        name = new_database.rsplit("/", 1)[1]
        assert (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
        )


def _plain_workspace(tmp: Path) -> Path:
    Workspace.create(str(tmp / "plain.gpkg")).close()
    return tmp / "plain.gpkg"


def _truncated(tmp: Path) -> Path:
    with Workspace.create(str(tmp / "w.gpkg")) as ws:
        import_package(ws, write_package(tmp / "pkg"))
        data = backup(ws, tmp / "full.gpkg").path.read_bytes()
    (tmp / "cut.gpkg").write_bytes(data[: len(data) // 3])
    return tmp / "cut.gpkg"


def _tar_without_manifest(tmp: Path) -> Path:
    (tmp / "x.txt").write_text("hello")
    with tarfile.open(tmp / "x.tar", "w") as tar:
        tar.add(tmp / "x.txt", arcname="x.txt")
    return tmp / "x.tar"


def _foreign_manifest(tmp: Path) -> Path:
    (tmp / "manifest.json").write_text('{"format": "something-else"}')
    (tmp / "workspace.pgdump").write_bytes(b"PGDMP")
    with tarfile.open(tmp / "y.tar", "w") as tar:
        for name in ("manifest.json", "workspace.pgdump"):
            tar.add(tmp / name, arcname=name)
    return tmp / "y.tar"


def _text(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("not a backup")
    return tmp / "notes.txt"


FOREIGN = {
    "text": (_text, "not a landrelease backup"),
    "a workspace, not a backup": (_plain_workspace, "has no manifest"),
    "a truncated backup": (_truncated, "damaged"),
    "a tar of something else": (_tar_without_manifest, "not a landrelease backup"),
    "a manifest of something else": (_foreign_manifest, "not a landrelease backup"),
    "missing": (lambda t: t / "nothing.gpkg", "no backup file"),
}


@pytest.mark.parametrize("case", list(FOREIGN))
def test_anything_but_a_landrelease_backup_is_refused_clearly(case: str, tmp_path: Path) -> None:
    make, words = FOREIGN[case]
    path = make(tmp_path)
    with pytest.raises(UsageError, match=words):
        restore(path, str(tmp_path / "restored.gpkg"))
    assert not (tmp_path / "restored.gpkg").exists()
    assert not list(tmp_path.glob(".restored.gpkg.*"))


def test_a_backup_whose_records_differ_from_its_manifest_is_refused(
    tmp_path: Path,
) -> None:
    with Workspace.create(str(tmp_path / "w.gpkg")) as ws:
        import_package(ws, write_package(tmp_path / "pkg"))
        path = backup(ws, tmp_path / "b.gpkg").path
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM hazards WHERE fid = (SELECT max(fid) FROM hazards)")
    with pytest.raises(DataError, match="hazards: 2 records, the manifest says 3"):
        restore(path, str(tmp_path / "restored.gpkg"))
    assert not (tmp_path / "restored.gpkg").exists()


def test_an_existing_file_is_replaced_only_when_asked(tmp_path: Path) -> None:
    with Workspace.create(str(tmp_path / "w.gpkg")) as ws:
        out = tmp_path / "b.gpkg"
        out.write_text("keep me")
        with pytest.raises(UsageError, match="exists already"):
            backup(ws, out)
        assert out.read_text() == "keep me"
        backup(ws, out, overwrite=True)
    assert read_manifest(out).backend == "geopackage"
    (tmp_path / "r.gpkg").write_text("keep me")
    with pytest.raises(UsageError, match="--overwrite"):
        restore(out, str(tmp_path / "r.gpkg"))
    restore(out, str(tmp_path / "r.gpkg"), overwrite=True)
    Workspace.open(str(tmp_path / "r.gpkg")).close()


def test_the_command_line_backs_up_and_restores_without_tracebacks(tmp_path: Path) -> None:
    runner = CliRunner()
    w, b, r = (str(tmp_path / n) for n in ("w.gpkg", "b.gpkg", "r.gpkg"))
    assert (
        runner.invoke(app, ["import", str(write_package(tmp_path / "pkg")), "-w", w]).exit_code == 0
    )
    done = runner.invoke(app, ["backup", b, "-w", w, "--user", "ops"])
    assert done.exit_code == 0 and "Restore it with" in done.output, done.output
    again = runner.invoke(app, ["backup", b, "-w", w])
    assert again.exit_code == 2 and "exists already" in again.output
    back = runner.invoke(app, ["restore", b, "-w", r])
    assert back.exit_code == 0 and "as the manifest lists" in " ".join(back.output.split())
    wrong = runner.invoke(app, ["restore", w, "-w", str(tmp_path / "x.gpkg")])
    assert wrong.exit_code == 2 and "not a landrelease backup" in " ".join(wrong.output.split())
    for out in (done, again, back, wrong):
        assert "Traceback" not in out.output
    helps = runner.invoke(app, ["restore", "--help"], terminal_width=200).output
    assert "landrelease restore backups/" in helps and "never writes over" in helps
