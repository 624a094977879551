"""Backups of a workspace, and restoring one, on both backends.

A backup is one file that carries a manifest: what wrote it, the schema
version, the backend, when, and the records of every table at that moment.

* **GeoPackage**: the backup is itself a GeoPackage (it opens in QGIS), made
  with SQLite's online backup API under one read lock, so it is a consistent
  snapshot even while the server writes; the manifest is the table
  ``landrelease_backup`` inside it. It is written to a temporary file beside
  the target and renamed into place only when complete.
* **PostGIS**: the backup is a tar file holding ``manifest.json`` and
  ``workspace.pgdump`` (``pg_dump -Fc``). The records are counted in the very
  snapshot ``pg_dump`` copies (``pg_export_snapshot``), so the counts are those
  of the dump. It is restored with ``pg_restore`` in one transaction into a
  database that holds no tables (created when it does not exist): a restore
  never writes over existing data.

A restore checks that the file is a landrelease backup, that its records
equal the manifest's counts, and records itself in the restored workspace's
audit trail; a backup records itself in the source's.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from landrelease import settings
from landrelease.errors import DataError, UsageError
from landrelease.store import migrations, schema
from landrelease.store.sql import insert_rows, now_iso, quote
from landrelease.store.workspace import Workspace, _safe, _version, default_actor

Progress = Callable[[str, float], None]
"""Told what is being done and the fraction done (0–1)."""

FORMAT = "landrelease-backup"
FORMAT_VERSION = 1
MANIFEST_TABLE = "landrelease_backup"
"""The table of a GeoPackage backup that holds its manifest (dropped on restore)."""
PG_MANIFEST = "manifest.json"
PG_DUMP = "workspace.pgdump"
GEOPACKAGE, POSTGIS = "geopackage", "postgis"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: who and what made it, and the records of every table."""

    backend: str
    schema_version: int
    landrelease_version: str
    created_at: str
    created_by: str
    source: str
    counts: dict[str, int]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, *, file: str) -> Manifest:
        """The manifest of ``file``; a clear refusal when it is not one landrelease wrote."""
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError("not a landrelease backup manifest")
            if int(doc["format_version"]) > FORMAT_VERSION:
                raise UsageError(
                    f"{file} was written by a newer landrelease (backup format "
                    f"{doc['format_version']}); upgrade landrelease to restore it"
                )
            manifest = cls(**{k: doc[k] for k in cls.__dataclass_fields__})
            if manifest.backend not in (GEOPACKAGE, POSTGIS):
                raise ValueError(f"unknown backend {manifest.backend!r}")
            counts = {str(k): int(v) for k, v in manifest.counts.items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{file} is not a landrelease backup: its manifest {exc}") from None
        return cls(**{**asdict(manifest), "counts": counts})

    @property
    def records(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Manifest
    size_bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    target: str
    manifest: Manifest
    seconds: float
    created_database: bool = False


# -- backup -------------------------------------------------------------------
def backup(
    ws: Workspace,
    out: Path | str,
    *,
    overwrite: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> BackupReport:
    """Write a consistent backup of ``ws`` to ``out`` (refused if it exists, unless ``overwrite``)."""
    started = time.perf_counter()
    out = Path(out)
    _check_output(out, overwrite=overwrite, what="backup")
    tell = progress or (lambda step, fraction: None)
    who = actor or default_actor()
    with _partial(out) as part:
        if ws.dialect == "sqlite":
            manifest = _backup_gpkg(ws, part, who, tell)
        else:
            manifest = _backup_pg(ws, part, who, tell)
        os.replace(part, out)
    with ws.begin() as conn:
        _audit(
            conn, who, "backup", out.name, f"backup of {manifest.records} records written to {out}"
        )
    return BackupReport(out, manifest, out.stat().st_size, time.perf_counter() - started)


def _backup_gpkg(ws: Workspace, part: Path, actor: str, tell: Progress) -> Manifest:
    src = sqlite3.connect(ws.target, timeout=60, isolation_level=None)
    dst = sqlite3.connect(part, isolation_level=None)
    try:
        # one read transaction over every step: writers wait until the copy is done, and the
        # copy never restarts, so it is the state after one commit and before the next
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=_PAGES_PER_STEP, progress=_page_progress(tell, "copying pages"))
        src.execute("COMMIT")
        manifest = Manifest(
            backend=GEOPACKAGE,
            schema_version=_sqlite_schema_version(dst),
            landrelease_version=_version(),
            created_at=now_iso(),
            created_by=actor,
            source=ws.display,
            counts=_sqlite_counts(dst),
        )
        dst.execute("BEGIN")
        dst.execute(f"CREATE TABLE {MANIFEST_TABLE} (manifest TEXT NOT NULL)")
        dst.execute(f"INSERT INTO {MANIFEST_TABLE} VALUES (?)", (manifest.to_json(),))
        dst.execute("COMMIT")
    finally:
        src.close()
        dst.close()
    tell("done", 1.0)
    return manifest


def _backup_pg(ws: Workspace, part: Path, actor: str, tell: Progress) -> Manifest:
    pg_dump = _pg_tool("pg_dump")
    url, env = _libpq(ws.engine.url)
    with ws.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # counted in the snapshot pg_dump copies: the counts are those of the dump
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            manifest = Manifest(
                backend=POSTGIS,
                schema_version=migrations.current_version(conn),
                landrelease_version=_version(),
                created_at=now_iso(),
                created_by=actor,
                source=ws.display,
                counts=ws.table_counts(conn),
            )
            with tempfile.TemporaryDirectory(dir=part.parent, prefix=".landrelease-") as tmp:
                dump = Path(tmp) / PG_DUMP
                cmd = [pg_dump, "-Fc", "-v", f"--snapshot={snapshot}", "-f", str(dump), url]
                _run_pg(
                    cmd, env, tell, "dumping", "dumping contents of table", len(manifest.counts)
                )
                with tarfile.open(part, "w") as tar:
                    _add_bytes(tar, PG_MANIFEST, manifest.to_json().encode())
                    tar.add(dump, arcname=PG_DUMP)
    tell("done", 1.0)
    return manifest


# -- restore ------------------------------------------------------------------
def read_manifest(path: Path | str) -> Manifest:
    """The manifest of a backup file; a clear refusal for anything else (or a damaged file)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no backup file at {path}")
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head == _SQLITE_MAGIC:
        return _gpkg_manifest(path)
    if tarfile.is_tarfile(path):
        return _pg_manifest(path)
    raise UsageError(
        f"{path} is not a landrelease backup (neither a GeoPackage nor a PostGIS backup "
        "written by `landrelease backup`)"
    )


def restore(
    backup_file: Path | str,
    target: str,
    *,
    overwrite: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore a backup into ``target``: a new .gpkg path, or a PostGIS database with no tables."""
    started = time.perf_counter()
    source = Path(backup_file)
    manifest = read_manifest(source)
    if manifest.schema_version > migrations.LATEST:
        raise UsageError(
            f"{source} holds schema version {manifest.schema_version}, newer than this "
            f"landrelease knows ({migrations.LATEST}); upgrade landrelease to restore it"
        )
    tell = progress or (lambda step, fraction: None)
    who = actor or default_actor()
    note = (
        f"restored from {source.name}: a backup of {manifest.source} taken {manifest.created_at} "
        f"by {manifest.created_by} ({manifest.records} records)"
    )
    created = False
    if manifest.backend == GEOPACKAGE:
        if Workspace.is_database_url(target):
            raise UsageError(
                f"{source} is a GeoPackage backup; restore it into a .gpkg file. To move a "
                "workspace to PostGIS, export it and import the package there"
            )
        _restore_gpkg(
            source, Path(target), manifest, overwrite=overwrite, tell=tell, who=who, note=note
        )
    else:
        if not Workspace.is_database_url(target):
            raise UsageError(
                f"{source} is a PostGIS backup; restore it into a database: --db postgresql://…/NEW_DB"
            )
        created = _restore_pg(source, target, manifest, tell=tell, who=who, note=note)
    tell("done", 1.0)
    return RestoreReport(source, _safe(target), manifest, time.perf_counter() - started, created)


def _restore_gpkg(
    source: Path,
    target: Path,
    manifest: Manifest,
    *,
    overwrite: bool,
    tell: Progress,
    who: str,
    note: str,
) -> None:
    if target.suffix.lower() != ".gpkg":
        raise UsageError(f"a workspace file must end in .gpkg: {target}")
    _check_output(target, overwrite=overwrite, what="workspace")
    with _partial(target) as part:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(part, isolation_level=None)
        try:
            src.backup(dst, pages=_PAGES_PER_STEP, progress=_page_progress(tell, "copying pages"))
            tell("checking", 1.0)
            _check_integrity(dst, source)
            _check_counts(_sqlite_counts(dst), manifest, source)
            dst.execute(f"DROP TABLE {MANIFEST_TABLE}")
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{source} cannot be restored: it is damaged ({exc})") from None
        finally:
            src.close()
            dst.close()
        with Workspace.open(str(part)) as ws, ws.begin() as conn:
            _audit(conn, who, "restore", source.name, note)
        os.replace(part, target)


def _restore_pg(
    source: Path, target: str, manifest: Manifest, *, tell: Progress, who: str, note: str
) -> bool:
    pg_restore = _pg_tool("pg_restore")
    created = _prepare_database(target)
    url, env = _libpq(_pg_url(target))
    cmd = [
        pg_restore,
        "-v",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "-d",
        url,
    ]
    try:
        with tarfile.open(source) as tar:
            member = tar.extractfile(PG_DUMP)
            assert member is not None  # checked by read_manifest
            _run_pg(
                cmd,
                env,
                tell,
                "restoring",
                "processing data for table",
                len(manifest.counts),
                stdin=member,
            )
        # counted as restored, before a backup of an older schema version is migrated
        with Workspace(Workspace._engine(target), target) as restored:
            _check_counts(restored.table_counts(), manifest, source)
        with Workspace.open(target) as ws, ws.begin() as conn:
            _audit(conn, who, "restore", source.name, note)
    except BaseException:
        if created:
            _drop_database(target)
        raise
    return created


# -- manifests and counts -----------------------------------------------------
def _gpkg_manifest(path: Path) -> Manifest:
    try:
        with _readonly(path) as conn:
            has = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MANIFEST_TABLE,)
            ).fetchone()
            if not has:
                raise UsageError(
                    f"{path} is a GeoPackage/SQLite file but not a landrelease backup (it has no "
                    "manifest); make backups with `landrelease backup`"
                )
            row = conn.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchone()
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{path} cannot be read as a backup: it is damaged ({exc})") from None
    if row is None:
        raise UsageError(f"{path} is not a landrelease backup: its manifest is empty")
    manifest = Manifest.from_json(row[0], file=str(path))
    if manifest.backend != GEOPACKAGE:
        raise UsageError(
            f"{path} is not a landrelease backup: a GeoPackage with a {manifest.backend} manifest"
        )
    return manifest


