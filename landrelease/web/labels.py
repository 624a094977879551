"""Values as the pages and the JSON answers show them: plain JSON values, days, hectares and
the one quarter label of the map, the dashboard and the settlement pages."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

M2_PER_HA = 10_000.0


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
