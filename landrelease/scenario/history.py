"""Land release from late 2020 to the scenario's 'today', and what it found.

The programme works its hazard register in priority order (near the towns of
the return programme, trunk roads, infrastructure and fields first; the old
front later) until about a fifth of the registered area is released, at a pace
that grows with the workforce. Each hazard goes through non-technical survey
(which may cancel it, rightly or not), then either battle area clearance
(where only UXO is suspected) or technical survey in lanes (which may miss
isolated items) and clearance of what the survey confirmed, to the national
depth. Findings lie exactly where the true devices were. UXO reported by
people are removed by EOD spot tasks; a few finds end in a deminer accident.

The work on one hazard is in :mod:`.tasks`; this module decides which hazards
are worked and when, adds the spot tasks, dates the findings, and counts the
people back home.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario.contamination import DEVICE, Devices
from landrelease.scenario.evidence import Incidents, victims
from landrelease.scenario.geography import Districts
from landrelease.scenario.geometry import F64, I64, Bool, Frame, choice_index
from landrelease.scenario.hazards import Hazards
from landrelease.scenario.parameters import (
    END_DATE,
    START_DATE,
    HistoryParams,
    IncidentParams,
    ResourceParams,
    ReturnParams,
)
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.tasks import Activities, Ledger, work_hazard
from landrelease.scenario.terrain import Relief
from landrelease.scenario.timeline import NAT, Days, day, duration, uniform_days, years_between


@dataclass(frozen=True)
class Findings:
    device_index: I64
    """Index into the window's devices."""
    activity: I64
    """Index into the activities."""
    date: Days
    condition: NDArray[np.object_]
    destroyed: Bool


@dataclass(frozen=True)
class History:
    activities: Activities
    findings: Findings
    hazard_status: NDArray[np.object_]
    hazard_classification: NDArray[np.object_]
    hazard_updated: Days
    spot_hazards: Hazards
    removed_by: NDArray[np.object_]
    """Per window device: '' (still in the ground), 'finding' or 'incident'."""
    released_on: Days
    """Per hazard: when its release began (NaT when never)."""
    closed_on: Days
    """Per hazard: when it was closed (NaT when still open)."""
    deminer_incidents: Incidents


# --- deciding what to work, and when -----------------------------------------------


def priorities(
    h: Hazards,
    s: Settlements,
    programme: Bool,
    on_trunk: Bool,
    p: HistoryParams,
    rng: np.random.Generator,
) -> F64:
    """The programme's priority for each hazard (evidence only, no truth): near planned
    returns (above all those of the return programme), on trunk roads, blocking roads,
    infrastructure or fields; on the old front or mapped minefields, lower."""
    c = shapely.get_coordinates(shapely.point_on_surface(h.geoms)) if len(h) else np.zeros((0, 2))
    r = np.sqrt(h.area_m2 / np.pi)
    people = s.population_planned * np.where(programme, p.programme_weight, 1.0)
    d = np.hypot(c[:, 0, None] - s.x, c[:, 1, None] - s.y) - r[:, None]
    pop = (people * np.exp(-np.maximum(d, 0) / p.population_scale_m)).sum(axis=1)
    blocks = np.array(
        [[b in f for b in ("road", "infrastructure", "agriculture")] for f in h.blockages], float
    ).reshape(-1, 3)
    front = h.evidence["front"] | h.evidence["record"]
    score = (
        p.weight_population * np.log1p(pop / 1000.0)
        + p.weight_trunk_road * on_trunk
        + p.weight_road * blocks[:, 0]
        + p.weight_infrastructure * blocks[:, 1]
        + p.weight_agriculture * blocks[:, 2]
        - p.weight_front * front
    )
    return np.asarray(score + rng.normal(0, p.priority_noise_sigma, len(h)), float)


def schedule(area_m2: F64, p: HistoryParams, *, end_margin_days: int = 120) -> Days:
    """Start day of each task when the ordered tasks share the capacity curve."""
    t0 = day(p.capacity_steps[0][0])
    t1 = day(END_DATE) - duration(end_margin_days)
    days = np.arange(t0, t1 + duration(1))
    cap = np.zeros(len(days))
    for when, c in p.capacity_steps:
        cap[days >= day(when)] = c
    cum = np.concatenate([[0.0], np.cumsum(cap)])
    before = np.concatenate([[0.0], np.cumsum(area_m2)[:-1]])
    frac = before / max(float(np.sum(area_m2)), 1.0)
    idx = np.searchsorted(cum, frac * cum[-1], side="right") - 1
    return days[np.clip(idx, 0, len(days) - 1)]


# --- the programme's work, in order --------------------------------------------------


