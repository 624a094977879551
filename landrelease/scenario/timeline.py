"""Dates as numpy ``datetime64[D]`` arrays: drawing, clipping, writing."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Days = NDArray[np.datetime64]
NAT = np.datetime64("NaT", "D")
"""No day (a date not reached)."""


def day(when: str | np.datetime64) -> np.datetime64:
    """A calendar day from ``YYYY-MM-DD`` text or a datetime64."""
    return np.datetime64(str(when)[:10], "D")


def duration(n: int | np.integer) -> np.timedelta64:
    """A span of ``n`` whole days, to add to a day."""
    return np.timedelta64(int(n), "D")


def uniform_days(
    rng: np.random.Generator, start: str | np.datetime64, end: str | np.datetime64, n: int
) -> Days:
    """``n`` days drawn uniformly from ``start`` to ``end`` inclusive."""
    a, b = day(start), day(end)
    span = int((b - a).astype(np.int64)) + 1
    return a + rng.integers(0, max(span, 1), n).astype("timedelta64[D]")


def clip_days(d: Days, start: str | np.datetime64, end: str | np.datetime64) -> Days:
    return np.clip(d, day(start), day(end))


def iso(d: Days) -> list[str]:
    """``YYYY-MM-DD`` text of each day."""
    return [str(v) for v in np.asarray(d, dtype="datetime64[D]")]


def years_between(a: Days, b: Days) -> NDArray[np.float64]:
    return (np.asarray(b, "datetime64[D]") - np.asarray(a, "datetime64[D]")).astype(
        np.float64
    ) / 365.25
