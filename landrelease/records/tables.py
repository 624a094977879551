"""Reading and writing the records tables (ledger, reviews, completions, QA) on both backends.

The layer tables are read through :meth:`Workspace.read_layer`; the tables of
this package are plain tables declared in :mod:`landrelease.store.schema` and
read here into (Geo)DataFrames with values in their domain form: dates and
timestamps as ISO text, JSON as lists and dicts, geometry as shapely in
EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from landrelease.store import geometry as geo
from landrelease.store import schema
from landrelease.store.sql import insert_rows, placeholder, quote


def _iso(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        text = v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return text
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _column_kind(col: sa.Column[Any]) -> str:
    t = col.type
    if isinstance(t, schema.Geometry):
        return "geometry"
    if col.name in ("flags", "figures", "activities", "needs", "services"):
        return "json"
    if isinstance(t, sa.DateTime):
        return "timestamp"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Boolean):
        return "bool"
    return "plain"


def read_table(
    conn: sa.Connection,
    name: str,
    *,
    where: str = "",
    params: Sequence[Any] = (),
    include_retired: bool = False,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A records table as a (Geo)DataFrame; ``where`` is SQL with the backend's placeholders.

    Use :func:`ph` to write placeholders that work on both backends.
    """
    tab = schema.table(name)
    cols = [c for c in tab.columns if columns is None or c.name in columns or c.name == "fid"]
    sel = []
    for c in cols:
        q = quote(conn, c.name)
        if _column_kind(c) == "geometry" and conn.dialect.name == "postgresql":
            sel.append(f"ST_AsBinary({q})")
        else:
            sel.append(q)
    clauses = []
    if not include_retired and "retired_at" in tab.columns:
        clauses.append("retired_at IS NULL")
    if where:
        clauses.append(f"({where})")
    sql = f"SELECT {', '.join(sel)} FROM {quote(conn, name)}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY fid"
    rows = conn.exec_driver_sql(sql, tuple(params)).fetchall()
    data: dict[str, Any] = {}
    geoms = None
    for k, c in enumerate(cols):
        values = [r[k] for r in rows]
        kind = _column_kind(c)
        if kind == "geometry":
            if conn.dialect.name == "sqlite":
                geoms = geo.from_gpkg_blobs(values)
            else:
                geoms = shapely.from_wkb(
                    np.array([None if b is None else bytes(b) for b in values], dtype=object)
                )
            continue
        if kind == "json":
            values = [json.loads(v) if isinstance(v, str) else v for v in values]
        elif kind in ("timestamp", "date"):
            values = [_iso(v) for v in values]
        elif kind == "bool":
            values = [None if v is None else bool(v) for v in values]
        data[c.name] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(data, columns=[c.name for c in cols if _column_kind(c) != "geometry"])
    for c in cols:
        if isinstance(c.type, (sa.Float, sa.Double)) or c.name.endswith(("_m2", "_usd")):
            frame[c.name] = pd.to_numeric(frame[c.name], errors="coerce")
    if geoms is None:
        return frame
    if not len(rows):
        geoms = np.array([], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def insert_records(conn: sa.Connection, name: str, records: Sequence[Mapping[str, Any]]) -> int:
    """Insert rows given as mappings (geometry as shapely in EPSG:4326); return how many."""
    if not records:
        return 0
    tab = schema.table(name)
    columns = [c.name for c in tab.columns if c.name != "fid" and c.name in records[0]]
    kinds = {c.name: _column_kind(c) for c in tab.columns}
    arrays: dict[str, list[Any]] = {c: [r.get(c) for r in records] for c in columns}
    for c in columns:
        if kinds[c] == "json":
            arrays[c] = [
                None if v is None else json.dumps(v, ensure_ascii=False) for v in arrays[c]
            ]
        elif kinds[c] == "geometry":
            g = np.array(arrays[c], dtype=object)
            arrays[c] = (
                geo.to_gpkg_blobs(g, 4326) if conn.dialect.name == "sqlite" else geo.to_wkb(g)
            )
    wrap = (
        {schema.GEOMETRY_COLUMN: "ST_GeomFromWKB({}, 4326)"}
        if conn.dialect.name == "postgresql"
        else {}
    )
    insert_rows(
        conn, name, columns, list(zip(*(arrays[c] for c in columns), strict=True)), value_sql=wrap
    )
    return len(records)


def update_where(
    conn: sa.Connection, name: str, values: Mapping[str, Any], where: str, params: Sequence[Any]
) -> int:
    """Update columns of the rows matching ``where``; JSON values are serialised."""
    tab = schema.table(name)
    kinds = {c.name: _column_kind(c) for c in tab.columns}
    sets = ", ".join(f"{quote(conn, k)} = {placeholder(conn)}" for k in values)
    vals = [
        json.dumps(v, ensure_ascii=False) if kinds.get(k) == "json" and v is not None else v
        for k, v in values.items()
    ]
    result = conn.exec_driver_sql(
        f"UPDATE {quote(conn, name)} SET {sets} WHERE {where}", (*vals, *params)
    )
    return int(result.rowcount or 0)


def ph(conn: sa.Connection) -> str:
    """The backend's parameter placeholder (``?`` on SQLite, ``%s`` on PostgreSQL)."""
    return placeholder(conn)


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
