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


GEOMETRY_TYPES = {
    "GEOMETRY": "Geometry",
    "POINT": "Point",
    "LINESTRING": "LineString",
    "POLYGON": "Polygon",
    "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString",
    "MULTIPOLYGON": "MultiPolygon",
}
"""Declared geometry types (as GeoPackage writes them) and their names in PostGIS and shapely."""


class Geometry(UserDefinedType[Any]):
    """A geometry column: GeoPackage geometry blob on SQLite, PostGIS geometry on PostgreSQL."""

    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        self.geometry_type = geometry_type

    def get_col_spec(self, **kw: Any) -> str:
        return self.geometry_type


@compiles(Geometry, "postgresql")
def _pg_geometry(element: Geometry, compiler: Any, **kw: Any) -> str:
    return f"geometry({GEOMETRY_TYPES[element.geometry_type]},{SRID})"


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


LAYER_INDEXES: dict[str, tuple[str, ...]] = {
    "hazards": ("status", "reported"),
    "activities": ("hazard_id", "end"),
    "findings": ("activity_id", "date"),
    "incidents": ("date",),
    "testimony": ("date",),
    "land_use": ("observed",),
    "eore_sessions": ("settlement_id", "date"),
    "qa_visits": ("activity_id", "date"),
    "funding": ("date",),
}
"""Columns of the layers that reads join or filter on (the hazard of an activity, dates): b-tree indexed.

Every layer's id is indexed by its unique constraint, every geometry by the spatial
index (:mod:`landrelease.store.indexes`)."""


_MULTI_OF = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


