"""Field values as an imported file holds them, converted to their domain form.

One converter per kind of field (:data:`CONVERTERS`): each takes a column of
raw values and the field and returns the clean values and a mask of those it
refuses, vectorised where the column is text already. The importer's
:class:`~landrelease.io.validate.LayerChecker` words the refusals.

The importer is forgiving where the meaning is certain and says so: vocabulary is
matched ignoring case and surrounding spaces, a date-time in a date field keeps its
date, ``2024/06/11`` is read as ``2024-06-11`` — each such value is accepted with a
note (:attr:`Converted.notes`), never silently. Where the meaning is not certain
(``12/06/2024``: day-first or month-first?) the value is refused with the choices.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from landrelease.domain import Field, FieldKind, vocab

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
_SLASHED_DATE_RE = re.compile(r"^(\d{4})([/.])(\d{2})\2(\d{2})$")
"""Year first, with slashes or dots: ``2024/06/11``, ``2024.06.11``."""
_YEAR_LAST_RE = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})$")
"""Year last: ``25/06/2024`` (day-first) or ``06/25/2024`` (month-first)."""
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_LIST_KINDS = (FieldKind.ENUM_LIST, FieldKind.TEXT_LIST, FieldKind.ENUM_OR_LIST)
LARGEST_INT = 2**53 - 1
"""Largest whole number accepted: exact as a float, storable in every backend (1e308 or
12345678901234567890 are refused, not overflowed)."""


# --- value converters: (series, field) -> (clean values, bad mask, notes) ---


class Converted(NamedTuple):
    """A column converted: its clean values, the values refused and the notes on values read."""

    values: np.ndarray
    bad: np.ndarray
    notes: np.ndarray | None = None
    """Per value, how an accepted value was read when it is stored otherwise than written
    (``None`` where it is stored as written); the importer lists each as a warning."""


def is_str(s: pd.Series) -> bool:
    """Whether every value is text already (pandas' string dtype): vectorised paths apply."""
    return s.dtype != object and pd.api.types.is_string_dtype(s)


def is_blank(s: pd.Series) -> np.ndarray:
    null = s.isna().to_numpy()
    if is_str(s):
        return null | s.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    if s.dtype == object:
        blank = s.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        return null | blank
    return null


def _scalar_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (np.integer, np.floating)):
        return _scalar_text(v.item())
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()
    return str(v).strip()


def text_values(s: pd.Series, f: Field) -> Converted:
    text = s.str.strip() if is_str(s) else s.map(_scalar_text, na_action="ignore")
    out = text.to_numpy(dtype=object)
    return Converted(out, np.zeros(len(s), bool))


def _number(s: pd.Series, f: Field) -> Converted:
    # true/false is not a count: JSON booleans in a number field are mistakes, not 1 and 0
    if s.dtype == bool:
        booleans = s.to_numpy(dtype=bool) | True
    elif s.dtype == object:
        booleans = s.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    else:
        booleans = np.zeros(len(s), bool)
    if booleans.any():
        s = s.astype(object).where(~booleans, None)
    if is_str(s):
        s = s.str.strip()
    elif s.dtype == object:
        s = s.map(lambda v: v.strip() if isinstance(v, str) else v)
    nums = pd.to_numeric(s, errors="coerce")
    values = nums.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | booleans
    if f.kind is FieldKind.INT:
        bad |= ~bad & (np.mod(np.where(bad, 0, values), 1) != 0)
        bad |= np.abs(np.where(bad, 0, values)) > LARGEST_INT
    if f.minimum is not None:
        bad |= values < f.minimum
    if f.maximum is not None:
        bad |= values > f.maximum
    out = np.empty(len(s), dtype=object)
    if f.kind is FieldKind.INT:
        out[:] = [int(v) if np.isfinite(v) else None for v in values]
    else:
        out[:] = [float(v) if np.isfinite(v) else None for v in values]
    return Converted(out, bad)


def _bool(s: pd.Series, f: Field) -> Converted:
    def conv(v: Any) -> bool | None:
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)) and v in (0, 1):
            return bool(v)
        text = str(v).strip().lower()
        return True if text in _TRUE else False if text in _FALSE else None

    out = s.map(conv, na_action="ignore").to_numpy(dtype=object)
    bad = pd.isna(out) & s.notna().to_numpy()
    return Converted(out, bad)


