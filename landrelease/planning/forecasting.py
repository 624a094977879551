"""The forecast job: when each settlement and the whole programme will be done, per scenario.

:func:`forecast` reads the workspace (through its read model), plans each
scenario of ``scenarios.toml`` deterministically in the latest plan's order
and under the dispatch rules it chose (so that its dates follow the plan's),
runs the Monte Carlo (:mod:`~landrelease.planning.forecast`) and writes one run
(``forecast_scenarios``, and ``plan_readiness`` with P10/P50/P90 per settlement).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import landrelease.planning.store as pstore
from landrelease import settings
from landrelease.domain.programme import Programme
from landrelease.errors import UsageError
from landrelease.planning.assets import AssetPool, load_assets
from landrelease.planning.basis import Basis, basis, collect_notes, default_start
from landrelease.planning.common import (
    MONTHS_PER_YEAR,
    month_end_dates,
    month_range,
    parse_month,
    warn,
)
from landrelease.planning.forecast import (
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
    load_inputs,
    survey_bound_factor,
)
from landrelease.planning.model import Benefits, PlanProblem, benefit_rates, build_problem
from landrelease.planning.orders import greedy_order
from landrelease.planning.pace import pace_so_far
from landrelease.planning.priorities import Weights
from landrelease.planning.results import ForecastResult, ScenarioResult
from landrelease.planning.tasks import without_cancellation
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.programme import read_programme


@dataclass(frozen=True)
class Setup:
    """What every scenario starts from: the basis, the window, today's teams and money."""

    basis: Basis
    months: pd.PeriodIndex
    pool: AssetPool
    national_usd: float
    donor_usd: float
    benefits: Benefits

    @property
    def first(self) -> pd.Period:
        return self.months[0]


def same_figures(
    scenarios: tuple[Scenario, ...], *, national_usd: float, donor_usd: float
) -> list[str]:
    """A note for each scenario whose inputs come out the same as an earlier one's here, and
    why (a multiple of money the programme did not receive adds nothing)."""

    def inputs(sc: Scenario) -> tuple[object, ...]:
        money = national_usd * sc.national_funding + donor_usd * sc.donor_funding
        return (
            round(money, 2),
            sc.funding_growth_per_year,
            tuple(sorted(sc.asset_growth.items())),
            sc.ramp_years if sc.asset_growth else None,
            sc.survey,
            sc.cancelled_becomes,
        )

    notes: list[str] = []
    first: dict[tuple[object, ...], Scenario] = {}
    for sc in scenarios:
        twin = first.setdefault(inputs(sc), sc)
        if twin is sc:
            continue
        why = []
        if sc.donor_funding != twin.donor_funding and donor_usd <= 0:
            why.append(
                "the last 12 months of funding hold no donor money, so a multiple of it adds nothing"
            )
        if sc.national_funding != twin.national_funding and national_usd <= 0:
            why.append("the last 12 months of funding hold no national money")
        notes.append(
            f"scenario '{sc.name}' gives the same figures as '{twin.name}': "
            + (
                "; ".join(why)
                if why
                else "their money a year, teams and survey come out the same here"
            )
        )
    return notes


