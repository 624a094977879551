"""Values as the pages and the JSON answers show them: plain JSON values, days, hectares and
the one quarter label of the map, the dashboard and the settlement pages."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

M2_PER_HA = 10_000.0
_M2_PER_HA = Decimal(10_000)


def plain(v: Any) -> Any:
    """A value as JSON accepts it: NaN → null, numpy scalars → Python, dates → ISO text."""
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, dt.date | dt.datetime | pd.Timestamp):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple | np.ndarray):
        return [plain(x) for x in v]
    if v is pd.NaT:
        return None
    return v


def day(v: Any) -> str | None:
    """A date or timestamp as its day ``YYYY-MM-DD`` (``None`` when empty)."""
    v = plain(v)
    return None if v is None else str(v)[:10]


def hectares(v: Any, digits: int = 2) -> float | None:
    """An area in m² as hectares, rounded (``None`` when empty)."""
    v = plain(v)
    return None if v is None else round(float(v) / M2_PER_HA, digits)


def quarter(value: Any, *, sep: str = "-") -> str | None:
    """``YYYY-MM`` or a date → ``YYYY-Qn`` (``sep`` between year and quarter); ``None`` for
    an empty or unreadable value. The one quarter label of the map, dashboard and settlements."""
    text = plain(value)
    text = str(text)[:10] if text else ""
    if len(text) < 7 or not text[:4].isdigit() or not text[5:7].isdigit() or text[:4] == "0000":
        return None
    return f"{text[:4]}{sep}Q{(int(text[5:7]) - 1) // 3 + 1}"


def m2_from_ha(text: str) -> float:
    """Hectares typed in a form as m², exactly: ``"1.2345"`` → ``12345.0`` (decimal
    arithmetic, so no binary rounding creeps in: ``0.035 * 10000`` is 350.00000000000006 in
    floating point). A comma is refused, not read as a decimal point: ``1,234`` could mean
    either. Raises ``ValueError`` for text that is not a finite decimal number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return float(value * _M2_PER_HA)


def ha_text(m2: Any) -> str:
    """An area stored in m² as the hectares a form shows, exactly and without trailing zeros
    (``12345.0`` → ``"1.2345"``, ``50000`` → ``"5"``); ``""`` when empty."""
    v = plain(m2)
    if v is None or v == "":
        return ""
    try:
        value = Decimal(str(v)) / _M2_PER_HA
    except InvalidOperation:
        return str(v)
    text = format(value.normalize(), "f")
    return text
