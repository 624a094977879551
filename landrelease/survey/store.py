"""Survey decisions in the workspace and in a GeoPackage for the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from landrelease.errors import UsageError
from landrelease.store import Workspace, WorkspaceView, migrations, runs, tables
from landrelease.store.schema import GEOMETRY_COLUMN
from landrelease.store.styles import add_default_style
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
    source: Workspace | WorkspaceView,
    result: SurveyResult,
    *,
    risk_run_id: int | None,
    actor: str,
) -> int:
    """Keep a survey run and its parts (earlier runs stay; the latest is the current
    recommendation); its id."""
    ws = WorkspaceView.of(source).ws
    rule = "residual" if result.rule.max_residual > 0 else "recall"
    parts = result.parts
    with ws.begin() as conn:
        survey_id = runs.add_run(
            conn,
            "survey",
            {"actor": actor, "risk_run_id": risk_run_id, "rule": rule, "summary": result.summary},
        )
        tables.insert_frame(
            conn,
            "survey_parts",
            parts[[*PART_COLUMNS, parts.geometry.name]],
            survey_id=survey_id,
        )
    return survey_id


def read_parts(
    source: Workspace | WorkspaceView, *, survey_id: int | None = None
) -> gpd.GeoDataFrame:
    """The parts of the latest survey run (or of ``survey_id``), EPSG:4326; empty if none was run."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        sid = survey_id or runs.latest_run(conn, "survey")
        if sid is None:
            return gpd.GeoDataFrame({k: [] for k in PART_COLUMNS}, geometry=[], crs="EPSG:4326")
        frame = tables.read_table(
            conn,
            "survey_parts",
            where={"survey_id": int(sid)},
            columns=[*PART_COLUMNS, GEOMETRY_COLUMN],
        )
    assert isinstance(frame, gpd.GeoDataFrame)
    return frame[[*PART_COLUMNS, frame.geometry.name]].reset_index(drop=True)


def store_backtest(
    source: Workspace | WorkspaceView,
    *,
    as_of: str,
    model: str,
    totals: dict[str, Any],
    actor: str,
) -> int:
    """Keep a backtest's totals (what the map fitted on ``as_of`` expected beside what teams
    found after it, and the verdict); the next survey reads the latest one. Its id."""
    ws = WorkspaceView.of(source).ws
    with ws.begin() as conn:
        migrations.add_missing_tables(conn)  # a workspace made before backtests were kept
        return runs.add_run(
            conn,
            "backtest",
            {"actor": actor, "as_of": as_of, "model": model, "summary": totals},
        )


def latest_backtest(source: Workspace | WorkspaceView) -> dict[str, Any] | None:
    """The latest backtest kept in the workspace (its row, the totals under ``summary``), or
    ``None`` when none was run."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        if not runs.has_runs(conn, "backtest"):
            return None
        return runs.read_run(conn, "backtest")


def write_decisions(result: SurveyResult, path: Path) -> Path:
    """The decisions as a GeoPackage layer ``survey_parts`` for QGIS and field tablets."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise UsageError(f"decisions are written as a GeoPackage: {path} must end in .gpkg")
    if not path.parent.exists():
        raise UsageError(f"folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    parts = result.parts
    if "area_m2" in parts.columns and "area_ha" not in parts.columns:  # hectares, as reports say
        at = list(parts.columns).index("area_m2") + 1
        parts = parts.copy()
        parts.insert(at, "area_ha", (parts["area_m2"].astype(float) / 10_000).round(5))
    # one declared type, MultiPolygon: QGIS and ogr2ogr meet no multi-part in a Polygon layer
    pyogrio.write_dataframe(
        parts,
        tmp,
        layer="survey_parts",
        driver="GPKG",
        promote_to_multi=True,
        geometry_type="MultiPolygon",
        dataset_options={"VERSION": "1.3"},
    )
    add_default_style(tmp, "survey_parts", "MultiPolygon")
    tmp.replace(path)
    return path
