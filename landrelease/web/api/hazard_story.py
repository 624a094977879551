"""One hazard as the map's click shows it: its history, its evidence, the next step.

:func:`hazard_story` gathers what the workspace knows of one hazard, as this
user may see it:

* **history**, oldest first: when it was reported, each import or edit of the
  record (the audit trail; actors' names only for logged-in users), each
  activity on it and its workflow steps (other organisations' drafts hidden
  from operators), the area released per activity (the ledger), completion
  and handover;
* **evidence**: the devices found inside it by type, incidents inside it
  (counts and dates, never victims' details), the latest risk map's figures
  and the survey decisions with the evidence behind each;
* **next step**: the survey decision in words, and what the latest plan
  schedules for it (method, months, team-days, cost).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.reports.sections import casualties
from landrelease.store import Connection, Workspace, runs, tables
from landrelease.survey.confirm import sites_text
from landrelease.web import visible as vis
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.errors import NotFound
from landrelease.web.labels import day, plain
from landrelease.web.plans import plan_rows

M2_PER_HA = 10_000
DECISION_WORDS = {
    "clearance": "full clearance",
    "battle_area_clearance": "battle-area clearance (detector sweep for unexploded ordnance)",
    "technical_survey": "technical survey",
    "cancel": "cancel by non-technical survey",
}
"""The survey's decisions in words, most work first (the order the next step lists them)."""


STATUS_WORDS = {"active": "active", "worked_on": "being worked on", "closed": "closed"}
PLAN_METHOD_WORDS = {
    "NTS": "non-technical survey",
    "TS": "technical survey",
    "BAC": "battle-area clearance",
    "clearance": "clearance",
}
"""The plan's task methods in words (the hazard page)."""
CLASSIFICATION_WORDS = {
    "SHA": "suspected hazardous area (SHA)",
    "CHA": "confirmed hazardous area (CHA)",
}


def hazard_page_url(hazard_id: str) -> str:
    """The hazard's page (HTML): its story, decisions, activities and a small map."""
    return "/hazards/" + quote(hazard_id, safe="")


@dataclass
class HazardStory:
    hazard: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    """Events oldest first: date, kind, text (and actor for logged-in users)."""
    evidence: dict[str, Any] = field(default_factory=dict)
    next_step: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "page": hazard_page_url(str(self.hazard["hazard_id"])),
            "hazard": self.hazard,
            "history": self.history,
            "evidence": self.evidence,
            "next_step": self.next_step,
        }