def _pg_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path) as tar:
            names = set(tar.getnames())
            if not {PG_MANIFEST, PG_DUMP} <= names:
                raise UsageError(
                    f"{path} is a tar file but not a landrelease backup (it needs {PG_MANIFEST} "
                    f"and {PG_DUMP})"
                )
            fh = tar.extractfile(PG_MANIFEST)
            text = fh.read() if fh else b""
    except (tarfile.TarError, OSError) as exc:
        raise UsageError(f"{path} cannot be read as a backup: it is damaged ({exc})") from None
    manifest = Manifest.from_json(text, file=str(path))
    if manifest.backend != POSTGIS:
        raise UsageError(
            f"{path} is not a landrelease backup: a PostGIS dump with a {manifest.backend} manifest"
        )
    return manifest


def _known_tables(present: set[str]) -> list[str]:
    return [name for name in schema.METADATA.tables if name in present]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for name in _known_tables(present)
    }


def _sqlite_schema_version(conn: sqlite3.Connection) -> int:
    try:
        return int(conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0)
    except sqlite3.OperationalError:
        raise UsageError(
            "the workspace has no schema version: it is not a landrelease workspace"
        ) from None


def _check_counts(found: dict[str, int], manifest: Manifest, source: Path) -> None:
    differ = {
        name: (want, found.get(name))
        for name, want in manifest.counts.items()
        if found.get(name) != want
    }
    if differ:
        shown = "; ".join(
            f"{t}: {got} records, the manifest says {want}"
            for t, (want, got) in list(differ.items())[:5]
        )
        raise DataError(
            f"{source} does not hold what its manifest lists ({shown}); nothing was restored"
        )