def spot_tasks(
    led: Ledger,
    candidates: I64,
    districts: Districts,
) -> Hazards:
    """EOD spot tasks: reported UXO and AXO near people, each cluster one small task (and
    one small closed hazard, so every activity refers to a hazard)."""
    dev, p, rng = led.dev, led.p, led.rng
    spot = candidates[rng.random(len(candidates)) < p.spot_probability]
    cell = np.column_stack(
        [np.floor(dev.x[spot] / p.spot_task_cell_m), np.floor(dev.y[spot] / p.spot_task_cell_m)]
    )
    _, task_of = np.unique(cell, axis=0, return_inverse=True)
    task_of = task_of.ravel()
    n = int(task_of.max()) + 1 if len(task_of) else 0
    by_task = np.argsort(task_of, kind="stable")
    pts = (
        shapely.multipoints(
            np.column_stack([dev.x[spot], dev.y[spot]])[by_task], indices=task_of[by_task]
        )
        if n
        else np.zeros(0, dtype=object)
    )
    geoms = np.asarray(shapely.buffer(pts, p.spot_radius_m, quad_segs=4), dtype=object)
    c = shapely.get_coordinates(shapely.centroid(geoms)) if n else np.zeros((0, 2))
    dist = districts.of(c[:, 0], c[:, 1])
    ids = np.array(
        [f"HZ-{districts.codes[int(d)]}-S{k + 1:04d}" for k, d in enumerate(dist)], dtype=object
    )
    when = uniform_days(rng, "2021-01-01", END_DATE, n)
    first_type = np.zeros(n, np.int64)
    first_type[task_of[::-1]] = dev.device[spot][::-1]
    hazards = Hazards(
        ids=ids,
        geoms=geoms,
        classification=np.full(n, "CHA", dtype=object),
        reported=when - rng.integers(*p.spot_report_days, n).astype("timedelta64[D]"),
        district=np.array(districts.names, dtype=object)[dist],
        blockages=[[] for _ in range(n)],
        device_types=[[vocab.DEVICES[int(t)]] for t in first_type],
        evidence={},
        area_m2=shapely.area(geoms) if n else np.zeros(0),
    )
    first = len(led.acts)
    for k in range(n):
        led.add(
            f"EOD-{k + 1:05d}",
            geoms[k],
            "EOD_spot",
            -1,
            when[k],
            when[k] + duration(1),
            "cleared",
            "ANAMA",
            "manual",
        )
        led.acts.hazard_id[-1] = str(ids[k])
    led.removed[spot] = "finding"
    led.found_dev.append(spot)
    led.found_act.append(first + task_of)
    return hazards


def release_history(
    h: Hazards,
    dev: Devices,
    in_hazard: I64,
    exploded: Bool,
    s: Settlements,
    programme: Bool,
    on_trunk: Bool,
    relief: Relief,
    frame: Frame,
    districts: Districts,
    d_settlement: F64,
    d_road: F64,
    max_slope_deg: float,
    p: HistoryParams,
    ip: IncidentParams,
    rp: ResourceParams,
    rng: np.random.Generator,
) -> History:
    """Work the register in priority order until ``released_share`` of its area is released,
    then the spot tasks; findings dated within their task, a few turned into accidents."""
    n_h = len(h)
    led = Ledger(h, dev, exploded, p, rng)
    order = np.argsort(-priorities(h, s, programme, on_trunk, p, rng), kind="stable")
    cum = np.cumsum(h.area_m2[order])
    work = order[: int(np.searchsorted(cum, p.released_share * h.area_m2.sum())) + 1]
    _work_in_order(led, work, in_hazard, relief, frame, max_slope_deg, rp)

    worked = np.zeros(n_h + 1, bool)
    worked[work] = True
    outside = ~worked[np.where(in_hazard >= 0, in_hazard, n_h)]
    near_people = (d_settlement <= p.spot_distance_m) | (d_road <= p.spot_road_m)
    uxo = np.isin(dev.device, [DEVICE["UXO"], DEVICE["AXO"]])
    spot_h = spot_tasks(
        led, np.flatnonzero((led.removed == "") & outside & near_people & uxo), districts
    )
    findings, deminer = _findings_and_accidents(led, ip)
    return History(
        activities=led.acts,
        findings=findings,
        hazard_status=led.status,
        hazard_classification=led.classification,
        hazard_updated=led.updated,
        spot_hazards=spot_h,
        removed_by=led.removed,
        released_on=led.released_on,
        closed_on=led.closed_on,
        deminer_incidents=deminer,
    )


def _work_in_order(
    led: Ledger,
    work: I64,
    in_hazard: I64,
    relief: Relief,
    frame: Frame,
    max_slope_deg: float,
    rp: ResourceParams,
) -> None:
    """Work the hazards ``work`` in that order, each started on the capacity schedule (not
    before its report), by an organisation drawn by its share, with lanes across the old
    front nearest to it."""
    h, p, rng = led.h, led.p, led.rng
    starts = schedule(h.area_m2[work], p)
    org_names = [o[1] for o in rp.organisations]
    org_w = [o[3] for o in rp.organisations]
    by_hazard = np.argsort(in_hazard, kind="stable")
    bounds = np.searchsorted(in_hazard[by_hazard], np.arange(len(h) + 1))
    c = (
        shapely.get_coordinates(shapely.point_on_surface(h.geoms[work]))
        if len(work)
        else np.zeros((0, 2))
    )
    slope = relief.slope_deg(c[:, 0], c[:, 1])
    near = (
        cKDTree(np.column_stack([frame.x, frame.y])).query(c)[1]
        if len(c)
        else np.zeros(0, np.int64)
    )
    for j, hi in enumerate(work):
        start = max(starts[j], h.reported[hi] + duration(p.delay_after_report_days))
        org = org_names[int(choice_index(rng, org_w, 1)[0])]
        inside = by_hazard[bounds[hi] : bounds[hi + 1]]
        along = (float(frame.ny[near[j]]), float(-frame.nx[near[j]]))
        work_hazard(
            led,
            int(hi),
            start,
            inside[led.removed[inside] == ""],
            org,
            float(slope[j]),
            along,
            max_slope_deg,
        )


