"""The three planning jobs, wired from the pure functions: prioritise, plan, forecast.

Each reads the workspace, computes, writes one run of results back (unless
``write=False``) and returns a result object that the command line and the
demo print. Warnings raised on the way (fallbacks, defaults) are collected in
the result's ``notes``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.planning import store as pstore
from landrelease.planning.assets import AssetPool, load_assets
from landrelease.planning.bound import Bound, lp_orders, solve_bound
from landrelease.planning.common import (
    MONTHS_PER_YEAR,
    InfeasiblePlanError,
    PlanningWarning,
    month_end_dates,
    month_label,
    month_range,
    parse_month,
    warn,
)
from landrelease.planning.criteria import (
    Radii,
    casualty_risk,
    farmland_ha,
    infrastructure_units,
    people_shares,
    settlement_links,
)
from landrelease.planning.forecast import (
    Deterministic,
    Draws,
    ForecastConfig,
    Scenario,
    Spread,
    deterministic,
    load_scenarios,
    monte_carlo,
    percentiles,
)
from landrelease.planning.inputs import (
    Inputs,
    funding_per_year,
    hazard_p_any,
    load_inputs,
    load_tasks,
)
from landrelease.planning.model import (
    PlanParams,
    PlanProblem,
    benefit_rates,
    build_problem,
    cheapest_kind,
    task_rates,
    with_machine_ground,
)
from landrelease.planning.orders import RULES, greedy_order, improve, register_order
from landrelease.planning.pace import Pace, pace_end_months, pace_so_far
from landrelease.planning.priorities import Weights, score_hazards, sensitivity
from landrelease.planning.schedule import Outcome, Schedule, evaluate, simulate
from landrelease.planning.tasks import without_cancellation
from landrelease.store import Workspace

# ---------------------------------------------------------------------------- shared steps


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
    """Inputs, tasks, links and criteria: what priorities and the plan share."""

    inputs: Inputs
    tasks: gpd.GeoDataFrame
    task_source: str
    links: pd.DataFrame
    criteria: pd.DataFrame
    params: PlanParams


def basis(
    ws: Workspace,
    *,
    pool: AssetPool,
    inputs: Inputs | None = None,
    params: PlanParams | None = None,
) -> Basis:
    """Read the workspace and compute every hazard's criteria (hazards with work left only)."""
    params = params or PlanParams.from_settings()
    inputs = inputs or load_inputs(ws)
    tasks, source = load_tasks(ws, inputs)
    radii = Radii.from_settings()
    open_h = inputs.hazards[inputs.hazards["hazard_id"].isin(set(tasks["hazard_id"]))].reset_index(
        drop=True
    )
    links = settlement_links(open_h, inputs.settlements, inputs.infrastructure, radii=radii)
    crit = hazard_criteria(inputs, open_h, tasks, links, pool=pool, params=params, radii=radii)
    return Basis(inputs, tasks, source, links, crit, params)


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
    t = with_machine_ground(tasks, params)
    _, days, cost = cheapest_kind(
        t["area_m2"].to_numpy(float), task_rates(t, pool, params), pool, params.setup_days
    )
    effort = pd.DataFrame(
        {"hazard_id": t["hazard_id"], "team_days": days, "cost_usd": cost, "area_m2": t["area_m2"]}
    )
    sums = effort.groupby("hazard_id")[["team_days", "cost_usd", "area_m2"]].sum()
    for col in ("team_days", "cost_usd", "area_m2"):
        out[col] = out["hazard_id"].map(sums[col]).to_numpy(float)
    return out


def weights_from(weights: Weights | None, weights_file: Path | None) -> Weights:
    if weights is not None:
        return weights
    return Weights.from_toml(weights_file) if weights_file else Weights.from_settings()


# ---------------------------------------------------------------------------- priorities


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


