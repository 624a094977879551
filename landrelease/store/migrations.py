"""Schema versions of a workspace and how to move an older one forward.

A new workspace is created at the latest version in one step. An existing one
is upgraded by the migrations newer than the version it records, each in the
same transaction as its version stamp. A workspace written by a newer
landrelease is refused rather than damaged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from landrelease.domain import LAYERS
from landrelease.errors import UsageError
from landrelease.store import db_roles, gis_views, indexes, schema, styles
from landrelease.store.sql import insert_rows, now_iso

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300  # GeoPackage 1.3: read without warnings by GDAL 3.x and QGIS 3.x

_GPKG_CORE = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)

PRIVATE_TABLES = frozenset(
    {
        "web_users",
        "covariates",
        "web_login_failures",
        "web_login_addresses",
        "web_sessions",
        "db_logins",
        "workspace_meta",
        "schema_migrations",
    }
)
"""Tables not listed as layers in GIS software (credentials, settings, bookkeeping)."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], object]


def create_latest(conn: sa.Connection) -> None:
    """Create every table of a new workspace at the latest version."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        conn.exec_driver_sql(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        _create_gpkg_core(conn)
    else:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    schema.METADATA.create_all(conn)
    indexes.create_spatial(conn)
    if conn.dialect.name == "sqlite":
        register_gpkg_tables(conn)
    gis_views.create_views(conn)
    styles.add_workspace_styles(conn)
    now = now_iso()
    insert_rows(
        conn,
        "schema_migrations",
        ("version", "description", "applied_at"),
        [(m.version, m.description, now) for m in MIGRATIONS],
    )


def _create_gpkg_core(conn: sa.Connection) -> None:
    for ddl in (*_GPKG_CORE, indexes.GPKG_EXTENSIONS_DDL):
        conn.exec_driver_sql(ddl)
    rows = [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
    ]
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys "
        "(srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?,?,?,?,?,?)",
        rows,
    )


def register_gpkg_tables(conn: sa.Connection) -> None:
    """List the workspace's tables in gpkg_contents so that GDAL and QGIS show them as layers.

    Derived from the schema: a table with a geometry column is a feature layer,
    one with an integer ``fid`` key an attribute table; private tables are not listed.
    """
    now = now_iso()
    helps = {layer.name: layer.help for layer in LAYERS}
    for name, t in schema.METADATA.tables.items():
        if name in PRIVATE_TABLES or "fid" not in t.columns:
            continue
        geom = t.columns.get(schema.GEOMETRY_COLUMN)
        description = helps.get(name) or t.comment or ""
        if geom is not None and isinstance(geom.type, schema.Geometry):
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                "VALUES (?, 'features', ?, ?, ?, 4326)",
                (name, name, description, now),
            )
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, ?, ?, 4326, 0, 0)",
                (name, schema.GEOMETRY_COLUMN, geom.type.geometry_type),
            )
        else:
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                "VALUES (?, 'attributes', ?, ?, ?)",
                (name, name, description, now),
            )


def _add_indexes(conn: sa.Connection) -> None:
    indexes.create_missing(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", create_latest),
    Migration(
        2, "spatial indexes on every geometry; indexes on foreign keys and dates", _add_indexes
    ),
    Migration(
        3, "area in hectares; clean views of every layer for GIS users", gis_views.add_area_ha
    ),
    Migration(
        4,
        "QGIS styles (layer_styles) for the hazards, the survey decisions and their views",
        styles.add_workspace_styles,
    ),
    Migration(
        5,
        "QGIS styles for every layer and GIS view; administrative boundaries",
        styles.add_workspace_styles,
    ),
)
"""Every schema version; a new one appends a Migration whose upgrade alters version N-1 into N.

The GIS views are derived from the schema: they are made again after any migration, and
styles missing from ``layer_styles`` are added (those present, perhaps edited in QGIS, stay)."""

LATEST = MIGRATIONS[-1].version


def add_missing_tables(conn: sa.Connection) -> list[str]:
    """Create the tables of the current schema that an older workspace lacks (additive, idempotent).

    New tables and new nullable columns need no versioned migration; other changes to existing
    tables do.
    """
    present = set(sa.inspect(conn).get_table_names())
    missing = [t for name, t in schema.METADATA.tables.items() if name not in present]
    if missing:
        schema.METADATA.create_all(conn, tables=missing)
        indexes.create_spatial(conn)
        if conn.dialect.name == "sqlite":
            register_gpkg_tables(conn)
    return [t.name for t in missing]


def add_missing_columns(conn: sa.Connection) -> list[str]:
    """Add the nullable columns of the current schema that an older workspace's tables lack
    (additive, idempotent: a new optional field of the data contract); ``table.column`` added."""
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    added = []
    for name, table in schema.METADATA.tables.items():
        if name not in present:
            continue
        with warnings.catch_warnings():  # PostGIS's geometry type is unknown to SQLAlchemy
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            have = {c["name"] for c in inspector.get_columns(name)}
        for col in table.columns:
            if col.name in have or not col.nullable:
                continue
            kind = col.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f'ALTER TABLE "{name}" ADD COLUMN "{col.name}" {kind}')
            added.append(f"{name}.{col.name}")
    return added


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return 0
    value = conn.exec_driver_sql("SELECT max(version) FROM schema_migrations").scalar()
    return int(value or 0)


def upgrade(conn: sa.Connection) -> list[Migration]:
    """Apply the migrations the workspace lacks; return those applied."""
    have = current_version(conn)
    if have > LATEST:
        raise UsageError(
            f"this workspace has schema version {have}, newer than this landrelease knows ({LATEST}); "
            "upgrade landrelease to open it"
        )
    applied = []
    add_missing_tables(conn)
    added = add_missing_columns(conn)
    for m in MIGRATIONS:
        if m.version > have:
            m.upgrade(conn)
            insert_rows(
                conn,
                "schema_migrations",
                ("version", "description", "applied_at"),
                [(m.version, m.description, now_iso())],
            )
            applied.append(m)
    if applied or added:
        gis_views.create_views(conn)  # the views show the fields of the schema now in place
        styles.add_workspace_styles(conn)  # a view or table new since gets its style
        if db_roles.has_logins(conn):
            db_roles.apply(conn)  # database logins read the new tables and views as before
    return applied
