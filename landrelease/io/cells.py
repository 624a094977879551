"""Text that a spreadsheet would run, made inert: the one rule for every CSV and XLSX we write.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel and LibreOffice: a funding source written as
``=cmd|' /C calc'!A0`` would run a program on the computer of whoever opens the
donor report. Following the OWASP guidance on CSV injection, such text is
written with a leading apostrophe (``'=cmd…``), which spreadsheets show as text.
Numbers stay numbers. The importer reads a protected value back without the
apostrophe (:func:`unprotect`), so a downloaded file imports to the same records.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""
QUOTE = "'"


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a cell that cannot run: text starting like a formula gets a leading ``'``;
    numbers, dates, empty cells and other text are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def spreadsheet_safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` to write as CSV: every text cell through :func:`spreadsheet_safe`."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and out[col].dtype != bool:
            out[col] = out[col].map(spreadsheet_safe, na_action="ignore")
    return out


def unprotect_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as read from a CSV or XLSX file, with protected text cells as they were written."""
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            protected = values.map(
                lambda v: isinstance(v, str) and v[:1] == QUOTE and v[1:2] in FORMULA_STARTS
            ).astype(bool)
            if protected.any():
                frame[col] = values.where(~protected, values.map(unprotect))
    return frame


def unprotect(value: Any) -> Any:
    """The inverse of :func:`spreadsheet_safe` for a cell read from a CSV or XLSX file."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value