def geometry_type_name(layer: Layer) -> str:
    """The declared geometry type of a layer's table, by what the layer accepts.

    One type: that type (``POINT``). A type and its multi-part form: the multi-part one
    (``MULTIPOLYGON``: a one-part polygon is stored as a one-part multipolygon). Several
    kinds (points and polygons): ``GEOMETRY``, and the GIS views split the kinds.
    """
    kinds = set(layer.geometry)
    if len(kinds) == 1:
        return layer.geometry[0].upper()
    for single, multi in _MULTI_OF.items():
        if kinds == {single, multi}:
            return multi.upper()
    return "GEOMETRY"


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
        cols.append(
            sa.Column(
                "area_ha",
                DOUBLE,
                comment="area_m2 in hectares, kept by the database (shown in the GIS views)",
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
    indexes = [sa.Index(f"ix_{layer.name}_{c}", c) for c in LAYER_INDEXES.get(layer.name, ())]
    return sa.Table(
        layer.name, metadata, *cols, *indexes, sqlite_autoincrement=True, comment=layer.help
    )


def build_metadata() -> sa.MetaData:
    """All tables of a workspace at the latest schema version."""
    md = sa.MetaData()
    for layer in LAYERS:
        layer_table(layer, md)
    _system_tables(md)
    _records_tables(md)
    _assistance_tables(md)
    _quality_tables(md)
    _planning_tables(md)
    _web_tables(md)
    _risk_tables(md)
    _covariate_tables(md)
    return md


def _system_tables(md: sa.MetaData) -> None:
    """Workspace settings, schema versions, imports and the audit trail."""
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
        sa.Column(
            "action",
            sa.Text,
            nullable=False,
            comment="insert, update, retire; backup, restore (layer workspace)",
        ),
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


def _planning_table(md: sa.MetaData, name: str, comment: str, *cols: sa.Column[Any]) -> sa.Table:
    """A planning table: every row belongs to a run of ``planning_runs``."""
    run = [] if name == "planning_runs" else [sa.Column("run_id", sa.Integer, nullable=False)]
    return sa.Table(
        name,
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        *run,
        *cols,
        *([sa.Index(f"ix_{name}_run", "run_id")] if run else []),
        sqlite_autoincrement=True,
        comment=comment,
    )


def _planning_tables(md: sa.MetaData) -> None:
    """Results of `landrelease prioritise`, `plan` and `forecast` (landrelease/planning/store.py).

    Every row belongs to a run; readers take the latest run of its kind.
    """
    month = "month as YYYY-MM"
    _planning_table(
        md,
        "planning_runs",
        "Runs of prioritise, plan and forecast: when, by whom, with which settings, what they found.",
        sa.Column("kind", sa.Text, nullable=False, comment="priorities, plan or forecast"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.Text),
        sa.Column("parameters", JSON_TYPE),
        sa.Column("summary", JSON_TYPE),
    )
    _planning_table(
        md,
        "priorities",
        "Hazards ranked by multi-criteria analysis, with each criterion's contribution to the score.",
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", DOUBLE, nullable=False),
        sa.Column(
            "people",
            DOUBLE,
            comment="people able to return (Shapley share of each blocked settlement)",
        ),
        sa.Column(
            "people_blocked", sa.Integer, comment="planned population of the settlements it blocks"
        ),
        sa.Column("infrastructure", DOUBLE, comment="infrastructure units unblocked"),
        sa.Column("farmland_ha", DOUBLE),
        sa.Column("casualty_risk", DOUBLE, comment="expected casualties per year"),
        sa.Column("team_days", DOUBLE),
        sa.Column("cost_usd", DOUBLE),
        sa.Column("contributions", JSON_TYPE, comment="score contribution of each criterion"),
        sa.Column("settlements", JSON_TYPE, comment="ids of the settlements it blocks"),
    )
    _planning_table(
        md,
        "plan_tasks",
        "Tasks of the operations plan (NTS, technical survey, clearance) with start and end month.",
        sa.Column("task_id", sa.Text, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("part_id", sa.Text),
        sa.Column("method", sa.Text, nullable=False, comment="NTS, TS or clearance"),
        sa.Column("area_m2", DOUBLE),
        sa.Column("sequence", sa.Integer, comment="position in the plan's priority order"),
        sa.Column("start_month", sa.Text, comment=month),
        sa.Column("end_month", sa.Text, comment=f"{month}; empty when not done by the horizon"),
        sa.Column("team_days", DOUBLE),
        sa.Column("cost_usd", DOUBLE),
    )
    _plan_result_tables(md)


def _plan_result_tables(md: sa.MetaData) -> None:
    """The plan's schedule, the settlements' readiness and the forecast's scenarios."""
    month = "month as YYYY-MM"
    _planning_table(
        md,
        "plan_schedule",
        "Team-days by task, asset kind and month: the operations plan.",
        sa.Column("task_id", sa.Text, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("asset", sa.Text, nullable=False, comment="manual, dog, rat or machine"),
        sa.Column("month", sa.Text, nullable=False, comment=month),
        sa.Column("team_days", DOUBLE, nullable=False, comment="incl. mobilisation"),
        sa.Column("mobilisation_days", DOUBLE),
        sa.Column("area_m2", DOUBLE, comment="task area released by this work"),
        sa.Column("cost_usd", DOUBLE),
    )
    _planning_table(
        md,
        "plan_readiness",
        "When each settlement is ready: every hazard blocking it released (plan and forecast).",
        sa.Column("settlement_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("population_planned", sa.Integer),
        sa.Column("blocking_hazards", sa.Integer),
        sa.Column("status", sa.Text, comment="ready now, planned, after the horizon"),
        sa.Column("plan_date", sa.Date, comment="last day of the month the plan makes it ready"),
        sa.Column("scenario", sa.Text, comment="forecast scenario of p10/p50/p90"),
        sa.Column("p10", sa.Date),
        sa.Column("p50", sa.Date),
        sa.Column("p90", sa.Date),
    )
    _planning_table(
        md,
        "forecast_scenarios",
        "Forecast per scenario: programme completion and cost (P10/P50/P90) and the pace so far.",
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("completion_p10", sa.Date),
        sa.Column("completion_p50", sa.Date),
        sa.Column("completion_p90", sa.Date),
        sa.Column("cost_usd_p10", DOUBLE),
        sa.Column("cost_usd_p50", DOUBLE),
        sa.Column("cost_usd_p90", DOUBLE),
        sa.Column("figures", JSON_TYPE, comment="further figures: people home by year, area"),
    )


def _web_tables(md: sa.MetaData) -> None:
    """People who may log in to the web application, recent failed logins, the addresses they
    logged in from, open sessions."""
    sa.Table(
        "web_users",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column(
            "password_hash", sa.Text, nullable=False, comment="argon2id hash; never the password"
        ),
        sa.Column(
            "role",
            sa.Text,
            nullable=False,
            comment="administrator, information_manager, analyst, operator or donor",
        ),
        sa.Column("organisation", sa.Text, comment="an operator's organisation (its drafts only)"),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("created_by", sa.Text),
        sa.Column("disabled", sa.Boolean, nullable=False, default=False),
        sqlite_autoincrement=True,
        comment="People who may log in to the web application, with their role.",
    )
    sa.Table(
        "web_login_failures",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False, comment="the client's IP address"),
        sa.Column("at", DOUBLE, nullable=False, comment="seconds since 1970 (UTC)"),
        sa.Index("ix_web_login_failures_who", "username", "address"),
        sqlite_autoincrement=True,
        comment="Recent failed web logins, shared by every server process (rate limiting).",
    )
    sa.Table(
        "web_login_addresses",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False, comment="the client's IP address"),
        sa.Column("at", DOUBLE, nullable=False, comment="last login, seconds since 1970 (UTC)"),
        sa.Index("ix_web_login_addresses_who", "username", "address"),
        sqlite_autoincrement=True,
        comment="Where each user last logged in: from there a user whose name is locked by "
        "failures elsewhere still logs in.",
    )
    sa.Table(
        "web_sessions",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_hash",
            sa.Text,
            nullable=False,
            unique=True,
            comment="SHA-256 of the session id the signed cookie or token carries; never the id",
        ),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("created_at", DOUBLE, nullable=False, comment="seconds since 1970 (UTC)"),
        sa.Column("expires_at", DOUBLE, nullable=False, comment="seconds since 1970 (UTC)"),
        sa.Index("ix_web_sessions_username", "username"),
        sqlite_autoincrement=True,
        comment="Web logins not yet ended: logging out deletes the row, so a copied cookie "
        "or token stops working.",
    )
    sa.Table(
        "db_logins",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("login", sa.Text, nullable=False, unique=True, comment="the PostgreSQL login"),
        sa.Column(
            "role",
            sa.Text,
            nullable=False,
            comment="administrator, information_manager, analyst, operator or donor",
        ),
        sa.Column("organisation", sa.Text, comment="an operator's organisation (its drafts only)"),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("created_by", sa.Text),
        sqlite_autoincrement=True,
        comment="Direct database logins (PostGIS) and the role whose rights they have.",
    )


RECORDS_SPATIAL_TABLES: dict[str, str] = {
    "land_release": "MULTIPOLYGON",
    "qa_sampling_plans": "MULTIPOLYGON",
    "qa_samples": "MULTIPOLYGON",
}
"""Tables of the records workflow and quality management with a geometry (shown as map layers)."""


def _retired() -> list[sa.Column[Any]]:
    return [
        sa.Column("retired_at", TIMESTAMP),
        sa.Column("retired_by", sa.Text),
        sa.Column("retired_reason", sa.Text),
    ]


def _created() -> list[sa.Column[Any]]:
    return [sa.Column("created_at", TIMESTAMP), sa.Column("created_by", sa.Text)]


def _records_tables(md: sa.MetaData) -> None:
    """The land-release ledger, the activity workflow's reviews, and hazard completions."""
    fid = lambda: sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True)  # noqa: E731
    geom = lambda name: sa.Column(  # noqa: E731
        GEOMETRY_COLUMN, Geometry(RECORDS_SPATIAL_TABLES[name])
    )
    sa.Table(
        "land_release",
        md,
        fid(),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False, comment="cancelled, reduced or cleared"),
        sa.Column("area_m2", DOUBLE, nullable=False, comment="area released in m²"),
        sa.Column("released_on", sa.Date, nullable=False, comment="the activity's end date"),
        sa.Column("source", sa.Text, comment="approval (in this workspace) or imported"),
        sa.Column("booked_at", TIMESTAMP),
        sa.Column("booked_by", sa.Text),
        *_retired(),
        geom("land_release"),
        sa.Index("ix_land_release_activity", "activity_id"),
        sa.Index("ix_land_release_hazard", "hazard_id"),
        sa.Index("ix_land_release_released_on", "released_on"),
        sqlite_autoincrement=True,
        comment="Land-release ledger: area cancelled, reduced and cleared by approved activities.",
    )
    sa.Table(
        "activity_reviews",
        md,
        fid(),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("step", sa.Text, nullable=False, comment="submitted, approved or rejected"),
        sa.Column("status_before", sa.Text),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("flags", JSON_TYPE, comment="warnings raised, e.g. accreditation"),
        sa.Column("figures", JSON_TYPE, comment="areas booked, hazard before and after"),
        sa.Index("ix_activity_reviews_activity", "activity_id"),
        sqlite_autoincrement=True,
        comment="Workflow of activities: draft → submitted → approved or rejected.",
    )
    sa.Table(
        "hazard_completions",
        md,
        fid(),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("hazard_area_m2", DOUBLE),
        sa.Column("cancelled_m2", DOUBLE),
        sa.Column("reduced_m2", DOUBLE),
        sa.Column("cleared_m2", DOUBLE),
        sa.Column("activities", JSON_TYPE),
        sa.Column("handed_over_to", sa.Text),
        sa.Column("handed_over_on", sa.Date),
        *_created(),
        *_retired(),
        sa.Index("ix_hazard_completions_hazard", "hazard_id"),
        sqlite_autoincrement=True,
        comment="Completion and handover of hazards fully released.",
    )


