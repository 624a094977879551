"""The tasks to plan: the survey and clearance work each open hazard still needs.

The survey engine (``landrelease.survey``) splits every open hazard into parts
and decides, for each part, ``cancel`` (non-technical survey finds no evidence),
``technical_survey``, ``clearance`` or ``battle_area_clearance`` (only unexploded
ordnance expected: a detector sweep, method ``BAC``). :func:`tasks_from_parts` turns
those decisions into tasks. Without decisions, :func:`tasks_from_hazards` makes a
documented first guess from the hazard register and says so with a
:class:`~landrelease.planning.common.PlanningWarning`.

A task is one row of a GeoDataFrame in the metric CRS with the columns of
:data:`TASK_COLUMNS`. Tasks of one hazard are independent parts: they may run
at the same time; the hazard is released when all of them are done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.planning.common import M2_PER_KM2, representative_xy, warn
from landrelease.store.crs import to_metric

DECISION_METHOD = {
    "cancel": "NTS",
    "technical_survey": "TS",
    "clearance": "clearance",
    "battle_area_clearance": "BAC",
}
"""The work each survey decision leaves: cancellation needs only non-technical survey."""
METHODS = ("NTS", "TS", "BAC", "clearance")
"""Methods of work, least effort per m² first."""
OPEN_STATUSES = ("active", "worked_on")
PART_COLUMNS = ("part_id", "hazard_id", "decision", "area_m2", "expected_devices", "p_any_device")
TASK_COLUMNS = (
    "task_id",
    "hazard_id",
    "part_id",
    "decision",
    "method",
    "area_m2",
    "expected_devices",
    "p_any_device",
    "slope_deg",
    "x_m",
    "y_m",
    "geometry",
)


@dataclass(frozen=True)
class Fallback:
    """How :func:`tasks_from_hazards` splits a hazard when the survey engine has not decided.

    An open SHA: ``ts_share`` of its area goes to technical survey,
    ``clearance_share`` to clearance, the rest is cancelled by non-technical
    survey (Cambodia 2015: 48 % cancelled, 20 % reduced, 32 % cleared of the
    area released; suspected area that truly holds mines: often under 5 %).
    An open CHA is cleared in full. Chance of any device and expected devices
    per part follow from ``p_any_device_*`` and ``devices_per_km2``.
    """

    ts_share: float
    clearance_share: float
    p_any_device_sha: float
    p_any_device_cha: float
    devices_per_km2: float

    @classmethod
    def from_settings(cls) -> Fallback:
        return cls(
            ts_share=float(settings.get("fallback_sha_ts_share")),
            clearance_share=float(settings.get("fallback_sha_clearance_share")),
            p_any_device_sha=float(settings.get("fallback_p_any_device_sha")),
            p_any_device_cha=float(settings.get("fallback_p_any_device_cha")),
            devices_per_km2=float(settings.get("fallback_devices_per_km2")),
        )

    def __post_init__(self) -> None:
        shares = (self.ts_share, self.clearance_share)
        if min(shares) < 0 or sum(shares) > 1:
            raise UsageError(
                f"fallback shares must be ≥ 0 and sum to at most 1: technical survey {self.ts_share}, "
                f"clearance {self.clearance_share}"
            )


def open_hazards(hazards: pd.DataFrame) -> pd.DataFrame:
    """Hazards still to release (status active or worked on)."""
    if not len(hazards):
        return hazards
    return hazards[hazards["status"].isin(OPEN_STATUSES)]


def tasks_from_parts(
    parts: gpd.GeoDataFrame, hazards: gpd.GeoDataFrame, *, metric_crs: str
) -> gpd.GeoDataFrame:
    """Tasks from the survey engine's decisions: cancel → NTS, technical survey → TS, battle-area
    clearance → BAC, clearance.

    Parts of hazards that are closed are left out. A part's ``slope_deg``, when
    the survey engine gives it (else the hazard's ``extra.slope_deg``), decides
    where machines may work.
    """
    missing = [c for c in PART_COLUMNS if c not in parts.columns]
    if missing:
        raise UsageError(f"survey parts lack the column(s) {', '.join(missing)}")
    bad = sorted(set(parts["decision"].dropna()) - set(DECISION_METHOD))
    if bad or parts["decision"].isna().any():
        raise UsageError(
            f"survey parts: decision = {(bad or [None])[0]!r}: not a decision "
            f"(accepted: one of {', '.join(DECISION_METHOD)})"
        )
    frame = to_metric(gpd.GeoDataFrame(parts.copy(), geometry="geometry"), metric_crs)
    status = dict(zip(hazards["hazard_id"], hazards["status"], strict=True)) if len(hazards) else {}
    keep = frame["hazard_id"].map(lambda h: status.get(h, "active") in OPEN_STATUSES)
    frame = frame[keep.astype(bool)].reset_index(drop=True)
    area = pd.to_numeric(frame["area_m2"], errors="coerce").to_numpy(float)
    geom_area = frame.geometry.area.to_numpy(float) if len(frame) else np.empty(0)
    area = np.where(np.isfinite(area), area, geom_area)
    slope = _slope(frame, hazards)
    xy = representative_xy(frame)
    out = pd.DataFrame(
        {
            "task_id": frame["part_id"].astype(str).to_numpy(),
            "hazard_id": frame["hazard_id"].astype(str).to_numpy(),
            "part_id": frame["part_id"].astype(str).to_numpy(),
            "decision": frame["decision"].to_numpy(),
            "method": frame["decision"].map(DECISION_METHOD).to_numpy(),
            "area_m2": area,
            "expected_devices": pd.to_numeric(frame["expected_devices"], errors="coerce")
            .fillna(0.0)
            .to_numpy(float),
            "p_any_device": pd.to_numeric(frame["p_any_device"], errors="coerce")
            .fillna(0.0)
            .clip(0, 1)
            .to_numpy(float),
            "slope_deg": slope,
            "x_m": xy[:, 0],
            "y_m": xy[:, 1],
        }
    )
    return gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=metric_crs)[
        list(TASK_COLUMNS)
    ]


def tasks_from_hazards(
    hazards: gpd.GeoDataFrame,
    *,
    metric_crs: str,
    fallback: Fallback | None = None,
    released_m2: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Tasks from the hazard register alone, when no survey decisions exist (with a warning).

    Each open SHA becomes up to three tasks (``HZ/NTS`` cancelled by
    non-technical survey, ``HZ/TS``, ``HZ/CL``) in the shares of
    :class:`Fallback`; each open CHA one clearance task over its whole area.
    ``released_m2`` (per hazard, from approved activities) is taken off a
    hazard's area first.
    """
    fb = fallback or Fallback.from_settings()
    haz = open_hazards(hazards)
    warn(
        f"no survey decisions in the workspace: planning {len(haz):,} open hazards on the fallback "
        f"(SHA: {fb.ts_share:.0%} technical survey, {fb.clearance_share:.0%} clearance, the rest "
        "cancelled by NTS; CHA: full clearance). Run the survey engine for evidence-based parts."
    )
    frame = to_metric(gpd.GeoDataFrame(haz.copy(), geometry="geometry"), metric_crs)
    if "area_m2" in frame.columns:
        area = pd.to_numeric(frame["area_m2"], errors="coerce").to_numpy(float)
        area = np.where(np.isfinite(area), area, frame.geometry.area.to_numpy(float))
    else:
        area = frame.geometry.area.to_numpy(float)
    if released_m2:
        done = frame["hazard_id"].map(lambda h: released_m2.get(h, 0.0)).to_numpy(float)
        area = np.maximum(area - done, 0.0)
    cha = frame["classification"].to_numpy() == "CHA"
    slope = _slope(frame, hazards)
    xy = representative_xy(frame)
    rows: list[dict[str, object]] = []
    geoms = []
    splits = (
        ("NTS", "cancel", 1 - fb.ts_share - fb.clearance_share, 0.0),
        ("TS", "technical_survey", fb.ts_share, fb.p_any_device_sha),
        ("CL", "clearance", fb.clearance_share, fb.p_any_device_cha),
    )
    for i, hid in enumerate(frame["hazard_id"].astype(str)):
        plan = (("CL", "clearance", 1.0, fb.p_any_device_cha),) if cha[i] else splits
        for suffix, decision, share, p_any in plan:
            a = float(area[i] * share)
            if a <= 0:
                continue
            rows.append(
                {
                    "task_id": f"{hid}/{suffix}",
                    "hazard_id": hid,
                    "part_id": None,
                    "decision": decision,
                    "method": DECISION_METHOD[decision],
                    "area_m2": a,
                    "expected_devices": p_any * fb.devices_per_km2 * a / M2_PER_KM2,
                    "p_any_device": p_any,
                    "slope_deg": slope[i],
                    "x_m": xy[i, 0],
                    "y_m": xy[i, 1],
                }
            )
            geoms.append(frame.geometry.iloc[i])
    out = pd.DataFrame(rows, columns=[c for c in TASK_COLUMNS if c != "geometry"])
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=metric_crs), crs=metric_crs)[
        list(TASK_COLUMNS)
    ]