def _findings_and_accidents(led: Ledger, ip: IncidentParams) -> tuple[Findings, Incidents]:
    """Every finding dated within its task, with its condition; a few of those met in
    clearance went off instead of being found (deminer incidents)."""
    dev, p, rng = led.dev, led.p, led.rng
    fd = np.concatenate(led.found_dev)
    fa = np.concatenate(led.found_act)
    a_start = np.asarray(led.acts.start, dtype="datetime64[D]")
    span = (np.asarray(led.acts.end, dtype="datetime64[D]") - a_start)[fa].astype(np.int64) + 1
    fdate = a_start[fa] + (rng.random(len(fa)) * span).astype(np.int64).astype("timedelta64[D]")
    in_clearance = np.asarray(led.acts.type, dtype=object)[fa] == "clearance"
    acc = in_clearance & (rng.random(len(fa)) < ip.deminer_accident_per_find)
    di = fd[acc]
    kind = np.array(vocab.DEVICES, dtype=object)[dev.device[di]]
    deminer = Incidents(
        device_index=di,
        x=dev.x[di],
        y=dev.y[di],
        date=fdate[acc],
        activity=np.full(len(di), "demining", dtype=object),
        civilian=np.zeros(len(di), bool),
        device=kind,
        victims=victims(rng, kind, ip, adults_only=True),
    )
    led.removed[di] = "incident"
    keep = ~acc
    cond = np.array([k for k, _ in p.conditions], dtype=object)[
        choice_index(rng, [w for _, w in p.conditions], int(keep.sum()))
    ]
    findings = Findings(
        fd[keep],
        fa[keep],
        fdate[keep],
        cond,
        rng.random(int(keep.sum())) < p.destroyed_probability,
    )
    return findings, deminer


def redate_incidents(
    inc: Incidents, in_hazard: I64, released_on: Days, rng: np.random.Generator
) -> Incidents:
    """An incident cannot happen on land released before it: move it before the release."""
    h = in_hazard[inc.device_index]
    rel = np.where(h >= 0, released_on[np.maximum(h, 0)], NAT)
    late = ~np.isnat(rel) & (inc.date >= rel)
    if not late.any():
        return inc
    start = day(START_DATE)
    span = np.maximum((rel[late] - start).astype(np.int64), 1)
    new = inc.date.copy()
    new[late] = start + (rng.random(int(late.sum())) * span).astype(np.int64).astype(
        "timedelta64[D]"
    )
    return Incidents(
        inc.device_index, inc.x, inc.y, new, inc.activity, inc.civilian, inc.device, inc.victims
    )


# --- returns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Returns:
    returned: I64
    released_share: F64
    """Share of the hazard area around each settlement released in time for rebuilding."""
    in_programme: Bool


def return_programme(s: Settlements, score: F64, p: ReturnParams) -> Bool:
    """Settlements in the return programme: the pilot towns and the best-ranked villages."""
    villages = ~s.pilot
    k = round(p.programme_share * villages.sum())
    ranked = np.flatnonzero(villages)[np.argsort(-score[villages], kind="stable")[:k]]
    prog = s.pilot.copy()
    prog[ranked] = True
    return prog


def returns_so_far(
    s: Settlements, h: Hazards, closed_on: Days, programme: Bool, p: ReturnParams
) -> Returns:
    """People back home by the end date. In a settlement of the return programme, the share
    of its planned returnees back is the share of the hazard area around it released at
    least ``build_years`` before the end (time to rebuild), times the programme's progress
    since the first return (``rate_per_year`` a year)."""
    n = len(s)
    released = np.ones(n)
    if len(h) and n:
        discs = shapely.buffer(shapely.points(s.x, s.y), p.ready_radius_m)
        si, hi = shapely.STRtree(h.geoms).query(discs, predicate="intersects")
        area = shapely.area(shapely.intersection(h.geoms[hi], discs[si]))
        cutoff = day(END_DATE) - duration(round(p.build_years * 365.25))
        done = ~np.isnat(closed_on[hi]) & (closed_on[hi] <= cutoff)
        total = np.bincount(si, weights=area, minlength=n)
        freed = np.bincount(si, weights=area * done, minlength=n)
        released = np.where(total > 0, freed / np.maximum(total, 1e-9), 1.0)
    years = float(years_between(np.array([day(p.first_return)]), np.array([day(END_DATE)]))[0])
    progress = min(1.0, p.rate_per_year * max(years, 0.0))
    returned = np.where(programme, np.round(s.population_planned * released * progress), 0)
    return Returns(returned.astype(np.int64), released, programme)
