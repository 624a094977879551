"""What the three planning jobs share: the read, the tasks, what blocks return, the criteria.

:func:`basis` reads the workspace through its read model
(:class:`~landrelease.store.WorkspaceView`), so a pipeline run that passes one
view to :func:`~landrelease.planning.prioritise`,
:func:`~landrelease.planning.plan` and :func:`~landrelease.planning.forecast`
reads and projects each layer once.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.planning.assets import AssetPool
from landrelease.planning.common import PlanningWarning
from landrelease.planning.criteria import (
    Radii,
    casualty_risk,
    farmland_ha,
    infrastructure_units,
    people_shares,
    settlement_links,
)
from landrelease.planning.inputs import Inputs, hazard_p_any, load_tasks
from landrelease.planning.model import PlanParams, cheapest_kind, task_rates, with_machine_ground
from landrelease.planning.priorities import Weights


@contextmanager
def collect_notes(notes: list[str]) -> Iterator[None]:
    """Record :class:`PlanningWarning` messages in ``notes`` (other warnings pass through)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PlanningWarning)
        yield
    for w in caught:
        if issubclass(w.category, PlanningWarning):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@dataclass(frozen=True)
class Basis:
    """Inputs, tasks, links and criteria: what priorities, the plan and the forecast share."""

    inputs: Inputs
    tasks: gpd.GeoDataFrame
    task_source: str
    blocking: pd.DataFrame
    """(settlement_id, hazard_id, distance_m): the open hazards that block return to each
    settlement — the one definition the reports and the web use."""
    links: pd.DataFrame
    """(hazard_id, settlement_id, via): what each hazard holds up (homes, road, farmland)."""
    criteria: pd.DataFrame
    params: PlanParams


def basis(inputs: Inputs, *, pool: AssetPool, params: PlanParams | None = None) -> Basis:
    """The tasks and every hazard's criteria (hazards with work left only)."""
    params = params or PlanParams.from_settings()
    tasks, source = load_tasks(inputs)
    radii = Radii.from_settings()
    blocking = inputs.view.blocking_pairs(radius_m=radii.settlement_m)
    open_h = inputs.hazards[inputs.hazards["hazard_id"].isin(set(tasks["hazard_id"]))].reset_index(
        drop=True
    )
    links = settlement_links(
        open_h, inputs.settlements, inputs.infrastructure, radii=radii, blocking=blocking
    )
    crit = hazard_criteria(inputs, open_h, tasks, links, pool=pool, params=params, radii=radii)
    return Basis(inputs, tasks, source, blocking, links, crit, params)


def hazard_criteria(
    inputs: Inputs,
    hazards: gpd.GeoDataFrame,
    tasks: pd.DataFrame,
    links: pd.DataFrame,
    *,
    pool: AssetPool,
    params: PlanParams,
    radii: Radii,
) -> pd.DataFrame:
    """One row per hazard with work left: every raw criterion of priorities and the plan."""
    out = pd.DataFrame(
        {
            "hazard_id": hazards["hazard_id"].to_numpy(),
            "classification": hazards["classification"].to_numpy(),
            "district": hazards["district"].to_numpy() if "district" in hazards else None,
        }
    )
    people = people_shares(links, inputs.settlements).set_index("hazard_id")
    out["people"] = out["hazard_id"].map(people["people"]).fillna(0.0).astype(float)
    out["people_blocked"] = out["hazard_id"].map(people["people_blocked"]).fillna(0).astype(int)
    out["settlements"] = (
        out["hazard_id"].map(people["settlements"]).map(lambda v: v if isinstance(v, list) else [])
    )
    out["infrastructure"] = infrastructure_units(
        hazards, inputs.infrastructure, road_buffer_m=radii.road_buffer_m
    ).to_numpy()
    out["farmland_ha"] = farmland_ha(hazards, inputs.infrastructure).to_numpy()
    p_any = hazard_p_any(tasks)
    risk = casualty_risk(
        hazards,
        inputs.incidents,
        inputs.settlements,
        p_any,
        radii=radii,
        exposure_per_person_year=float(settings.get("plan_exposure_per_person_year")),
    )
    out["casualty_risk"] = risk["casualty_risk"].to_numpy()
    out["p_any_device"] = out["hazard_id"].map(p_any).fillna(0.0).to_numpy()
    effort = hazard_effort(tasks, pool, params)
    for col in ("team_days", "cost_usd", "area_m2"):
        out[col] = out["hazard_id"].map(effort[col]).to_numpy(float)
    return out


def hazard_effort(tasks: pd.DataFrame, pool: AssetPool, params: PlanParams) -> pd.DataFrame:
    """Per hazard (index): team-days, cost (USD) and area (m²) of its tasks, each task worked by
    the cheapest kind that can."""
    t = with_machine_ground(tasks, params)
    _, days, cost = cheapest_kind(
        t["area_m2"].to_numpy(float), task_rates(t, pool, params), pool, params.setup_days
    )
    effort = pd.DataFrame(
        {"hazard_id": t["hazard_id"], "team_days": days, "cost_usd": cost, "area_m2": t["area_m2"]}
    )
    return effort.groupby("hazard_id")[["team_days", "cost_usd", "area_m2"]].sum()


def weights_from(weights: Weights | None, weights_file: Path | None) -> Weights:
    """The weights given, else those of ``weights_file``, else the settings'."""
    if weights is not None:
        return weights
    return Weights.from_toml(weights_file) if weights_file else Weights.from_settings()


def default_start(inputs: Inputs) -> pd.Period:
    """The month after the workspace's data date (else this month)."""
    if inputs.data_month is not None:
        return inputs.data_month + 1
    return pd.Period(pd.Timestamp.today(), "M")


def always_available(pool: AssetPool) -> AssetPool:
    """For effort estimates: every kind that has teams at some time counts as available."""
    teams = np.where(pool.teams.max(axis=1, keepdims=True) > 0, 1.0, 0.0)
    return AssetPool(pool.kinds, teams, pool.m2_per_day, pool.usd_per_day, pool.source)
