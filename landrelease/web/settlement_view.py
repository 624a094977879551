"""A settlement's page: what blocks its return, when it can be ready, what is planned.

* **What blocks it**: the open hazards within ``settlement_radius_m`` of the
  settlement — the one definition the plan and the reports use too
  (:meth:`landrelease.store.WorkspaceView.blocking_pairs`) — nearest first, with
  their area, what the land-release ledger has released of them, their survey
  decisions and, when a plan exists, the quarter the latest plan releases each in
  and the teams (asset kinds) it schedules there.
* **Released around it**: the closed hazards within the same distance.
* **When it can be ready**: the latest plan's date and the latest forecast's
  P10/P50/P90 (:func:`landrelease.planning.read_readiness`), and how many
  hazards the plan counted as blocking it.
* **What is planned**: the latest plan's tasks on the blocking hazards (method,
  area, months, team-days, cost, asset kinds).

Everything here is public (hazards, settlements, survey decisions and plans
carry no personal data), so every role sees the same view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from landrelease import settings
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.view import OPEN_STATUSES, hazards_near
from landrelease.survey.store import read_parts
from landrelease.web.cache import LayerCache
from landrelease.web.errors import NotFound
from landrelease.web.labels import M2_PER_HA, day, hectares, plain, quarter
from landrelease.web.plans import PlanRun, latest_plan_run, plan_rows, readiness_rows

NO_PLAN = "No plan yet: run `landrelease plan` for the planned tasks and the date the plan makes it ready."
NO_FORECAST = "No forecast yet: run `landrelease forecast` for when it can be ready (P10/P50/P90)."


@dataclass
class SettlementView:
    settlement: dict[str, Any]
    radius_m: float
    """``settlement_radius_m``: open hazards this close block the settlement."""
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
    focus: gpd.GeoDataFrame | None = None
    """The settlement (``role`` place) and the circle of ``radius_m`` around it (``role``
    circle), in the metric CRS: what the page's small map is fitted to."""

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
                "area_ha": hectares(rec["area_m2"]),
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
    if r is None:
        return out
    n, k = r["blocking_hazards"], len(view.blocking)
    within = f"open, within {view.radius_m / 1000:g} km"
    if r["status"] == "ready now":
        out.append(
            "Ready now: no open hazard blocks it."
            if not k
            else f"The latest plan found it ready now, but {k} hazard{'s' if k != 1 else ''} "
            f"block{'s' if k == 1 else ''} it today ({within}, listed below): the plan was made "
            "from other records or settings; run `landrelease plan` again."
        )
    elif view.plan is not None and r["status"] == "after the horizon":
        out.append(
            f"The plan does not make it ready by its horizon ({view.plan.parameters.get('horizon')})."
        )
    if n is not None and r["status"] != "ready now":
        text = f"The plan counts {n} open hazard{'s' if n != 1 else ''} as blocking it"
        if n == k:
            text += f" (within {view.radius_m / 1000:g} km), listed below."
        else:
            text += (
                f"; {k} block{'s' if k == 1 else ''} it today ({within}, listed below): the plan "
                "was made from other records or settings; run `landrelease plan` again."
            )
        out.append(text)
    return out


def _hazards_around(
    view: WorkspaceView, settlement_id: str, radius: float
) -> tuple[pd.DataFrame, set[str]]:
    """The hazards within ``radius`` (``settlement_radius_m``) of the settlement (id,
    distance_m), nearest first, and which of them block it: the open ones
    (:meth:`WorkspaceView.blocking_pairs`); the closed ones are released around it."""
    blocking = view.blocking_pairs()  # the one definition: open, within settlement_radius_m
    blocking = blocking[(blocking["settlement_id"].astype(object) == settlement_id).to_numpy()]
    places = view.metric("settlements")
    place = places[(places["settlement_id"].astype(object) == settlement_id).to_numpy()]
    hazards = view.metric("hazards")
    closed = ~view.layer("hazards")["status"].isin(OPEN_STATUSES).to_numpy(dtype=bool)
    released = hazards_near(place, hazards[closed], radius)
    near = pd.concat([blocking, released], ignore_index=True).sort_values(
        "distance_m", kind="stable"
    )
    return near.reset_index(drop=True), {str(h) for h in blocking["hazard_id"]}


