"""The backtest: the engine fitted on what a programme knew on one day, checked on what came after.

``backtest(ws, as_of=DATE)`` maps the risk and decides from the records known on
``DATE`` only (a :class:`~landrelease.store.WorkspaceView` as of that day), then
takes every approved technical survey and clearance that ended after it and
compares, activity by activity, the devices the map expected its teams to find
(the devices expected in its area times the share of the area they searched: a
technical survey searches lanes, a clearance all of it) with the devices they
found; and the land the decisions would have cancelled
with what was found there later. This is how an information manager checks the
engine on the programme's own history, with no ground truth but the finds.

What it cannot see: a hazard's classification as it was on that day (the
register keeps the current one), and land searched after the day outside any
hazard known then (it is counted apart, as not covered by the map).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely

from landrelease.errors import UsageError
from landrelease.evidence.grid import Grid
from landrelease.evidence.sources import PROCESSING_TYPES, searched_share
from landrelease.risk.pipeline import compute_risk
from landrelease.risk.run import RiskRun
from landrelease.store import Workspace, WorkspaceView
from landrelease.survey.decisions import SurveyResult, SurveyRule, decide

M2_PER_HA = 10_000.0
COLUMNS = (
    "activity_id",
    "type",
    "hazard_id",
    "end",
    "area_ha",
    "covered_share",
    "searched_share",
    "expected_devices",
    "expected_found",
    "found_devices",
    "cancelled_ha",
    "found_in_cancelled",
)


@dataclass
class Backtest:
    """What the engine fitted on ``as_of`` said, beside what was found after it."""

    as_of: dt.date
    activities: pd.DataFrame
    """One row per activity ended after ``as_of`` (:data:`COLUMNS`)."""
    totals: dict[str, Any]
    run: RiskRun
    decisions: SurveyResult
    outputs: dict[str, Path] = field(default_factory=dict)


def default_as_of(source: Workspace | WorkspaceView, *, months: int = 12) -> dt.date:
    """``months`` before the workspace's data date: the last year is what the backtest checks."""
    view = WorkspaceView.of(source)
    if view.data_date is None:
        raise UsageError("the workspace holds no dated records to backtest on; import some first")
    return (pd.Timestamp(view.data_date) - pd.DateOffset(months=months)).date()


def backtest(
    source: Workspace | WorkspaceView,
    as_of: dt.date,
    *,
    rule: SurveyRule | None = None,
    out: Path | None = None,
    cell_m: float | None = None,
    model: str | None = None,
    progress: Any = None,
) -> Backtest:
    """Fit on what was known on ``as_of``, decide, and compare with the activities ended after it.

    Writes ``backtest.csv`` (one row per activity) and ``calibration.png`` (expected against
    found devices, activities grouped by what was expected) under ``out`` when given.
    """
    view = WorkspaceView.of(source)
    later = _later_activities(view, as_of)
    if not len(later):
        raise UsageError(
            f"no approved technical survey or clearance ended after {as_of}: nothing to check "
            "the engine against; choose an earlier --as-of"
        )
    past = view.known_on(as_of)
    run = compute_risk(past, cell_m=cell_m, model=model, progress=progress)
    decisions = decide(run, rule if rule is not None else SurveyRule.from_settings())
    table = _compare(view, later, run, decisions)
    result = Backtest(as_of, table, _totals(table, run, decisions), run, decisions)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result.outputs["table (CSV)"] = out / "backtest.csv"
        table.to_csv(result.outputs["table (CSV)"], index=False)
        result.outputs["calibration chart"] = plot_calibration(table, out / "calibration.png")
    return result