def _assistance_tables(md: sa.MetaData) -> None:
    """Victim assistance and money spent."""
    fid = lambda: sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True)  # noqa: E731
    sa.Table(
        "victim_assistance",
        md,
        fid(),
        sa.Column("assistance_id", sa.Text, nullable=False, unique=True),
        sa.Column("incident_id", sa.Text, nullable=False),
        sa.Column("victim_no", sa.Integer, comment="position in the incident's victims, from 1"),
        sa.Column("name", sa.Text, comment="personal data"),
        sa.Column("address", sa.Text, comment="personal data"),
        sa.Column("needs", JSON_TYPE),
        sa.Column("services", JSON_TYPE, comment="services received"),
        sa.Column("provider", sa.Text),
        sa.Column("follow_up_on", sa.Date),
        sa.Column("follow_up_notes", sa.Text),
        sa.Column("date_of_information", sa.Text),
        *_created(),
        sa.Column("updated_at", TIMESTAMP),
        sa.Column("updated_by", sa.Text),
        *_retired(),
        sqlite_autoincrement=True,
        comment="Victim assistance: needs, services received, follow-up (personal data).",
    )
    sa.Table(
        "expenditures",
        md,
        fid(),
        sa.Column("expenditure_id", sa.Text, nullable=False, unique=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False, comment="national or the donor's name"),
        sa.Column("amount_usd", DOUBLE, nullable=False),
        sa.Column("purpose", sa.Text),
        sa.Column("activity_id", sa.Text),
        sa.Column("organisation", sa.Text),
        *_created(),
        *_retired(),
        sqlite_autoincrement=True,
        comment="Money spent, by source of funds.",
    )