def forecast(
    source: Workspace | WorkspaceView,
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
    view = WorkspaceView.of(source)
    notes: list[str] = []
    config = load_scenarios(scenarios_file)
    n_runs = int(runs if runs is not None else settings.get("forecast_runs"))
    if n_runs < 1:
        raise UsageError(f"--runs {n_runs}: accepted a whole number ≥ 1")
    base_seed = int(seed if seed is not None else settings.get("forecast_seed"))
    with collect_notes(notes):
        s = setup(load_inputs(view), start=start, assets_file=assets_file)
    notes += same_figures(config.scenarios, national_usd=s.national_usd, donor_usd=s.donor_usd)
    plan_run = pstore.latest_run(view.ws, "plan")
    plan_tasks = pstore.read_table(view.ws, "plan_tasks", plan_run)
    sequence = dict(zip(plan_tasks["task_id"], plan_tasks["sequence"], strict=True))
    rules = pstore.run_summary(view.ws, plan_run).get("dispatch_rules") if plan_run else None
    factor = survey_bound_factor(view)
    notes += survey_uncertainty_notes(s.basis.task_source, factor)
    spread = Spread.from_settings(survey_bound_factor=factor)
    results = {
        sc.name: run_scenario(
            s, sc, sequence, spread=spread, runs=n_runs, seed=base_seed, rules=rules or {}
        )
        for sc in config.scenarios
    }
    pace = pace_so_far(view.ledger())
    remaining = s.basis.tasks.groupby("method")["area_m2"].sum().to_dict()
    pace_months = pace.months_to_release(float(sum(remaining.values())))
    result = ForecastResult(
        config=config,
        start=s.first,
        window_end=s.months[-1],
        runs=n_runs,
        seed=base_seed,
        scenarios=results,
        table=scenario_table(results, s.first),
        settlements=settlement_forecast(results[config.baseline], s.first),
        pace=pace,
        pace_completion=s.first + int(np.ceil(pace_months)) - 1
        if np.isfinite(pace_months)
        else None,
        remaining_m2={str(k): float(v) for k, v in remaining.items()},
        saving=evidence_saving(results, read_programme(view.ws)),
        task_source=s.basis.task_source,
        notes=notes,
    )
    if out is not None:
        from landrelease.planning.charts import forecast_chart

        out.mkdir(parents=True, exist_ok=True)
        result.charts["forecast"] = forecast_chart(result, out / "forecast.png")
    result.seconds = time.perf_counter() - t0
    if write:
        _write_forecast(view.ws, result)
    return result


def survey_uncertainty_notes(task_source: str, bound_factor: float | None) -> list[str]:
    """What the forecast assumes about the land survey cancels when the survey engine states no
    uncertainty: without a survey run (fallback tasks), or with a run that gives no bound on the
    devices left in cancelled land."""
    if task_source != "survey":
        return [
            "no survey run: the tasks are the fallback's fixed shares of each hazard, and the land "
            "they cancel by non-technical survey is assumed to hold no devices; so every run keeps "
            "every cancellation, and the bands carry productivity, contamination and funding but "
            "no uncertainty from the survey (run the survey engine for its stated uncertainty)"
        ]
    if bound_factor is None:
        return [
            "the latest survey run states no bound on the devices left in the land it cancels: "
            "the devices there vary with the contamination level only, not with the map's error"
        ]
    return []


def setup(inputs: Inputs, *, start: str | None, assets_file: Path | None) -> Setup:
    """The forecast's window, today's teams and money (USD a year), the tasks and benefits."""
    first = parse_month(start, what="--start") if start else default_start(inputs)
    years = int(settings.get("forecast_max_years"))
    months = month_range(first, first + years * MONTHS_PER_YEAR - 1)
    pool = load_assets(months, path=assets_file, workspace_rows=inputs.assets)
    b = basis(inputs, pool=pool)
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
        criteria=b.criteria,
        blocking=b.blocking,
        settlements=inputs.settlements,
        weights=Weights.from_settings().normalised(),
    )
    return Setup(b, months, pool, national, donor, benefits)


def run_scenario(
    s: Setup,
    sc: Scenario,
    sequence: dict[str, int],
    *,
    spread: Spread,
    runs: int,
    seed: int,
    rules: dict[str, Any] | None = None,
) -> ScenarioResult:
    """One scenario: its tasks, teams and money, planned in ``sequence`` under the latest plan's
    dispatch rules (``rules``: :meth:`PlanParams.dispatch_rules`; none: the settings'), then
    redrawn ``runs`` times."""
    tasks = (
        s.basis.tasks
        if sc.survey == "evidence"
        else without_cancellation(s.basis.tasks, becomes=sc.cancelled_becomes)
    )
    ramp = round(sc.ramp_years * MONTHS_PER_YEAR)
    pool = s.pool.scaled(sc.asset_growth, ramp_months=ramp) if sc.asset_growth else s.pool
    per_year = s.national_usd * sc.national_funding + s.donor_usd * sc.donor_funding
    yrs = sorted({int(p.year) for p in s.months})
    budget = {y: per_year * (1 + sc.funding_growth_per_year) ** (y - yrs[0]) for y in yrs}
    problem = build_problem(
        tasks=tasks,
        months=s.months,
        pool=pool,
        benefits=s.benefits,
        budget_usd_per_year=budget,
        params=s.basis.params.with_dispatch_rules(rules or {}, pool.kinds),
    )
    det = deterministic(problem, plan_order(problem, sequence))
    draws = monte_carlo(
        problem,
        det,
        spread=spread,
        runs=runs,
        seed=seed,
        base_teams=s.pool.teams,
        asset_growth=sc.asset_growth,
        ramp_months=ramp,
    )
    return ScenarioResult(sc, problem, det, draws, per_year)


def plan_order(problem: PlanProblem, sequence: dict[str, int]) -> np.ndarray:
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
    """One row per scenario: completion and cost P10/P50/P90, people home by 2030, cost by year."""
    m2030 = int((pd.Period("2030-12", "M") - first).n)
    rows = []
    for name, r in results.items():
        cost = r.cost()
        ready = r.draws.settlement_month <= m2030
        pop = r.problem.benefits.population
        home2030 = np.percentile(
            (ready * pop[None, :]).sum(axis=1), [10, 50, 90], method="inverted_cdf"
        )
        dates = month_end_dates(first, r.completion())
        by_year = np.median(r.draws.cost_by_year, axis=0)
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
                    for y, v in zip(r.problem.budget_years, by_year, strict=True)
                    if v > 0
                },
            }
        )
    return pd.DataFrame(rows)


