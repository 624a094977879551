"""A settlement's page: what blocks its return, when it can be ready, what is planned.

* **What blocks it**: every hazard within ``web_settlement_radius_m`` of the
  settlement that is not closed (status ``closed`` or a completion record),
  nearest first, with its area, what the land-release ledger has released of
  it, its survey decisions and, when a plan exists, the quarter the latest plan
  releases it in and the teams (asset kinds) it schedules there. Hazards within
  the radius that are closed are listed too, as released.
* **When it can be ready**: the latest plan's date and the latest forecast's
  P10/P50/P90 (:func:`landrelease.planning.read_readiness`). The plan counts
  as blocking only the open hazards its rules link to the settlement (homes,
  roads, fields: ``settlement_radius_m`` and the ``plan_*_radius_m`` settings),
  which is why its count can be smaller than the list within the page's radius.
* **What is planned**: the latest plan's tasks on the blocking hazards (method,
  area, months, team-days, cost, asset kinds).

Everything here is public (hazards, settlements, survey decisions and plans
carry no personal data), so every role sees the same view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from landrelease import settings
from landrelease.records.ledger import hazard_balance
from landrelease.store import Workspace
from landrelease.store.crs import utm_crs_for
from landrelease.survey.store import read_parts
from landrelease.web.errors import NotFound
from landrelease.web.features import plain
from landrelease.web.mapdata import quarter

M2_PER_HA = 10_000.0
NO_PLAN = "No plan yet: run `landrelease plan` for the planned tasks and the date the plan makes it ready."
NO_FORECAST = "No forecast yet: run `landrelease forecast` for when it can be ready (P10/P50/P90)."


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


def latest_run(ws: Workspace, kind: str) -> PlanRun | None:
    """The latest ``plan`` or ``forecast`` run, ``None`` when there is none (or no planning tables)."""
    from landrelease.planning import store as pstore

    try:
        run_id = pstore.latest_run(ws, kind)
        if run_id is None:
            return None
        rows = ws.query(
            f"SELECT created_at, parameters FROM planning_runs WHERE fid = {int(run_id)}"
        )
    except Exception:  # a workspace without the planning tables: no plan
        return None
    made, params = (list(rows[0]) if rows else [None, None])[:2]
    parsed = json.loads(params) if isinstance(params, str) else dict(params or {})
    return PlanRun(run_id, kind, None if made is None else str(made)[:10], parsed)


def readiness_rows(ws: Workspace) -> pd.DataFrame:
    """The latest plan's and forecast's readiness per settlement (empty without either)."""
    from landrelease.planning import read_readiness

    try:
        return read_readiness(ws)
    except Exception:  # no planning tables in this workspace
        return pd.DataFrame()


@dataclass
class SettlementView:
    settlement: dict[str, Any]
    radius_m: float
    hazards: list[dict[str, Any]] = field(default_factory=list)
    """Hazards within the radius, nearest first: id, status, area_ha, released_ha, remaining_ha,
    distance_m, blocking, decisions, planned (the latest plan's quarter and teams, or ``None``)."""
    plan: PlanRun | None = None
    forecast: PlanRun | None = None
    readiness: dict[str, Any] | None = None
    """status, plan_date, scenario, p10, p50, p90, blocking_hazards (the plan's count)."""
    tasks: list[dict[str, Any]] = field(default_factory=list)
    """The latest plan's tasks on the blocking hazards, in the plan's order."""
    messages: list[str] = field(default_factory=list)

    @property
    def hazard_area_ha(self) -> float:
        return sum(h["area_ha"] or 0.0 for h in self.hazards)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [h for h in self.hazards if h["blocking"]]

    @property
    def released(self) -> list[dict[str, Any]]:
        return [h for h in self.hazards if not h["blocking"]]

    @property
    def blocking_remaining_ha(self) -> float:
        return round(sum(h["remaining_ha"] or 0.0 for h in self.blocking), 2)

    @property
    def people_planned(self) -> int | None:
        v = self.settlement.get("population_planned")
        return None if v is None else int(v)

    @property
    def planned_cost_usd(self) -> float | None:
        costs = [t["cost_usd"] for t in self.tasks if t["cost_usd"] is not None]
        return round(sum(costs), 2) if costs else None

    def as_json(self) -> dict[str, Any]:
        return {
            "settlement": self.settlement,
            "people_planned": self.people_planned,
            "radius_m": self.radius_m,
            "blocking": {
                "hazards": len(self.blocking),
                "remaining_ha": self.blocking_remaining_ha,
            },
            "hazards": self.hazards,
            "plan": None if self.plan is None else self.plan.as_json(),
            "forecast": None if self.forecast is None else self.forecast.as_json(),
            "readiness": self.readiness,
            "tasks": self.tasks,
            "planned_cost_usd": self.planned_cost_usd,
            "messages": self.messages,
        }


def _decisions(parts: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if not len(parts):
        return out
    for hid, d, a, e in zip(
        parts["hazard_id"], parts["decision"], parts["area_m2"], parts["evidence"], strict=True
    ):
        out.setdefault(str(hid), []).append(
            {"decision": d, "area_ha": round(float(a) / M2_PER_HA, 2), "evidence": e}
        )
    return out


def _ha(v: Any) -> float | None:
    v = plain(v)
    return None if v is None else round(float(v) / M2_PER_HA, 2)


def _plan_tables(ws: Workspace, run: PlanRun | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    from landrelease.planning import store as pstore

    if run is None:
        return pd.DataFrame(), pd.DataFrame()
    return (
        pstore.read_table(ws, "plan_tasks", run.run_id),
        pstore.read_table(ws, "plan_schedule", run.run_id),
    )


def _teams(schedule: pd.DataFrame) -> dict[str, list[str]]:
    """Task id → the asset kinds the plan puts on it (sorted)."""
    if not len(schedule):
        return {}
    return {str(k): sorted({str(a) for a in g}) for k, g in schedule.groupby("task_id")["asset"]}


def _planned(
    tasks: pd.DataFrame, teams: dict[str, list[str]], hazard_id: str
) -> dict[str, Any] | None:
    """The latest plan for one hazard: when its last task ends, its teams, days and cost."""
    mine = tasks[tasks["hazard_id"] == hazard_id] if len(tasks) else tasks
    if not len(mine):
        return {"status": "not in the plan", "quarter": None, "end_month": None, "teams": []}
    ends = [plain(v) for v in mine["end_month"]]
    done = all(e is not None for e in ends)
    last = max(str(e) for e in ends if e is not None) if any(ends) else None
    kinds = sorted({k for t in mine["task_id"] for k in teams.get(str(t), [])})
    days = pd.to_numeric(mine["team_days"], errors="coerce")
    cost = pd.to_numeric(mine["cost_usd"], errors="coerce")
    return {
        "status": "planned" if done else "after the horizon",
        "start_month": min(str(s) for s in mine["start_month"] if plain(s) is not None)
        if mine["start_month"].notna().any()
        else None,
        "end_month": last if done else None,
        "quarter": quarter(last, sep=" ") if done else None,
        "teams": kinds,
        "team_days": round(float(days.sum()), 1) if days.notna().any() else None,
        "cost_usd": round(float(cost.sum()), 2) if cost.notna().any() else None,
    }


def _task_rows(
    tasks: pd.DataFrame, teams: dict[str, list[str]], hazard_ids: list[str]
) -> list[dict[str, Any]]:
    if not len(tasks):
        return []
    mine = tasks[tasks["hazard_id"].isin(hazard_ids)].copy()
    mine["_seq"] = pd.to_numeric(mine["sequence"], errors="coerce")
    mine = mine.sort_values(["_seq", "task_id"], na_position="last")
    out = []
    for rec in mine.to_dict("records"):
        out.append(
            {
                "task_id": str(rec["task_id"]),
                "hazard_id": str(rec["hazard_id"]),
                "method": rec["method"],
                "area_ha": _ha(rec["area_m2"]),
                "start_month": plain(rec["start_month"]),
                "end_month": plain(rec["end_month"]),
                "quarter": quarter(rec["end_month"], sep=" "),
                "team_days": None
                if plain(rec["team_days"]) is None
                else round(float(rec["team_days"]), 1),
                "cost_usd": None
                if plain(rec["cost_usd"]) is None
                else round(float(rec["cost_usd"]), 2),
                "teams": teams.get(str(rec["task_id"]), []),
            }
        )
    return out


def _readiness(frame: pd.DataFrame, settlement_id: str) -> dict[str, Any] | None:
    if not len(frame):
        return None
    rows = frame[frame["settlement_id"].astype(str) == settlement_id]
    if not len(rows):
        return None
    r = rows.iloc[0]

    def day(v: Any) -> str | None:
        v = plain(v)
        return None if v is None else str(v)[:10]

    blocking = plain(r["blocking_hazards"])
    return {
        "status": plain(r["status"]),
        "plan_date": day(r["plan_date"]),
        "scenario": plain(r["scenario"]),
        "p10": day(r["p10"]),
        "p50": day(r["p50"]),
        "p90": day(r["p90"]),
        "blocking_hazards": None if blocking is None else int(blocking),
    }


def _messages(view: SettlementView) -> list[str]:
    out: list[str] = []
    r = view.readiness
    if view.plan is None:
        out.append(NO_PLAN)
    if view.forecast is None:
        out.append(NO_FORECAST)
    if (view.plan is not None or view.forecast is not None) and r is None:
        out.append(
            "This settlement is not in the latest plan or forecast (recorded after they were made?): "
            "run `landrelease plan` and `landrelease forecast` again."
        )
    if r is not None:
        n = r["blocking_hazards"]
        if r["status"] == "ready now":
            out.append(
                "Ready now by the planning rules: no open hazard blocks its homes, roads or fields "
                f"(hazards listed below lie within {view.radius_m / 1000:g} km but are not linked to it)."
                if view.blocking
                else "Ready now: no open hazard blocks it."
            )
        elif view.plan is not None and r["status"] == "after the horizon":
            out.append(
                f"The plan does not make it ready by its horizon ({view.plan.parameters.get('horizon')})."
            )
        if n is not None and r["status"] != "ready now":
            k = len(view.blocking)
            out.append(
                f"The plan counts {n} open hazard{'s' if n != 1 else ''} as blocking it (near its "
                f"homes, roads or fields); {k} not closed within {view.radius_m / 1000:g} km "
                f"{'is' if k == 1 else 'are'} listed below."
            )
    return out


def settlement_view(ws: Workspace, settlement_id: str) -> SettlementView:
    """The settlement, what blocks it, when it can be ready and what the latest plan does for it."""
    radius = float(settings.get("web_settlement_radius_m"))
    places = ws.read_layer("settlements", ids=[settlement_id])
    if not len(places):
        raise NotFound(f"no settlement {settlement_id!r} (the list: /settlements)")
    place = places.iloc[0]
    point = place.geometry
    view = SettlementView(
        {str(k): plain(v) for k, v in place.items() if k not in ("geometry", "extra")}, radius
    )
    view.plan = latest_run(ws, "plan")
    view.forecast = latest_run(ws, "forecast")
    view.readiness = _readiness(readiness_rows(ws), settlement_id)
    tasks, schedule = _plan_tables(ws, view.plan)
    teams = _teams(schedule)
    hazards = cast(gpd.GeoDataFrame, ws.read_layer("hazards"))
    if len(hazards) and point is not None and not point.is_empty:
        crs = ws.metric_crs() or utm_crs_for(point.x, point.y)
        metric = hazards.to_crs(crs)
        here = gpd.GeoSeries([point], crs="EPSG:4326").to_crs(crs).iloc[0]
        dist = metric.geometry.distance(here)
        near = hazards.assign(distance_m=dist)[dist <= radius].sort_values("distance_m")
        decisions = _decisions(read_parts(ws)) if len(near) else {}
        balance = hazard_balance(ws).set_index("hazard_id") if len(near) else pd.DataFrame()
        for _, h in near.iterrows():
            hid = str(h["hazard_id"])
            b = balance.loc[hid] if hid in balance.index else None
            completed = None if b is None else plain(b["completed_on"])
            blocking = h["status"] != "closed" and completed is None
            view.hazards.append(
                {
                    "hazard_id": hid,
                    "status": h["status"],
                    "classification": h["classification"],
                    "area_ha": _ha(h.get("area_m2")),
                    "released_ha": None if b is None else _ha(b["released_m2"]),
                    "remaining_ha": (None if b is None else _ha(b["remaining_m2"]))
                    if blocking
                    else 0.0,
                    "closed_on": None if completed is None else str(completed)[:10],
                    "distance_m": round(float(h["distance_m"])),
                    "blocking": bool(blocking),
                    "decisions": decisions.get(hid, []),
                    "planned": _planned(tasks, teams, hid)
                    if view.plan is not None and blocking
                    else None,
                }
            )
    view.tasks = _task_rows(tasks, teams, [h["hazard_id"] for h in view.blocking])
    view.messages = _messages(view)
    return view
