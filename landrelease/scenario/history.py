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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario.contamination import DEVICE, Devices
from landrelease.scenario.evidence import Incidents, victims
from landrelease.scenario.geography import Districts
from landrelease.scenario.geometry import F64, I64, Bool, Frame, choice_index, polygonal
from landrelease.scenario.hazards import MINE_EVIDENCE, Hazards
from landrelease.scenario.parameters import (
    END_DATE,
    START_DATE,
    HistoryParams,
    IncidentParams,
    ResourceParams,
    ReturnParams,
)
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.terrain import Relief
from landrelease.scenario.timeline import Days, day, uniform_days, years_between

RELEASING = ("cancelled", "reduced", "cleared")
NAT = np.datetime64("NaT", "D")


def _days(n: int | np.integer) -> np.timedelta64:
    return np.timedelta64(int(n), "D")


@dataclass
class Activities:
    """Rows of the activities layer, appended task by task (thousands, not millions)."""

    ids: list[str] = field(default_factory=list)
    geoms: list[shapely.Geometry] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    hazard_id: list[str] = field(default_factory=list)
    start: list[np.datetime64] = field(default_factory=list)
    end: list[np.datetime64] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    asset: list[str | list[str] | None] = field(default_factory=list)
    depth_cm: list[float | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def released_m2(self, until: str | None = None) -> float:
        """Area released (cancelled, reduced or cleared), optionally by a date."""
        if not self.ids:
            return 0.0
        area = shapely.area(np.asarray(self.geoms, dtype=object))
        keep = np.isin(np.asarray(self.outcome, dtype=object), RELEASING)
        if until is not None:
            keep &= np.asarray(self.end, dtype="datetime64[D]") <= day(until)
        return float(area[keep].sum())


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
    t1 = day(END_DATE) - _days(end_margin_days)
    days = np.arange(t0, t1 + _days(1))
    cap = np.zeros(len(days))
    for when, c in p.capacity_steps:
        cap[days >= day(when)] = c
    cum = np.concatenate([[0.0], np.cumsum(cap)])
    before = np.concatenate([[0.0], np.cumsum(area_m2)[:-1]])
    frac = before / max(float(np.sum(area_m2)), 1.0)
    idx = np.searchsorted(cum, frac * cum[-1], side="right") - 1
    return days[np.clip(idx, 0, len(days) - 1)]


def lanes(
    x_m: F64, y_m: F64, along: tuple[float, float], p: HistoryParams, offset_m: float
) -> Bool:
    """Whether points fall in the technical survey's lanes: strips ``lane_width_m`` wide every
    ``lane_period_m`` across the direction ``along`` (the old front's, so lanes cross belts)."""
    u = x_m * along[0] + y_m * along[1] + offset_m
    return np.asarray(np.mod(u, p.lane_period_m) < p.lane_width_m)


# --- the work, hazard by hazard -------------------------------------------------------


class Ledger:
    """What the programme did: activities, devices removed, hazards' state."""

    def __init__(
        self, h: Hazards, dev: Devices, exploded: Bool, p: HistoryParams, rng: np.random.Generator
    ) -> None:
        self.h, self.dev, self.p, self.rng = h, dev, p, rng
        self.acts = Activities()
        self.removed = np.where(exploded, "incident", "").astype(object)
        self.found_dev: list[I64] = []
        self.found_act: list[I64] = []
        n = len(h)
        self.status = np.full(n, "active", dtype=object)
        self.classification = h.classification.copy()
        self.updated = h.reported.copy()
        self.released_on = np.full(n, NAT)
        self.closed_on = np.full(n, NAT)
        self.counter: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        self.counter[prefix] = self.counter.get(prefix, 0) + 1
        return f"{prefix}-{self.counter[prefix]:05d}"

    def add(
        self,
        aid: str,
        geom: shapely.Geometry,
        kind: str,
        hazard: int,
        start: np.datetime64,
        end: np.datetime64,
        outcome: str,
        org: str,
        asset: str | list[str] | None = None,
    ) -> int:
        a, p = self.acts, self.p
        a.ids.append(aid)
        a.geoms.append(geom)
        a.type.append(kind)
        a.hazard_id.append(str(self.h.ids[hazard]) if hazard >= 0 else "")
        a.start.append(start)
        a.end.append(end)
        a.outcome.append(outcome)
        a.organisation.append(org)
        a.asset.append(asset)
        a.depth_cm.append(None if kind == "NTS" or kind == "EOD_spot" else p.depth_cm)
        status = [k for k, _ in p.status_mix]
        a.status.append(status[int(choice_index(self.rng, [w for _, w in p.status_mix], 1)[0])])
        return len(a) - 1

    def find(self, devices: I64, activity: int, detection: tuple[float, ...]) -> I64:
        """Devices the activity detects (to the clearance depth), now removed."""
        dev = self.dev
        shallow = dev.depth_cm[devices] <= self.p.depth_cm
        hit = self.rng.random(len(devices)) < np.asarray(detection)[dev.device[devices]]
        found = devices[shallow & hit]
        self.removed[found] = "finding"
        self.found_dev.append(found)
        self.found_act.append(np.full(len(found), activity, np.int64))
        return found

    def close(self, hi: int, when: np.datetime64) -> None:
        self.status[hi], self.updated[hi], self.closed_on[hi] = "closed", when, when


def _asset(
    slope_deg: float,
    area_m2: float,
    kind: str,
    max_slope: float,
    p: HistoryParams,
    rng: np.random.Generator,
) -> str | list[str]:
    """The assets a task used: machines where the ground allows, dogs for survey, hands."""
    flat = slope_deg < max_slope
    if kind == "TS":
        if flat and area_m2 > p.machine_min_area_m2:
            return ["machine", "dog"]
        kinds = [k for k, _ in p.ts_assets]
        return kinds[int(choice_index(rng, [w for _, w in p.ts_assets], 1)[0])]
    if flat:
        return ["machine", "manual"] if rng.random() < p.machine_share else ["manual", "dog"]
    return "manual" if rng.random() < p.machine_share else ["manual", "dog"]


def work_hazard(
    led: Ledger,
    hi: int,
    start: np.datetime64,
    alive: I64,
    org: str,
    slope_deg: float,
    along: tuple[float, float],
    max_slope_deg: float,
) -> None:
    """Survey and clear one hazard from ``start``; stop where a task would end after the
    scenario's end date."""
    h, dev, p, rng = led.h, led.dev, led.p, led.rng
    end = day(END_DATE)
    poly, area = h.geoms[hi], float(h.area_m2[hi])
    nts_end = start + _days(rng.integers(*p.nts_days))
    if nts_end > end:
        return
    is_cha = led.classification[hi] == "CHA"
    density = len(alive) / (area / 1e6)
    p_cancel = (
        0.0 if is_cha else p.nts_cancel_clean * float(np.exp(-density / p.nts_tolerance_per_km2))
    )
    if rng.random() < p_cancel:
        led.add(led.next_id("NTS"), poly, "NTS", hi, start, nts_end, "cancelled", org)
        led.released_on[hi] = start
        led.close(hi, nts_end)
        return
    led.add(
        led.next_id("NTS"), poly, "NTS", hi, start, nts_end, "confirmed" if is_cha else "none", org
    )
    led.status[hi], led.updated[hi] = "worked_on", nts_end

    if not any(h.evidence[k][hi] for k in MINE_EVIDENCE):
        # only UXO suspected: battle area clearance of the whole hazard, no lanes
        cl_start = nts_end + _days(rng.integers(*p.clearance_gap_days))
        cl_end = cl_start + _days(np.clip(area / p.bac_m2_per_day, 5, p.max_task_days))
        if cl_end > end:
            return
        asset = _asset(slope_deg, area, "clearance", max_slope_deg, p, rng)
        ki = led.add(
            led.next_id("CL"), poly, "clearance", hi, cl_start, cl_end, "cleared", org, asset
        )
        led.find(alive, ki, p.clearance_detection)
        led.released_on[hi] = cl_start
        led.close(hi, cl_end)
        return

    ts_start = nts_end + _days(rng.integers(*p.ts_gap_days))
    ts_end = ts_start + _days(np.clip(area / p.ts_m2_per_day, 3, p.max_task_days))
    if ts_end > end:
        return
    tid = led.next_id("TS")
    asset_ts = _asset(slope_deg, area, "TS", max_slope_deg, p, rng)
    led.released_on[hi] = ts_start
    in_lane = alive[lanes(dev.x[alive], dev.y[alive], along, p, rng.uniform(0, p.lane_period_m))]
    shallow = dev.depth_cm[in_lane] <= p.depth_cm
    seen = in_lane[
        shallow & (rng.random(len(in_lane)) < np.asarray(p.ts_detection)[dev.device[in_lane]])
    ]
    if not len(seen):
        led.add(tid, poly, "TS", hi, ts_start, ts_end, "reduced", org, asset_ts)
        led.close(hi, ts_end)
        return
    confirmed = confirmed_area(dev.x[seen], dev.y[seen], poly, p)
    reduced = polygonal(shapely.difference(poly, confirmed))
    led.classification[hi] = "CHA"
    if reduced.area >= p.min_reduced_m2:
        led.add(tid + "-R", reduced, "TS", hi, ts_start, ts_end, "reduced", org, asset_ts)
        tid += "-C"
    ci = led.add(tid, confirmed, "TS", hi, ts_start, ts_end, "confirmed", org, asset_ts)
    led.find(seen, ci, (1.0,) * len(vocab.DEVICES))
    led.updated[hi] = ts_end

    cl_start = ts_end + _days(rng.integers(*p.clearance_gap_days))
    cl_end = cl_start + _days(np.clip(confirmed.area / p.clearance_m2_per_day, 5, p.max_task_days))
    if cl_end > end:
        return
    left = alive[led.removed[alive] == ""]
    inside = left[shapely.contains_xy(confirmed, dev.x[left], dev.y[left])]
    asset = _asset(slope_deg, float(confirmed.area), "clearance", max_slope_deg, p, rng)
    ki = led.add(
        led.next_id("CL"), confirmed, "clearance", hi, cl_start, cl_end, "cleared", org, asset
    )
    led.find(inside, ki, p.clearance_detection)
    led.close(hi, cl_end)


def confirmed_area(
    x_m: F64, y_m: F64, hazard: shapely.Geometry, p: HistoryParams
) -> shapely.Geometry:
    """The area technical survey confirms: ``fadeout_m`` around each device found, gaps
    closed, cut to the hazard."""
    cell = p.confirm_cell_m
    key = np.unique(np.column_stack([np.floor(x_m / cell), np.floor(y_m / cell)]), axis=0)
    pts = shapely.multipoints((key + 0.5) * cell)
    zone = shapely.buffer(shapely.buffer(pts, p.fadeout_m, quad_segs=4), p.confirm_closing_m)
    zone = shapely.simplify(shapely.buffer(zone, -p.confirm_closing_m), p.confirm_simplify_m)
    return polygonal(shapely.intersection(zone, hazard))


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
            when[k] + _days(1),
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
    starts = schedule(h.area_m2[work], p)
    org_names = [o[1] for o in rp.organisations]
    org_w = [o[3] for o in rp.organisations]
    by_hazard = np.argsort(in_hazard, kind="stable")
    bounds = np.searchsorted(in_hazard[by_hazard], np.arange(n_h + 1))
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
        start = max(starts[j], h.reported[hi] + _days(p.delay_after_report_days))
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

    worked = np.zeros(n_h + 1, bool)
    worked[work] = True
    outside = ~worked[np.where(in_hazard >= 0, in_hazard, n_h)]
    near_people = (d_settlement <= p.spot_distance_m) | (d_road <= p.spot_road_m)
    uxo = np.isin(dev.device, [DEVICE["UXO"], DEVICE["AXO"]])
    spot_h = spot_tasks(
        led, np.flatnonzero((led.removed == "") & outside & near_people & uxo), districts
    )

    fd = np.concatenate(led.found_dev)
    fa = np.concatenate(led.found_act)
    a_start = np.asarray(led.acts.start, dtype="datetime64[D]")
    span = (np.asarray(led.acts.end, dtype="datetime64[D]") - a_start)[fa].astype(np.int64) + 1
    fdate = a_start[fa] + (rng.random(len(fa)) * span).astype(np.int64).astype("timedelta64[D]")
    # accidents among deminers: a device met in clearance went off instead of being found
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
    return History(
        activities=led.acts,
        findings=Findings(
            fd[keep],
            fa[keep],
            fdate[keep],
            cond,
            rng.random(int(keep.sum())) < p.destroyed_probability,
        ),
        hazard_status=led.status,
        hazard_classification=led.classification,
        hazard_updated=led.updated,
        spot_hazards=spot_h,
        removed_by=led.removed,
        released_on=led.released_on,
        closed_on=led.closed_on,
        deminer_incidents=deminer,
    )


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
        cutoff = day(END_DATE) - _days(round(p.build_years * 365.25))
        done = ~np.isnat(closed_on[hi]) & (closed_on[hi] <= cutoff)
        total = np.bincount(si, weights=area, minlength=n)
        freed = np.bincount(si, weights=area * done, minlength=n)
        released = np.where(total > 0, freed / np.maximum(total, 1e-9), 1.0)
    years = float(years_between(np.array([day(p.first_return)]), np.array([day(END_DATE)]))[0])
    progress = min(1.0, p.rate_per_year * max(years, 0.0))
    returned = np.where(programme, np.round(s.population_planned * released * progress), 0)
    return Returns(returned.astype(np.int64), released, programme)