def prioritise(
    ws: Workspace,
    *,
    weights: Weights | None = None,
    weights_file: Path | None = None,
    top_n: int | None = None,
    change: float | None = None,
    assets_file: Path | None = None,
    write: bool = True,
) -> PriorityResult:
    """Score every hazard with work left by multi-criteria analysis; show the weights' sensitivity."""
    notes: list[str] = []
    w = weights_from(weights, weights_file)
    normalised = w.normalised()
    top = int(top_n if top_n is not None else settings.get("priority_top_n"))
    step = float(change if change is not None else settings.get("priority_sensitivity_change"))
    with collect_notes(notes):
        inputs = load_inputs(ws)
        first = default_start(inputs)
        months = month_range(first, first + 10 * MONTHS_PER_YEAR - 1)
        pool = _always_available(
            load_assets(months, path=assets_file, workspace_rows=inputs.assets)
        )
        b = basis(ws, pool=pool, inputs=inputs)
    table = score_hazards(b.criteria, w)
    sens = sensitivity(b.criteria, w, top_n=top, change=step)
    result = PriorityResult(table, sens, normalised, b.task_source, top, notes)
    if write:
        with ws.begin() as conn:
            pstore.ensure_tables(conn)
            result.run_id = pstore.new_run(
                conn,
                "priorities",
                parameters={
                    "weights": normalised,
                    "task_source": b.task_source,
                    "sensitivity_change": step,
                },
                summary={
                    "hazards": len(table),
                    "top": table["hazard_id"].head(top).tolist(),
                    "notes": notes,
                },
            )
            pstore.write_frame(conn, "priorities", result.run_id, priority_rows(table))
    return result


def _always_available(pool: AssetPool) -> AssetPool:
    """For effort estimates: every kind that has teams at some time counts as available."""
    teams = np.where(pool.teams.max(axis=1, keepdims=True) > 0, 1.0, 0.0)
    return AssetPool(pool.kinds, teams, pool.m2_per_day, pool.usd_per_day, pool.source)


def priority_rows(table: pd.DataFrame) -> pd.DataFrame:
    contrib = [c for c in table.columns if c.startswith("c_")]
    return pd.DataFrame(
        {
            "hazard_id": table["hazard_id"],
            "rank": table["rank"],
            "score": table["score"],
            "people": table["people"],
            "people_blocked": table["people_blocked"],
            "infrastructure": table["infrastructure"],
            "farmland_ha": table["farmland_ha"],
            "casualty_risk": table["casualty_risk"],
            "team_days": table["team_days"],
            "cost_usd": table["cost_usd"],
            "contributions": [
                {c[2:]: float(v) for c, v in zip(contrib, row, strict=True)}
                for row in table[contrib].itertuples(index=False, name=None)
            ],
            "settlements": table["settlements"],
        }
    )


# ---------------------------------------------------------------------------- plan


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
    def share_of_bound(self) -> float:
        if self.bound is None or not np.isfinite(self.bound.value) or self.bound.value <= 0:
            return float("nan")
        return self.outcome.value / self.bound.value


def parse_budget(text: str | float | None) -> dict[int, float] | float | None:
    """``--budget``: USD per year (``30e6``), or per year (``2026=30e6,2027=35e6``; later years
    keep the last figure)."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    text = str(text).replace("_", "").replace(" ", "")
    try:
        if "=" not in text:
            return float(text)
        out = {}
        for part in text.split(","):
            y, v = part.split("=")
            out[int(y)] = float(v)
        return out
    except ValueError:
        raise UsageError(
            f"--budget {text!r}: accepted USD per year (30e6) or per year (2026=30e6,2027=35e6)"
        ) from None


def default_start(inputs: Inputs) -> pd.Period:
    """The month after the workspace's latest dated record (else this month)."""
    if inputs.data_month is not None:
        return inputs.data_month + 1
    return pd.Period(pd.Timestamp.today(), "M")


