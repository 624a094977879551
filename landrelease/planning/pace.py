"""The pace so far: what officials "proceed from", measured on the workspace's own history.

Area released per month by method over the last ``window_months`` of the
land-release ledger (what approvals booked: cancelled by NTS, reduced by
technical survey, cleared), like the national figure of January 2026
(1,738.3 ha in one month). Extrapolated, it answers "when, at this pace?" and
gives the plan's simplest rival.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from landrelease.planning.common import M2_PER_HA

RELEASE_METHOD = {"cancelled": "NTS", "reduced": "TS", "cleared": "clearance"}
"""The ledger's release methods as the pace counts them. Land released by battle-area
clearance is booked as ``cleared`` (every item found removed), so the pace has no BAC of its
own: it is counted with clearance."""
METHODS = ("NTS", "TS", "clearance")


@dataclass(frozen=True)
class Pace:
    """Area released per month by method over a window of the history."""

    window_start: dt.date | None
    window_end: dt.date | None
    months: float
    m2_per_month: dict[str, float] = field(default_factory=dict)
    activities: int = 0
    """Approved activities whose releases fall in the window."""

    @property
    def total_m2_per_month(self) -> float:
        return float(sum(self.m2_per_month.values()))

    @property
    def ha_per_month(self) -> dict[str, float]:
        return {k: v / M2_PER_HA for k, v in self.m2_per_month.items()}

    def months_to_release(self, area_m2: float) -> float:
        """Months to release ``area_m2`` at this pace (``inf`` with no pace)."""
        total = self.total_m2_per_month
        if area_m2 <= 0:
            return 0.0
        return float(area_m2 / total) if total > 0 else float("inf")


def pace_so_far(ledger: pd.DataFrame, *, window_months: int = 12) -> Pace:
    """The pace over the last ``window_months`` before the latest release in the land-release
    ledger (``WorkspaceView.ledger()``: activity_id, method, area_m2, released_on)."""
    if not len(ledger):
        return Pace(None, None, 0.0, dict.fromkeys(METHODS, 0.0))
    lines = ledger[ledger["method"].isin(list(RELEASE_METHOD))]
    ends = pd.to_datetime(lines["released_on"].astype(str).str[:10], errors="coerce")
    lines, ends = lines[ends.notna()], ends[ends.notna()]
    if not len(lines):
        return Pace(None, None, 0.0, dict.fromkeys(METHODS, 0.0))
    last = ends.max()
    first = last - pd.DateOffset(months=window_months)
    inside = ends > first
    area = pd.to_numeric(lines["area_m2"], errors="coerce").fillna(0.0)
    by = area[inside].groupby(lines.loc[inside, "method"].map(RELEASE_METHOD)).sum()
    span = max((ends.max() - max(first, ends.min())).days / 30.4375, 1.0)
    span = min(span, float(window_months))
    return Pace(
        window_start=(max(first, ends.min())).date(),
        window_end=last.date(),
        months=span,
        m2_per_month={m: float(by.get(m, 0.0)) / span for m in METHODS},
        activities=int(lines.loc[inside, "activity_id"].nunique()),
    )


def pace_end_months(
    area_m2: np.ndarray, order: np.ndarray, pace: Pace, n_months: int
) -> np.ndarray:
    """End month of each task if the programme went on releasing land at the pace so far (its
    total ha a month), working through the tasks in ``order``; -1: not within ``n_months``."""
    end = np.full(len(area_m2), -1, np.int64)
    total = pace.total_m2_per_month
    if total <= 0 or not len(order):
        return end
    cum = np.cumsum(np.asarray(area_m2, float)[order]) / total
    month = np.maximum(np.ceil(cum - 1e-9).astype(np.int64) - 1, 0)
    end[order] = np.where(month < n_months, month, -1)
    return end


def pace_versus_forecast(
    pace: Pace, remaining_m2: dict[str, float], forecast_p50: str | None
) -> str:
    """One sentence on why the pace-so-far date and the forecast's P50 differ."""
    total = max(float(sum(remaining_m2.values())), 1e-12)
    done = max(pace.total_m2_per_month, 1e-12)
    so_far = ", ".join(f"{pace.m2_per_month.get(m, 0.0) / done:.0%} {m}" for m in METHODS)
    left = ", ".join(
        f"{float(v) / total:.0%} {k}" for k, v in sorted(remaining_m2.items()) if v > 0
    )
    p50 = f"P50 {forecast_p50}" if forecast_p50 else "P50 after its window"
    return (
        f"The pace date divides the hectares left by those released a month so far ({so_far}), "
        f"as if the land left went as fast as the land released so far; the forecast ({p50}) "
        f"instead costs each task by its method ({left} of the area left) within the money a "
        "year, and draws productivity, funding and contamination."
    )
