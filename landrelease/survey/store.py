"""Survey decisions in the workspace and in a GeoPackage for the field."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from landrelease.errors import UsageError
from landrelease.store import Workspace
from landrelease.store import geometry as geo
from landrelease.store.sql import insert_rows, now_iso
from landrelease.survey.decisions import SurveyResult

PART_COLUMNS = (
    "part_id",
    "hazard_id",
    "decision",
    "area_m2",
    "expected_devices",
    "p_any_device",
    "devices_per_ha",
    "evidence",
    "confidence",
)


def store_survey(
    ws: Workspace, result: SurveyResult, *, risk_run_id: int | None, actor: str
) -> int:
    """Keep a survey run and its parts (earlier runs stay; the latest is the current recommendation)."""
    rule = "residual" if result.rule.max_residual > 0 else "recall"
    with ws.begin() as conn:
        insert_rows(
            conn,
            "survey_runs",
            ("run_at", "actor", "risk_run_id", "rule", "summary"),
            [(now_iso(), actor, risk_run_id, rule, json.dumps(result.summary))],
        )
        survey_id = int(conn.exec_driver_sql("SELECT max(fid) FROM survey_runs").scalar() or 0)
        parts = result.parts
        geoms = np.asarray(parts.geometry.values, dtype=object)
        encoded = geo.to_gpkg_blobs(geoms, 4326) if ws.dialect == "sqlite" else geo.to_wkb(geoms)
        wrap = {"geom": "ST_GeomFromWKB({}, 4326)"} if ws.dialect == "postgresql" else {}
        rows = [
            (survey_id, *(_plain(v) for v in rec), g)
            for rec, g in zip(
                parts[list(PART_COLUMNS)].itertuples(index=False), encoded, strict=True
            )
        ]
        insert_rows(
            conn, "survey_parts", ("survey_id", *PART_COLUMNS, "geom"), rows, value_sql=wrap
        )
        if ws.dialect == "sqlite" and len(parts):
            b = shapely.total_bounds(geoms)
            conn.exec_driver_sql(
                "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = 'survey_parts'",
                (*map(float, b), now_iso()),
            )
    return survey_id


def read_parts(ws: Workspace, *, survey_id: int | None = None) -> gpd.GeoDataFrame:
    """The parts of the latest survey run (or of ``survey_id``), EPSG:4326; empty if none was run."""
    with ws.engine.connect() as c:
        sid = survey_id or c.exec_driver_sql("SELECT max(fid) FROM survey_runs").scalar()
        if sid is None:
            return gpd.GeoDataFrame({k: [] for k in PART_COLUMNS}, geometry=[], crs="EPSG:4326")
        geom_sql = "ST_AsBinary(geom)" if ws.dialect == "postgresql" else "geom"
        rows = c.exec_driver_sql(
            f"SELECT {', '.join(PART_COLUMNS)}, {geom_sql} FROM survey_parts WHERE survey_id = {int(sid)} ORDER BY fid"
        ).fetchall()
    raw = [r[-1] for r in rows]
    geoms = (
        geo.from_gpkg_blobs(raw)
        if ws.dialect == "sqlite"
        else shapely.from_wkb([bytes(b) for b in raw])
    )
    data = {k: [r[i] for r in rows] for i, k in enumerate(PART_COLUMNS)}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def write_decisions(result: SurveyResult, path: Path) -> Path:
    """The decisions as a GeoPackage layer ``survey_parts`` for QGIS and field tablets."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise UsageError(f"decisions are written as a GeoPackage: {path} must end in .gpkg")
    if not path.parent.exists():
        raise UsageError(f"folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(
        result.parts, tmp, layer="survey_parts", driver="GPKG", dataset_options={"VERSION": "1.3"}
    )
    tmp.replace(path)
    return path


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v