def without_cancellation(
    tasks: gpd.GeoDataFrame, *, becomes: str = "clearance"
) -> gpd.GeoDataFrame:
    """The same tasks as if non-technical survey could not cancel land: cancelled parts get ``becomes``.

    This is the counterfactual of the seeds' question (Cambodia: evidence-based
    survey shrank the area sent to clearance by about a third). A part that
    becomes clearance keeps its (low) expected devices.
    """
    if becomes not in ("TS", "clearance"):
        raise UsageError(f"becomes = {becomes!r}: accepted TS or clearance")
    out = tasks.copy()
    cancel = out["decision"].to_numpy() == "cancel"
    out.loc[cancel, "method"] = becomes
    out.loc[cancel, "decision"] = "technical_survey" if becomes == "TS" else "clearance"
    return out


def _slope(frame: pd.DataFrame, hazards: pd.DataFrame) -> np.ndarray:
    """Slope in degrees per row: its own ``slope_deg``, else its hazard's ``extra.slope_deg``, else NaN."""
    own = (
        pd.to_numeric(frame["slope_deg"], errors="coerce").to_numpy(float)
        if "slope_deg" in frame.columns
        else np.full(len(frame), np.nan)
    )
    if "extra" in hazards.columns and len(hazards):
        by_hazard = {
            h: float(e["slope_deg"])
            for h, e in zip(hazards["hazard_id"], hazards["extra"], strict=True)
            if isinstance(e, dict) and isinstance(e.get("slope_deg"), (int, float))
        }
        if by_hazard:
            theirs = frame["hazard_id"].map(lambda h: by_hazard.get(h, np.nan)).to_numpy(float)
            own = np.where(np.isfinite(own), own, theirs)
    return own
