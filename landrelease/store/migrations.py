"""Schema versions of a workspace and how to move an older one forward.

A new workspace is created at the latest version in one step. An existing one
is upgraded by the migrations newer than the version it records, each in the
same transaction as its version stamp. A workspace written by a newer
landrelease is refused rather than damaged.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa

from landrelease.domain import LAYERS, layer_by_name
from landrelease.errors import UsageError
from landrelease.store import db_roles, gis_views, indexes, schema, styles
from landrelease.store import geometry as geo
from landrelease.store.sql import default_actor, insert_rows, now_iso, quote

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


def declare_geometry_types(conn: sa.Connection) -> dict[str, int]:
    """Give every geometry column the type its table holds (schema version 6).

    Older workspaces declared ``GEOMETRY`` for the layers that take a type and its
    multi-part form (hazards, activities, land use, boundaries, front lines): GDAL and
    QGIS then read them as of unknown type. One-part geometries are now stored multi-part
    wherever the layer takes the multi-part form (a Polygon as a one-part MultiPolygon:
    same shape, same area), in layers of several kinds too, and the column declares its
    type, in ``gpkg_geometry_columns`` or as the PostGIS column type. A stored geometry
    of a kind its table does not take stops the migration, naming the records, and
    nothing is changed. Returns how many geometries of each table were made multi-part;
    the audit trail records them.
    """
    present = set(sa.inspect(conn).get_table_names())
    promoted: dict[str, int] = {}
    for name in schema.METADATA.tables:
        kinds = schema.stored_kinds(name)
        if kinds is None or name not in present:
            continue
        _refuse_other_kinds(conn, name, kinds)
        if conn.dialect.name == "sqlite":
            count = _promote_gpkg(conn, name, kinds)
        else:
            count = _promote_pg(conn, name, kinds)
        if count:
            promoted[name] = count
    if promoted:
        note = "one-part geometries stored multi-part, as their layer declares: " + ", ".join(
            f"{name} {n}" for name, n in promoted.items()
        )
        insert_rows(
            conn,
            "audit_log",
            ("at", "actor", "action", "layer", "record_id", "after", "note"),
            [
                (
                    now_iso(),
                    default_actor(),
                    "migrate",
                    "workspace",
                    "schema 6",
                    json.dumps(promoted),
                    note,
                )
            ],
        )
    return promoted


def _typed_geometry(conn: sa.Connection) -> None:
    """Schema version 6: typed geometry columns; style times GDAL copies without a warning."""
    declare_geometry_types(conn)
    styles.conform_update_times(conn)


def _names(kinds: set[str]) -> tuple[str, ...]:
    return tuple(schema.GEOMETRY_TYPES[k] for k in sorted(kinds))


def _lifted(kinds: tuple[str, ...]) -> set[str]:
    """The one-part kinds stored multi-part in a table storing ``kinds``."""
    singles = {geo.single_part_of(k) for k in kinds}
    return {k for k in singles if k is not None and k not in kinds}


def _refuse_other_kinds(conn: sa.Connection, name: str, kinds: tuple[str, ...]) -> None:
    """Stop, naming the records, when a stored geometry is of a kind its table does not take
    (written by hand in QGIS or SQL): the workspace stays at its version, unchanged."""
    col = quote(conn, schema.GEOMETRY_COLUMN)
    accepted = _names({*kinds, *_lifted(kinds)})
    ok = gis_views.kind_filter(conn.dialect.name, accepted, col)
    try:
        key = layer_by_name(name).id_field
    except KeyError:
        key = "fid"
    wkb = col if conn.dialect.name == "sqlite" else f"ST_AsBinary({col})"
    rows = conn.exec_driver_sql(
        f"SELECT {quote(conn, key)}, {wkb} FROM {quote(conn, name)} "
        f"WHERE {col} IS NOT NULL AND NOT ({ok})"
    ).fetchall()
    if not rows:
        return
    geoms = _decode(conn, [r[1] for r in rows[:10]])
    shown = ", ".join(
        f"{r[0]} ({geo.type_name(shapely.get_type_id(g)) if g is not None else 'unreadable'})"
        for r, g in zip(rows[:10], geoms, strict=True)
    )
    raise UsageError(
        f"{name} takes {' or '.join(accepted)} geometries; {len(rows)} stored record(s) hold "
        f"another kind: {shown}{' …' if len(rows) > 10 else ''}. Correct or remove those "
        "geometries (in QGIS), then open the workspace again: nothing was changed"
    )


def _decode(conn: sa.Connection, values: list[object]) -> np.ndarray:
    raw = [None if v is None else bytes(v) for v in values]  # type: ignore[call-overload]
    if conn.dialect.name == "sqlite":
        return geo.from_gpkg_blobs(raw)
    return np.asarray(shapely.from_wkb(np.array(raw, dtype=object)), dtype=object)


def _promote_gpkg(conn: sa.Connection, name: str, kinds: tuple[str, ...]) -> int:
    col = quote(conn, schema.GEOMETRY_COLUMN)
    count = 0
    lifted = _lifted(kinds)
    if lifted:
        one_part = gis_views.kind_filter("sqlite", _names(lifted), col)
        rows = conn.exec_driver_sql(
            f"SELECT fid, {col} FROM {quote(conn, name)} WHERE {col} IS NOT NULL AND {one_part}"
        ).fetchall()
        if rows:
            made = geo.conform(_decode(conn, [r[1] for r in rows]), kinds, name)
            blobs = geo.to_gpkg_blobs(made, schema.SRID)
            conn.exec_driver_sql(
                f"UPDATE {quote(conn, name)} SET {col} = ? WHERE fid = ?",
                [(b, r[0]) for b, r in zip(blobs, rows, strict=True)],
            )
            count = len(rows)
    conn.exec_driver_sql(
        "UPDATE gpkg_geometry_columns SET geometry_type_name = ? "
        "WHERE table_name = ? AND column_name = ?",
        (schema.declared_geometry(name), name, schema.GEOMETRY_COLUMN),
    )
    return count


def _promote_pg(conn: sa.Connection, name: str, kinds: tuple[str, ...]) -> int:
    col = quote(conn, schema.GEOMETRY_COLUMN)
    table = quote(conn, name)
    lifted = sorted(_lifted(kinds))
    count = 0
    if lifted:
        one_part = gis_views.kind_filter("postgresql", _names(set(lifted)), col)
        count = int(
            conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE {one_part}").scalar() or 0
        )
    declared = schema.declared_geometry(name)
    now = conn.exec_driver_sql(
        "SELECT upper(type) FROM geometry_columns WHERE f_table_schema = current_schema() "
        "AND f_table_name = %s AND f_geometry_column = %s",
        (name, schema.GEOMETRY_COLUMN),
    ).scalar()
    if declared != "GEOMETRY" and now != declared:
        # the GIS views read the column: made again, on the new type, once the migrations are done
        for view in gis_views.layer_views():
            if view.layer.name == name:
                conn.exec_driver_sql(
                    f"DROP VIEW IF EXISTS {gis_views.view_name('postgresql', view)}"
                )
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "gix_{view.name}_typed"')
        kind = schema.Geometry(declared or "GEOMETRY").compile(dialect=conn.dialect)
        using = f"ST_Multi({col})" if lifted else col
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {kind} USING {using}")
    elif count:
        conn.exec_driver_sql(f"UPDATE {table} SET {col} = ST_Multi({col}) WHERE {one_part}")
    return count


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
    Migration(
        6,
        "typed geometry columns: hazards, activities, land use, boundaries MultiPolygon, "
        "front lines MultiLineString; one-part geometries stored multi-part",
        _typed_geometry,
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
