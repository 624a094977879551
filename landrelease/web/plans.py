"""The latest plan and forecast as the web shows them: the runs, their rows, the readiness dates.

Read through the run store (:mod:`landrelease.store.runs`) and the plain tables
(:mod:`landrelease.store.tables`); a workspace without any plan gives ``None``
and empty frames, so every page can say "no plan yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from landrelease import planning
from landrelease.store import Workspace, WorkspaceView, runs, tables


@dataclass(frozen=True)
class PlanRun:
    """The latest planning run of a kind (``plan`` or ``forecast``)."""

    run_id: int
    kind: str
    made_on: str | None
    """The day the run was made (YYYY-MM-DD)."""
    parameters: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"run_id": self.run_id, "made_on": self.made_on}
        if self.kind == "plan":
            out["start"] = self.parameters.get("start")
            out["horizon"] = self.parameters.get("horizon")
        else:
            out["scenario"] = self.parameters.get("baseline")
            out["runs"] = self.parameters.get("runs")
        return out


def latest_plan_run(source: Workspace | WorkspaceView, kind: str) -> PlanRun | None:
    """The latest ``plan`` or ``forecast`` run, ``None`` when there is none."""
    view = WorkspaceView.of(source)
    with view.ws.engine.connect() as conn:
        row = runs.read_run(conn, kind)
    if row is None:
        return None
    params = row.get("parameters")
    made = row.get("created_at")
    return PlanRun(
        int(row["fid"]),
        kind,
        None if made is None else str(made)[:10],
        dict(params) if isinstance(params, dict) else {},
    )


def plan_rows(source: Workspace | WorkspaceView, table: str, run_id: int | None) -> pd.DataFrame:
    """The rows of one planning run in ``table`` (``plan_tasks``, ``plan_schedule``,
    ``plan_readiness``), in the order written; empty, with the table's columns, without a run."""
    view = WorkspaceView.of(source)
    with view.ws.engine.connect() as conn:
        return tables.read_table(conn, table, where={"run_id": run_id})


def readiness_rows(source: Workspace | WorkspaceView) -> pd.DataFrame:
    """The latest plan's and forecast's readiness per settlement (empty without either)."""
    return planning.read_readiness(source)


def readiness_dates(source: Workspace | WorkspaceView) -> dict[str, dict[str, str | None]]:
    """Settlement id → plan date and P10/P50/P90 of when it can be ready (empty without a plan)."""
    out: dict[str, dict[str, str | None]] = {}
    for row in readiness_rows(source).to_dict("records"):
        out[str(row["settlement_id"])] = {
            k: (None if v is None or v != v else str(v)[:10])
            for k, v in ((k, row.get(k)) for k in ("plan_date", "p10", "p50", "p90"))
        }
    return out