def _check_integrity(conn: sqlite3.Connection, source: Path) -> None:
    problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        raise DataError(f"{source} is damaged: {'; '.join(problems[:3])}; nothing was restored")


def _audit(conn: sa.Connection, actor: str, action: str, record_id: str, note: str) -> None:
    insert_rows(
        conn,
        "audit_log",
        ("at", "actor", "action", "layer", "record_id", "note"),
        [(now_iso(), actor, action, "workspace", record_id, note)],
    )


# -- files ----------------------------------------------------------------------
def _check_output(out: Path, *, overwrite: bool, what: str) -> None:
    if out.is_dir():
        raise UsageError(f"{out} is a folder; name the {what} file to write")
    if out.exists() and not overwrite:
        raise UsageError(
            f"{out} exists already; choose another name, or give --overwrite to replace it"
        )
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")


@contextmanager
def _partial(out: Path) -> Iterator[Path]:
    """A temporary file beside ``out`` (same file system: the final rename is atomic), removed on failure."""
    part = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        yield part
    finally:
        part.unlink(missing_ok=True)


@contextmanager
def _readonly(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _page_progress(tell: Progress, step: str) -> Callable[[int, int, int], None]:
    def report(status: int, remaining: int, total: int) -> None:
        tell(step, 1 - remaining / total if total else 1.0)

    return report


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


# -- PostgreSQL's tools -------------------------------------------------------
def _pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from setting postgres_bin_dir, else PATH, else Debian's folders."""
    folder = str(settings.get("postgres_bin_dir"))
    if folder:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise UsageError(f"{name} not found in {folder} (setting postgres_bin_dir)")
    found = shutil.which(name)
    if found:
        return found
    debian = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: _major(p.parts[-3])
    )
    if debian:
        return str(debian[-1])
    raise UsageError(
        f"{name} not found: install PostgreSQL's client programs (e.g. apt install "
        f"postgresql-client), or set LANDRELEASE_POSTGRES_BIN_DIR to the folder that holds {name}"
    )


