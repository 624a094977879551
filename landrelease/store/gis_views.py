"""Clean layers for direct GIS access: one view per user layer, for QGIS and GDAL.

The layer tables are written for the software: provenance (``content_hash``,
``import_id``, ``created_by``, ``retired_*``), unknown properties kept in
``extra``, lists as JSON, one geometry column typed by what the layer accepts
(``MULTIPOLYGON`` for hazards, ``POINT`` for findings; untyped ``GEOMETRY`` for a
layer that takes several kinds, such as military positions). A person who opens
the workspace in QGIS gets, beside them, a view of each layer with

* readable columns: the layer's fields, without the system columns, without
  personal data (victims' names stay in the table, readable by the roles
  allowed to: :mod:`landrelease.store.db_roles`);
* lists as text (``road, agriculture``), the area in hectares (``area_ha``);
* only current records (retired ones left out);
* a typed geometry: ``POINT``, ``MULTIPOLYGON``, ``MULTILINESTRING`` …; a layer
  that mixes points, lines and polygons gets one view per kind
  (``military_positions_points``, ``…_lines``, ``…_polygons``).

Where they are:

* **GeoPackage**: views named ``qgis_<layer>``, registered in ``gpkg_contents``
  and ``gpkg_geometry_columns`` so that GDAL and QGIS list them as layers. The
  geometry is the table's own column, so GDAL and QGIS filter them through the
  table's R-tree; the declared type is the table's, or for a view of one kind of a
  mixed layer the multi-part type of that kind.
* **PostGIS**: the schema ``qgis``, one view per layer (``qgis.hazards``). Where the
  table's column has the view's type the view shows it as it is (the table's GIST index
  answers bounding-box queries); a view of one kind of a mixed layer converts to its
  type (``ST_Multi``) and has a GIST index on that expression.
  Views run with the privileges of the person reading (``security_invoker``):
  row-level security of the tables applies to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from landrelease.domain import LAYERS, FieldKind, Layer
from landrelease.store import schema
from landrelease.store.sql import now_iso

VIEW_SCHEMA = "qgis"
"""PostGIS schema holding the views."""
GPKG_PREFIX = "qgis_"
"""Name prefix of the views in a GeoPackage (it has no schemas)."""

_FAMILIES: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("point", "points", ("Point", "MultiPoint")),
    ("line", "lines", ("LineString", "MultiLineString")),
    ("polygon", "polygons", ("Polygon", "MultiPolygon")),
)
_WKB_CODES = {
    "Point": 1,
    "LineString": 2,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}
LIST_KINDS = frozenset({FieldKind.ENUM_LIST, FieldKind.TEXT_LIST})


@dataclass(frozen=True)
class LayerView:
    """The view of one layer (or of one kind of geometry of a layer that mixes kinds)."""

    layer: Layer
    name: str
    """Without schema or prefix: ``hazards``, ``military_positions_points``."""
    geometry_type: str | None
    """Declared geometry type (``MULTIPOLYGON``); ``None`` for a layer without geometry."""
    keeps: tuple[str, ...]
    """The stored geometry types it shows; empty for a layer without geometry."""
    filtered: bool
    """True when the layer holds other kinds too: the view keeps ``keeps`` only."""

    def columns(self) -> list[str]:
        """The view's columns, in order."""
        cols = ["fid", *(f.name for f in self.layer.fields if not f.personal)]
        if self.layer.area:
            cols.append("area_ha")
        if self.geometry_type:
            cols.append(schema.GEOMETRY_COLUMN)
        return cols


def layer_views() -> tuple[LayerView, ...]:
    """The views of every user layer, derived from the layer registry."""
    out: list[LayerView] = []
    for layer in LAYERS:
        if not layer.spatial:
            out.append(LayerView(layer, layer.name, None, (), False))
            continue
        present = [
            (plural, tuple(t for t in types if t in layer.geometry))
            for _, plural, types in _FAMILIES
            if any(t in layer.geometry for t in types)
        ]
        for plural, keeps in present:
            declared = keeps[0] if len(keeps) == 1 else keeps[-1]  # single, else the multi type
            name = layer.name if len(present) == 1 else f"{layer.name}_{plural}"
            out.append(LayerView(layer, name, declared.upper(), keeps, len(present) > 1))
    return tuple(out)


def view_name(dialect: str, view: LayerView) -> str:
    """The view as named in SQL on this backend (``qgis_hazards`` or ``qgis.hazards``)."""
    return f"{GPKG_PREFIX}{view.name}" if dialect == "sqlite" else f"{VIEW_SCHEMA}.{view.name}"


# -- SQL of a view -------------------------------------------------------------------------
def _q(name: str) -> str:
    return f'"{name}"'


