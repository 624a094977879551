"""The work on one hazard: non-technical survey, technical survey in lanes, clearance.

Non-technical survey may cancel a suspected hazard (rightly or not); where only
UXO is suspected, battle area clearance follows; otherwise technical survey in
lanes across the old front confirms the area around what it finds (and may
miss isolated items), and clearance of that area to the national depth
follows. Every task is recorded in the :class:`Ledger` with the devices it
found; :mod:`.history` decides which hazards are worked, and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from landrelease.domain import vocab
from landrelease.scenario.contamination import Devices
from landrelease.scenario.geometry import F64, I64, Bool, choice_index, polygonal
from landrelease.scenario.hazards import MINE_EVIDENCE, Hazards
from landrelease.scenario.parameters import END_DATE, HistoryParams
from landrelease.scenario.timeline import NAT, day, duration

RELEASING = ("cancelled", "reduced", "cleared")
"""Outcomes that release land."""


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
    searched_share: list[float | None] = field(default_factory=list)
    """Share of the area physically searched: technical survey's lanes, all of a clearance."""
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


def lanes(
    x_m: F64, y_m: F64, along: tuple[float, float], p: HistoryParams, offset_m: float
) -> Bool:
    """Whether points fall in the technical survey's lanes: strips ``lane_width_m`` wide every
    ``lane_period_m`` across the direction ``along`` (the old front's, so lanes cross belts)."""
    u = x_m * along[0] + y_m * along[1] + offset_m
    return np.asarray(np.mod(u, p.lane_period_m) < p.lane_width_m)


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
        a.searched_share.append(
            p.lane_width_m / p.lane_period_m
            if kind == "TS"
            else 1.0
            if kind == "clearance"
            else None
        )
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
    nts_end = _non_technical_survey(led, hi, start, len(alive), org)
    if nts_end is None:
        return
    if not any(led.h.evidence[k][hi] for k in MINE_EVIDENCE):
        _battle_area_clearance(led, hi, nts_end, alive, org, slope_deg, max_slope_deg)
        return
    surveyed = _technical_survey(led, hi, nts_end, alive, org, slope_deg, along, max_slope_deg)
    if surveyed is not None:
        confirmed, ts_end = surveyed
        _clear_confirmed(led, hi, ts_end, confirmed, alive, org, slope_deg, max_slope_deg)


def _non_technical_survey(
    led: Ledger, hi: int, start: np.datetime64, n_alive: int, org: str
) -> np.datetime64 | None:
    """Non-technical survey of hazard ``hi``: it may cancel a suspected hazard (the more
    likely the fewer devices it holds). Returns when the survey ended, or None when the
    hazard needs no more work or the survey would end after the end date."""
    h, p, rng = led.h, led.p, led.rng
    poly, area = h.geoms[hi], float(h.area_m2[hi])
    nts_end = start + duration(rng.integers(*p.nts_days))
    if nts_end > day(END_DATE):
        return None
    is_cha = led.classification[hi] == "CHA"
    density = n_alive / (area / 1e6)
    p_cancel = (
        0.0 if is_cha else p.nts_cancel_clean * float(np.exp(-density / p.nts_tolerance_per_km2))
    )
    if rng.random() < p_cancel:
        led.add(led.next_id("NTS"), poly, "NTS", hi, start, nts_end, "cancelled", org)
        led.released_on[hi] = start
        led.close(hi, nts_end)
        return None
    led.add(
        led.next_id("NTS"), poly, "NTS", hi, start, nts_end, "confirmed" if is_cha else "none", org
    )
    led.status[hi], led.updated[hi] = "worked_on", nts_end
    return nts_end


def _battle_area_clearance(
    led: Ledger,
    hi: int,
    nts_end: np.datetime64,
    alive: I64,
    org: str,
    slope_deg: float,
    max_slope_deg: float,
) -> None:
    """Only UXO suspected: battle area clearance of the whole hazard, no lanes."""
    h, p, rng = led.h, led.p, led.rng
    poly, area = h.geoms[hi], float(h.area_m2[hi])
    cl_start = nts_end + duration(rng.integers(*p.clearance_gap_days))
    cl_end = cl_start + duration(np.clip(area / p.bac_m2_per_day, 5, p.max_task_days))
    if cl_end > day(END_DATE):
        return
    asset = _asset(slope_deg, area, "clearance", max_slope_deg, p, rng)
    ki = led.add(led.next_id("CL"), poly, "clearance", hi, cl_start, cl_end, "cleared", org, asset)
    led.find(alive, ki, p.clearance_detection)
    led.released_on[hi] = cl_start
    led.close(hi, cl_end)


def _technical_survey(
    led: Ledger,
    hi: int,
    nts_end: np.datetime64,
    alive: I64,
    org: str,
    slope_deg: float,
    along: tuple[float, float],
    max_slope_deg: float,
) -> tuple[shapely.Geometry, np.datetime64] | None:
    """Technical survey in lanes across the old front's direction: the hazard is reduced
    where the lanes find nothing, confirmed around what they find. Returns the confirmed
    area and when the survey ended, or None when nothing is left to clear."""
    h, dev, p, rng = led.h, led.dev, led.p, led.rng
    poly, area = h.geoms[hi], float(h.area_m2[hi])
    ts_start = nts_end + duration(rng.integers(*p.ts_gap_days))
    ts_end = ts_start + duration(np.clip(area / p.ts_m2_per_day, 3, p.max_task_days))
    if ts_end > day(END_DATE):
        return None
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
        return None
    confirmed = confirmed_area(dev.x[seen], dev.y[seen], poly, p)
    reduced = polygonal(shapely.difference(poly, confirmed))
    led.classification[hi] = "CHA"
    if reduced.area >= p.min_reduced_m2:
        led.add(tid + "-R", reduced, "TS", hi, ts_start, ts_end, "reduced", org, asset_ts)
        tid += "-C"
    ci = led.add(tid, confirmed, "TS", hi, ts_start, ts_end, "confirmed", org, asset_ts)
    led.find(seen, ci, (1.0,) * len(vocab.DEVICES))
    led.updated[hi] = ts_end
    return confirmed, ts_end


def _clear_confirmed(
    led: Ledger,
    hi: int,
    ts_end: np.datetime64,
    confirmed: shapely.Geometry,
    alive: I64,
    org: str,
    slope_deg: float,
    max_slope_deg: float,
) -> None:
    """Clearance of the area technical survey confirmed, to the national depth."""
    dev, p, rng = led.dev, led.p, led.rng
    cl_start = ts_end + duration(rng.integers(*p.clearance_gap_days))
    cl_end = cl_start + duration(
        np.clip(confirmed.area / p.clearance_m2_per_day, 5, p.max_task_days)
    )
    if cl_end > day(END_DATE):
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
