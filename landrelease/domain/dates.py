"""Days (``YYYY-MM-DD``) and months (``YYYY-MM``) given by a user, read one way everywhere.

A value written the right way but naming no day (2026-02-30) or no month (2026-13) is refused
for what it is — "2026-02-30 is not a date: February 2026 has 28 days" — not with a request
to write it the way it was written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from landrelease.errors import UsageError

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MONTHS_PER_YEAR = 12


def _month_problem(year: int, month: int, text: str) -> str | None:
    if year < 1:
        return f"{text} is not a date: there is no year {year:04d}"
    if not 1 <= month <= MONTHS_PER_YEAR:
        return f"{text} is not a month: a year has 12 months (01 to 12)"
    return None


def day_problem(text: str) -> str | None:
    """Why ``text`` is not a day written ``YYYY-MM-DD``; ``None`` when it is one."""
    m = _DAY_RE.match(text.strip())
    if m is None:
        return f"{text!r} is not a day: give it as YYYY-MM-DD, e.g. 2026-01-31"
    year, month, day = (int(g) for g in m.groups())
    if problem := _month_problem(year, month, text.strip()):
        return problem.replace("is not a month", "is not a date")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{text.strip()} is not a date: {calendar.month_name[month]} {year} has {days} days"
    return None


def month_problem(text: str) -> str | None:
    """Why ``text`` is not a month written ``YYYY-MM``; ``None`` when it is one."""
    m = _MONTH_RE.match(text.strip())
    if m is None:
        return f"{text!r} is not a month: give it as YYYY-MM, e.g. 2032-12"
    return _month_problem(int(m.group(1)), int(m.group(2)), text.strip())


def parse_day(text: str, *, what: str = "date") -> dt.date:
    """The day ``YYYY-MM-DD``; a :class:`UsageError` naming ``what`` and why otherwise."""
    if problem := day_problem(str(text)):
        raise UsageError(f"{what} {problem}")
    return dt.date.fromisoformat(str(text).strip())


def parse_month(text: str, *, what: str = "month") -> tuple[int, int]:
    """Year and month of ``YYYY-MM`` (or of a day ``YYYY-MM-DD``, whose month is taken);
    a :class:`UsageError` naming ``what`` and why otherwise."""
    value = str(text).strip()
    problem = day_problem(value) if _DAY_RE.match(value) else month_problem(value)
    if problem:
        raise UsageError(f"{what} {problem}")
    return int(value[:4]), int(value[5:7])
