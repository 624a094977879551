"""QGIS styles inside a GeoPackage: the ``layer_styles`` table QGIS reads when it opens a layer."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from landrelease.domain.styles import LAYER_STYLES, categorized_fill_qml

CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, f_table_schema TEXT,
    f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT,
    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
    update_time DATETIME)"""
REGISTER = (
    "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
    "VALUES ('layer_styles', 'attributes', 'layer_styles')"
)
INSERT = (
    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
    "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)"
)


def _row(layer: str, column: str, name: str, qml: str, description: str) -> tuple[str, ...]:
    return (
        layer,
        column,
        name,
        qml,
        description,
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def add_layer_style(
    gpkg: Path, layer: str, qml: str, *, name: str, description: str, geometry_column: str = "geom"
) -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage file ``gpkg``."""
    with sqlite3.connect(gpkg) as con:
        con.execute(CREATE)
        con.execute(REGISTER)
        con.execute(INSERT, _row(layer, geometry_column, name, qml, description))


def add_workspace_styles(conn: sa.Connection, *, geometry_column: str) -> None:
    """The default styles of a new GeoPackage workspace's layers (:data:`LAYER_STYLES`)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(CREATE)
    conn.exec_driver_sql(REGISTER)
    for layer, (field, categories, description) in LAYER_STYLES.items():
        qml = categorized_fill_qml(field, categories)
        conn.exec_driver_sql(
            INSERT, _row(layer, geometry_column, layer.replace("_", " "), qml, description)
        )
