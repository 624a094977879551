"""Dashboard figures (aggregates only, no personal data) and their charts as PNG (matplotlib)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from landrelease.records import RELEASE_METHODS, read_ledger
from landrelease.store import Workspace
from landrelease.web.errors import NotFound

M2_PER_HA = 10_000


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    unit: str
    table: Callable[[Workspace], pd.DataFrame]
    """Rows are categories (or months), columns the series."""


def released_by_month(ws: Workspace) -> pd.DataFrame:
    """Area released [ha] by month and method, from the land-release ledger."""
    with ws.engine.connect() as conn:
        ledger = read_ledger(conn)
    if not len(ledger):
        return pd.DataFrame(columns=list(RELEASE_METHODS))
    month = ledger["released_on"].astype(str).str[:7]
    table = (
        pd.DataFrame(
            {"month": month, "method": ledger["method"], "ha": ledger["area_m2"] / M2_PER_HA}
        )
        .pivot_table(index="month", columns="method", values="ha", aggfunc="sum", fill_value=0.0)
        .reindex(columns=list(RELEASE_METHODS), fill_value=0.0)
    )
    return table.sort_index()


def devices_by_type(ws: Workspace) -> pd.DataFrame:
    """Devices found by type (findings)."""
    findings = ws.read_layer("findings")
    return findings["device"].value_counts().sort_index().to_frame("devices")


def casualties_by_activity(ws: Workspace) -> pd.DataFrame:
    """People killed and injured by what they were doing (incidents; no personal data read)."""
    incidents = ws.read_layer("incidents", include_personal=False)
    if not len(incidents):
        return pd.DataFrame(columns=["killed", "injured"])
    frame = pd.DataFrame(
        {
            "activity": incidents["activity"].fillna("unknown"),
            "killed": pd.to_numeric(incidents["killed"]).fillna(0),
            "injured": pd.to_numeric(incidents["injured"]).fillna(0),
        }
    )
    return frame.groupby("activity")[["killed", "injured"]].sum().astype(int)


CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart("released_by_month", "Area released by method", "ha", released_by_month),
        Chart("devices_by_type", "Devices found by type", "devices", devices_by_type),
        Chart("casualties_by_activity", "Casualties by activity", "people", casualties_by_activity),
    )
}


def chart_png(ws: Workspace, name: str) -> bytes:
    """The chart as a PNG: stacked bars of its table (a Figure of its own: thread-safe, no pyplot)."""
    chart = CHARTS.get(name)
    if chart is None:
        raise NotFound(f"no chart {name!r} (charts: {', '.join(CHARTS)})")
    table = chart.table(ws)
    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.subplots()
    if len(table):
        table.plot.bar(stacked=True, ax=ax, rot=0, width=0.7)
    else:
        ax.text(0.5, 0.5, "no records yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(chart.title)
    ax.set_ylabel(chart.unit)
    ax.set_xlabel("")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