def _quality_tables(md: sa.MetaData) -> None:
    """Non-conformities, post-clearance inspection plans and their samples."""
    fid = lambda: sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True)  # noqa: E731
    geom = lambda name: sa.Column(  # noqa: E731
        GEOMETRY_COLUMN, Geometry(RECORDS_SPATIAL_TABLES[name])
    )
    sa.Table(
        "non_conformities",
        md,
        fid(),
        sa.Column("nc_id", sa.Text, nullable=False, unique=True),
        sa.Column("visit_id", sa.Text),
        sa.Column("activity_id", sa.Text),
        sa.Column("organisation", sa.Text),
        sa.Column("severity", sa.Text, nullable=False, comment="minor, major or critical"),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("corrective_action", sa.Text),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("closed_on", sa.Date),
        *_created(),
        *_retired(),
        sqlite_autoincrement=True,
        comment="Non-conformities found by quality management, until closed.",
    )
    sa.Table(
        "qa_sampling_plans",
        md,
        fid(),
        sa.Column("plan_id", sa.Text, nullable=False, unique=True),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False, comment="hypergeometric or binomial"),
        sa.Column("confidence", DOUBLE, nullable=False),
        sa.Column("limiting_density_per_ha", DOUBLE, nullable=False),
        sa.Column("acceptance_number", sa.Integer, nullable=False),
        sa.Column("cell_m2", DOUBLE, nullable=False),
        sa.Column("lot_area_m2", DOUBLE, nullable=False),
        sa.Column("lot_cells", sa.Integer, nullable=False),
        sa.Column("sample_cells", sa.Integer, nullable=False),
        sa.Column("sample_area_m2", DOUBLE, nullable=False),
        sa.Column("usd_per_m2", DOUBLE, comment="cost of inspecting one m²"),
        sa.Column("seed", sa.Integer, nullable=False),
        *_created(),
        sa.Column("decision", sa.Text, comment="accepted, rejected or incomplete"),
        sa.Column("devices_found", sa.Integer),
        sa.Column("area_inspected_m2", DOUBLE),
        sa.Column("statement", sa.Text),
        sa.Column("visit_id", sa.Text),
        sa.Column("decided_at", TIMESTAMP),
        sa.Column("decided_by", sa.Text),
        *_retired(),
        geom("qa_sampling_plans"),
        sqlite_autoincrement=True,
        comment="Post-clearance inspection plans (limiting-quality sampling) and their results.",
    )
    sa.Table(
        "qa_samples",
        md,
        fid(),
        sa.Column("plan_id", sa.Text, nullable=False),
        sa.Column("sample_no", sa.Integer, nullable=False),
        sa.Column("area_m2", DOUBLE, nullable=False),
        sa.Column("inspected", sa.Boolean),
        sa.Column("devices_found", sa.Integer),
        geom("qa_samples"),
        sa.Index("ix_qa_samples_plan", "plan_id"),
        sqlite_autoincrement=True,
        comment="Sample cells of post-clearance inspection plans, drawn at random (seeded).",
    )