def plan(
    ws: Workspace,
    *,
    horizon: str,
    start: str | None = None,
    assets_file: Path | None = None,
    budget: str | float | dict[int, float] | None = None,
    weights: Weights | None = None,
    weights_file: Path | None = None,
    out: Path | None = None,
    solve_lp: bool = True,
    search_seconds: float | None = None,
    write: bool = True,
) -> PlanResult:
    """Make the operations plan to ``horizon`` (YYYY-MM): schedule, readiness, cost, comparison."""
    notes: list[str] = []
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    w = weights_from(weights, weights_file).normalised()
    with collect_notes(notes):
        inputs = load_inputs(ws)
        first = parse_month(start, what="--start") if start else default_start(inputs)
        last = parse_month(horizon, what="--horizon")
        if last < first:
            raise InfeasiblePlanError(
                [
                    f"the horizon {last} is before the plan's first month {first} (the month after the "
                    "workspace's latest record); give a later --horizon"
                ]
            )
        months = month_range(first, last)
        pool = load_assets(months, path=assets_file, workspace_rows=inputs.assets)
        budget_value, budget_source = _budget(budget, inputs, pool, months)
        b = basis(ws, pool=pool, inputs=inputs)
        benefits = benefit_rates(
            criteria=b.criteria, links=b.links, settlements=inputs.settlements, weights=w
        )
        problem = build_problem(
            tasks=b.tasks,
            months=months,
            pool=pool,
            benefits=benefits,
            budget_usd_per_year=budget_value,
            params=b.params,
        )
        if not problem.n_tasks:
            raise UsageError("no open hazard has work left: nothing to plan")
        unworkable = _check_feasible(problem)
    seconds["inputs"] = time.perf_counter() - t0
    t = time.perf_counter()
    orders = {"greedy": greedy_order(problem)}
    seconds["greedy"] = time.perf_counter() - t
    bound = None
    if solve_lp:
        t = time.perf_counter()
        bound = solve_bound(problem, max_cells=int(settings.get("plan_lp_max_cells")))
        orders.update(lp_orders(problem, bound, orders["greedy"]))
        seconds["lp_bound"] = time.perf_counter() - t
    t = time.perf_counter()
    values = {name: _value(problem, order) for name, order in orders.items()}
    best = max(values, key=lambda k: values[k])
    seconds["schedule"] = time.perf_counter() - t
    search = float(
        settings.get("plan_search_seconds") if search_seconds is None else search_seconds
    )
    if search > 0:
        t = time.perf_counter()
        improved, value, _ = improve(
            problem, orders[best], lambda o: _value(problem, o), seconds=search
        )
        if value > values[best]:
            best = f"{best}+search"
            orders[best], values[best] = improved, value
        seconds["search"] = time.perf_counter() - t
    schedule = simulate(problem, orders[best])
    outcomes = {best: evaluate(problem, schedule.end_month)}
    pace = pace_so_far(inputs.activities)
    comparison = compare(
        problem, {best: outcomes[best]}, bound=bound, label={best: "optimised plan"}
    )
    rivals: dict[str, Outcome] = {}
    labels: dict[str, str] = {}
    for name, (label, rule) in RULES.items():
        rivals[name] = evaluate(problem, simulate(problem, rule(problem)).end_month)
        labels[name] = label
    if pace.total_m2_per_month > 0:
        end = pace_end_months(
            problem.tasks["area_m2"].to_numpy(float),
            register_order(problem),
            pace,
            problem.n_months,
        )
        rivals["current_pace"] = evaluate(problem, end)
        labels["current_pace"] = (
            f"the pace so far ({pace.total_m2_per_month / 1e4:,.1f} ha/month), register order"
        )
    comparison = pd.concat(
        [comparison, compare(problem, rivals, bound=bound, label=labels)], ignore_index=True
    )
    result = PlanResult(
        problem=problem,
        schedule=schedule,
        outcome=outcomes[best],
        strategy=best,
        bound=bound,
        comparison=comparison,
        readiness=readiness_table(problem, outcomes[best]),
        tasks=task_table(problem, schedule),
        schedule_table=schedule_rows(problem, schedule),
        cost_by_year=cost_by_year(problem, schedule),
        unworkable=unworkable,
        pace=pace,
        task_source=b.task_source,
        budget_source=budget_source,
        assets_source=pool.source,
        notes=notes,
        seconds=seconds,
    )
    if out is not None:
        from landrelease.planning import charts

        out.mkdir(parents=True, exist_ok=True)
        result.charts["gantt"] = charts.plan_gantt(result, out / "plan_gantt.png")
        result.charts["map"] = charts.plan_map(
            result, inputs.hazards, inputs.settlements, out / "plan_map.png"
        )
    if write:
        _write_plan(ws, result, horizon=str(last), start=str(first), weights=w)
    seconds["total"] = time.perf_counter() - t0
    return result