def _list_text(dialect: str, col: str) -> str:
    if dialect == "sqlite":
        return f"(SELECT group_concat(value, ', ') FROM json_each(t.{col}))"
    return f"array_to_string(ARRAY(SELECT jsonb_array_elements_text(t.{col})), ', ')"


def _either_text(dialect: str, col: str) -> str:
    """A value stored as text or as a JSON list (``asset``): as text either way."""
    listed = (
        f"(SELECT group_concat(value, ', ') FROM json_each(t.{col}))"
        if dialect == "sqlite"
        else f"array_to_string(ARRAY(SELECT jsonb_array_elements_text(t.{col}::jsonb)), ', ')"
    )
    return f"CASE WHEN substr(t.{col}, 1, 1) = '[' THEN {listed} ELSE t.{col} END"


def _gpkg_header_bytes(col: str) -> str:
    """SQL: the length of a GeoPackage blob's header (8 bytes and the envelope its flags announce)."""
    flags_low = f"(instr('0123456789ABCDEF', substr(hex(substr({col}, 4, 1)), 2, 1)) - 1)"
    return (
        f"(8 + CASE ({flags_low} >> 1) WHEN 1 THEN 32 WHEN 2 THEN 48 WHEN 3 THEN 48 "
        "WHEN 4 THEN 64 ELSE 0 END)"
    )


def kind_filter(dialect: str, kinds: tuple[str, ...], col: str = 't."geom"') -> str:
    """SQL true for the rows whose geometry is one of ``kinds`` (``Point``, ``MultiPolygon`` …).

    In a GeoPackage, read from the WKB type code after the blob's header (2D types).
    """
    if dialect == "sqlite":
        codes = []
        for t in kinds:
            code = _WKB_CODES[t]
            codes += [f"X'{code:02X}000000'", f"X'000000{code:02X}'"]  # little-, big-endian
        return f"substr({col}, {_gpkg_header_bytes(col)} + 2, 4) IN ({', '.join(codes)})"
    names = ", ".join(f"'{t.upper()}'" for t in kinds)
    return f"GeometryType({col}) IN ({names})"


def _kind_filter(dialect: str, view: LayerView, col: str = 't."geom"') -> str:
    """SQL keeping the rows whose geometry is one of the view's types."""
    return kind_filter(dialect, view.keeps, col)


def pg_geometry_expression(view: LayerView, col: str = 't."geom"') -> str:
    """PostGIS: the view's geometry, converted to its declared type where the table's is wider.

    In a view of one kind of a mixed layer, other kinds give NULL rather than a failed cast,
    whatever order the planner evaluates conditions in.
    """
    assert view.geometry_type is not None
    if schema.geometry_type_name(view.layer) == view.geometry_type:
        return col
    body = f"ST_Multi({col})" if view.geometry_type.startswith("MULTI") else col
    if view.filtered:
        body = f"CASE WHEN {_kind_filter('postgresql', view, col)} THEN {body} END"
    return f"({body})::geometry({view.geometry_type},{schema.SRID})"


def view_select(dialect: str, view: LayerView) -> str:
    """The SELECT of a view."""
    layer = view.layer
    sel = ["t.fid AS fid"]
    for f in layer.fields:
        if f.personal:
            continue
        col = _q(f.name)
        if f.kind in LIST_KINDS:
            sel.append(f"{_list_text(dialect, col)} AS {col}")
        elif f.kind is FieldKind.ENUM_OR_LIST:
            sel.append(f"{_either_text(dialect, col)} AS {col}")
        else:
            sel.append(f"t.{col} AS {col}")
    if layer.area:
        sel.append('t."area_ha" AS "area_ha"')
    where = ["t.retired_at IS NULL"]
    if view.geometry_type:
        geom = (
            f"t.{_q(schema.GEOMETRY_COLUMN)}"
            if dialect == "sqlite"
            else pg_geometry_expression(view)
        )
        sel.append(f"{geom} AS {_q(schema.GEOMETRY_COLUMN)}")
        if view.filtered:
            where.append(_kind_filter(dialect, view))
    return f"SELECT {', '.join(sel)} FROM {_q(layer.name)} t WHERE {' AND '.join(where)}"


# -- area in hectares, kept by the database ------------------------------------------------
def _area_tables() -> list[str]:
    return [layer.name for layer in LAYERS if layer.area]


