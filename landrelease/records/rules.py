"""The rules of the records workflow, as pure functions on geometries and records.

* :func:`release_claims` — what area an activity says it released, by method;
* :func:`check_release` — whether an activity's area may be booked in the
  land-release ledger: inside its hazard, not over land already released, no
  more area claimed than its polygon holds; every problem with its numbers;
* :func:`hazard_after` — the hazard's status and classification once the
  release is booked;
* :func:`accreditation_flags` — an organisation not accredited for the
  activity's method, assets or dates.

Geometries here are in the workspace's metric CRS (metres); areas in m².
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from landrelease.errors import Issue, Severity
from landrelease.store.crs import project, unproject

__all__ = [
    "CLAIM_KEYS",
    "METHODS_BY_TYPE",
    "RELEASE_METHODS",
    "Booking",
    "HazardState",
    "ReleaseCheck",
    "accreditation_flags",
    "check_release",
    "hazard_after",
    "project",
    "release_claims",
    "unproject",
]

RELEASE_METHODS = ("cancelled", "reduced", "cleared")
"""How land is released (IMAS 07.11): cancellation by NTS, reduction by TS, clearance."""

METHODS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "NTS": ("cancelled",),
    "TS": ("reduced", "cleared"),
    "clearance": ("cleared",),
    "EOD_spot": ("cleared",),
}
"""Release methods each activity type may book (an EOD spot task clears the small area around an item)."""

CLAIM_KEYS = {m: f"area_{m}_m2" for m in RELEASE_METHODS}
"""Properties (kept in an activity's ``extra``) with the area it reports per method, in m²."""

STATUS_ORDER = {"active": 0, "worked_on": 1, "closed": 2}

MIN_TOLERANCE_M2 = 1.0
"""Slivers below this are rounding, whatever the tolerance share."""

FILE = "activities"


def release_claims(extra: Mapping[str, Any] | None) -> dict[str, float] | None:
    """The areas an activity reports as released, by method; ``None`` when it reports none.

    Reported areas travel in the activity's extra properties ``area_cancelled_m2``,
    ``area_reduced_m2`` and ``area_cleared_m2`` (kept by import and export).
    """
    if not extra:
        return None
    out: dict[str, float] = {}
    for method, key in CLAIM_KEYS.items():
        v = extra.get(key)
        if v is None or v == "":
            continue
        try:
            out[method] = float(v)
        except (TypeError, ValueError):
            out[method] = float("nan")
    return out or None


@dataclass(frozen=True)
class Booking:
    """One line of the land-release ledger to be written."""

    method: str
    area_m2: float


@dataclass
class ReleaseCheck:
    """What checking an activity's release found, with the numbers."""

    activity_area_m2: float
    outside_m2: float
    overlap_m2: float
    claimed_m2: float
    bookings: list[Booking] = field(default_factory=list)
    geometry: shapely.Geometry | None = None
    """The land booked (metric CRS): the activity's area inside its hazard, less land already released."""
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def released_m2(self) -> float:
        return sum(b.area_m2 for b in self.bookings)


def _m2(v: float) -> str:
    return f"{v:,.0f} m²"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole > 0 else "—"


Flag = Callable[..., None]
"""Records one problem: ``flag(field, value, problem, accepted="", severity=<the check's>)``."""


def check_release(
    *,
    activity_id: str,
    activity_type: str,
    outcome: str | None,
    claims: Mapping[str, float] | None,
    activity_geom: shapely.Geometry | None,
    hazard_id: str,
    hazard_geom: shapely.Geometry | None,
    released: pd.DataFrame,
    tolerance_share: float,
    strict: bool = True,
) -> ReleaseCheck:
    """Check an activity's release against its hazard and the ledger (geometries in metres).

    ``released`` holds the ledger lines already booked (``activity_id``,
    ``method``, ``released_on``, ``geometry``). Strict (an approval): every
    problem is an error and nothing is booked. Lenient (booking activities
    approved before they reached this workspace): the area is trimmed to the
    hazard, less land already released, and each trim is a warning.
    """
    bad = Severity.ERROR if strict else Severity.WARNING
    issues: list[Issue] = []

    def flag(fld: str, value: str, problem: str, accepted: str = "", sev: Severity = bad) -> None:
        issues.append(Issue(FILE, activity_id, fld, value, problem, accepted, sev))

    if activity_geom is None or shapely.is_empty(activity_geom):
        flag(
            "geometry", "", "the activity has no area", "a Polygon or MultiPolygon", Severity.ERROR
        )
        return ReleaseCheck(0.0, 0.0, 0.0, 0.0, issues=issues)
    if hazard_geom is None or shapely.is_empty(hazard_geom):
        flag("hazard_id", repr(hazard_id), "refers to no current hazard", "", Severity.ERROR)
        return ReleaseCheck(float(activity_geom.area), 0.0, 0.0, 0.0, issues=issues)

    area = float(activity_geom.area)
    tol = max(MIN_TOLERANCE_M2, tolerance_share * area)
    inside = shapely.intersection(activity_geom, hazard_geom)
    outside_m2 = max(area - float(inside.area), 0.0)
    if outside_m2 > tol:
        flag(
            "geometry",
            f"{_m2(area)} processed",
            f"{_m2(outside_m2)} ({_pct(outside_m2, area)}) of the activity's area lie outside hazard "
            f"{hazard_id} ({_m2(float(hazard_geom.area))})",
            f"at most {_m2(tol)} outside (setting approval_tolerance_share = {tolerance_share:g})",
        )
    overlap_total, free = _less_released(released, activity_geom, inside, tol, flag)
    methods = METHODS_BY_TYPE.get(activity_type, ())
    claimed_m2, bookings = _bookings(
        claims, outcome, activity_type, methods, area, tol, float(free.area), flag
    )
    return ReleaseCheck(
        activity_area_m2=area,
        outside_m2=outside_m2,
        overlap_m2=overlap_total,
        claimed_m2=claimed_m2,
        bookings=[b for b in bookings if b.area_m2 > 0],
        geometry=free,
        issues=issues,
    )


def _less_released(
    released: pd.DataFrame,
    activity_geom: shapely.Geometry,
    inside: shapely.Geometry,
    tol: float,
    flag: Flag,
) -> tuple[float, shapely.Geometry]:
    """The area of the activity over land already released (flagged above ``tol``), and its area
    inside the hazard less that land."""
    if not len(released):
        return 0.0, inside
    geoms = np.asarray(released.geometry.values, dtype=object)
    hits = shapely.intersects(geoms, activity_geom)
    if not hits.any():
        return 0.0, inside
    area = float(activity_geom.area)
    sub = released[hits].copy()
    sub["overlap_m2"] = shapely.area(shapely.intersection(geoms[hits], activity_geom))
    sub = sub[sub["overlap_m2"] > 0]
    grouped = (
        sub.groupby(["activity_id", "method"], sort=True)
        .agg(overlap_m2=("overlap_m2", "sum"), released_on=("released_on", "max"))
        .reset_index()
    )
    overlap_total = float(shapely.intersection(shapely.union_all(geoms[hits]), activity_geom).area)
    if overlap_total > tol:
        parts = "; ".join(
            f"{_m2(r.overlap_m2)} {r.method} by {r.activity_id} (ended {r.released_on})"
            for r in grouped.itertuples()
        )
        flag(
            "geometry",
            f"{_m2(area)} processed",
            f"{_m2(overlap_total)} ({_pct(overlap_total, area)}) overlap land already released: {parts}",
            f"at most {_m2(tol)} of overlap",
        )
    return overlap_total, shapely.difference(inside, shapely.union_all(geoms[hits]))


def _bookings(
    claims: Mapping[str, float] | None,
    outcome: str | None,
    activity_type: str,
    methods: tuple[str, ...],
    area: float,
    tol: float,
    free_m2: float,
    flag: Flag,
) -> tuple[float, list[Booking]]:
    """The area claimed, and what is booked by method: the claims scaled to the free area, else
    the free area under the outcome's method."""
    if claims is None:
        if outcome in methods:
            return 0.0, [Booking(str(outcome), free_m2)]
        if outcome in RELEASE_METHODS:
            flag(
                "outcome",
                repr(outcome),
                f"a {activity_type} cannot release land by {outcome}",
                "outcomes for "
                + activity_type
                + ": "
                + (", ".join(methods) or "none releasing land"),
                Severity.ERROR,
            )
        return 0.0, []
    for method, value in claims.items():
        if not np.isfinite(value) or value < 0:
            flag(
                f"area_{method}_m2",
                repr(value),
                "not an area",
                "a number of m² ≥ 0",
                Severity.ERROR,
            )
        elif method not in methods and value > 0:
            flag(
                f"area_{method}_m2",
                _m2(value),
                f"a {activity_type} cannot release land by {method}",
                "methods for " + activity_type + ": " + (", ".join(methods) or "none"),
                Severity.ERROR,
            )
    valid = {m: v for m, v in claims.items() if np.isfinite(v) and v > 0 and m in methods}
    claimed_m2 = sum(valid.values())
    if claimed_m2 > area + tol:
        detail = ", ".join(f"{_m2(v)} {m}" for m, v in valid.items())
        flag(
            "area_claimed",
            _m2(claimed_m2),
            f"claims {_m2(claimed_m2)} released ({detail}) but its polygon is {_m2(area)}: "
            f"{_m2(claimed_m2 - area)} more than it holds",
            f"at most the polygon's {_m2(area)}",
        )
    scale = min(1.0, free_m2 / claimed_m2) if claimed_m2 > 0 else 1.0
    return claimed_m2, [Booking(m, v * scale) for m, v in valid.items()]


@dataclass(frozen=True)
class HazardState:
    status: str
    classification: str
    remaining_m2: float
    closed: bool


def hazard_after(
    *,
    status: str,
    classification: str,
    area_m2: float,
    released_m2: float,
    outcome: str | None,
    closure_share: float,
) -> HazardState:
    """The hazard once a release is booked: statuses only move forward (active → worked_on → closed).

    It closes when no more than ``closure_share`` of its area remains; an
    activity that confirmed contamination turns a suspected area (SHA) into a
    confirmed one (CHA).
    """
    remaining = max(area_m2 - released_m2, 0.0)
    closes = remaining <= closure_share * area_m2
    target = "closed" if closes else "worked_on"
    new_status = target if STATUS_ORDER[target] > STATUS_ORDER.get(status, 0) else status
    new_class = "CHA" if outcome == "confirmed" and classification == "SHA" else classification
    return HazardState(
        new_status, new_class, remaining, new_status == "closed" and status != "closed"
    )


def _as_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, str):
        return [v]
    return [str(x) for x in v]


