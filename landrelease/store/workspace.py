"""The workspace: where a programme's records live.

Two backends share one schema (:mod:`landrelease.store.schema`):

* a single GeoPackage file (the default; needs no server, opens in QGIS as it is);
* PostgreSQL/PostGIS for a multi-user national centre (``postgresql://…``).

Writes happen in transactions (:meth:`Workspace.begin`); a batch of checked
records is merged by id with :meth:`Workspace.write_batch`, which applies the
date-of-information rule and writes the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from landrelease.domain import LAYERS, FieldKind, Layer, layer_by_name
from landrelease.domain.records import RecordBatch
from landrelease.errors import UsageError
from landrelease.store import geometry as geo
from landrelease.store import indexes, migrations, schema
from landrelease.store.crs import area_m2, check_metric_crs, metric_crs_rule
from landrelease.store.sql import (
    default_actor,
    insert_returning,
    insert_rows,
    now_iso,
    placeholder,
    quote,
    select_in,
    update_rows,
)

PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


@dataclass
class WriteCounts:
    """What merging a batch into the workspace did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    """Differing records not applied: their date of information is not later than the stored one."""
    stale_ids: list[str] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.stale_ids.extend(other.stale_ids[: max(0, 20 - len(self.stale_ids))])

    def as_dict(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
        }


@dataclass(frozen=True)
class WriteContext:
    actor: str
    import_id: int | None
    now: str
    note: str | None = None
    """Written on every audit entry of the change (e.g. why a record was corrected)."""


@dataclass
class _Merge:
    """How a batch merges into a layer: row positions to insert and to update."""

    ids: list[Any]
    hashes: list[str]
    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    counts: WriteCounts = field(default_factory=WriteCounts)


_WRITE = "landrelease_write"
_WRITE_LOCK = 0x4C52_5752  # "LRWR": the PostgreSQL advisory lock every write transaction holds


