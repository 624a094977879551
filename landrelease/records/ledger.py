"""The land-release ledger: what was cancelled, reduced and cleared, by which activity, when.

Only an approved activity writes to the ledger (:mod:`landrelease.records.release`).
Everything a report says about released land is summed from here, and a
hazard's remaining area is its area less what the ledger holds for it.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.records.rules import RELEASE_METHODS
from landrelease.store import Connection, Workspace, WorkspaceView, tables

M2_PER_HA = 10_000.0


def read_ledger(
    conn: Connection,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> gpd.GeoDataFrame:
    """Current ledger lines (EPSG:4326), optionally those released from ``start`` to ``end`` inclusive."""
    where = (
        {"released_on": tables.Between(start, end)}
        if start is not None or end is not None
        else None
    )
    frame = tables.read_table(conn, "land_release", where=where)
    assert isinstance(frame, gpd.GeoDataFrame)
    return frame


def read_completions(conn: Connection) -> pd.DataFrame:
    """Completion and handover records of closed hazards."""
    return tables.read_table(conn, "hazard_completions")


def area_by_method(ledger: pd.DataFrame) -> dict[str, float]:
    """Area released per method (m²), every method present (0 when none)."""
    sums = ledger.groupby("method")["area_m2"].sum() if len(ledger) else pd.Series(dtype=float)
    return {m: float(sums.get(m, 0.0)) for m in RELEASE_METHODS}


def hazard_balance(
    source: Workspace | WorkspaceView, *, conn: Connection | None = None
) -> pd.DataFrame:
    """Per current hazard: its area, what the ledger released by method, what remains (m²).

    Columns: hazard_id, classification, status, area_m2, cancelled_m2,
    reduced_m2, cleared_m2, released_m2, remaining_m2, completed_on.
    With ``conn`` (a write transaction), what that transaction sees.
    """
    if conn is not None:
        ws = source.ws if isinstance(source, WorkspaceView) else source
        return balance(
            ws.read_layer("hazards", conn=conn), read_ledger(conn), read_completions(conn)
        )
    view = WorkspaceView.of(source)
    return balance(view.layer("hazards"), view.ledger(), view.table("hazard_completions"))


def balance(hazards: pd.DataFrame, ledger: pd.DataFrame, completions: pd.DataFrame) -> pd.DataFrame:
    """The pure part of :func:`hazard_balance`."""
    out = pd.DataFrame(
        {
            "hazard_id": hazards["hazard_id"].astype(str).to_numpy(),
            "classification": hazards["classification"].to_numpy(),
            "status": hazards["status"].to_numpy(),
            "area_m2": pd.to_numeric(hazards["area_m2"]).to_numpy(dtype=float),
        }
    )
    if len(ledger):
        pivot = ledger.pivot_table(
            index="hazard_id", columns="method", values="area_m2", aggfunc="sum", fill_value=0.0
        )
    else:
        pivot = pd.DataFrame()
    for m in RELEASE_METHODS:
        col = pivot[m] if m in pivot.columns else pd.Series(dtype=float)
        out[f"{m}_m2"] = out["hazard_id"].map(col).fillna(0.0).to_numpy(dtype=float)
    out["released_m2"] = out[[f"{m}_m2" for m in RELEASE_METHODS]].sum(axis=1)
    out["remaining_m2"] = np.maximum(out["area_m2"] - out["released_m2"], 0.0)
    last = (
        completions.groupby("hazard_id")["completed_on"].max()
        if len(completions)
        else pd.Series(dtype=object)
    )
    out["completed_on"] = out["hazard_id"].map(last)
    return out