# --- risk map and survey decisions (issue 4) ---


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
        "backtest_runs",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_at", TIMESTAMP),
        sa.Column("actor", sa.Text),
        sa.Column("as_of", sa.Text, comment="the day the engine was fitted on, YYYY-MM-DD"),
        sa.Column("model", sa.Text, comment="the risk model backtested"),
        sa.Column(
            "summary",
            JSON_TYPE,
            comment="devices expected and found after the day, per kind of activity, the verdict",
        ),
        sqlite_autoincrement=True,
        comment="Each backtest: the engine fitted on one day, checked on the activities after it.",
    )
    sa.Table(
        "survey_parts",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("part_id", sa.Text, nullable=False),
        sa.Column("hazard_id", sa.Text, nullable=False),
        sa.Column(
            "decision",
            sa.Text,
            nullable=False,
            comment="cancel, technical_survey, clearance or battle_area_clearance",
        ),
        sa.Column("area_m2", DOUBLE),
        sa.Column("expected_devices", DOUBLE),
        sa.Column("p_any_device", DOUBLE, comment="probability that any device lies in this part"),
        sa.Column("devices_per_ha", DOUBLE),
        sa.Column(
            "devices_bound",
            DOUBLE,
            comment="cancelled parts: upper bound of the devices left, from the map's held-out "
            "errors (empty for other parts, or where the errors were not measured)",
        ),
        sa.Column("evidence", sa.Text, comment="the evidence that drove the decision, in words"),
        sa.Column("confidence", sa.Text, comment="a statement of confidence"),
        sa.Column(GEOMETRY_COLUMN, Geometry("MULTIPOLYGON")),
        sa.Index("ix_survey_parts_survey", "survey_id", "hazard_id"),
        sqlite_autoincrement=True,
        comment="Recommended land-release decision for each part of each active hazard.",
    )
    sa.Table(
        "confirmation_sites",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("sample_id", sa.Text, nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("part_id", sa.Text, comment="the cancelled part the site lies in"),
        sa.Column("hazard_id", sa.Text),
        sa.Column("searched", sa.Integer, comment="1 once the team has searched the site"),
        sa.Column("devices_found", sa.Integer, comment="devices the team found in the site"),
        sa.Column(GEOMETRY_COLUMN, Geometry("POINT")),
        sa.Index("ix_confirmation_sites_survey", "survey_id", "hazard_id"),
        sqlite_autoincrement=True,
        comment="The confirmation sample's sites over the cancelled land of a survey run: "
        "searched by teams before the land is released (the survey run that records their "
        "results keeps them as searched).",
    )


def _covariate_tables(md: sa.MetaData) -> None:
    """Optional rasters of the evidence package (elevation, land cover, population)."""
    sa.Table(
        "covariates",
        md,
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True, comment="elevation, landcover…"),
        sa.Column("kind", sa.Text, comment="continuous, categorical or count"),
        sa.Column("unit", sa.Text),
        sa.Column("crs", sa.Text, comment="the raster's CRS as WKT"),
        sa.Column("transform", JSON_TYPE, comment="affine a, b, c, d, e, f of the raster"),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("dtype", sa.Text, comment="numpy dtype of the cells"),
        sa.Column("nodata", DOUBLE),
        sa.Column("data", sa.LargeBinary, comment="the cells, row by row, zlib-compressed"),
        sa.Column("content_hash", sa.Text, comment="of the cells, grid, CRS and nodata"),
        sa.Column("source", sa.Text, comment="the file it was imported from"),
        sa.Column("import_id", sa.Integer),
        sa.Column("imported_at", TIMESTAMP),
        sa.Column("actor", sa.Text),
        sqlite_autoincrement=True,
        comment="Covariate rasters of the evidence package: one row per covariate, its latest import.",
    )


