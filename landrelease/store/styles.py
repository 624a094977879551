"""QGIS styles inside the workspace: the ``layer_styles`` table QGIS reads when it opens a layer.

QGIS looks for a table ``layer_styles`` beside the layers it opens — in a GeoPackage, and in
a PostgreSQL database (in the schema of the connection's search path, ``public`` by default)
— and applies the row marked ``useAsDefault`` whose catalogue, schema, table and geometry
column name the layer. The workspace carries such a row for every layer with a geometry
(:data:`landrelease.domain.styles.LAYER_STYLES`) and for each of its GIS views
(:mod:`landrelease.store.gis_views`: one per kind of geometry), so each opens drawn as on the
web map.

A style someone saved from QGIS under another name, or edited in place, is never replaced:
rows are only added where the layer has no style of that name yet.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from landrelease.domain import layer_by_name
from landrelease.domain.styles import LAYER_STYLES, SymbolKind, style_qml, symbol_kind
from landrelease.store import gis_views, schema
from landrelease.store.sql import now_iso

TABLE = "layer_styles"
CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, f_table_schema TEXT,
    f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT,
    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
    update_time DATETIME)"""
CREATE_PG = """CREATE TABLE IF NOT EXISTS layer_styles (
    id SERIAL PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar,
    f_table_name varchar, f_geometry_column varchar, stylename text, styleqml xml,
    stylesld xml, useasdefault boolean, description text,
    owner varchar(63) DEFAULT CURRENT_USER, ui xml,
    update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar, r_raster_column varchar)"""
"""The table as QGIS 3 creates it in PostgreSQL (``type``: geometry type, ``r_raster_column``
for raster styles; QGIS adds them itself when missing, which needs rights a reader lacks)."""
REGISTER = (
    "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
    "VALUES ('layer_styles', 'attributes', 'layer_styles')"
)
INSERT = (
    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
    "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)"
)
INSERT_PG = (
    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
    "f_geometry_column, stylename, styleqml, useasdefault, description) "
    "VALUES (current_database(), %s, %s, %s, %s, XMLPARSE(DOCUMENT %s), true, %s)"
)


@dataclass(frozen=True)
class StyledLayer:
    """One row of ``layer_styles`` the workspace carries."""

    schema: str | None
    """PostGIS schema (``None``: the workspace's own); unused in a GeoPackage."""
    table: str
    name: str
    """The style's name as QGIS lists it."""
    qml: str
    description: str


def _table_kind(table: str) -> SymbolKind:
    """The symbol a table is drawn with: its declared geometry, or for a table of several
    kinds the first its registry entry accepts (QGIS applies one default style to the table;
    its GIS views draw each kind with its own symbol)."""
    declared = schema.METADATA.tables[table].columns[schema.GEOMETRY_COLUMN].type
    geometry = getattr(declared, "geometry_type", "GEOMETRY")
    if geometry == "GEOMETRY":
        geometry = layer_by_name(table).geometry[0]
    return symbol_kind(geometry)


def workspace_styles(dialect: str) -> list[StyledLayer]:
    """The default styles of every layer of the workspace with a geometry and of its GIS views,
    on this backend: one per table and view, drawn with a symbol of the view's kind."""
    out = []
    for table in schema.METADATA.tables:
        style = LAYER_STYLES.get(table)
        if style is None:
            continue
        name = style.style_name(table)
        qml = style_qml(style, _table_kind(table))
        out.append(StyledLayer(None, table, name, qml, style.description))
    for view in gis_views.layer_views():
        style = LAYER_STYLES.get(view.layer.name)
        if style is None or view.geometry_type is None:
            continue
        name = view.name.replace("_", " ") if view.filtered else style.style_name(view.layer.name)
        qml = style_qml(style, symbol_kind(view.geometry_type))
        if dialect == "sqlite":
            table, where = gis_views.view_name(dialect, view), None
        else:
            table, where = view.name, gis_views.VIEW_SCHEMA
        out.append(StyledLayer(where, table, name, qml, style.description))
    return out


def _now() -> str:
    """As GeoPackage writes a DATETIME (milliseconds and ``Z``): GDAL reads it without a warning."""
    return now_iso()


def add_default_style(
    gpkg: Path, layer: str, geometry_type: str, *, geometry_column: str = "geom"
) -> bool:
    """Store the default style of ``layer`` (:data:`LAYER_STYLES`) in the GeoPackage file
    ``gpkg``, drawn for its ``geometry_type``; ``False`` for a layer without one."""
    style = LAYER_STYLES.get(layer)
    if style is None:
        return False
    add_layer_style(
        gpkg,
        layer,
        style_qml(style, symbol_kind(geometry_type)),
        name=style.style_name(layer),
        description=style.description,
        geometry_column=geometry_column,
    )
    return True


def add_layer_style(
    gpkg: Path, layer: str, qml: str, *, name: str, description: str, geometry_column: str = "geom"
) -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage file ``gpkg``."""
    with sqlite3.connect(gpkg) as con:
        con.execute(CREATE)
        con.execute(REGISTER)
        con.execute(INSERT, (layer, geometry_column, name, qml, description, _now()))


def conform_update_times(conn: sa.Connection) -> int:
    """GeoPackage: give the styles stored before schema version 6 (``…T06:18:16Z``) the
    DATETIME form GDAL reads without a warning (``…T06:18:16.000Z``); how many."""
    if conn.dialect.name != "sqlite" or not sa.inspect(conn).has_table(TABLE):
        return 0
    result = conn.exec_driver_sql(
        "UPDATE layer_styles SET update_time = substr(update_time, 1, 19) || '.000Z' "
        "WHERE length(update_time) = 20 AND update_time LIKE '%Z'"
    )
    return int(result.rowcount or 0)


def add_workspace_styles(conn: sa.Connection) -> int:
    """Give the workspace the default styles it lacks (:func:`workspace_styles`); idempotent.

    Creates ``layer_styles`` if missing (GeoPackage: listed in ``gpkg_contents`` as an
    attribute table, as QGIS does). Returns the number of styles added.
    """
    column = schema.GEOMETRY_COLUMN
    added = 0
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(CREATE)
        conn.exec_driver_sql(REGISTER)
        for s in workspace_styles("sqlite"):
            have = conn.exec_driver_sql(
                "SELECT 1 FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                (s.table, s.name),
            ).scalar()
            if have is None:
                conn.exec_driver_sql(
                    INSERT, (s.table, column, s.name, s.qml, s.description, _now())
                )
                added += 1
        return added
    conn.exec_driver_sql(CREATE_PG)
    home = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
    for s in workspace_styles("postgresql"):
        where = s.schema or home
        have = conn.exec_driver_sql(
            "SELECT 1 FROM layer_styles WHERE f_table_catalog = current_database() "
            "AND f_table_schema = %s AND f_table_name = %s AND stylename = %s",
            (where, s.table, s.name),
        ).scalar()
        if have is None:
            conn.exec_driver_sql(INSERT_PG, (where, s.table, column, s.name, s.qml, s.description))
            added += 1
    return added