def accreditation_flags(activity: Any, organisations: pd.DataFrame) -> list[str]:
    """Why the activity's organisation is not accredited for its method, assets or dates.

    The organisation is matched by id or name (case-insensitive) in the
    current organisations register. An empty list: nothing to flag.
    """
    org = activity.get("organisation")
    kind = str(activity.get("type"))
    if not org:
        return ["no organisation named: its accreditation cannot be checked"]
    key = str(org).strip().casefold()
    match = organisations[
        organisations["organisation_id"].astype(str).str.casefold().eq(key)
        | organisations["name"].astype(str).str.casefold().eq(key)
    ]
    if not len(match):
        return [f"{org} is not in the register of accredited organisations"]
    rec = match.iloc[0]
    flags: list[str] = []
    methods = _as_list(rec.get("accredited_methods"))
    if kind not in methods:
        flags.append(
            f"{org} is not accredited for {kind} (accredited for: {', '.join(methods) or 'nothing'})"
        )
    assets = _as_list(rec.get("accredited_assets"))
    used = _as_list(activity.get("asset"))
    missing = [a for a in used if assets and a not in assets]
    if missing:
        flags.append(
            f"{org} is not accredited for {', '.join(missing)} assets (accredited: {', '.join(assets)})"
        )
    expires = rec.get("accreditation_expires")
    if expires:
        for label in ("start", "end"):
            day = activity.get(label)
            if day and str(day) > str(expires):
                flags.append(
                    f"{org}'s accreditation expired on {expires}, before the activity's {label} ({day})"
                )
                break
    return flags
