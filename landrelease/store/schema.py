"""The workspace schema, derived from the layer registry: one schema, two backends.

Each layer becomes a table with its fields, an ``extra`` column for unknown
properties (kept, never dropped), ``area_m2`` where areas matter, the geometry
(EPSG:4326), and provenance: who created and last changed the record, when,
through which import, and whether it was retired (nothing is deleted).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from landrelease.domain import LAYERS, FieldKind, Layer

SRID = 4326
GEOMETRY_COLUMN = "geom"
PROVENANCE_COLUMNS = (
    "content_hash",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "import_id",
    "retired_at",
    "retired_by",
    "retired_reason",
)
"""System columns every layer table has; never exported as properties."""


class Geometry(UserDefinedType[Any]):
    """A geometry column: GeoPackage geometry blob on SQLite, PostGIS geometry on PostgreSQL."""

    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        self.geometry_type = geometry_type

    def get_col_spec(self, **kw: Any) -> str:
        return self.geometry_type


@compiles(Geometry, "postgresql")
def _pg_geometry(element: Geometry, compiler: Any, **kw: Any) -> str:
    kind = "Geometry" if element.geometry_type == "GEOMETRY" else element.geometry_type.title()
    kind = kind.replace("string", "String").replace("polygon", "Polygon")
    return f"geometry({kind},{SRID})"


JSON_TYPE = sa.Text().with_variant(postgresql.JSONB(), "postgresql")
DOUBLE: Any = sa.Double().with_variant(sa.REAL(), "sqlite")
"""Double precision: REAL in GeoPackage (GDAL reads FLOAT as 32-bit), DOUBLE PRECISION in PostGIS."""
TIMESTAMP = sa.DateTime(timezone=True)

_COLUMN_TYPES: dict[FieldKind, Any] = {
    FieldKind.TEXT: sa.Text(),
    FieldKind.INT: sa.Integer(),
    FieldKind.FLOAT: DOUBLE,
    FieldKind.BOOL: sa.Boolean(),
    FieldKind.DATE: sa.Date(),
    FieldKind.DATETIME: sa.Text(),
    FieldKind.ENUM: sa.Text(),
    FieldKind.ENUM_LIST: JSON_TYPE,
    FieldKind.TEXT_LIST: JSON_TYPE,
    FieldKind.ENUM_OR_LIST: sa.Text(),
    FieldKind.VICTIMS: JSON_TYPE,
}
JSON_KINDS = frozenset({FieldKind.ENUM_LIST, FieldKind.TEXT_LIST, FieldKind.VICTIMS})


def geometry_type_name(layer: Layer) -> str:
    """The declared geometry type: the single accepted type, else GEOMETRY."""
    return layer.geometry[0].upper() if len(layer.geometry) == 1 else "GEOMETRY"


def layer_table(layer: Layer, metadata: sa.MetaData) -> sa.Table:
    cols: list[sa.Column[Any]] = [
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    ]
    for f in layer.fields:
        cols.append(
            sa.Column(
                f.name,
                _COLUMN_TYPES[f.kind],
                nullable=f.name != layer.id_field,
                unique=f.name == layer.id_field,
            )
        )
    cols.append(sa.Column("extra", JSON_TYPE))
    if layer.area:
        cols.append(
            sa.Column(
                "area_m2", sa.Float, comment="area in m² computed in the workspace's metric CRS"
            )
        )
    cols += [
        sa.Column("content_hash", sa.Text),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("created_by", sa.Text),
        sa.Column("updated_at", TIMESTAMP),
        sa.Column("updated_by", sa.Text),
        sa.Column("import_id", sa.Integer),
        sa.Column("retired_at", TIMESTAMP),
        sa.Column("retired_by", sa.Text),
        sa.Column("retired_reason", sa.Text),
    ]
    if layer.spatial:
        cols.append(sa.Column(GEOMETRY_COLUMN, Geometry(geometry_type_name(layer))))
    return sa.Table(layer.name, metadata, *cols, sqlite_autoincrement=True, comment=layer.help)


def build_metadata() -> sa.MetaData:
    """All tables of a workspace at the latest schema version."""
    md = sa.MetaData()
    for layer in LAYERS:
        layer_table(layer, md)
    sa.Table(
        "workspace_meta",
        md,
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text),
        comment="Workspace settings: metric CRS, name, creation.",
    )
    sa.Table(
        "schema_migrations",
        md,
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("description", sa.Text),
        sa.Column("applied_at", TIMESTAMP),
    )
    sa.Table(
        "imports",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", TIMESTAMP),
        sa.Column("finished_at", TIMESTAMP),
        sa.Column("actor", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("mode", sa.Text, comment="all (every record valid) or keep_valid"),
        sa.Column("summary", JSON_TYPE),
        sqlite_autoincrement=True,
        comment="Every import: who, when, from where, what it changed.",
    )
    sa.Table(
        "audit_log",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False, comment="insert, update, retire"),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("import_id", sa.Integer),
        sa.Column("before", JSON_TYPE, comment="the record before the change (update, retire)"),
        sa.Column("after", JSON_TYPE, comment="the record after the change (update)"),
        sa.Column("note", sa.Text),
        sa.Index("ix_audit_layer_record", "layer", "record_id"),
        sqlite_autoincrement=True,
        comment="Every change to every record: who, when, before and after.",
    )
    # --- risk map and survey decisions (issue 4) ---
    _risk_tables(md)
    return md


# --- risk map and survey decisions (issue 4) ---
RISK_SPATIAL_TABLES = {"survey_parts": "MULTIPOLYGON"}
RISK_ATTRIBUTE_TABLES = ("risk_runs", "hazard_risk", "survey_runs")


def _risk_tables(md: sa.MetaData) -> None:
    """Risk-map runs, per-hazard risk, and the survey engine's recommended parts."""
    sa.Table(
        "risk_runs",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_at", TIMESTAMP),
        sa.Column("actor", sa.Text),
        sa.Column("model", sa.Text, comment="boosted, evidence or distance"),
        sa.Column(
            "fallback", sa.Boolean, comment="true when no searched land was there to learn from"
        ),
        sa.Column("cell_m", DOUBLE),
        sa.Column("crs", sa.Text),
        sa.Column("raster", sa.Text, comment="path of the GeoTIFF written"),
        sa.Column(
            "summary",
            JSON_TYPE,
            comment="cross-validated scores, training cells, reliability, timings",
        ),
        sqlite_autoincrement=True,
        comment="Each risk map computed: model, cell size, scores.",
    )
    sa.Table(
        "hazard_risk",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("area_m2", DOUBLE),
        sa.Column("expected_devices", DOUBLE),
        sa.Column(
            "mean_probability", DOUBLE, comment="mean per-cell probability of at least one device"
        ),
        sa.Column("max_probability", DOUBLE),
        sa.Column(
            "p_any_device", DOUBLE, comment="probability that the hazard holds at least one device"
        ),
        sa.Index("ix_hazard_risk_run", "run_id", "hazard_id"),
        sqlite_autoincrement=True,
        comment="Per-hazard statistics of each risk map.",
    )
    sa.Table(
        "survey_runs",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_at", TIMESTAMP),
        sa.Column("actor", sa.Text),
        sa.Column("risk_run_id", sa.Integer),
        sa.Column("rule", sa.Text, comment="recall or residual"),
        sa.Column("summary", JSON_TYPE, comment="thresholds and totals"),
        sqlite_autoincrement=True,
        comment="Each run of the survey engine: the rule applied and its totals.",
    )
    sa.Table(
        "survey_parts",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("part_id", sa.Text, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column(
            "decision", sa.Text, nullable=False, comment="cancel, technical_survey or clearance"
        ),
        sa.Column("area_m2", DOUBLE),
        sa.Column("expected_devices", DOUBLE),
        sa.Column("p_any_device", DOUBLE, comment="probability that any device lies in this part"),
        sa.Column("devices_per_ha", DOUBLE),
        sa.Column("evidence", sa.Text, comment="the evidence that drove the decision, in words"),
        sa.Column("confidence", sa.Text, comment="a statement of confidence"),
        sa.Column(GEOMETRY_COLUMN, Geometry("MULTIPOLYGON")),
        sa.Index("ix_survey_parts_survey", "survey_id", "hazard_id"),
        sqlite_autoincrement=True,
        comment="Recommended land-release decision for each part of each active hazard.",
    )


METADATA = build_metadata()
SYSTEM_TABLES = ("workspace_meta", "schema_migrations", "imports", "audit_log")


def table(name: str) -> sa.Table:
    return METADATA.tables[name]
