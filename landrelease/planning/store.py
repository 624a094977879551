"""Planning results in the workspace: runs, priorities, the plan, readiness, the forecast.

The tables are declared in :mod:`landrelease.store.schema` (block "planning
(issue 5)"). Every write is one run (``planning_runs``, through the run store
:mod:`landrelease.store.runs`) in one transaction; readers take the latest run
of its kind. Rows are read and written through :mod:`landrelease.store.tables`. In a GeoPackage the tables are listed
as attribute tables, so QGIS shows them and joins them to hazards and
settlements by id.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from landrelease.store import (
    Connection,
    Workspace,
    WorkspaceView,
    default_actor,
    migrations,
    runs,
    schema,
    tables,
)

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


def ensure_tables(conn: Connection) -> None:
    """Create the planning tables if this workspace predates them (listed for QGIS like every table)."""
    migrations.add_missing_tables(conn)


def new_run(
    conn: Connection,
    kind: str,
    *,
    parameters: dict[str, Any],
    summary: dict[str, Any],
    actor: str | None = None,
) -> int:
    """Write a planning run (``priorities``, ``plan`` or ``forecast``) and return its id."""
    return runs.add_run(
        conn,
        kind,
        {
            "created_by": actor or default_actor(),
            "parameters": _plain_json(parameters),
            "summary": _plain_json(summary),
        },
    )


def write_frame(conn: Connection, table: str, run_id: int, frame: pd.DataFrame) -> None:
    """Insert a frame's rows (columns named as in the table) under a run."""
    if not len(frame):
        return
    stored = pd.DataFrame(
        {c: pd.Series([_stored(v) for v in frame[c].tolist()], dtype=object) for c in frame.columns}
    )
    tables.insert_frame(conn, table, stored, run_id=run_id)


def latest_run(ws: Workspace | WorkspaceView, kind: str) -> int | None:
    """The id of the latest planning run of ``kind``, ``None`` when there is none."""
    with WorkspaceView.of(ws).ws.engine.connect() as conn:
        return runs.latest_run(conn, kind)


def read_table(ws: Workspace | WorkspaceView, table: str, run_id: int | None) -> pd.DataFrame:
    """The rows of one run (empty frame with the table's columns when there is none); dates as
    :class:`datetime.date`, JSON columns as lists and dicts."""
    cols = [c.name for c in schema.table(table).columns if c.name not in ("fid", "run_id")]
    if run_id is None:
        return pd.DataFrame(columns=cols)
    with WorkspaceView.of(ws).ws.engine.connect() as conn:
        raw = tables.read_table(conn, table, where={"run_id": run_id})
    frame = pd.DataFrame(list(raw[cols].itertuples(index=False, name=None)), columns=cols)
    for col in cols:
        if tables.column_kind(schema.table(table).columns[col]) == "date":
            frame[col] = frame[col].map(_date)
    return frame


def run_summary(ws: Workspace | WorkspaceView, run_id: int) -> dict[str, Any]:
    """The summary a planning run recorded (figures, comparison, notes)."""
    with WorkspaceView.of(ws).ws.engine.connect() as conn:
        row = tables.read_table(conn, "planning_runs", where={"fid": run_id}, columns=["summary"])
    v = row["summary"].iloc[0] if len(row) else None
    return json.loads(v) if isinstance(v, str) else dict(v or {})


def read_readiness(ws: Workspace | WorkspaceView) -> pd.DataFrame:
    """When each settlement can be ready: the latest plan's date beside the latest forecast's
    P10/P50/P90 (its baseline scenario). Columns: settlement_id, name, population_planned,
    blocking_hazards (open hazards within ``settlement_radius_m``, as in the reports and the
    web), status, plan_date, scenario, p10, p50, p90 (dates: last day of the month; empty where
    not by the plan's horizon or the forecast's window)."""
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
        return _plain_json(v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is pd.NaT:
        return None
    return v


def _plain_json(v: Any) -> Any:
    """The value as plain JSON values (lists, dicts, numbers, text; non-finite numbers as null).

    Handed to the store as structures, not text: ``tables.insert_frame`` and
    ``runs.add_run`` serialise JSON columns themselves (and store text given
    for a JSON column as empty)."""
    return json.loads(_json(v))


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