def _hazard_rows(
    view: WorkspaceView,
    near: pd.DataFrame,
    blocking: set[str],
    planned: dict[str, dict[str, Any] | None],
) -> list[dict[str, Any]]:
    """One row per hazard around the settlement, as the page and its JSON twin list them."""
    if not len(near):
        return []
    hazards = view.layer("hazards").set_index("hazard_id", drop=False)
    released = view.released_by_hazard()
    completions = view.table("hazard_completions")
    completed = (
        completions.groupby("hazard_id")["completed_on"].max() if len(completions) else pd.Series()
    )
    decisions = _decisions(read_parts(view.ws))
    rows = []
    for hid, distance in zip(near["hazard_id"].astype(str), near["distance_m"], strict=True):
        h = hazards.loc[hid]
        area = plain(h.get("area_m2"))
        done = float(released.get(hid, 0.0))
        is_blocking = hid in blocking
        rows.append(
            {
                "hazard_id": hid,
                "status": h["status"],
                "classification": h["classification"],
                "area_ha": hectares(area),
                "released_ha": hectares(done),
                "remaining_ha": hectares(max((area or 0.0) - done, 0.0)) if is_blocking else 0.0,
                "closed_on": day(completed.get(hid)),
                "distance_m": round(float(distance)),
                "blocking": is_blocking,
                "decisions": decisions.get(hid, []),
                "planned": planned.get(hid) if is_blocking else None,
            }
        )
    return rows


def settlement_view(source: Workspace | WorkspaceView, settlement_id: str) -> SettlementView:
    """The settlement, what blocks it, when it can be ready and what the latest plan does for it."""
    view = WorkspaceView.of(source)
    radius = float(settings.get("settlement_radius_m"))
    places = view.layer("settlements")
    found = places[(places["settlement_id"].astype(object) == settlement_id).to_numpy()]
    if not len(found):
        raise NotFound(f"no settlement {settlement_id!r} (the list: /settlements)")
    place = found.iloc[0]
    out = SettlementView(
        {str(k): plain(v) for k, v in place.items() if k not in ("geometry", "extra")}, radius
    )
    out.plan = latest_plan_run(view, "plan")
    out.forecast = latest_plan_run(view, "forecast")
    out.readiness = _readiness(readiness_rows(view), settlement_id)
    run = None if out.plan is None else out.plan.run_id
    tasks = plan_rows(view, "plan_tasks", run)
    teams = _teams(plan_rows(view, "plan_schedule", run))
    near, blocking = _hazards_around(view, settlement_id, radius)
    planned = {h: _planned(tasks, teams, h) for h in blocking} if out.plan is not None else {}
    out.hazards = _hazard_rows(view, near, blocking, planned)
    out.tasks = _task_rows(tasks, teams, [h["hazard_id"] for h in out.blocking])
    out.messages = _messages(out)
    places_m = view.metric("settlements")
    point = places_m[(places_m["settlement_id"].astype(object) == settlement_id).to_numpy()]
    out.focus = gpd.GeoDataFrame(
        {"role": ["circle", "place"]},
        geometry=[point.geometry.iloc[0].buffer(radius, 16), point.geometry.iloc[0]],
        crs=places_m.crs,
    )
    return out


def shared_view(ws: Workspace, cache: LayerCache) -> WorkspaceView:
    """One read model for every settlement page until the hazards or the records change: the
    layers are read, and projected to the metric CRS, once for all of them."""
    return cache.get("hazards", "read-model", lambda: WorkspaceView(ws))


def cached_settlement(ws: Workspace, cache: LayerCache, settlement_id: str) -> SettlementView:
    """:func:`settlement_view`, once per change of the hazards, the records or the latest plan."""
    key = f"settlement:{settlement_id}:{cache.planning_stamp()}"
    return cache.get("hazards", key, lambda: settlement_view(shared_view(ws, cache), settlement_id))
