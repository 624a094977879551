"""QGIS styles inside the workspace: the ``layer_styles`` table QGIS reads when it opens a layer.

QGIS looks for a table ``layer_styles`` beside the layers it opens — in a GeoPackage, and in
a PostgreSQL database (in the schema of the connection's search path, ``public`` by default)
— and applies the row marked ``useAsDefault`` whose catalogue, schema, table and geometry
column name the layer. The workspace carries such a row for each styled layer of
:data:`landrelease.domain.styles.LAYER_STYLES` and for the GIS view of that layer
(:mod:`landrelease.store.gis_views`), so both open drawn as on the web map.

A style someone saved from QGIS under another name, or edited in place, is never replaced:
rows are only added where the layer has no style of that name yet.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from landrelease.domain.styles import LAYER_STYLES, categorized_fill_qml
from landrelease.store import gis_views, schema

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


def workspace_styles(dialect: str) -> list[StyledLayer]:
    """The default styles of a workspace's layers and of their GIS views, on this backend."""
    views = {v.name: v for v in gis_views.layer_views()}
    out = []
    for layer, (field, categories, description) in LAYER_STYLES.items():
        qml = categorized_fill_qml(field, categories)
        name = layer.replace("_", " ")
        out.append(StyledLayer(None, layer, name, qml, description))
        if layer in views:
            view = views[layer]
            if dialect == "sqlite":
                out.append(
                    StyledLayer(None, gis_views.view_name(dialect, view), name, qml, description)
                )
            else:
                out.append(StyledLayer(gis_views.VIEW_SCHEMA, view.name, name, qml, description))
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_layer_style(
    gpkg: Path, layer: str, qml: str, *, name: str, description: str, geometry_column: str = "geom"
) -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage file ``gpkg``."""
    with sqlite3.connect(gpkg) as con:
        con.execute(CREATE)
        con.execute(REGISTER)
        con.execute(INSERT, (layer, geometry_column, name, qml, description, _now()))


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