def _area_ha_triggers(conn: sa.Connection) -> None:
    """Keep ``area_ha`` equal to ``area_m2`` / 10 000 (rounded to 0.1 m²) on every write."""
    if conn.dialect.name == "sqlite":
        for t in _area_tables():
            for when, event in (("insert", "INSERT"), ("update", "UPDATE OF area_m2")):
                conn.exec_driver_sql(
                    f'CREATE TRIGGER IF NOT EXISTS "{t}_area_ha_{when}" AFTER {event} ON "{t}" '
                    f'BEGIN UPDATE "{t}" SET area_ha = round(NEW.area_m2 / 10000.0, 5) '
                    "WHERE fid = NEW.fid; END"
                )
        return
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION landrelease_area_ha() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.area_ha := round((NEW.area_m2 / 10000.0)::numeric, 5); RETURN NEW; END $$"
    )
    for t in _area_tables():
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{t}_area_ha" ON "{t}"')
        conn.exec_driver_sql(
            f'CREATE TRIGGER "{t}_area_ha" BEFORE INSERT OR UPDATE OF area_m2 ON "{t}" '
            "FOR EACH ROW EXECUTE FUNCTION landrelease_area_ha()"
        )


def _column_names(conn: sa.Connection, table: str) -> set[str]:
    if conn.dialect.name == "sqlite":
        return {str(r[1]) for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')}
    sql = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s"
    )
    return {str(r[0]) for r in conn.exec_driver_sql(sql, (table,))}


def add_area_ha(conn: sa.Connection) -> None:
    """Give an older workspace's area layers the ``area_ha`` column, filled, and its triggers."""
    kind = "REAL" if conn.dialect.name == "sqlite" else "double precision"
    for t in _area_tables():
        if "area_ha" not in _column_names(conn, t):
            conn.exec_driver_sql(f'ALTER TABLE "{t}" ADD COLUMN area_ha {kind}')
    _area_ha_triggers(conn)
    for t in _area_tables():
        expr = (
            "round(area_m2 / 10000.0, 5)"
            if conn.dialect.name == "sqlite"
            else "round((area_m2 / 10000.0)::numeric, 5)"
        )
        conn.exec_driver_sql(f'UPDATE "{t}" SET area_ha = {expr} WHERE area_m2 IS NOT NULL')


# -- creating the views --------------------------------------------------------------------
def create_views(conn: sa.Connection) -> list[str]:
    """(Re)create every view of :func:`layer_views`; return their names as SQL sees them.

    Idempotent: run after any change of the schema so that views show the current fields.
    """
    _area_ha_triggers(conn)
    return _create_gpkg(conn) if conn.dialect.name == "sqlite" else _create_pg(conn)


def _create_gpkg(conn: sa.Connection) -> list[str]:
    names = []
    now = now_iso()
    for view in layer_views():
        name = view_name("sqlite", view)
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {_q(name)}")
        conn.exec_driver_sql("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
        conn.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))
        conn.exec_driver_sql(f"CREATE VIEW {_q(name)} AS {view_select('sqlite', view)}")
        text = f"{view.layer.help} Current records, readable columns (for GIS use)."
        if view.geometry_type:
            conn.exec_driver_sql(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change, srs_id) VALUES (?, 'features', ?, ?, ?, ?)",
                (name, name, text, now, schema.SRID),
            )
            conn.exec_driver_sql(
                "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
                (name, schema.GEOMETRY_COLUMN, view.geometry_type, schema.SRID),
            )
        else:
            conn.exec_driver_sql(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES (?, 'attributes', ?, ?, ?)",
                (name, name, text, now),
            )
        names.append(name)
    return names


def _create_pg(conn: sa.Connection) -> list[str]:
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {VIEW_SCHEMA}")
    conn.exec_driver_sql(
        f"COMMENT ON SCHEMA {VIEW_SCHEMA} IS 'landrelease: one clean view per layer for GIS use'"
    )
    names = []
    for view in layer_views():
        name = view_name("postgresql", view)
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
        conn.exec_driver_sql(
            f"CREATE VIEW {name} WITH (security_invoker = true) AS "
            f"{view_select('postgresql', view)}"
        )
        help_text = view.layer.help.replace("'", "''")
        conn.exec_driver_sql(f"COMMENT ON VIEW {name} IS '{help_text}'")
        column = _q(schema.GEOMETRY_COLUMN)
        if view.geometry_type and pg_geometry_expression(view, column) != column:
            # the view's geometry is an expression: index it, so bbox queries on the view use it
            conn.exec_driver_sql(
                f'CREATE INDEX IF NOT EXISTS "gix_{view.name}_typed" ON {_q(view.layer.name)} '
                f"USING GIST (({pg_geometry_expression(view, column)}))"
            )
        else:  # the table's column has the view's type (schema 6): its own GIST index serves
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "gix_{view.name}_typed"')
        names.append(name)
    return names
