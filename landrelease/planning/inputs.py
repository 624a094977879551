"""What planning reads from a workspace (through its read model), and the tasks to plan."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.planning.criteria import distance_to_nearest
from landrelease.planning.tasks import Fallback, tasks_from_hazards, tasks_from_parts
from landrelease.store import Workspace, WorkspaceView, runs, tables

NOT_FOR_CLEARANCE = ("risk education", "victim", "eore", "advocacy")
"""Funding purposes that do not pay for survey or clearance."""


@dataclass(frozen=True)
class Inputs:
    """The workspace's layers that planning uses (spatial ones in metres), from one read model."""

    view: WorkspaceView
    metric_crs: str
    hazards: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    infrastructure: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    funding: pd.DataFrame
    assets: pd.DataFrame
    data_month: pd.Period | None
    """The month of the workspace's data date (its latest dated record)."""


def load_inputs(source: Workspace | WorkspaceView) -> Inputs:
    """The layers planning uses, from the read model: each read and projected once per view."""
    view = WorkspaceView.of(source)
    return Inputs(
        view=view,
        metric_crs=view.metric_crs,
        hazards=view.metric("hazards"),
        settlements=view.metric("settlements"),
        infrastructure=view.metric("infrastructure"),
        incidents=view.metric("incidents"),
        funding=view.layer("funding"),
        assets=view.layer("assets"),
        data_month=view.data_month,
    )


def survey_parts(source: Workspace | WorkspaceView) -> gpd.GeoDataFrame | None:
    """The survey engine's decisions (``landrelease.survey.read_parts``), or ``None`` without any."""
    try:
        from landrelease.survey import read_parts
    except ImportError:
        return None
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        if not tables.has_table(conn, "survey_parts") or runs.latest_run(conn, "survey") is None:
            return None
    parts = read_parts(ws)
    return parts if parts is not None and len(parts) else None


def survey_bound_factor(source: Workspace | WorkspaceView) -> float | None:
    """The latest survey run's stated uncertainty on cancelled land: its bound on the devices
    left there (``devices_bound``, at ``risk_bound_level``) over the devices it expects there;
    ``None`` without a survey run, cancelled land or a bound."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        if runs.latest_run(conn, "survey") is None:
            return None
        row = runs.read_run(conn, "survey")
    summary = (row or {}).get("summary") or {}
    cancel = (summary.get("by_decision") or {}).get("cancel") or {}
    expected, bound = cancel.get("expected_devices"), cancel.get("devices_bound")
    if not isinstance(expected, (int, float)) or not isinstance(bound, (int, float)):
        return None
    if expected <= 0 or not np.isfinite(bound):
        return None
    return float(max(bound / expected, 1.0))


def load_tasks(inputs: Inputs, *, fallback: Fallback | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """The tasks to plan and where they came from (``survey`` decisions or the ``fallback``).

    Without survey decisions, the land already released (the land-release
    ledger) is taken off each hazard first. Tasks with no area left are
    dropped; each task gets its hazard's ``reported`` date and its distance to
    the nearest settlement (m).
    """
    parts = survey_parts(inputs.view)
    if parts is not None:
        tasks, source = (
            tasks_from_parts(parts, inputs.hazards, metric_crs=inputs.metric_crs),
            "survey",
        )
    else:
        tasks = tasks_from_hazards(
            inputs.hazards,
            metric_crs=inputs.metric_crs,
            fallback=fallback,
            released_m2=inputs.view.released_by_hazard(),
        )
        source = "fallback"
    tasks = tasks[tasks["area_m2"].to_numpy(float) > 0.5].reset_index(drop=True)
    reported = dict(
        zip(
            inputs.hazards["hazard_id"],
            inputs.hazards.get("reported", pd.Series(dtype=str)),
            strict=False,
        )
    )
    tasks["reported"] = tasks["hazard_id"].map(lambda h: str(reported.get(h) or "")).astype(str)
    tasks["settlement_distance_m"] = distance_to_nearest(
        tasks.geometry.to_numpy(), inputs.settlements
    )
    return tasks, source


def funding_per_year(funding: pd.DataFrame, *, months: int = 12) -> tuple[float, float, str]:
    """National and donor money for survey and clearance over the last ``months`` (USD a year)."""
    if not len(funding):
        return 0.0, 0.0, ""
    f = funding.copy()
    purpose = f.get("purpose", pd.Series([""] * len(f), index=f.index)).fillna("").str.lower()
    f = f[~purpose.map(lambda p: any(w in p for w in NOT_FOR_CLEARANCE))]
    dates = pd.to_datetime(f["date"], errors="coerce")
    if not dates.notna().any():
        return 0.0, 0.0, ""
    last = dates.max()
    first = last - pd.DateOffset(months=months)
    window = dates > first
    amount = pd.to_numeric(f["amount_usd"], errors="coerce").fillna(0.0)
    national = f["source"].str.lower().eq("national")
    scale = 12.0 / months
    return (
        float(amount[window & national].sum()) * scale,
        float(amount[window & ~national].sum()) * scale,
        f"{(first + pd.DateOffset(days=1)).date()} to {last.date()}",
    )


def hazard_p_any(tasks: pd.DataFrame) -> pd.Series:
    """Chance each hazard holds any device: 1 − Π(1 − p) over its parts."""
    q = np.log1p(-np.clip(tasks["p_any_device"].to_numpy(float), 0.0, 1.0 - 1e-12))
    total = pd.Series(q, index=tasks["hazard_id"].to_numpy()).groupby(level=0).sum()
    return pd.Series(1.0 - np.exp(total.to_numpy(float)), index=total.index)