def _rows(
    c: Connection, table: str, column: str, values: list[str], *, layer: str | None = None
) -> list[dict[str, Any]]:
    """Rows of ``table`` whose ``column`` is one of ``values`` (retired ones too: the story)."""
    if not values:
        return []
    where: dict[str, Any] = {column: values}
    if layer is not None:  # the audit trail's index is (layer, record_id)
        where = {"layer": layer, **where}
    frame = tables.read_table(c, table, where=where, include_retired=True)
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _json(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _changed(before: Any, after: Any) -> list[str]:
    b, a = _json(before), _json(after)
    if not isinstance(b, dict) or not isinstance(a, dict):
        return []
    skip = {"updated_at", "updated_by", "content_hash", "import_id", "geometry", "geom"}
    return sorted(k for k in set(a) | set(b) if k not in skip and a.get(k) != b.get(k))


def _history(
    c: Connection, hazard: pd.Series, activities: pd.DataFrame, user: User
) -> list[dict[str, Any]]:
    hid = str(hazard["hazard_id"])
    events: list[dict[str, Any]] = []

    def add(date: Any, kind: str, text: str, actor: Any = None) -> None:
        ev = {"date": day(date), "kind": kind, "text": text}
        if user.authenticated and actor:
            ev["actor"] = str(actor)
        events.append(ev)

    if plain(hazard.get("reported")):
        add(hazard["reported"], "reported", f"reported as {hazard.get('classification') or '?'}")
    for r in _rows(c, "audit_log", "record_id", [hid], layer="hazards"):
        what = {
            "insert": "entered in the register",
            "update": "record updated",
            "retire": "record retired",
        }.get(str(r["action"]), str(r["action"]))
        changed = _changed(r.get("before"), r.get("after"))
        text = what + (f": {', '.join(changed)}" if changed else "")
        if r.get("note"):
            text += f" ({r['note']})"
        add(r["at"], "record", text, r["actor"])
    ids = [str(x) for x in activities["activity_id"]]
    for _, a in activities.iterrows():
        org = f" by {a['organisation']}" if plain(a.get("organisation")) else ""
        end = f" to {day(a['end'])}" if plain(a.get("end")) else ""
        add(
            a.get("start"),
            "activity",
            f"{a['activity_id']}: {a.get('type') or 'activity'}{org}{end}, {a.get('status')}",
        )
    for r in _rows(c, "activity_reviews", "activity_id", ids):
        reason = f": {r['reason']}" if r.get("reason") else ""
        add(r["at"], "workflow", f"{r['activity_id']} {r['step']}{reason}", r["actor"])
    for r in _rows(c, "land_release", "activity_id", ids):
        ha = float(plain(r["area_m2"]) or 0) / M2_PER_HA
        add(r["released_on"], "released", f"{ha:.2f} ha {r['method']} by {r['activity_id']}")
    for r in _rows(c, "hazard_completions", "hazard_id", [hid]):
        add(r["completed_on"], "completed", "every part released: hazard completed")
        if r.get("handed_over_to"):
            add(r.get("handed_over_on"), "handover", f"handed over to {r['handed_over_to']}")
    events.sort(key=lambda e: (e["date"] or "9999", e["kind"] != "reported"))
    return events


def _inside(frame: gpd.GeoDataFrame, polygon: Any) -> pd.DataFrame:
    """The rows within ``polygon``, through the frame's spatial index (kept with the cached frame)."""
    if not len(frame) or polygon is None:
        return frame.iloc[:0]
    return frame.iloc[np.sort(frame.sindex.query(polygon, predicate="intersects"))]


RISK_FIGURES = ("run_id", "expected_devices", "mean_probability", "max_probability", "p_any_device")


def _risk(c: Connection, hid: str) -> dict[str, Any] | None:
    """The hazard's figures in the latest risk map that holds it."""
    rows = tables.read_table(c, "hazard_risk", where={"hazard_id": hid}, columns=RISK_FIGURES)
    if not len(rows):
        return None
    latest = rows.iloc[int(np.argmax(pd.to_numeric(rows["run_id"]).to_numpy()))]
    return {k: plain(latest[k]) for k in RISK_FIGURES}


def _evidence(
    c: Connection,
    ws: Workspace,
    cache: LayerCache | None,
    user: User,
    hazard: pd.Series,
    parts: pd.DataFrame,
) -> dict[str, Any]:
    polygon = hazard.geometry
    out: dict[str, Any] = {"risk": _risk(c, str(hazard["hazard_id"]))}
    if user.sees_details:
        found = _inside(vis.visible_frame(ws, "findings", user, cache), polygon)
        out["findings"] = {
            "total": len(found),
            "by_device": {
                str(k): int(v) for k, v in found["device"].astype(object).value_counts().items()
            },
            "latest": day(found["date"].astype(object).max()) if len(found) else None,
        }
        hits = _inside(vis.visible_frame(ws, "incidents", user, cache), polygon)
        killed = int(pd.to_numeric(hits["killed"]).fillna(0).sum()) if len(hits) else 0
        injured = int(pd.to_numeric(hits["injured"]).fillna(0).sum()) if len(hits) else 0
        out["incidents"] = {
            "total": len(hits),
            "killed": killed,
            "injured": injured,
            "casualties": casualties(killed, injured),
            "dates": sorted(d for d in (day(x) for x in hits["date"]) if d),
        }
        sites = vis.visible_frame(ws, vis.CONFIRMATION_SITES, user, cache)
        sites = sites[sites["hazard_id"].astype(object) == str(hazard["hazard_id"])]
        if len(sites):  # the teams' sample over its cancelled land
            searched = sites["searched"].astype(bool).to_numpy()
            devices = int(sites["devices_found"].fillna(0).to_numpy()[searched].sum())
            out["confirmation"] = {
                "sites": len(sites),
                "searched": int(searched.sum()),
                "devices_found": devices,
                "text": sites_text(len(sites), int(searched.sum()), devices),
            }
    out["survey"] = [
        {
            "part_id": str(p["part_id"]),
            "decision": str(p["decision"]),
            "area_ha": round(float(p["area_m2"] or 0) / M2_PER_HA, 2),
            "expected_devices": plain(p.get("expected_devices")),
            "devices_bound": plain(p.get("devices_bound")),
            "p_any_device": plain(p.get("p_any_device")),
            "evidence": str(p.get("evidence") or ""),
            "confidence": str(p.get("confidence") or ""),
        }
        for _, p in parts.iterrows()
    ]
    return out


def _next_step(
    ws: Workspace, cache: LayerCache | None, hazard: pd.Series, parts: pd.DataFrame
) -> dict[str, Any]:
    hid = str(hazard["hazard_id"])
    status = str(hazard.get("status") or "")
    if status in ("closed", "released"):
        return {"text": f"none: the hazard is {status}", "decisions": {}, "plan": []}
    ha = (
        (parts.groupby("decision")["area_m2"].sum() / M2_PER_HA).round(2).to_dict()
        if len(parts)
        else {}
    )
    if ha:
        order = [d for d in DECISION_WORDS if d in ha]
        text = "; ".join(f"{DECISION_WORDS[d]} of {ha[d]:.2f} ha" for d in order)
    else:
        text = "no survey recommendation yet (run `landrelease survey`)"
    with ws.engine.connect() as conn:
        run = runs.latest_run(conn, "plan")
    tasks = (
        cache.get(None, f"plan_tasks:{run}", lambda: plan_rows(ws, "plan_tasks", run))
        if cache is not None
        else plan_rows(ws, "plan_tasks", run)
    )
    mine = tasks[tasks["hazard_id"].astype(object) == hid] if len(tasks) else tasks
    plan = [
        {
            "task_id": str(t["task_id"]),
            "method": str(t["method"]),
            "area_ha": round(float(plain(t["area_m2"]) or 0) / M2_PER_HA, 2),
            "start_month": plain(t["start_month"]),
            "end_month": plain(t["end_month"]),
            "team_days": plain(t["team_days"]),
            "cost_usd": plain(t["cost_usd"]),
        }
        for _, t in mine.sort_values("sequence").iterrows()
    ]
    starts = [p["start_month"] for p in plan if p["start_month"]]
    ends = [p["end_month"] for p in plan if p["end_month"]]
    if plan and not starts:
        text += "; in the latest plan, but no team reaches it by the plan's horizon"
    elif plan:
        text += f"; planned from {min(starts)}" + (
            f", done by {max(ends)}" if len(ends) == len(plan) else ", not done by the horizon"
        )
    elif run is not None:
        text += "; not in the latest plan"
    return {"text": text, "decisions": ha, "plan": plan, "plan_run": run}


def hazard_story(
    ws: Workspace, hazard_id: str, user: User, cache: LayerCache | None = None
) -> HazardStory:
    """Everything the map shows when ``hazard_id`` is clicked, as ``user`` may see it."""
    hazards = vis.visible_frame(ws, "hazards", user, cache)
    hit = hazards[hazards["hazard_id"].astype(object) == hazard_id]
    if not len(hit):
        raise NotFound(f"no hazard {hazard_id!r}")
    h = hit.iloc[0]
    area = plain(h.get("area_m2"))
    record = {
        k: plain(h.get(k))
        for k in ("hazard_id", "classification", "status", "district", "reported", "blockages")
    }
    record["area_ha"] = None if area is None else round(float(area) / M2_PER_HA, 2)
    all_parts = vis.visible_frame(ws, vis.SURVEY_PARTS, user, cache)
    parts = all_parts[all_parts["hazard_id"].astype(object) == hazard_id]
    if user.sees_details:
        acts = vis.visible_frame(ws, "activities", user, cache)
        acts = acts[acts["hazard_id"].astype(object) == hazard_id]
    else:  # the public sees approved work only, without who did it
        acts = vis.layer_frame(ws, "activities", personal=False, cache=cache)
        acts = acts[
            (acts["hazard_id"].astype(object) == hazard_id)
            & ~acts["status"].astype(object).isin(vis.DRAFT_STATUSES)
        ]
        acts = acts.assign(organisation=None)
    with ws.engine.connect() as c:  # one connection for the story's queries
        return HazardStory(
            hazard=record,
            history=_history(c, h, acts, user),
            evidence=_evidence(c, ws, cache, user, h, parts),
            next_step=_next_step(ws, cache, h, parts),
        )


def cached_story(ws: Workspace, cache: LayerCache, hazard_id: str, user: User) -> dict[str, Any]:
    """:func:`hazard_story` as JSON, once per change of the hazards and per kind of user."""
    key = f"story:{hazard_id}:{user.authenticated}:{user.sees_details}:{vis.visibility(user)}"
    return cache.get("hazards", key, lambda: hazard_story(ws, hazard_id, user, cache).as_json())