def settlement_forecast(r: ScenarioResult, first: pd.Period) -> pd.DataFrame:
    """Per settlement: P10/P50/P90 ready dates in the scenario (none where it is ready now)."""
    b = r.problem.benefits
    q = percentiles(r.draws.settlement_month, axis=0)
    waiting = b.blocked
    return pd.DataFrame(
        {
            "settlement_id": b.settlement_ids,
            "name": b.settlement_names,
            "population_planned": b.population.astype(int),
            "blocking_hazards": b.blocking_hazards,
            "status": np.where(waiting, "forecast", "ready now"),
            "plan_date": None,
            "scenario": r.scenario.name,
            "p10": month_end_dates(first, np.where(waiting, q[0], np.nan)),
            "p50": month_end_dates(first, np.where(waiting, q[1], np.nan)),
            "p90": month_end_dates(first, np.where(waiting, q[2], np.nan)),
        }
    )


def evidence_saving(
    results: dict[str, ScenarioResult], programme: Programme | None = None
) -> dict[str, Any]:
    """What evidence-based cancellation saves: the paired per-run cost difference of the first
    scenario without cancellation and the first with it at the same money, and — when the
    programme profile holds official estimates — its share scaled to the official estimate (in
    the profile's currency) beside the experts' figure."""
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
    d = percentiles(diff)
    s = percentiles(diff / np.maximum(wo.draws.cost_usd, 1e-9))
    window = wi.problem.n_months
    y = _years_saved(wo.draws.completion_month, wi.draws.completion_month, window)
    kept = percentiles(wi.draws.cancel_kept_share)
    return {
        "with": wi.scenario.name,
        "without": wo.scenario.name,
        "saving_usd_p10": float(d[0]),
        "saving_usd_p50": float(d[1]),
        "saving_usd_p90": float(d[2]),
        "share_p10": float(s[0]),
        "share_p50": float(s[1]),
        "share_p90": float(s[2]),
        "years_saved_p10": float(y[0]),
        "years_saved_p50": float(y[1]),
        "years_saved_p90": float(y[2]),
        "runs": len(diff),
        "runs_unfinished_with": int((~np.isfinite(wi.draws.completion_month)).sum()),
        "runs_unfinished_without": int((~np.isfinite(wo.draws.completion_month)).sum()),
        "years_saved_at_least": bool((~np.isfinite(wo.draws.completion_month)).any()),
        "cancel_kept_p10": float(kept[0]),
        "cancel_kept_p50": float(kept[1]),
        "cancel_kept_p90": float(kept[2]),
        **_official(s, programme),
    }


def _official(share: np.ndarray, programme: Programme | None) -> dict[str, Any]:
    """The share of saving applied to the profile's official estimate; nothing without one."""
    e = None if programme is None else programme.estimates
    if programme is None or e is None:
        return {}
    return {
        "currency": programme.currency,
        "official_estimate": e.total,
        "official_estimate_source": e.source,
        "national_p10": float(share[0] * e.total),
        "national_p50": float(share[1] * e.total),
        "national_p90": float(share[2] * e.total),
        "experts_saving": e.experts_saving,
    }


def _years_saved(without: np.ndarray, with_: np.ndarray, window_months: int) -> np.ndarray:
    """P10/P50/P90 of the years by which completion comes earlier, over every run: a run that does
    not finish within the window counts as finishing at its end, so where the scenario without
    cancellation does not finish the figure is a floor ('at least'), never a dropped run."""
    if not len(without):
        return np.full(3, np.nan)
    end = float(window_months)
    a = np.where(np.isfinite(without), np.minimum(without, end), end)
    b = np.where(np.isfinite(with_), np.minimum(with_, end), end)
    return percentiles((a - b) / MONTHS_PER_YEAR)


def _write_forecast(ws: Workspace, r: ForecastResult) -> None:
    plan = pstore.read_table(ws, "plan_readiness", pstore.latest_run(ws, "plan"))
    rows = r.settlements.copy()
    if len(plan):
        rows["plan_date"] = rows["settlement_id"].map(
            dict(zip(plan["settlement_id"], plan["plan_date"], strict=True))
        )
    columns = ["scenario", "title"] + [
        f"{what}_{p}" for what in ("completion", "cost_usd") for p in ("p10", "p50", "p90")
    ]
    table = r.table[columns].copy()
    figures = [
        {str(k): v for k, v in rec.items() if k not in table.columns}
        for rec in r.table.to_dict("records")
    ]
    table["figures"] = pd.Series(figures, index=table.index, dtype=object)
    parameters = {
        "scenarios": r.config.source,
        "baseline": r.config.baseline,
        "runs": r.runs,
        "seed": r.seed,
        "start": str(r.start),
        "window_end": str(r.window_end),
    }
    summary = {
        "saving": r.saving,
        "pace_m2_per_month": r.pace.m2_per_month,
        "pace_completion": str(r.pace_completion) if r.pace_completion is not None else None,
        "notes": r.notes,
    }
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        r.run_id = pstore.new_run(conn, "forecast", parameters=parameters, summary=summary)
        pstore.write_frame(conn, "forecast_scenarios", r.run_id, table)
        pstore.write_frame(conn, "plan_readiness", r.run_id, rows)