def _date(s: pd.Series, f: Field) -> Converted:
    text = s.str.strip() if is_str(s) else s.map(_date_text, na_action="ignore")
    ok_shape = text.astype(object).str.match(_DATE_RE.pattern, na=False)
    parsed = pd.to_datetime(text.where(ok_shape.astype(bool)), format="%Y-%m-%d", errors="coerce")
    bad = (parsed.isna() & text.notna()).to_numpy(dtype=bool, copy=True)
    out = text.to_numpy(dtype=object, copy=True)
    notes = np.full(len(s), None, dtype=object)
    raw = s.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):  # not YYYY-MM-DD: the few other ways of writing one date
        out[i], notes[i] = _other_date(raw[i])
        bad[i] = out[i] is None
    return Converted(out, bad, notes)


def _other_date(v: Any) -> tuple[str | None, str | None]:
    """A value that is not ``YYYY-MM-DD`` read as a date when it means one date only,
    with the note saying how it was read; ``(None, None)`` otherwise."""
    day: str | None
    if isinstance(v, pd.Timestamp | dt.datetime):
        day = v.date().isoformat()
        return day, f"read as the date {day}: the time {v.time().isoformat()} is not kept"
    text = str(v).strip()
    if _DATETIME_RE.match(text) and (day := _real_date(text[:4], text[5:7], text[8:10])):
        return day, f"read as the date {day}: the time {text[10:].strip(' T')} is not kept"
    if m := _SLASHED_DATE_RE.match(text):
        day = _real_date(m[1], m[3], m[4])
        return day, None if day is None else f"read as {day}"
    if m := _YEAR_LAST_RE.match(text):
        first, second, year = m[1], m[3], m[4]
        day_first, month_first = _real_date(year, second, first), _real_date(year, first, second)
        if day_first and month_first and day_first != month_first:
            order = date_order()
            if not order:
                return None, None  # ambiguous: :func:`date_hint` words it
            day = day_first if order == "day-first" else month_first
            return day, f"read {order} as {day} (setting import_date_order)"
        day = day_first or month_first
        if day is None:
            return None, None
        order = "month-first" if not day_first else "day-first" if not month_first else ""
        return day, f"read {order} as {day}" if order else f"read as {day}"
    return None, None


