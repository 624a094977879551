"""QGIS styles inside a GeoPackage: the ``layer_styles`` table QGIS reads when it opens a layer."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path


def add_layer_style(
    gpkg: Path, layer: str, qml: str, *, name: str, description: str, geometry_column: str = "geom"
) -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage ``gpkg``."""
    with sqlite3.connect(gpkg) as con:
        con.execute(
            """CREATE TABLE IF NOT EXISTS layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, f_table_schema TEXT,
                f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT,
                styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
                update_time DATETIME)"""
        )
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            (
                layer,
                geometry_column,
                name,
                qml,
                description,
                dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            ),
        )