@contextmanager
def _writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction, one at a time per workspace; reads never wait.

    SQLite takes its write lock at ``BEGIN IMMEDIATE``; on PostgreSQL a transaction-scoped
    advisory lock does the same, so two server processes and the CLI never both read
    "submitted" and book one approval twice, or move one hazard on from the same state.
    """
    with engine.connect() as conn:
        conn.info[_WRITE] = True
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")
            yield conn


class Workspace:
    """A programme's records in a GeoPackage file or a PostGIS database."""

    def __init__(self, engine: sa.Engine, target: str) -> None:
        self.engine = engine
        self.target = target

    # -- opening --------------------------------------------------------------
    @staticmethod
    def _engine(target: str) -> sa.Engine:
        if target.startswith(PG_SCHEMES):
            url = "postgresql+psycopg://" + target.split("://", 1)[1]
            return sa.create_engine(url, pool_pre_ping=True)
        engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves: DDL stays transactional
            dbapi_conn.execute("PRAGMA synchronous = NORMAL")
            indexes.register_gpkg_functions(dbapi_conn)  # called by the R-tree triggers

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # writers take the write lock at once (no deadlock between two upgrading readers);
            # readers share the file, so concurrent requests never queue behind each other
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_WRITE) else "BEGIN")

        return engine

    @staticmethod
    def is_database_url(target: str) -> bool:
        return target.startswith(PG_SCHEMES)

    @classmethod
    def create(
        cls, target: str, *, metric_crs: str | None = None, actor: str | None = None
    ) -> Workspace:
        """Create a new, empty workspace (a ``.gpkg`` path or a PostgreSQL URL)."""
        if not cls.is_database_url(target):
            path = Path(target)
            if path.suffix.lower() != ".gpkg":
                raise UsageError(f"a workspace file must end in .gpkg: {target}")
            if path.exists():
                raise UsageError(f"{target} exists already; open it, or choose another name")
            if not path.parent.exists():
                raise UsageError(f"folder {path.parent} does not exist")
        engine = cls._engine(target)
        if metric_crs:
            check_metric_crs(metric_crs)
        try:
            with _writing(engine) as conn:
                if cls.is_database_url(target) and migrations.current_version(conn) > 0:
                    raise UsageError(f"{_safe(target)} holds a landrelease workspace already")
                migrations.create_latest(conn)
                meta = {
                    "created_at": now_iso(),
                    "created_by": actor or default_actor(),
                    "landrelease_version": _version(),
                    "metric_crs": metric_crs or "",
                }
                insert_rows(conn, "workspace_meta", ("key", "value"), meta.items())
        except sa.exc.OperationalError as exc:
            if not cls.is_database_url(target):
                Path(target).unlink(missing_ok=True)
            raise UsageError(f"cannot create the workspace {_safe(target)}: {exc.orig}") from None
        except BaseException:
            if not cls.is_database_url(target):
                Path(target).unlink(missing_ok=True)
            raise
        return cls(engine, target)

    @classmethod
    def open(cls, target: str, *, create: bool = False) -> Workspace:
        """Open an existing workspace, upgrading its schema if it is older; ``create`` makes a missing one."""
        if not cls.is_database_url(target) and not Path(target).exists():
            if create:
                return cls.create(target)
            raise UsageError(
                f"no workspace at {target}; create one with `landrelease init {target}`"
            )
        engine = cls._engine(target)
        try:
            with _writing(engine) as conn:
                if migrations.current_version(conn) == 0:
                    if create and cls.is_database_url(target):
                        engine.dispose()
                        return cls.create(target)
                    raise UsageError(f"{_safe(target)} is not a landrelease workspace")
                migrations.upgrade(conn)
        except sa.exc.DatabaseError as exc:
            raise UsageError(f"cannot open the workspace {_safe(target)}: {exc.orig}") from None
        return cls(engine, target)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display(self) -> str:
        return _safe(self.target)

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A transaction: everything inside is written together or not at all."""
        with _writing(self.engine) as conn:
            yield conn

    # -- settings -------------------------------------------------------------
    def meta(self, conn: sa.Connection | None = None) -> dict[str, str]:
        with self._conn(conn) as c:
            return {
                str(k): str(v)
                for k, v in c.exec_driver_sql("SELECT key, value FROM workspace_meta").fetchall()
            }

    def set_meta(self, conn: sa.Connection, key: str, value: str) -> None:
        ph = placeholder(conn)
        conn.exec_driver_sql(f"DELETE FROM workspace_meta WHERE key = {ph}", (key,))
        insert_rows(conn, "workspace_meta", ("key", "value"), [(key, value)])

    def metric_crs(self, conn: sa.Connection | None = None) -> str | None:
        return self.meta(conn).get("metric_crs") or None

    @contextmanager
    def _conn(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as c:
                yield c

    # -- writing --------------------------------------------------------------
    def start_import(self, conn: sa.Connection, *, actor: str, source: str, mode: str) -> int:
        return insert_returning(
            conn,
            "imports",
            {"started_at": now_iso(), "actor": actor, "source": source, "mode": mode},
        )

    def finish_import(self, conn: sa.Connection, import_id: int, summary: dict[str, Any]) -> None:
        update_rows(
            conn,
            "imports",
            ("finished_at", "summary"),
            "fid",
            [(now_iso(), json.dumps(summary), import_id)],
        )

    def ensure_metric_crs(self, conn: sa.Connection, geoms: np.ndarray) -> str:
        """The workspace's metric CRS, chosen from the data (its UTM zone) on first use."""
        crs = self.metric_crs(conn)
        if crs:
            return crs
        crs = metric_crs_rule(None, shapely.total_bounds(geoms))
        if crs is None:
            raise UsageError("no geometry to choose a metric CRS from")
        self.set_meta(conn, "metric_crs", crs)
        return crs

    def write_batch(
        self, conn: sa.Connection, batch: RecordBatch, ctx: WriteContext
    ) -> WriteCounts:
        """Merge checked records by id: insert new ones, update changed ones whose date of information is later."""
        layer = batch.layer
        if not len(batch):
            return WriteCounts()
        columns, rows, geoms = self._db_rows(conn, batch)
        merge = self._merge(conn, batch, rows, geoms)
        wrap = (
            {schema.GEOMETRY_COLUMN: "ST_GeomFromWKB({}, 4326)"}
            if self.dialect == "postgresql"
            else {}
        )
        base = (*columns, "content_hash")
        insert_rows(
            conn,
            layer.name,
            (*base, "created_at", "created_by", "updated_at", "updated_by", "import_id"),
            [
                (*rows[i], merge.hashes[i], ctx.now, ctx.actor, ctx.now, ctx.actor, ctx.import_id)
                for i in merge.new
            ],
            value_sql=wrap,
        )
        audit: list[tuple[Any, ...]] = [
            (ctx.now, ctx.actor, "insert", layer.name, merge.ids[i], ctx.import_id, None, None)
            for i in merge.new
        ]
        if merge.updated:
            upd_ids = [merge.ids[i] for i in merge.updated]
            before = self.records_as_json(conn, layer, upd_ids)
            update_rows(
                conn,
                layer.name,
                (*base, "updated_at", "updated_by", "import_id"),
                layer.id_field,
                [
                    (*rows[i], merge.hashes[i], ctx.now, ctx.actor, ctx.import_id, merge.ids[i])
                    for i in merge.updated
                ],
                value_sql=wrap,
            )
            after = self.records_as_json(conn, layer, upd_ids)
            audit += [
                (
                    ctx.now,
                    ctx.actor,
                    "update",
                    layer.name,
                    rid,
                    ctx.import_id,
                    before.get(rid),
                    after.get(rid),
                )
                for rid in upd_ids
            ]
        insert_rows(
            conn,
            "audit_log",
            ("at", "actor", "action", "layer", "record_id", "import_id", "before", "after", "note"),
            [(*a, ctx.note) for a in audit],
        )
        return merge.counts

    def _merge(
        self,
        conn: sa.Connection,
        batch: RecordBatch,
        rows: list[tuple[Any, ...]],
        geoms: np.ndarray | None,
    ) -> _Merge:
        """Which records are new, which update a stored one, which are unchanged or stale."""
        layer = batch.layer
        hashes = _hash_rows(rows)
        ids = batch.values[layer.id_field].tolist()
        t = quote(conn, layer.name)
        idq = quote(conn, layer.id_field)
        existing = {
            r[0]: (r[1], r[2])
            for r in select_in(
                conn,
                f"SELECT {idq}, content_hash, date_of_information FROM {t} WHERE {idq}",
                ids,
            )
        }
        doi = batch.values["date_of_information"].to_numpy(dtype=object)
        merge = _Merge(ids=ids, hashes=hashes)
        counts = merge.counts
        for i, rid in enumerate(ids):
            old = existing.get(rid)
            if old is None:
                merge.new.append(i)
            elif old[0] == hashes[i] or old[0] == self._one_part_hash(rows[i], geoms, i):
                counts.unchanged += 1
            elif _later(doi[i], old[1]):
                merge.updated.append(i)
            else:
                counts.stale += 1
                if len(counts.stale_ids) < 20:
                    counts.stale_ids.append(str(rid))
        counts.inserted = len(merge.new)
        counts.updated = len(merge.updated)
        return merge

    def _db_rows(
        self, conn: sa.Connection, batch: RecordBatch
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]], np.ndarray | None]:
        """Column names, row tuples in stored form (JSON as text, geometry in the kind its table
        stores, encoded for the backend) and the geometries as stored (``None`` without)."""
        layer, values = batch.layer, batch.values
        columns: list[str] = []
        arrays: list[list[Any]] = []
        for f in layer.fields:
            col = values[f.name].to_numpy(dtype=object)
            if f.kind in schema.JSON_KINDS:
                arrays.append(
                    [None if v is None else json.dumps(v, ensure_ascii=False) for v in col]
                )
            elif f.kind is FieldKind.ENUM_OR_LIST:
                arrays.append(
                    [v if v is None or isinstance(v, str) else json.dumps(v) for v in col]
                )
            else:
                arrays.append(col.tolist())
            columns.append(f.name)
        columns.append("extra")
        arrays.append(
            [
                json.dumps(v, ensure_ascii=False, sort_keys=True) if v else None
                for v in values["extra"]
            ]
        )
        if layer.spatial:
            geoms = batch.geometry
            assert geoms is not None
            if layer.area:
                crs = self.ensure_metric_crs(conn, geoms)
                columns.append("area_m2")
                arrays.append(np.round(area_m2(geoms, crs), 3).tolist())
            columns.append(schema.GEOMETRY_COLUMN)
            geoms = geo.conform(geoms, schema.stored_kinds(layer.name), layer.name)
            arrays.append(self._encode(geoms))
            return tuple(columns), list(zip(*arrays, strict=True)), geoms
        return tuple(columns), list(zip(*arrays, strict=True)), None

    def _encode(self, geoms: np.ndarray) -> list[bytes | None]:
        return geo.to_gpkg_blobs(geoms, 4326) if self.dialect == "sqlite" else geo.to_wkb(geoms)

    def _one_part_hash(self, row: tuple[Any, ...], geoms: np.ndarray | None, i: int) -> str | None:
        """The hash of the row with its one-part multi-part geometry as the single part: the
        fingerprint a record imported before schema version 6 (which stored a Polygon as given)
        carries, so that importing the same file again still changes nothing."""
        g = None if geoms is None else geoms[i]
        if g is None or shapely.get_type_id(g) not in (5, 6) or shapely.get_num_geometries(g) != 1:
            return None
        part = self._encode(np.array([shapely.get_geometry(g, 0)], dtype=object))[0]
        return _hash_rows([(*row[:-1], part)])[0]

    def records_as_json(self, conn: sa.Connection, layer: Layer, ids: list[str]) -> dict[str, str]:
        """Records as JSON text (properties and GeoJSON geometry), for the audit trail."""
        frame = self.read_layer(layer.name, ids=ids, conn=conn, include_retired=True)
        out: dict[str, str] = {}
        geojson = (
            shapely.to_geojson(frame.geometry.values) if layer.spatial and len(frame) else None
        )
        props = frame.drop(columns=["geometry"], errors="ignore")
        for i, rec in enumerate(props.to_dict("records")):
            doc = {k: _jsonable(v) for k, v in rec.items()}
            if geojson is not None:
                doc["geometry"] = json.loads(geojson[i])
            out[str(rec[layer.id_field])] = json.dumps(doc, ensure_ascii=False)
        return out

    # -- reading --------------------------------------------------------------
    def read_layer(
        self,
        name: str,
        *,
        ids: list[str] | None = None,
        include_retired: bool = False,
        include_personal: bool = True,
        system_columns: bool = False,
        bbox: tuple[float, float, float, float] | None = None,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """A layer as a (Geo)DataFrame with values in their domain form (lists, dicts, ISO dates).

        ``bbox`` (minx, miny, maxx, maxy in WGS84 degrees) keeps the records whose bounding
        box meets it, found through the spatial index.
        """
        layer = layer_by_name(name)
        if bbox is not None and not layer.spatial:
            raise UsageError(f"{name} has no geometry: it cannot be filtered by a bounding box")
        with self._conn(conn) as c:
            cols = [f.name for f in layer.fields if include_personal or not f.personal] + ["extra"]
            if layer.area:
                cols.append("area_m2")
            if system_columns or include_retired:
                cols += list(schema.PROVENANCE_COLUMNS)
            sel = [quote(c, x) for x in cols]
            if layer.spatial:
                sel.append(
                    f"ST_AsBinary({schema.GEOMETRY_COLUMN})"
                    if self.dialect == "postgresql"
                    else schema.GEOMETRY_COLUMN
                )
            t = quote(c, layer.name)
            conds = [] if include_retired else ["retired_at IS NULL"]
            params: tuple[Any, ...] = ()
            if bbox is not None:
                cond, params = indexes.bbox_condition(c, layer.name, bbox)
                conds.append(cond)
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            sql = f"SELECT {', '.join(sel)} FROM {t}{where}"
            if ids is not None:
                joiner = " AND " if where else " WHERE "
                rows = select_in(c, f"{sql}{joiner}{quote(c, layer.id_field)}", ids, params)
            else:
                order = f" ORDER BY {quote(c, 'fid')}"
                rows = list(c.exec_driver_sql(sql + order, params).fetchall())
        data: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(sel))]
        frame = pd.DataFrame(
            {
                col: pd.Series(_from_db(layer, col, list(data[k])), dtype=object)
                for k, col in enumerate(cols)
            }
        )
        if not layer.spatial:
            return frame
        raw = list(data[len(cols)])
        if self.dialect == "sqlite":
            geoms = geo.from_gpkg_blobs(raw)
        else:
            geoms = shapely.from_wkb(
                np.array([None if b is None else bytes(b) for b in raw], dtype=object)
            )
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))

    def counts(self) -> dict[str, int]:
        """Records per layer (retired ones not counted)."""
        with self.engine.connect() as c:
            return {
                layer.name: int(
                    c.exec_driver_sql(
                        f"SELECT count(*) FROM {quote(c, layer.name)} WHERE retired_at IS NULL"
                    ).scalar()
                    or 0
                )
                for layer in LAYERS
            }

    def table_counts(self, conn: sa.Connection | None = None) -> dict[str, int]:
        """Rows of every table of the schema, retired records and bookkeeping included."""
        with self._conn(conn) as c:
            present = set(sa.inspect(c).get_table_names())
            return {
                name: int(c.exec_driver_sql(f"SELECT count(*) FROM {quote(c, name)}").scalar() or 0)
                for name in schema.METADATA.tables
                if name in present
            }

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sa.Row[Any]]:
        """Run a read-only SQL query written for both backends."""
        with self.engine.connect() as c:
            return list(c.exec_driver_sql(sql, params).fetchall())