def _value(problem: PlanProblem, order: np.ndarray) -> float:
    return evaluate(problem, simulate(problem, order, record=False).end_month).value


def _budget(
    budget: str | float | dict[int, float] | None,
    inputs: Inputs,
    pool: AssetPool,
    months: pd.PeriodIndex,
) -> tuple[dict[int, float] | float | None, str]:
    """The budget per year and where it came from; zero everywhere is infeasible."""
    if isinstance(budget, dict):
        value: dict[int, float] | float | None = budget
        source = "--budget"
    else:
        value = parse_budget(budget)
        source = "--budget"
    if value is None:
        setting = float(settings.get("plan_budget_usd_per_year"))
        if setting > 0:
            value, source = setting, "setting plan_budget_usd_per_year"
        else:
            national, donor, window = funding_per_year(inputs.funding)
            if national + donor > 0:
                value = national + donor
                source = f"funding {window} (national {national:,.0f} + donors {donor:,.0f} USD)"
            else:
                warn(
                    "no budget given and no funding in the workspace: the plan spends whatever the teams "
                    "can use (no budget limit); give --budget USD per year"
                )
                value, source = None, "none (no funding recorded)"
    figures = (
        list(value.values()) if isinstance(value, dict) else ([] if value is None else [value])
    )
    if figures and min(figures) < 0:
        raise UsageError(f"the budget must be ≥ 0 USD: {min(figures):g}")
    if figures and max(figures) <= 0:
        raise InfeasiblePlanError(
            ["the budget is zero in every year: no team can be paid; give --budget USD per year"]
        )
    return value, source


def _check_feasible(problem: PlanProblem) -> pd.DataFrame:
    """Tasks no available asset can work, with the reason; infeasible when that is every task."""
    available = problem.pool.teams.max(axis=1, initial=0.0) > 0
    if not available.any():
        raise InfeasiblePlanError(
            [
                f"no teams are available between {problem.months[0]} and {problem.months[-1]} (assets from {problem.pool.source})"
            ]
        )
    can = (problem.rate[:, available] > 0).any(axis=1)
    bad = np.flatnonzero(~can)
    reasons = []
    names = [k for k, a in zip(problem.kinds, available, strict=True) if a]
    for j in bad:
        method = problem.tasks["method"].iloc[j]
        if method == "NTS":
            reasons.append("non-technical survey needs manual (survey) teams; none are available")
        elif names == ["machine"] or set(names) <= {"machine"}:
            reasons.append(
                "only machines are available and they cannot work here (steep or built-up ground)"
            )
        else:
            reasons.append(f"no available kind ({', '.join(names)}) can do {method} here")
    frame = pd.DataFrame(
        {
            "task_id": problem.tasks["task_id"].to_numpy()[bad],
            "hazard_id": problem.tasks["hazard_id"].to_numpy()[bad],
            "method": problem.tasks["method"].to_numpy()[bad],
            "reason": reasons,
        }
    )
    if len(bad) == problem.n_tasks:
        raise InfeasiblePlanError(
            [f"no available asset can work any of the {len(bad):,} tasks: {reasons[0]}"]
        )
    if len(bad):
        warn(
            f"{len(bad):,} task(s) cannot be worked by any available asset and stay open "
            f"(e.g. {frame['task_id'].iloc[0]}: {reasons[0]}); the settlements they block cannot be ready"
        )
    return frame


def month_index(problem: PlanProblem, period: pd.Period) -> int:
    return int((period - problem.months[0]).n)


def compare(
    problem: PlanProblem,
    outcomes: dict[str, Outcome],
    *,
    bound: Bound | None,
    label: dict[str, str],
) -> pd.DataFrame:
    """Benefit, people-years by end of 2030 and by the horizon, when half the returnees can be home."""
    rows = []
    last = problem.n_months - 1
    m2030 = min(month_index(problem, pd.Period("2030-12", "M")), last)
    for name, oc in outcomes.items():
        half = oc.half_home_month(problem)
        rows.append(
            {
                "strategy": name,
                "label": label.get(name, name),
                "benefit": oc.value,
                "share_of_bound": oc.value / bound.value
                if bound and np.isfinite(bound.value) and bound.value > 0
                else np.nan,
                "people_years_2030": oc.people_years_until(problem, m2030) if m2030 >= 0 else 0.0,
                "people_years_horizon": oc.people_years_until(problem, last),
                "half_home": "now"
                if half < 0
                else (
                    str(problem.months[0] + int(half))
                    if np.isfinite(half)
                    else f"after {problem.months[-1]}"
                ),
                "settlements_ready": int(
                    np.isfinite(oc.settlement_month[problem.benefits.blocked]).sum()
                ),
            }
        )
    return pd.DataFrame(rows)


