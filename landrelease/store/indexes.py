"""Indexes of the workspace: spatial indexes on every geometry column, b-trees on what queries filter.

* **GeoPackage**: the R-tree spatial index extension of the GeoPackage standard
  (OGC 12-128r18, annex F.3): a row ``gpkg_rtree_index`` in ``gpkg_extensions``,
  a virtual table ``rtree_<table>_geom`` holding each feature's bounding box,
  and the triggers that keep it current on every insert, update and delete —
  the same statements GDAL writes, so GDAL and QGIS use and maintain the index.
  The triggers call ``ST_IsEmpty``, ``ST_MinX`` … which GDAL and QGIS provide;
  landrelease provides them on its own connections (:func:`register_gpkg_functions`).
* **PostGIS**: a GIST index on every geometry column, declared in the schema.

Both are created with the tables of a new workspace; :func:`create_missing`
adds those an older workspace lacks (schema version 2). Attribute indexes
(foreign keys such as ``hazard_id`` and the dates reads filter on) are
declared in :mod:`landrelease.store.schema` and added the same way.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa

from landrelease.store import schema
from landrelease.store.geometry import gpkg_envelope
from landrelease.store.sql import quote

RTREE_EXTENSION = "gpkg_rtree_index"
RTREE_DEFINITION = "http://www.geopackage.org/spec120/#extension_rtree"


def spatial_tables() -> list[tuple[str, str]]:
    """(table, geometry column) of every table of the schema with a geometry."""
    return [
        (name, col.name)
        for name, t in schema.METADATA.tables.items()
        for col in t.columns
        if isinstance(col.type, schema.Geometry)
    ]


def rtree_name(table: str, column: str) -> str:
    return f"rtree_{table}_{column}"


# -- the ST_ functions the GeoPackage R-tree triggers call -----------------------------
def _bound(k: int) -> Any:
    def fn(blob: bytes | None) -> float | None:
        env = gpkg_envelope(blob)
        return None if env is None else env[k]

    return fn


def _is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(gpkg_envelope(blob) is None)


def register_gpkg_functions(dbapi_conn: sqlite3.Connection) -> None:
    """Give a SQLite connection the functions the R-tree triggers call (as GDAL does)."""
    dbapi_conn.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
    for k, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        dbapi_conn.create_function(name, 1, _bound(k), deterministic=True)


# -- GeoPackage R-tree -----------------------------------------------------------------
def gpkg_rtree_ddl(table: str, column: str) -> list[str]:
    """The virtual table and triggers of a GeoPackage R-tree index (GeoPackage 1.3, as GDAL writes)."""
    t, c, r = f'"{table}"', f'"{column}"', f'"{rtree_name(table, column)}"'
    trig = rtree_name(table, column)
    values = (
        f'VALUES (NEW."fid", ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), '
        f"ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}))"
    )
    present = f"(NEW.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))"
    absent = f"(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))"
    return [
        f"CREATE VIRTUAL TABLE {r} USING rtree(id, minx, maxx, miny, maxy)",
        f'CREATE TRIGGER "{trig}_insert" AFTER INSERT ON {t} WHEN {present} '
        f"BEGIN INSERT OR REPLACE INTO {r} {values}; END",
        f'CREATE TRIGGER "{trig}_update1" AFTER UPDATE OF {c} ON {t} '
        f'WHEN OLD."fid" = NEW."fid" AND {present} '
        f"BEGIN INSERT OR REPLACE INTO {r} {values}; END",
        f'CREATE TRIGGER "{trig}_update2" AFTER UPDATE OF {c} ON {t} '
        f'WHEN OLD."fid" = NEW."fid" AND {absent} '
        f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; END',
        f'CREATE TRIGGER "{trig}_update3" AFTER UPDATE ON {t} '
        f'WHEN OLD."fid" != NEW."fid" AND {present} '
        f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; INSERT OR REPLACE INTO {r} {values}; END',
        f'CREATE TRIGGER "{trig}_update4" AFTER UPDATE ON {t} '
        f'WHEN OLD."fid" != NEW."fid" AND {absent} '
        f'BEGIN DELETE FROM {r} WHERE id IN (OLD."fid", NEW."fid"); END',
        f'CREATE TRIGGER "{trig}_delete" AFTER DELETE ON {t} WHEN OLD.{c} NOT NULL '
        f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; END',
    ]


GPKG_EXTENSIONS_DDL = """CREATE TABLE IF NOT EXISTS gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
    scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"""


def _sqlite_names(conn: sa.Connection) -> set[str]:
    return {str(r[0]) for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}


def create_gpkg_rtrees(conn: sa.Connection) -> list[str]:
    """Add the R-tree index of every geometry column lacking one, filled from the rows present."""
    conn.exec_driver_sql(GPKG_EXTENSIONS_DDL)
    names = _sqlite_names(conn)
    made = []
    for table, column in spatial_tables():
        if table not in names or rtree_name(table, column) in names:
            continue
        for ddl in gpkg_rtree_ddl(table, column):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql(
            f'INSERT INTO "{rtree_name(table, column)}" '
            f'SELECT fid, ST_MinX("{column}"), ST_MaxX("{column}"), ST_MinY("{column}"), '
            f'ST_MaxY("{column}") FROM "{table}" '
            f'WHERE "{column}" NOT NULL AND NOT ST_IsEmpty("{column}")'
        )
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO gpkg_extensions "
            "(table_name, column_name, extension_name, definition, scope) "
            "VALUES (?, ?, ?, ?, 'write-only')",
            (table, column, RTREE_EXTENSION, RTREE_DEFINITION),
        )
        made.append(rtree_name(table, column))
    return made


def gist_name(table: str, column: str) -> str:
    return f"gix_{table}_{column}"


def create_pg_gist(conn: sa.Connection) -> list[str]:
    """Add the GIST index of every geometry column lacking one (PostGIS)."""
    present = set(sa.inspect(conn).get_table_names())
    made = []
    for table, column in spatial_tables():
        if table not in present:
            continue
        name = gist_name(table, column)
        exists = conn.exec_driver_sql("SELECT to_regclass(%s)", (name,)).scalar()
        if exists is None:
            conn.exec_driver_sql(
                f"CREATE INDEX {quote(conn, name)} ON {quote(conn, table)} "
                f"USING GIST ({quote(conn, column)})"
            )
            made.append(name)
    return made


def create_spatial(conn: sa.Connection) -> list[str]:
    """The spatial index of every geometry column lacking one, on either backend."""
    return create_gpkg_rtrees(conn) if conn.dialect.name == "sqlite" else create_pg_gist(conn)


def create_missing(conn: sa.Connection) -> list[str]:
    """Create every index of the schema that the workspace lacks (attribute and spatial); return their names."""
    inspector = sa.inspect(conn)
    present_tables = set(inspector.get_table_names())
    made: list[str] = []
    for name, t in schema.METADATA.tables.items():
        if name not in present_tables:
            continue
        have = {ix["name"] for ix in inspector.get_indexes(name)}
        for ix in sorted(t.indexes, key=lambda i: str(i.name)):
            if ix.name not in have:
                ix.create(conn)
                made.append(str(ix.name))
    return made + create_spatial(conn)


def bbox_condition(
    conn: sa.Connection, table: str, bbox: tuple[float, float, float, float]
) -> tuple[str, tuple[float, ...]]:
    """A WHERE condition (and its values) keeping the rows of ``table`` whose bounding box meets ``bbox``.

    Answered by the spatial index: the R-tree on GeoPackage, the GIST index on PostGIS.
    """
    minx, miny, maxx, maxy = bbox
    column = schema.GEOMETRY_COLUMN
    if conn.dialect.name == "sqlite":
        r = quote(conn, rtree_name(table, column))
        return (
            f"fid IN (SELECT id FROM {r} WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)",
            (maxx, minx, maxy, miny),
        )
    return (
        f"{quote(conn, column)} && ST_MakeEnvelope(%s, %s, %s, %s, {schema.SRID})",
        (minx, miny, maxx, maxy),
    )