def _hash_rows(rows: list[tuple[Any, ...]]) -> list[str]:
    """A fingerprint of each stored row: equal rows, equal hashes (a re-import changes nothing)."""
    blake = hashlib.blake2b
    return [blake(repr(row).encode(), digest_size=12).hexdigest() for row in rows]


def _later(new: Any, old: Any) -> bool:
    """IMSMA's rule: a record updates a stored one only when its date of information is later.

    Without dates on either side the newer import wins; a stored date is never
    overridden by a record that has none.
    """
    if old is None:
        return True
    if new is None:
        return False
    a = pd.to_datetime(str(new).replace(" ", "T"), format="ISO8601", utc=True)
    b = pd.to_datetime(str(old).replace(" ", "T"), format="ISO8601", utc=True)
    return bool(a > b)


def _from_db(layer: Layer, col: str, values: list[Any]) -> list[Any]:
    f = layer.field(col)
    kind = f.kind if f else None
    if col == "extra":
        return [json.loads(v) if isinstance(v, str) else (v or {}) for v in values]
    if kind in schema.JSON_KINDS:
        return [json.loads(v) if isinstance(v, str) else v for v in values]
    if kind is FieldKind.ENUM_OR_LIST:
        return [json.loads(v) if isinstance(v, str) and v.startswith("[") else v for v in values]
    if kind is FieldKind.BOOL:
        return [None if v is None else bool(v) for v in values]
    if kind is FieldKind.DATE:
        return [v.isoformat() if hasattr(v, "isoformat") else v for v in values]
    if col in ("created_at", "updated_at", "retired_at"):
        return [v.isoformat() if hasattr(v, "isoformat") else v for v in values]
    return values


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def _version() -> str:
    from landrelease import __version__

    return __version__


def _safe(target: str) -> str:
    """A target for messages, with any password in a database URL hidden."""
    if "://" in target and "@" in target:
        scheme, rest = target.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        user = cred.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in cred else f"{scheme}://{user}@{host}"
    return target