def _later_activities(view: WorkspaceView, as_of: dt.date) -> gpd.GeoDataFrame:
    """Approved technical survey and clearance ended after ``as_of`` (metric CRS)."""
    act = view.metric("activities")
    if not len(act):
        return act
    approved = act["status"].isna() | (act["status"] == "approved")
    end = act["end"].astype(str).str[:10]
    keep = act["type"].isin(PROCESSING_TYPES) & approved & act["end"].notna()
    keep &= end > as_of.isoformat()
    keep &= act.geometry.notna() & ~act.geometry.is_empty
    return act[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def _compare(
    view: WorkspaceView, later: gpd.GeoDataFrame, run: RiskRun, decisions: SurveyResult
) -> pd.DataFrame:
    geoms = np.asarray(later.geometry.values, dtype=object)
    expected, covered = _expected_in(geoms, run.grid, run.expected)
    findings = view.metric("findings")
    found = findings[findings["activity_id"].isin(later["activity_id"])]
    per_activity = found.groupby("activity_id").size()
    cancelled = decisions.parts[decisions.parts["decision"] == "cancel"].to_crs(view.metric_crs)
    cancel_geom = shapely.union_all(np.asarray(cancelled.geometry.values, dtype=object))
    decisions.summary["bound_in_worked_later"] = _bound_in(cancelled, shapely.union_all(geoms))
    cancelled_ha = shapely.area(shapely.intersection(geoms, cancel_geom)) / M2_PER_HA
    inside = found[shapely.contains(cancel_geom, np.asarray(found.geometry.values, dtype=object))]
    in_cancelled = inside.groupby("activity_id").size()
    ids = later["activity_id"]
    share = searched_share(later)
    return pd.DataFrame(
        {
            "activity_id": ids.to_numpy(),
            "type": later["type"].to_numpy(),
            "hazard_id": later["hazard_id"].to_numpy(),
            "end": later["end"].astype(str).str[:10].to_numpy(),
            "area_ha": shapely.area(geoms) / M2_PER_HA,
            "covered_share": covered,
            "searched_share": share,
            "expected_devices": expected,
            "expected_found": expected * share,
            "found_devices": ids.map(per_activity).fillna(0).astype(int).to_numpy(),
            "cancelled_ha": cancelled_ha,
            "found_in_cancelled": ids.map(in_cancelled).fillna(0).astype(int).to_numpy(),
        },
        columns=list(COLUMNS),
    )


def _bound_in(cancelled: gpd.GeoDataFrame, worked: shapely.Geometry) -> float | None:
    """The stated bound on devices left in the cancelled land that teams worked later (each
    part's bound shared by area); ``None`` without bounds."""
    if not len(cancelled) or "devices_bound" not in cancelled:
        return None
    parts = np.asarray(cancelled.geometry.values, dtype=object)
    share = shapely.area(shapely.intersection(parts, worked)) / np.maximum(
        shapely.area(parts), 1e-9
    )
    bound = cancelled["devices_bound"].to_numpy(dtype=float)
    return float(np.nansum(bound * share)) if np.isfinite(bound).any() else None


def _expected_in(
    geoms: np.ndarray, grid: Grid, expected: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected devices in each polygon (cells by centre; the cells it touches when it holds no
    centre) and the share of its cells the map covers (the rest lay outside hazards then)."""
    total = np.zeros(len(geoms))
    covered = np.zeros(len(geoms))
    for i, g in enumerate(geoms):
        r0, c0, r1, c1 = _window(g, grid)
        if r1 <= r0 or c1 <= c0:
            continue
        transform = grid.transform @ grid.transform.translation(c0, r0)
        shape = (r1 - r0, c1 - c0)
        mask = rasterio.features.geometry_mask([g], shape, transform, invert=True)
        if not mask.any():
            mask = rasterio.features.geometry_mask(
                [g], shape, transform, invert=True, all_touched=True
            )
        values = expected[r0:r1, c0:c1][mask]
        known = ~np.isnan(values)
        total[i] = float(values[known].sum())
        covered[i] = float(known.mean()) if len(values) else 0.0
    return total, covered


def _window(g: shapely.Geometry, grid: Grid) -> tuple[int, int, int, int]:
    """Rows and columns of the grid around a geometry, clipped to the grid."""
    minx, miny, maxx, maxy = shapely.bounds(g)
    inv = ~grid.transform
    c0, r0 = inv @ (minx, maxy)
    c1, r1 = inv @ (maxx, miny)
    rows, cols = grid.shape
    return (
        max(int(np.floor(r0)), 0),
        max(int(np.floor(c0)), 0),
        min(int(np.ceil(r1)) + 1, rows),
        min(int(np.ceil(c1)) + 1, cols),
    )


def _totals(table: pd.DataFrame, run: RiskRun, decisions: SurveyResult) -> dict[str, Any]:
    covered = table[table["covered_share"] > 0]
    expected = float(covered["expected_found"].sum())
    found = int(covered["found_devices"].sum())
    return {
        "activities": len(table),
        "activities_covered": len(covered),
        "area_ha": float(table["area_ha"].sum()),
        "expected_devices": float(covered["expected_devices"].sum()),
        "expected_found": expected,
        "found_devices": found,
        "found_outside_the_map": int(table.loc[table["covered_share"] == 0, "found_devices"].sum()),
        "expected_per_found": expected / found if found else None,
        "by_type": _by_type(covered),
        "verdict": calibration_verdict(expected, found),
        "cancelled_ha_worked_later": float(table["cancelled_ha"].sum()),
        "found_in_cancelled": int(table["found_in_cancelled"].sum()),
        "bound_in_cancelled": decisions.summary.get("bound_in_worked_later"),
        "share_cancelled": float(decisions.summary.get("share_cancelled", 0.0)),
        "cancellation_withheld": decisions.summary.get("cancellation_withheld"),
        "searched_cells": int(run.training.get("searched_cells", 0)),
    }


def _by_type(covered: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Devices expected to be found and found, per kind of activity: a technical survey stops at
    what its lanes show, a clearance searches all of its land, and the two can err apart."""
    out: dict[str, dict[str, float | None]] = {}
    for kind, rows in covered.groupby("type", sort=True):
        e, f = float(rows["expected_found"].sum()), int(rows["found_devices"].sum())
        out[str(kind)] = {
            "activities": len(rows),
            "expected_found": e,
            "found_devices": f,
            "expected_per_found": e / f if f else None,
        }
    return out


def calibration_verdict(expected: float, found: int, *, level: float = 0.9) -> str:
    """What the backtest's total says of the map, with the Poisson chance of the count:
    ``under`` (teams found more than the map's expectation allows at ``level``: the map was too
    low, and its bounds may not hold), ``over`` (found fewer than it allows: the map was too high,
    which errs on the cautious side) or ``consistent``."""
    from scipy import stats

    if expected <= 0:
        return "under" if found > 0 else "consistent"
    if stats.poisson.sf(found - 1, expected) < 1 - level:  # P(N ≥ found) small: too many found
        return "under"
    if stats.poisson.cdf(found, expected) < 1 - level:  # P(N ≤ found) small: too few found
        return "over"
    return "consistent"


def plot_calibration(table: pd.DataFrame, path: Path, *, groups: int = 8) -> Path:
    """Mean devices expected against found per activity, activities grouped by what was
    expected (equal-count groups), on log-log axes with the line of perfect calibration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    covered = table[table["covered_share"] > 0].sort_values("expected_found")
    fig, ax = plt.subplots(figsize=(6.5, 5), dpi=110)
    if len(covered):
        bins = np.array_split(np.arange(len(covered)), min(groups, len(covered)))
        e = np.array([covered["expected_found"].iloc[b].mean() for b in bins])
        f = np.array([covered["found_devices"].iloc[b].mean() for b in bins])
        size = len(bins[0])
        ax.scatter(
            e + 0.01, f + 0.01, color="tab:blue", zorder=3, label=f"groups of ~{size} activities"
        )
        low = max(float(min(e.min(), f.min())) / 2, 0.01)
        top = float(max(e.max(), f.max(), 1.0)) * 1.5
        ax.plot([low, top], [low, top], color="grey", ls="--", label="expected = found")
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("devices expected to be found per activity (mean of the group)")
    ax.set_ylabel("devices found per activity (mean of the group)")
    ax.set_title("Backtest: what the map expected against what teams found")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