def _real_date(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


DATE_ORDERS = ("day-first", "month-first")


def date_order() -> str:
    """The setting ``import_date_order``: ``day-first``, ``month-first`` or empty (refuse)."""
    from landrelease import settings
    from landrelease.errors import UsageError

    order = str(settings.get("import_date_order")).strip().lower()
    if order and order not in DATE_ORDERS:
        raise UsageError(
            f"LANDRELEASE_IMPORT_DATE_ORDER={order!r}: accepted {' or '.join(DATE_ORDERS)}, "
            "or empty to refuse a date that reads both ways"
        )
    return order


def date_hint(value: Any) -> str:
    """For a refused date, how to write it: both readings of a day-first or month-first date."""
    m = _YEAR_LAST_RE.match(str(value).strip())
    if not m:
        return ""
    first, second, year = m[1], m[3], m[4]
    day_first, month_first = _real_date(year, second, first), _real_date(year, first, second)
    if day_first and month_first:
        return (
            f"write {day_first} or {month_first}: day-first or month-first is ambiguous; or "
            "read every such date one way with LANDRELEASE_IMPORT_DATE_ORDER=day-first (or "
            "month-first)"
        )
    return ""


def _date_text(v: Any) -> str:
    if isinstance(v, pd.Timestamp | dt.datetime) and v.hour == v.minute == v.second == 0:
        return v.date().isoformat()
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    return _scalar_text(v)


def _datetime(s: pd.Series, f: Field) -> Converted:
    text = s.str.strip() if is_str(s) else s.map(_date_text, na_action="ignore")
    shaped = text.astype(object).str.match(_DATETIME_RE.pattern, na=False)
    bad = text.notna().to_numpy() & ~shaped.astype(bool).to_numpy()
    good = ~bad & text.notna().to_numpy()
    if good.any():
        parsed = pd.to_datetime(
            text[good].str.replace(" ", "T", regex=False),
            format="ISO8601",
            errors="coerce",
            utc=True,
        )
        bad[np.flatnonzero(good)[parsed.isna().to_numpy()]] = True
    return Converted(text.to_numpy(dtype=object), bad)


def _enum(s: pd.Series, f: Field) -> Converted:
    text = s.str.strip() if is_str(s) else s.map(_scalar_text, na_action="ignore")
    stored = text.astype(object).str.lower().map(_by_lower(f.choices))
    bad = (stored.isna() & text.notna()).to_numpy(dtype=bool)
    out = stored.where(~bad, text).to_numpy(dtype=object)
    raw = s.to_numpy(dtype=object)
    notes = np.full(len(s), None, dtype=object)
    for i in np.flatnonzero(~bad & stored.notna().to_numpy() & (s.astype(object) != stored)):
        if isinstance(raw[i], str):
            notes[i] = _read_as(out[i])
    return Converted(out, bad, notes)


@functools.cache
def _by_lower(choices: tuple[str, ...]) -> dict[str, str]:
    """The accepted values by their lower case: vocabulary is matched ignoring case."""
    return {c.lower(): c for c in choices}


def _read_as(stored: Any) -> str:
    return f"read as {stored!r}: values are matched ignoring case and surrounding spaces"


def _as_list(v: Any, *, split_items: bool = False) -> list[Any] | None:
    """A list from a JSON array, a comma-separated text or an array read by GDAL.

    ``split_items``: an item of an array holding commas is a comma list too (GDAL reads a
    GeoJSON column of arrays and texts as arrays: ``"road, water"`` arrives as one item).
    """
    if isinstance(v, np.ndarray | list | tuple):
        items = [_scalar_text(x) for x in v]
        if split_items:
            items = [part.strip() for x in items for part in x.split(",") if part.strip()]
        return items
    text = str(v).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return None
        return _as_list(parsed, split_items=split_items) if isinstance(parsed, list) else None
    return [part.strip() for part in text.split(",") if part.strip()]


def _list(s: pd.Series, f: Field) -> Converted:
    out = np.empty(len(s), dtype=object)
    bad = np.zeros(len(s), bool)
    notes = np.full(len(s), None, dtype=object)
    single = f.kind is FieldKind.ENUM_OR_LIST
    lower = _by_lower(f.choices)
    for i, v in enumerate(s.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        # no accepted value holds a comma, so in vocabulary lists a comma always separates
        items = _as_list(v, split_items=bool(f.choices))
        if items is not None and f.choices:
            given, items = items, [lower.get(x.lower(), x) for x in items]
            if items != given:
                notes[i] = _read_as(items)
        if items is None or (f.choices and any(x not in f.choices for x in items)):
            bad[i] = True
            notes[i] = None
            continue
        # one asset is the same whether written "dog" or ["dog"]; GDAL may hand over either
        out[i] = items[0] if single and len(items) == 1 else items
    return Converted(out, bad, notes)


def _victims(s: pd.Series, f: Field) -> Converted:
    out = np.empty(len(s), dtype=object)
    bad = np.zeros(len(s), bool)
    for i, v in enumerate(s.to_numpy(dtype=object)):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            continue
        try:
            items = json.loads(v) if isinstance(v, str) else list(v)
        except (json.JSONDecodeError, TypeError):
            bad[i] = True
            continue
        if not isinstance(items, list) or not all(_victim_ok(x) for x in items):
            bad[i] = True
            continue
        out[i] = [plain_value(x) for x in items]
    return Converted(out, bad)


VICTIM_KEYS = frozenset({"age", "gender", "outcome"})
"""What a victim may say; anything else (a name, an address) is refused, not stored."""


def _victim_ok(v: Any) -> bool:
    if not isinstance(v, dict) or not set(v) <= VICTIM_KEYS:
        return False
    age = v.get("age")
    if age is not None and not (
        isinstance(age, int) and not isinstance(age, bool) and 0 <= age <= 120
    ):
        return False
    if v.get("gender") is not None and v["gender"] not in vocab.GENDERS:
        return False
    return v.get("outcome") is None or v["outcome"] in vocab.VICTIM_OUTCOMES


CONVERTERS: dict[FieldKind, Callable[[pd.Series, Field], Converted]] = {
    FieldKind.TEXT: text_values,
    FieldKind.INT: _number,
    FieldKind.FLOAT: _number,
    FieldKind.BOOL: _bool,
    FieldKind.DATE: _date,
    FieldKind.DATETIME: _datetime,
    FieldKind.ENUM: _enum,
    FieldKind.ENUM_LIST: _list,
    FieldKind.TEXT_LIST: _list,
    FieldKind.ENUM_OR_LIST: _list,
    FieldKind.VICTIMS: _victims,
}


def plain_value(v: Any) -> Any:
    """A JSON-ready Python value from what GDAL, pandas or numpy handed over."""
    if isinstance(v, np.ndarray | list | tuple):
        return [plain_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain_value(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp | dt.date):
        return _date_text(v)
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def suggest(value: str, choices: tuple[str, ...]) -> str:
    lower = _by_lower(choices)
    close = difflib.get_close_matches(value.strip().lower(), list(lower), n=1, cutoff=0.6)
    return f"did you mean {lower[close[0]]!r}?" if close else ""