def readiness_table(problem: PlanProblem, outcome: Outcome) -> pd.DataFrame:
    b = problem.benefits
    count = np.bincount(b.pair_settlement, minlength=len(b.settlement_ids))
    m = outcome.settlement_month
    status = np.where(
        count == 0, "ready now", np.where(np.isfinite(m), "planned", "after the horizon")
    )
    return pd.DataFrame(
        {
            "settlement_id": b.settlement_ids,
            "name": b.settlement_names,
            "population_planned": b.population.astype(int),
            "blocking_hazards": count,
            "status": status,
            "plan_date": month_end_dates(problem.months[0], np.where(count == 0, np.nan, m)),
            "scenario": None,
            "p10": None,
            "p50": None,
            "p90": None,
        }
    )


def task_table(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    w = schedule.work
    days = (
        np.bincount(
            w["task"].to_numpy(int),
            weights=w["team_days"].to_numpy(float),
            minlength=problem.n_tasks,
        )
        if len(w)
        else np.zeros(problem.n_tasks)
    )
    cost = (
        np.bincount(
            w["task"].to_numpy(int),
            weights=w["cost_usd"].to_numpy(float),
            minlength=problem.n_tasks,
        )
        if len(w)
        else np.zeros(problem.n_tasks)
    )
    seq = np.empty(problem.n_tasks, np.int64)
    seq[schedule.order] = np.arange(1, problem.n_tasks + 1)
    t = problem.tasks
    return pd.DataFrame(
        {
            "task_id": t["task_id"],
            "hazard_id": t["hazard_id"],
            "part_id": t["part_id"],
            "method": t["method"],
            "area_m2": t["area_m2"],
            "sequence": seq,
            "start_month": month_label(problem.months, schedule.start_month),
            "end_month": month_label(problem.months, schedule.end_month),
            "team_days": days,
            "cost_usd": cost,
        }
    )


def schedule_rows(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    w = schedule.work
    t = problem.tasks
    return pd.DataFrame(
        {
            "task_id": t["task_id"].to_numpy()[w["task"].to_numpy(int)],
            "hazard_id": t["hazard_id"].to_numpy()[w["task"].to_numpy(int)],
            "method": t["method"].to_numpy()[w["task"].to_numpy(int)],
            "asset": np.asarray(problem.kinds, dtype=object)[w["kind"].to_numpy(int)],
            "month": month_label(problem.months, w["month"].to_numpy(int)),
            "team_days": w["team_days"].to_numpy(float),
            "mobilisation_days": w["mobilisation_days"].to_numpy(float),
            "area_m2": w["area_m2"].to_numpy(float),
            "cost_usd": w["cost_usd"].to_numpy(float),
        }
    )


def cost_by_year(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    w = schedule.work
    years = np.asarray(problem.budget_years)
    frame = pd.DataFrame(
        {"year": years, "budget_usd": problem.budget_usd, "spent_usd": schedule.spend_usd}
    )
    for k, kind in enumerate(problem.kinds):
        sel = w["kind"].to_numpy(int) == k if len(w) else np.zeros(0, bool)
        by = (
            np.bincount(
                problem.month_year[w["month"].to_numpy(int)[sel]],
                weights=w["cost_usd"].to_numpy(float)[sel],
                minlength=len(years),
            )
            if len(w)
            else np.zeros(len(years))
        )
        frame[f"{kind}_usd"] = by
    area = (
        np.bincount(
            problem.month_year[w["month"].to_numpy(int)],
            weights=w["area_m2"].to_numpy(float),
            minlength=len(years),
        )
        if len(w)
        else np.zeros(len(years))
    )
    frame["released_ha"] = area / 1e4
    return frame


def _write_plan(
    ws: Workspace, r: PlanResult, *, horizon: str, start: str, weights: dict[str, float]
) -> None:
    summary: dict[str, Any] = {
        "benefit": r.outcome.value,
        "lp_bound": r.bound.value if r.bound else None,
        "share_of_bound": r.share_of_bound,
        "strategy": r.strategy,
        "people_years": r.outcome.people_years,
        "cost_by_year": r.cost_by_year.to_dict("records"),
        "comparison": r.comparison.to_dict("records"),
        "pace_m2_per_month": r.pace.m2_per_month,
        "tasks_not_done": int((r.schedule.end_month < 0).sum()),
        "notes": r.notes,
    }
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        r.run_id = pstore.new_run(
            conn,
            "plan",
            parameters={
                "start": start,
                "horizon": horizon,
                "assets": r.assets_source,
                "budget": r.budget_source,
                "tasks": r.task_source,
                "weights": weights,
            },
            summary=summary,
        )
        pstore.write_frame(conn, "plan_tasks", r.run_id, r.tasks)
        pstore.write_frame(conn, "plan_schedule", r.run_id, r.schedule_table)
        pstore.write_frame(conn, "plan_readiness", r.run_id, r.readiness)


# ---------------------------------------------------------------------------- forecast


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


def forecast(
    ws: Workspace,
    *,
    scenarios_file: Path | None = None,
    runs: int | None = None,
    seed: int | None = None,
    start: str | None = None,
    assets_file: Path | None = None,
    out: Path | None = None,
    write: bool = True,
) -> ForecastResult:
    """Monte Carlo forecast of every scenario; dates per settlement and for the programme."""
    t0 = time.perf_counter()
    notes: list[str] = []
    config = load_scenarios(scenarios_file)
    n_runs = int(runs if runs is not None else settings.get("forecast_runs"))
    if n_runs < 1:
        raise UsageError(f"--runs {n_runs}: accepted a whole number ≥ 1")
    base_seed = int(seed if seed is not None else settings.get("forecast_seed"))
    spread = Spread.from_settings()
    years = int(settings.get("forecast_max_years"))
    w = Weights.from_settings().normalised()
    with collect_notes(notes):
        inputs = load_inputs(ws)
        first = parse_month(start, what="--start") if start else default_start(inputs)
        months = month_range(first, first + years * MONTHS_PER_YEAR - 1)
        pool = load_assets(months, path=assets_file, workspace_rows=inputs.assets)
        b = basis(ws, pool=pool, inputs=inputs)
        if not len(b.tasks):
            raise UsageError("no open hazard has work left: nothing to forecast")
        national, donor, _ = funding_per_year(inputs.funding)
        if national + donor <= 0:
            national = float(
                (pool.teams[:, 0] * pool.usd_per_day).sum() * b.params.working_days_per_month * 12
            )
            warn(
                "no funding recorded in the workspace: 'today's pace' of national funding is taken as the cost of "
                f"today's teams working full time ({national:,.0f} USD a year)"
            )
        benefits = benefit_rates(
            criteria=b.criteria, links=b.links, settlements=inputs.settlements, weights=w
        )
    plan_tasks = pstore.read_table(ws, "plan_tasks", pstore.latest_run(ws, "plan"))
    plan_sequence = dict(zip(plan_tasks["task_id"], plan_tasks["sequence"], strict=True))
    results: dict[str, ScenarioResult] = {}
    for sc in config.scenarios:
        tasks = (
            b.tasks
            if sc.survey == "evidence"
            else without_cancellation(b.tasks, becomes=sc.cancelled_becomes)
        )
        ramp = round(sc.ramp_years * MONTHS_PER_YEAR)
        sc_pool = pool.scaled(sc.asset_growth, ramp_months=ramp) if sc.asset_growth else pool
        per_year = national * sc.national_funding + donor * sc.donor_funding
        yrs = sorted({int(p.year) for p in months})
        budget = {y: per_year * (1 + sc.funding_growth_per_year) ** (y - yrs[0]) for y in yrs}
        problem = build_problem(
            tasks=tasks,
            months=months,
            pool=sc_pool,
            benefits=benefits,
            budget_usd_per_year=budget,
            params=b.params,
        )
        det = deterministic(problem, _plan_order(problem, plan_sequence))
        draws = monte_carlo(
            problem,
            det,
            spread=spread,
            runs=n_runs,
            seed=base_seed,
            base_teams=pool.teams,
            asset_growth=sc.asset_growth,
            ramp_months=ramp,
        )
        results[sc.name] = ScenarioResult(sc, problem, det, draws, per_year)
    pace = pace_so_far(inputs.activities)
    remaining = b.tasks.groupby("method")["area_m2"].sum().to_dict()
    pace_months = pace.months_to_release(float(sum(remaining.values())))
    pace_completion = first + int(np.ceil(pace_months)) - 1 if np.isfinite(pace_months) else None
    table = scenario_table(results, first)
    base = results[config.baseline]
    settle = settlement_forecast(base, first)
    saving = evidence_saving(results, config)
    result = ForecastResult(
        config=config,
        start=first,
        window_end=months[-1],
        runs=n_runs,
        seed=base_seed,
        scenarios=results,
        table=table,
        settlements=settle,
        pace=pace,
        pace_completion=pace_completion,
        remaining_m2={str(k): float(v) for k, v in remaining.items()},
        saving=saving,
        task_source=b.task_source,
        notes=notes,
    )
    if out is not None:
        from landrelease.planning import charts

        out.mkdir(parents=True, exist_ok=True)
        result.charts["forecast"] = charts.forecast_chart(result, out / "forecast.png")
    result.seconds = time.perf_counter() - t0
    if write:
        _write_forecast(ws, result)
    return result


def _plan_order(problem: PlanProblem, sequence: dict[str, int]) -> np.ndarray:
    """The latest plan's priority order where it covers the tasks, else the greedy order."""
    greedy = greedy_order(problem)
    if not sequence:
        return greedy
    rank = np.empty(problem.n_tasks, np.int64)
    rank[greedy] = np.arange(problem.n_tasks)
    seq = problem.tasks["task_id"].map(sequence).to_numpy(float)
    if np.isnan(seq).mean() > 0.5:
        return greedy
    key = np.where(np.isnan(seq), np.inf, seq)
    return np.lexsort((rank, key))


def scenario_table(results: dict[str, ScenarioResult], first: pd.Period) -> pd.DataFrame:
    rows = []
    for name, r in results.items():
        c = r.completion()
        cost = r.cost()
        pop = r.problem.benefits.population
        m2030 = int((pd.Period("2030-12", "M") - first).n)
        ready = r.draws.settlement_month <= m2030
        home2030 = np.percentile(
            (ready * pop[None, :]).sum(axis=1), [10, 50, 90], method="inverted_cdf"
        )
        dates = month_end_dates(first, c)
        rows.append(
            {
                "scenario": name,
                "title": r.scenario.title,
                "budget_usd_per_year": r.budget_usd_per_year,
                "completion_p10": dates[0],
                "completion_p50": dates[1],
                "completion_p90": dates[2],
                "cost_usd_p10": float(cost[0]),
                "cost_usd_p50": float(cost[1]),
                "cost_usd_p90": float(cost[2]),
                "complete_share": float(r.draws.complete.mean()),
                "people_home_2030_p10": float(home2030[0]),
                "people_home_2030_p50": float(home2030[1]),
                "people_home_2030_p90": float(home2030[2]),
                "planned_cost_usd": float(r.det.cost_by_kind.sum()),
                "cost_usd_by_year_p50": {
                    str(y): float(v)
                    for y, v in zip(
                        r.problem.budget_years,
                        np.median(r.draws.cost_by_year, axis=0),
                        strict=True,
                    )
                    if v > 0
                },
            }
        )
    return pd.DataFrame(rows)


def settlement_forecast(r: ScenarioResult, first: pd.Period) -> pd.DataFrame:
    b = r.problem.benefits
    q = percentiles(r.draws.settlement_month, axis=0)
    count = np.bincount(b.pair_settlement, minlength=len(b.settlement_ids))
    return pd.DataFrame(
        {
            "settlement_id": b.settlement_ids,
            "name": b.settlement_names,
            "population_planned": b.population.astype(int),
            "blocking_hazards": count,
            "status": np.where(count == 0, "ready now", "forecast"),
            "plan_date": None,
            "scenario": r.scenario.name,
            "p10": month_end_dates(first, np.where(count == 0, np.nan, q[0])),
            "p50": month_end_dates(first, np.where(count == 0, np.nan, q[1])),
            "p90": month_end_dates(first, np.where(count == 0, np.nan, q[2])),
        }
    )


def evidence_saving(results: dict[str, ScenarioResult], config: ForecastConfig) -> dict[str, Any]:
    """What evidence-based cancellation saves: the paired per-run cost difference of the first
    scenario without cancellation and the first with it at the same money, and its share scaled to
    the official national estimate."""
    without = [r for r in results.values() if r.scenario.survey == "no_cancellation"]
    if not without:
        return {}
    wo = without[0]
    peers = [
        r
        for r in results.values()
        if r.scenario.survey == "evidence"
        and r.scenario.national_funding == wo.scenario.national_funding
        and r.scenario.donor_funding == wo.scenario.donor_funding
        and not r.scenario.asset_growth
    ]
    if not peers:
        return {}
    wi = peers[0]
    diff = wo.draws.cost_usd - wi.draws.cost_usd
    share = diff / np.maximum(wo.draws.cost_usd, 1e-9)
    d = percentiles(diff)
    s = percentiles(share)
    years = (wo.draws.completion_month - wi.draws.completion_month) / MONTHS_PER_YEAR
    y = (
        percentiles(np.where(np.isfinite(years), years, np.nan)[np.isfinite(years)])
        if np.isfinite(years).any()
        else np.full(3, np.nan)
    )
    return {
        "with": wi.scenario.name,
        "without": wo.scenario.name,
        "saving_usd_p10": float(d[0]),
        "saving_usd_p50": float(d[1]),
        "saving_usd_p90": float(d[2]),
        "share_p10": float(s[0]),
        "share_p50": float(s[1]),
        "share_p90": float(s[2]),
        "national_usd_p10": float(s[0] * config.official_estimate_usd),
        "national_usd_p50": float(s[1] * config.official_estimate_usd),
        "national_usd_p90": float(s[2] * config.official_estimate_usd),
        "experts_usd": config.experts_saving_usd,
        "official_estimate_usd": config.official_estimate_usd,
        "years_saved_p10": float(y[0]),
        "years_saved_p50": float(y[1]),
        "years_saved_p90": float(y[2]),
    }


def _write_forecast(ws: Workspace, r: ForecastResult) -> None:
    plan = pstore.read_table(ws, "plan_readiness", pstore.latest_run(ws, "plan"))
    rows = r.settlements.copy()
    if len(plan):
        rows["plan_date"] = rows["settlement_id"].map(
            dict(zip(plan["settlement_id"], plan["plan_date"], strict=True))
        )
    table = r.table[
        [
            "scenario",
            "title",
            "completion_p10",
            "completion_p50",
            "completion_p90",
            "cost_usd_p10",
            "cost_usd_p50",
            "cost_usd_p90",
        ]
    ].copy()
    figures = [
        {str(k): v for k, v in rec.items() if k not in table.columns}
        for rec in r.table.to_dict("records")
    ]
    table["figures"] = pd.Series(figures, index=table.index, dtype=object)
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        r.run_id = pstore.new_run(
            conn,
            "forecast",
            parameters={
                "scenarios": r.config.source,
                "baseline": r.config.baseline,
                "runs": r.runs,
                "seed": r.seed,
                "start": str(r.start),
                "window_end": str(r.window_end),
            },
            summary={
                "saving": r.saving,
                "pace_m2_per_month": r.pace.m2_per_month,
                "pace_completion": str(r.pace_completion)
                if r.pace_completion is not None
                else None,
                "notes": r.notes,
            },
        )
        pstore.write_frame(conn, "forecast_scenarios", r.run_id, table)
        pstore.write_frame(conn, "plan_readiness", r.run_id, rows)


__all__ = [
    "Basis",
    "ForecastResult",
    "PlanResult",
    "PriorityResult",
    "ScenarioResult",
    "basis",
    "forecast",
    "plan",
    "prioritise",
]