def _major(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _pg_url(target: str) -> sa.URL:
    return sa.make_url("postgresql+psycopg://" + target.split("://", 1)[1])


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A URL for libpq's tools without the password, and the environment that passes it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg(
    cmd: list[str],
    env: dict[str, str],
    tell: Progress,
    step: str,
    marker: str,
    tables: int,
    *,
    stdin: IO[bytes] | None = None,
) -> None:
    """Run pg_dump or pg_restore, its progress read from the tables it names; its error as a message."""
    tool = Path(cmd[0]).name
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    pump = None
    if stdin is not None:
        pump = threading.Thread(target=_pump, args=(stdin, proc.stdin), daemon=True)
        pump.start()
    assert proc.stderr is not None
    done, errors = 0, []
    for raw in proc.stderr:
        line = raw.decode("utf-8", "replace").rstrip()
        if marker in line:
            done += 1
            tell(step, min(0.99, done / max(tables, 1)))
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line.split(": ", 1)[-1])
    code = proc.wait()
    if pump is not None:
        pump.join()
    if code != 0:
        said = "; ".join(dict.fromkeys(errors[:3])) or f"exit code {code}"
        raise UsageError(f"{tool} failed: {said}")


def _pump(src: IO[bytes], dst: IO[bytes] | None) -> None:
    assert dst is not None
    with suppress(BrokenPipeError), dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _prepare_database(target: str) -> bool:
    """Make sure ``target`` is a database without tables; create it if missing. True if created."""
    engine = sa.create_engine(_pg_url(target), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            tables = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT schemaname || '.' || tablename FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                    "AND tablename <> 'spatial_ref_sys'"
                )
            ]
    except sa.exc.OperationalError as exc:
        if _database_exists(engine.url) is not False:
            raise UsageError(f"cannot connect to {_safe(target)}: {_first_line(exc)}") from None
        _create_database(engine.url)
        return True
    finally:
        engine.dispose()
    if tables:
        raise UsageError(
            f"{_safe(target)} holds {len(tables)} tables already ({', '.join(tables[:3])}…): a "
            "restore never writes over existing data. Name a new database (it is created), "
            "or drop this one first"
        )
    return False


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )


def _database_exists(url: sa.URL) -> bool | None:
    """Whether the server holds the database of ``url``; None when the server cannot say."""
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.exec_driver_sql(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (str(url.database),)
                ).scalar()
            )
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def _create_database(url: sa.URL) -> None:
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quote(conn, str(url.database))}")
    except sa.exc.DBAPIError as exc:
        raise UsageError(f"cannot create the database {url.database}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _drop_database(target: str) -> None:
    url = _pg_url(target)
    engine = _admin_engine(url)
    with suppress(sa.exc.DBAPIError), engine.connect() as conn:
        conn.exec_driver_sql(
            f"DROP DATABASE IF EXISTS {quote(conn, str(url.database))} WITH (FORCE)"
        )
    engine.dispose()


def _first_line(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


__all__ = ["BackupReport", "Manifest", "RestoreReport", "backup", "read_manifest", "restore"]