METADATA = build_metadata()
SYSTEM_TABLES = ("workspace_meta", "schema_migrations", "imports", "audit_log")


def table(name: str) -> sa.Table:
    return METADATA.tables[name]


def stored_kinds(name: str) -> tuple[str, ...] | None:
    """The geometry kinds a table stores (``("MULTIPOLYGON",)``); ``None`` when it has no
    geometry, or takes any kind.

    A typed column stores its type. A layer of several kinds stores each kind it accepts, one-part
    geometries multi-part where it accepts the multi-part form (military positions: ``POINT``,
    ``MULTILINESTRING``, ``MULTIPOLYGON``), so that its GIS views hold the type they declare.
    """
    declared = declared_geometry(name)
    if declared is None or declared != "GEOMETRY":
        return None if declared is None else (declared,)
    layer = next((lay for lay in LAYERS if lay.name == name), None)
    if layer is None:
        return None
    accepted = set(layer.geometry)
    return tuple(
        k.upper() for k in layer.geometry if not (k in _MULTI_OF and _MULTI_OF[k] in accepted)
    )


def declared_geometry(name: str) -> str | None:
    """The declared geometry type of a table (``MULTIPOLYGON``, ``GEOMETRY`` …); ``None`` without one."""
    col = METADATA.tables[name].columns.get(GEOMETRY_COLUMN)
    return col.type.geometry_type if col is not None and isinstance(col.type, Geometry) else None
