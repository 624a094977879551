"""Small shared pieces of planning: months, warnings, infeasibility, point coordinates."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.domain import dates
from landrelease.errors import UsageError

M2_PER_HA = 10_000.0
M2_PER_KM2 = 1_000_000.0
MONTHS_PER_YEAR = 12


class PlanningWarning(UserWarning):
    """Planning went ahead on an assumption the user should know about (a fallback, a default)."""


class InfeasiblePlanError(UsageError):
    """The plan cannot be made as asked; the message says why and what would make it possible."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("the plan cannot be made: " + "; ".join(self.reasons))


def warn(message: str) -> None:
    warnings.warn(message, PlanningWarning, stacklevel=3)


def parse_month(text: str, *, what: str = "month") -> pd.Period:
    """A month from ``YYYY-MM`` (or a full ISO date, whose month is taken); a month that does
    not exist (2026-13) or a day that does not (2026-02-30) is refused saying so."""
    year, month = dates.parse_month(text, what=what)
    return pd.Period(year=year, month=month, freq="M")


def month_range(start: pd.Period, end: pd.Period) -> pd.PeriodIndex:
    """Every month from ``start`` to ``end`` inclusive."""
    return pd.period_range(start, end, freq="M")


def month_label(months: pd.PeriodIndex, index: np.ndarray) -> list[str | None]:
    """``YYYY-MM`` for each month index; ``None`` where the index is negative (never)."""
    out: list[str | None] = []
    for i in np.asarray(index, dtype=np.int64):
        out.append(None if i < 0 else str(months[0] + int(i)))
    return out


def month_end_dates(first: pd.Period, index: np.ndarray) -> list[dt.date | None]:
    """The last day of each month index counted from ``first``; ``None`` for negative or missing."""
    out: list[dt.date | None] = []
    for v in np.asarray(index, dtype=float):
        if not np.isfinite(v) or v < 0:
            out.append(None)
        else:
            out.append((first + int(v)).end_time.date())
    return out


def representative_xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    """(n, 2) coordinates of a point inside each geometry (metric frame)."""
    if not len(frame):
        return np.empty((0, 2))
    pts = frame.geometry.representative_point()
    return np.column_stack([pts.x.to_numpy(float), pts.y.to_numpy(float)])


def as_list(value: object) -> list[str]:
    """A list of text values from a stored list, a comma-separated text or nothing."""
    if value is None:
        return []
    if isinstance(value, float) and np.isnan(value):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.strip("[]").replace('"', "").split(",") if v.strip()]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return [str(value)]
