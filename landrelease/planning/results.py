"""What the three planning jobs return: the priorities, the operations plan and the forecast.

The terminal view (:mod:`landrelease.planning.console`), the charts
(:mod:`landrelease.planning.charts`) and the demo read these objects; the jobs
that make them live in :mod:`~landrelease.planning.ranking`,
:mod:`~landrelease.planning.operations` and
:mod:`~landrelease.planning.forecasting`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landrelease.planning.bound import Bound
from landrelease.planning.common import M2_PER_HA
from landrelease.planning.forecast import (
    Deterministic,
    Draws,
    ForecastConfig,
    Scenario,
    percentiles,
)
from landrelease.planning.model import PlanProblem
from landrelease.planning.pace import Pace
from landrelease.planning.plan_tables import cost_by_method
from landrelease.planning.schedule import Outcome, Schedule


@dataclass
class PriorityResult:
    table: pd.DataFrame
    """Hazards ranked: rank, hazard_id, score, c_<criterion> contributions, raw criteria."""
    sensitivity: pd.DataFrame
    weights: dict[str, float]
    """Normalised weights used."""
    task_source: str
    top_n: int
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None


@dataclass(frozen=True)
class PlanCounts:
    """What a plan does by its horizon, counted one way for the console, the map and the reports.

    A **hazard** is done (released) when every one of its **tasks** (the survey and clearance
    work of one survey part: NTS, TS, BAC or clearance) is done — the map's slider counts
    hazards that way; **hectares** are the area of the tasks done.
    """

    hazards: int
    hazards_done: int
    tasks: int
    tasks_done: int
    area_ha: float
    done_ha: float

    @classmethod
    def of(cls, problem: PlanProblem, schedule: Schedule, outcome: Outcome) -> PlanCounts:
        area = problem.tasks["area_m2"].to_numpy(float)
        done = schedule.end_month >= 0
        return cls(
            hazards=len(problem.benefits.hazard_ids),
            hazards_done=int(np.isfinite(outcome.hazard_month).sum()),
            tasks=problem.n_tasks,
            tasks_done=int(done.sum()),
            area_ha=float(area.sum() / M2_PER_HA),
            done_ha=float(area[done].sum() / M2_PER_HA),
        )

    def sentence(self) -> str:
        """E.g. '336 of 1,000 hazards released (535 of 2,100 tasks done, 1,234 of 5,678 ha)'."""
        return (
            f"{self.hazards_done:,} of {self.hazards:,} hazards released (all their tasks done; "
            f"{self.tasks_done:,} of {self.tasks:,} tasks done, {self.done_ha:,.0f} of "
            f"{self.area_ha:,.0f} ha)"
        )


@dataclass
class PlanResult:
    problem: PlanProblem
    schedule: Schedule
    outcome: Outcome
    strategy: str
    """The priority order that made the plan (the best of those tried)."""
    bound: Bound | None
    comparison: pd.DataFrame
    """One row per strategy: benefit, people-years by 2030 and by the horizon, when half are home."""
    readiness: pd.DataFrame
    tasks: pd.DataFrame
    schedule_table: pd.DataFrame
    cost_by_year: pd.DataFrame
    unworkable: pd.DataFrame
    pace: Pace
    task_source: str
    budget_source: str
    assets_source: str
    notes: list[str] = field(default_factory=list)
    charts: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def start(self) -> pd.Period:
        return self.problem.months[0]

    @property
    def horizon(self) -> pd.Period:
        return self.problem.months[-1]

    @property
    def cost_by_method(self) -> pd.DataFrame:
        """Tasks, area, team-days and cost by method of work (NTS, TS, BAC, clearance)."""
        return cost_by_method(self.tasks)

    @property
    def counts(self) -> PlanCounts:
        """What the plan does by its horizon, in the words every view uses."""
        return PlanCounts.of(self.problem, self.schedule, self.outcome)

    @property
    def share_of_bound(self) -> float:
        if self.bound is None or not np.isfinite(self.bound.value) or self.bound.value <= 0:
            return float("nan")
        return self.outcome.value / self.bound.value


@dataclass
class ScenarioResult:
    scenario: Scenario
    problem: PlanProblem
    det: Deterministic
    draws: Draws
    budget_usd_per_year: float

    def completion(self) -> np.ndarray:
        """P10/P50/P90 month index of programme completion (``inf``: after the window)."""
        return percentiles(self.draws.completion_month)

    def cost(self) -> np.ndarray:
        return percentiles(self.draws.cost_usd)


@dataclass
class ForecastResult:
    config: ForecastConfig
    start: pd.Period
    window_end: pd.Period
    runs: int
    seed: int
    scenarios: dict[str, ScenarioResult]
    table: pd.DataFrame
    """One row per scenario: completion P10/P50/P90, cost P10/P50/P90, people home by 2030 (P50)."""
    settlements: pd.DataFrame
    """Per settlement (baseline scenario): P10/P50/P90 ready dates."""
    pace: Pace
    pace_completion: pd.Period | None
    remaining_m2: dict[str, float]
    saving: dict[str, Any]
    """The evidence-based survey's saving: P10/P50/P90 USD in the workspace, its share, scaled nationally."""
    task_source: str
    notes: list[str] = field(default_factory=list)
    charts: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    run_id: int | None = None
