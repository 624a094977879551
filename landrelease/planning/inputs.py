"""What planning reads from a workspace, projected to its metric CRS, and the tasks to plan."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from landrelease.planning.common import to_metric
from landrelease.planning.criteria import distance_to_nearest
from landrelease.planning.tasks import Fallback, tasks_from_hazards, tasks_from_parts
from landrelease.store import Workspace
from landrelease.store.crs import utm_crs_for

NOT_FOR_CLEARANCE = ("risk education", "victim", "eore", "advocacy")
"""Funding purposes that do not pay for survey or clearance."""


@dataclass(frozen=True)
class Inputs:
    """The workspace's layers that planning uses (spatial ones in metres)."""

    metric_crs: str
    hazards: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    infrastructure: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    activities: pd.DataFrame
    funding: pd.DataFrame
    assets: pd.DataFrame
    data_month: pd.Period | None
    """The month of the latest dated record (activities, findings, funding, incidents)."""


def load_inputs(ws: Workspace) -> Inputs:
    """Read and project the layers; the metric CRS is the workspace's (else the data's UTM zone)."""
    hazards = ws.read_layer("hazards")
    crs = ws.metric_crs() or _utm(hazards)
    spatial = {
        n: to_metric(ws.read_layer(n), crs) for n in ("settlements", "infrastructure", "incidents")
    }
    activities = ws.read_layer("activities")
    funding = ws.read_layer("funding")
    findings = ws.read_layer("findings")
    dates = [
        pd.to_datetime(frame[col], errors="coerce").max()
        for frame, col in (
            (activities, "end"),
            (findings, "date"),
            (funding, "date"),
            (spatial["incidents"], "date"),
        )
        if len(frame)
    ]
    dates = [d for d in dates if pd.notna(d)]
    return Inputs(
        metric_crs=crs,
        hazards=to_metric(hazards, crs),
        settlements=spatial["settlements"],
        infrastructure=spatial["infrastructure"],
        incidents=spatial["incidents"],
        activities=pd.DataFrame(activities.drop(columns="geometry", errors="ignore")),
        funding=funding,
        assets=ws.read_layer("assets"),
        data_month=max(dates).to_period("M") if dates else None,
    )


def _utm(hazards: gpd.GeoDataFrame) -> str:
    if not len(hazards):
        return "EPSG:32638"
    b = shapely.total_bounds(hazards.geometry.to_numpy())
    return utm_crs_for((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def survey_parts(ws: Workspace) -> gpd.GeoDataFrame | None:
    """The survey engine's decisions (``landrelease.survey.read_parts``), or ``None`` without any."""
    try:
        from landrelease.survey import read_parts
    except ImportError:
        return None
    with ws.engine.connect() as c:
        if not sa.inspect(c).has_table("survey_parts"):
            return None
    parts = read_parts(ws)
    return parts if parts is not None and len(parts) else None


def released_by_hazard(activities: pd.DataFrame) -> dict[str, float]:
    """Area (m²) already cancelled, reduced or cleared per hazard by approved activities."""
    if not len(activities):
        return {}
    act = activities
    if "status" in act.columns:
        act = act[act["status"].isna() | (act["status"] == "approved")]
    act = act[act["outcome"].isin(["cancelled", "reduced", "cleared"])]
    area = (
        pd.to_numeric(act["area_m2"], errors="coerce").fillna(0.0)
        if "area_m2" in act
        else pd.Series(0.0, index=act.index)
    )
    return {str(k): float(v) for k, v in area.groupby(act["hazard_id"]).sum().items()}


def load_tasks(
    ws: Workspace, inputs: Inputs, *, fallback: Fallback | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """The tasks to plan and where they came from (``survey`` decisions or the ``fallback``).

    Tasks with no area left are dropped; each task gets its hazard's
    ``reported`` date and its distance to the nearest settlement (m).
    """
    parts = survey_parts(ws)
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
            released_m2=released_by_hazard(inputs.activities),
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
