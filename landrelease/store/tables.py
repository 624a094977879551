"""Reading and writing the workspace's plain tables on both backends, without SQL in the callers.

The evidence layers are read through :meth:`Workspace.read_layer`; every other
table declared in :mod:`landrelease.store.schema` (the land-release ledger,
reviews, completions, QA, runs and their results) is read and written here,
as (Geo)DataFrames with values in their domain form: dates and timestamps as
ISO text, JSON as lists and dicts, geometry as shapely in EPSG:4326.

Filters are given as ``{column: value}``: a value matches by equality, a
list or tuple by membership, ``None`` by being empty, and a :class:`Between`
by an inclusive range. The backend's placeholders, quoting and geometry
encoding stay in this package.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from landrelease.store import geometry as geo
from landrelease.store import migrations, schema
from landrelease.store.sql import (
    insert_returning,
    insert_rows,
    now_iso,
    placeholder,
    quote,
)

JSON_COLUMNS = frozenset(
    {
        "flags",
        "figures",
        "activities",
        "needs",
        "services",
        "summary",
        "parameters",
        "contributions",
        "settlements",
    }
)
"""Columns holding JSON text, read back as lists and dicts."""

MAX_IN = 900
"""Values bound in one ``IN (…)`` (SQLite's limit is 999)."""


@dataclass(frozen=True)
class Between:
    """An inclusive range filter; either end may be open (``None``)."""

    low: Any = None
    high: Any = None


def _iso(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def column_kind(col: sa.Column[Any]) -> str:
    """How a column is stored: geometry, json, timestamp, date, bool or plain."""
    t = col.type
    if isinstance(t, schema.Geometry):
        return "geometry"
    if col.name in JSON_COLUMNS and not isinstance(t, (sa.Integer, sa.Float)):
        return "json"
    if isinstance(t, sa.DateTime):
        return "timestamp"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Boolean):
        return "bool"
    return "plain"


def _where(
    conn: sa.Connection, filters: Mapping[str, Any], in_values: Sequence[Any] | None = None
) -> tuple[list[str], list[Any]]:
    ph = placeholder(conn)
    clauses: list[str] = []
    params: list[Any] = []
    for col, value in filters.items():
        q = quote(conn, col)
        if value is None:
            clauses.append(f"{q} IS NULL")
        elif isinstance(value, Between):
            if value.low is not None:
                clauses.append(f"{q} >= {ph}")
                params.append(_iso(value.low))
            if value.high is not None:
                clauses.append(f"{q} <= {ph}")
                params.append(_iso(value.high))
        elif isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
            values = list(value)
            if not values:
                clauses.append("1 = 0")
            else:
                clauses.append(f"{q} IN ({', '.join([ph] * len(values))})")
                params.extend(_plain(v) for v in values)
        else:
            clauses.append(f"{q} = {ph}")
            params.append(_iso(_plain(value)))
    return clauses, params


def _chunks(filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Split one long membership filter so that no statement binds more than :data:`MAX_IN`."""
    for col, value in filters.items():
        if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
            values = list(value)
            if len(values) > MAX_IN:
                return [
                    {**filters, col: values[i : i + MAX_IN]} for i in range(0, len(values), MAX_IN)
                ]
    return [dict(filters)]


def read_table(
    conn: sa.Connection,
    name: str,
    *,
    where: Mapping[str, Any] | None = None,
    include_retired: bool = False,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A table as a (Geo)DataFrame in its domain form, in the order rows were written."""
    tab = schema.table(name)
    cols = [c for c in tab.columns if columns is None or c.name in columns or c.name == "fid"]
    sel = []
    for c in cols:
        q = quote(conn, c.name)
        if column_kind(c) == "geometry" and conn.dialect.name == "postgresql":
            sel.append(f"ST_AsBinary({q})")
        else:
            sel.append(q)
    rows: list[Any] = []
    for part in _chunks(where or {}):
        clauses, params = _where(conn, part)
        if not include_retired and "retired_at" in tab.columns:
            clauses.insert(0, "retired_at IS NULL")
        sql = f"SELECT {', '.join(sel)} FROM {quote(conn, name)}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows.extend(conn.exec_driver_sql(sql + " ORDER BY fid", tuple(params)).fetchall())
    if len(_chunks(where or {})) > 1:
        rows.sort(key=lambda r: r[0])
    return _frame(conn, cols, rows)


def _frame(conn: sa.Connection, cols: list[sa.Column[Any]], rows: list[Any]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    geoms = None
    for k, c in enumerate(cols):
        values = [r[k] for r in rows]
        kind = column_kind(c)
        if kind == "geometry":
            geoms = decode_geometries(conn, values)
            continue
        if kind == "json":
            values = [json.loads(v) if isinstance(v, str) else v for v in values]
        elif kind in ("timestamp", "date"):
            values = [_iso(v) for v in values]
        elif kind == "bool":
            values = [None if v is None else bool(v) for v in values]
        data[c.name] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(data, columns=[c.name for c in cols if column_kind(c) != "geometry"])
    for c in cols:
        if isinstance(c.type, (sa.Float, sa.Double)) or c.name.endswith(("_m2", "_usd")):
            frame[c.name] = pd.to_numeric(frame[c.name], errors="coerce")
    if geoms is None:
        return frame
    if not len(rows):
        geoms = np.array([], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def decode_geometries(conn: sa.Connection, values: Sequence[Any]) -> np.ndarray:
    """Shapely geometries from stored values (GeoPackage blobs or PostGIS WKB)."""
    if conn.dialect.name == "sqlite":
        return np.asarray(geo.from_gpkg_blobs(list(values)), dtype=object)
    return np.asarray(
        shapely.from_wkb(np.array([None if b is None else bytes(b) for b in values], dtype=object)),
        dtype=object,
    )


def _stored_columns(
    conn: sa.Connection, name: str, columns: Sequence[str], rows: list[list[Any]]
) -> tuple[list[list[Any]], dict[str, str], np.ndarray | None]:
    """Values in stored form (JSON text, encoded geometry), the SQL wrappers, the geometries."""
    tab = schema.table(name)
    kinds = {c.name: column_kind(c) for c in tab.columns}
    wrap: dict[str, str] = {}
    geoms = None
    for i, c in enumerate(columns):
        if kinds.get(c) == "json":
            rows[i] = [
                v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for v in rows[i]
            ]
        elif kinds.get(c) == "geometry":
            geoms = geo.conform(np.array(rows[i], dtype=object), schema.stored_kinds(name), name)
            rows[i] = encode_geometries(conn, geoms)
            if conn.dialect.name == "postgresql":
                wrap[c] = "ST_GeomFromWKB({}, 4326)"
        else:
            rows[i] = [_iso(_plain(v)) for v in rows[i]]
    return rows, wrap, geoms


def encode_geometries(conn: sa.Connection, geoms: np.ndarray) -> list[Any]:
    """Geometries in the backend's stored form."""
    return geo.to_gpkg_blobs(geoms, 4326) if conn.dialect.name == "sqlite" else geo.to_wkb(geoms)


def insert_records(conn: sa.Connection, name: str, records: Sequence[Mapping[str, Any]]) -> int:
    """Insert rows given as mappings (geometry as shapely in EPSG:4326); return how many."""
    if not records:
        return 0
    tab = schema.table(name)
    columns = [c.name for c in tab.columns if c.name != "fid" and c.name in records[0]]
    arrays = [[r.get(c) for r in records] for c in columns]
    arrays, wrap, geoms = _stored_columns(conn, name, columns, arrays)
    insert_rows(conn, name, columns, list(zip(*arrays, strict=True)), value_sql=wrap)
    if geoms is not None:
        extend_extent(conn, name, geoms)
    return len(records)


def insert_record(conn: sa.Connection, name: str, record: Mapping[str, Any]) -> int:
    """Insert one row and return its ``fid`` as the database gave it."""
    tab = schema.table(name)
    columns = [c for c in record if c != "fid" and c in tab.columns]
    arrays = [[record[c]] for c in columns]
    arrays, wrap, geoms = _stored_columns(conn, name, columns, arrays)
    fid = insert_returning(
        conn, name, {c: arrays[i][0] for i, c in enumerate(columns)}, value_sql=wrap
    )
    if geoms is not None:
        extend_extent(conn, name, geoms)
    return fid


def insert_frame(conn: sa.Connection, name: str, frame: pd.DataFrame, **constant: Any) -> int:
    """Insert a frame's rows (columns named as in the table; a GeoDataFrame's geometry goes to
    the table's geometry column), each with the ``constant`` values (e.g. ``run_id=7``)."""
    if not len(frame):
        return 0
    tab = schema.table(name)
    geom_col = next((c.name for c in tab.columns if column_kind(c) == "geometry"), None)
    data: dict[str, list[Any]] = {k: [v] * len(frame) for k, v in constant.items()}
    for col in frame.columns:
        if isinstance(frame, gpd.GeoDataFrame) and col == frame.geometry.name:
            if geom_col is not None:
                data[geom_col] = list(np.asarray(frame.geometry.values, dtype=object))
            continue
        if col in tab.columns:
            data[col] = frame[col].tolist()
    columns = list(data)
    arrays, wrap, geoms = _stored_columns(conn, name, columns, [data[c] for c in columns])
    insert_rows(conn, name, columns, list(zip(*arrays, strict=True)), value_sql=wrap)
    if geoms is not None:
        extend_extent(conn, name, geoms)
    return len(frame)


def update_where(
    conn: sa.Connection, name: str, values: Mapping[str, Any], where: Mapping[str, Any]
) -> int:
    """Update columns of the rows matching ``where``; JSON values are serialised. Returns how many."""
    tab = schema.table(name)
    kinds = {c.name: column_kind(c) for c in tab.columns}
    ph = placeholder(conn)
    sets = ", ".join(f"{quote(conn, k)} = {ph}" for k in values)
    vals = [
        json.dumps(v, ensure_ascii=False)
        if kinds.get(k) == "json" and v is not None and not isinstance(v, str)
        else _iso(_plain(v))
        for k, v in values.items()
    ]
    clauses, params = _where(conn, where)
    sql = f"UPDATE {quote(conn, name)} SET {sets}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    result = conn.exec_driver_sql(sql, (*vals, *params))
    return int(result.rowcount or 0)


def delete_where(conn: sa.Connection, name: str, where: Mapping[str, Any]) -> int:
    """Delete the rows matching ``where`` (only for private working tables such as login
    failures; records are retired, never deleted). Returns how many."""
    if name not in migrations.PRIVATE_TABLES:
        raise ValueError(f"{name} holds records: retire them instead of deleting")
    clauses, params = _where(conn, where)
    if not clauses:
        raise ValueError("delete_where needs a filter")
    result = conn.exec_driver_sql(
        f"DELETE FROM {quote(conn, name)} WHERE {' AND '.join(clauses)}", tuple(params)
    )
    return int(result.rowcount or 0)


def count_where(conn: sa.Connection, name: str, where: Mapping[str, Any] | None = None) -> int:
    """How many rows match ``where``."""
    clauses, params = _where(conn, where or {})
    sql = f"SELECT count(*) FROM {quote(conn, name)}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return int(conn.exec_driver_sql(sql, tuple(params)).scalar() or 0)


def has_table(conn: sa.Connection, name: str) -> bool:
    return bool(sa.inspect(conn).has_table(name))


def extend_extent(conn: sa.Connection, name: str, geoms: np.ndarray) -> None:
    """Grow a GeoPackage table's declared extent to cover new geometries (QGIS zooms to it)."""
    if conn.dialect.name != "sqlite" or not len(geoms):
        return
    present = np.asarray(geoms, dtype=object)[~shapely.is_missing(geoms)]
    present = present[~shapely.is_empty(present)] if len(present) else present
    if not len(present):
        return
    b = [float(v) for v in shapely.total_bounds(present)]
    conn.exec_driver_sql(
        "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?), ?), "
        "min_y = min(coalesce(min_y, ?), ?), max_x = max(coalesce(max_x, ?), ?), "
        "max_y = max(coalesce(max_y, ?), ?), last_change = ? WHERE table_name = ?",
        (b[0], b[0], b[1], b[1], b[2], b[2], b[3], b[3], now_iso(), name),
    )


def as_multipolygon(g: shapely.Geometry) -> shapely.Geometry:
    """A polygonal geometry as a MultiPolygon (the records tables' declared type)."""
    if g is None or g.is_empty:
        return shapely.MultiPolygon()
    if isinstance(g, shapely.MultiPolygon):
        return g
    if isinstance(g, shapely.Polygon):
        return shapely.MultiPolygon([g])
    parts = [p for p in getattr(g, "geoms", []) if isinstance(p, (shapely.Polygon))]
    parts += [
        q for p in getattr(g, "geoms", []) if isinstance(p, shapely.MultiPolygon) for q in p.geoms
    ]
    return shapely.MultiPolygon(parts)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is pd.NaT:
        return None
    return v
