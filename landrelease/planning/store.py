"""Planning results in the workspace: runs, priorities, the plan, readiness, the forecast.

The tables are declared in :mod:`landrelease.store.schema` (block "planning
(issue 5)"). Every write is one run (``planning_runs``) in one transaction;
readers take the latest run of its kind. In a GeoPackage the tables are listed
as attribute tables, so QGIS shows them and joins them to hazards and
settlements by id.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from landrelease.store import Workspace, default_actor, migrations, schema
from landrelease.store.sql import insert_rows, now_iso, placeholder, quote

TABLES = (
    "planning_runs",
    "priorities",
    "plan_tasks",
    "plan_schedule",
    "plan_readiness",
    "forecast_scenarios",
)
READINESS_COLUMNS = (
    "settlement_id",
    "name",
    "population_planned",
    "blocking_hazards",
    "status",
    "plan_date",
    "scenario",
    "p10",
    "p50",
    "p90",
)


def ensure_tables(conn: sa.Connection) -> None:
    """Create the planning tables if this workspace predates them (listed for QGIS like every table)."""
    migrations.add_missing_tables(conn)


def new_run(
    conn: sa.Connection,
    kind: str,
    *,
    parameters: dict[str, Any],
    summary: dict[str, Any],
    actor: str | None = None,
) -> int:
    insert_rows(
        conn,
        "planning_runs",
        ("kind", "created_at", "created_by", "parameters", "summary"),
        [(kind, now_iso(), actor or default_actor(), _json(parameters), _json(summary))],
    )
    return int(conn.exec_driver_sql("SELECT max(fid) FROM planning_runs").scalar() or 0)


def write_frame(conn: sa.Connection, table: str, run_id: int, frame: pd.DataFrame) -> None:
    """Insert a frame's rows (columns named as in the table) under a run."""
    if not len(frame):
        return
    cols = ["run_id", *frame.columns]
    rows = [
        (run_id, *(_stored(v) for v in rec)) for rec in frame.itertuples(index=False, name=None)
    ]
    insert_rows(conn, table, cols, rows)


def latest_run(ws: Workspace, kind: str) -> int | None:
    with ws.engine.connect() as c:
        if not sa.inspect(c).has_table("planning_runs"):
            return None
        v = c.exec_driver_sql(
            f"SELECT max(fid) FROM planning_runs WHERE kind = {placeholder(c)}", (kind,)
        ).scalar()
    return None if v is None else int(v)


def read_table(ws: Workspace, table: str, run_id: int | None) -> pd.DataFrame:
    """The rows of one run (empty frame with the table's columns when there is none)."""
    cols = [c.name for c in schema.table(table).columns if c.name not in ("fid", "run_id")]
    if run_id is None:
        return pd.DataFrame(columns=cols)
    with ws.engine.connect() as c:
        sel = ", ".join(quote(c, x) for x in cols)
        rows = c.exec_driver_sql(
            f"SELECT {sel} FROM {quote(c, table)} WHERE run_id = {placeholder(c)} ORDER BY fid",
            (run_id,),
        ).fetchall()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
    for col in cols:
        kind = schema.table(table).columns[col].type
        if isinstance(kind, sa.Date):
            frame[col] = frame[col].map(_date)
        elif table == "priorities" and col in ("contributions", "settlements"):
            frame[col] = frame[col].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    return frame


def run_summary(ws: Workspace, run_id: int) -> dict[str, Any]:
    with ws.engine.connect() as c:
        v = c.exec_driver_sql(
            f"SELECT summary FROM planning_runs WHERE fid = {placeholder(c)}", (run_id,)
        ).scalar()
    return json.loads(v) if isinstance(v, str) else dict(v or {})


def read_readiness(ws: Workspace) -> pd.DataFrame:
    """When each settlement can be ready: the latest plan's date beside the latest forecast's
    P10/P50/P90 (its baseline scenario). Columns: settlement_id, name, population_planned,
    blocking_hazards, status, plan_date, scenario, p10, p50, p90 (dates: last day of the month;
    empty where not by the plan's horizon or the forecast's window)."""
    plan = read_table(ws, "plan_readiness", latest_run(ws, "plan"))
    fc = read_table(ws, "plan_readiness", latest_run(ws, "forecast"))
    if not len(fc):
        return plan[list(READINESS_COLUMNS)]
    if not len(plan):
        return fc[list(READINESS_COLUMNS)]
    merged = plan.drop(columns=["scenario", "p10", "p50", "p90"]).merge(
        fc[["settlement_id", "scenario", "p10", "p50", "p90"]], on="settlement_id", how="outer"
    )
    fill = fc.set_index("settlement_id")
    for col in ("name", "population_planned", "blocking_hazards", "status"):
        merged[col] = merged[col].fillna(merged["settlement_id"].map(fill[col]))
    return merged[list(READINESS_COLUMNS)]


def _date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _stored(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        return _json(v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is pd.NaT:
        return None
    return v


def _json(v: Any) -> str:
    return json.dumps(_finite(v), ensure_ascii=False, default=_default)


def _finite(v: Any) -> Any:
    """The value with non-finite numbers as null (JSON has no infinity)."""
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if isinstance(v, np.ndarray):
        return _finite(v.tolist())
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    return v


def _default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (dt.date, pd.Period)):
        return str(v)
    raise TypeError(type(v).__name__)
