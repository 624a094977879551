"""The operations plan: which teams work which hazards month by month to a horizon, within budget.

:func:`plan` reads the workspace (through its read model), builds the problem
(:mod:`~landrelease.planning.model`), tries the greedy order, the orders guided
by the LP bound and a local search, keeps the best, sets it beside the simple
rules a planner might use and the pace so far, and writes one run of results
(``plan_tasks``, ``plan_schedule``, ``plan_readiness``).
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import landrelease.planning.store as pstore
from landrelease import settings
from landrelease.errors import UsageError
from landrelease.planning.assets import AssetPool, load_assets
from landrelease.planning.basis import Basis, basis, collect_notes, default_start, weights_from
from landrelease.planning.bound import Bound, lp_orders, solve_bound
from landrelease.planning.common import (
    InfeasiblePlanError,
    month_range,
    parse_month,
    warn,
)
from landrelease.planning.inputs import Inputs, funding_per_year, load_inputs
from landrelease.planning.model import PlanProblem, benefit_rates, build_problem
from landrelease.planning.orders import RULES, greedy_order, improve, register_order
from landrelease.planning.pace import Pace, pace_end_months, pace_so_far
from landrelease.planning.plan_tables import (
    compare,
    cost_by_year,
    readiness_table,
    schedule_rows,
    task_table,
)
from landrelease.planning.priorities import Weights
from landrelease.planning.results import PlanResult
from landrelease.planning.schedule import Outcome, evaluate, scheduler, simulate
from landrelease.store import Workspace, WorkspaceView


@dataclass(frozen=True)
class Setup:
    """What a plan is made from: the basis, its months, teams and budget, the problem."""

    basis: Basis
    first: pd.Period
    last: pd.Period
    pool: AssetPool
    budget_source: str
    problem: PlanProblem
    unworkable: pd.DataFrame


def plan(
    source: Workspace | WorkspaceView,
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
    progress: Progress | None = None,
) -> PlanResult:
    """Make the operations plan to ``horizon`` (YYYY-MM): schedule, readiness, cost, comparison.

    ``progress`` is told each step's name and the share of the work done (0–1)."""
    view = WorkspaceView.of(source)
    notes: list[str] = []
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    say = progress or _quiet
    say("reading the workspace", 0.0)
    w = weights_from(weights, weights_file).normalised()
    with collect_notes(notes):
        s = setup(
            load_inputs(view),
            horizon=horizon,
            start=start,
            assets_file=assets_file,
            budget=budget,
            weights=w,
        )
    seconds["inputs"] = time.perf_counter() - t0
    best, order, bound, problem = best_order(
        s.problem,
        solve_lp=solve_lp,
        search_seconds=search_seconds,
        seconds=seconds,
        progress=say,
        meanwhile=_load_charts if out is not None else None,
    )
    say("comparing with simple rules", 0.97)
    schedule = simulate(problem, order)
    outcome = evaluate(problem, schedule.end_month)
    pace = pace_so_far(view.ledger())
    result = PlanResult(
        problem=problem,
        schedule=schedule,
        outcome=outcome,
        strategy=best,
        bound=bound,
        comparison=comparison(problem, best, outcome, bound=bound, pace=pace),
        readiness=readiness_table(problem, outcome),
        tasks=task_table(problem, schedule),
        schedule_table=schedule_rows(problem, schedule),
        cost_by_year=cost_by_year(problem, schedule),
        unworkable=s.unworkable,
        pace=pace,
        task_source=s.basis.task_source,
        budget_source=s.budget_source,
        assets_source=s.pool.source,
        notes=notes,
        seconds=seconds,
    )
    if out is not None:
        _charts(result, s.basis.inputs, out)
    if write:
        _write_plan(view.ws, result, horizon=str(s.last), start=str(s.first), weights=w)
    seconds["total"] = time.perf_counter() - t0
    say("done", 1.0)
    return result


Progress = Callable[[str, float], None]
"""Told a step's name and the share of the plan's work done (0–1)."""


def _quiet(_step: str, _fraction: float) -> None:
    return None


def setup(
    inputs: Inputs,
    *,
    horizon: str,
    start: str | None,
    assets_file: Path | None,
    budget: str | float | dict[int, float] | None,
    weights: dict[str, float],
) -> Setup:
    """The months, teams, budget, tasks and benefits of the plan; infeasible plans are explained."""
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
    budget_value, budget_source = plan_budget(budget, inputs, pool, months)
    b = basis(inputs, pool=pool)
    benefits = benefit_rates(
        criteria=b.criteria, blocking=b.blocking, settlements=inputs.settlements, weights=weights
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
    unworkable = check_feasible(problem)
    return Setup(b, first, last, pool, budget_source, problem, unworkable)


def best_order(
    problem: PlanProblem,
    *,
    solve_lp: bool,
    search_seconds: float | None,
    seconds: dict[str, float],
    dispatch_seconds: float | None = None,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[str, np.ndarray, Bound | None, PlanProblem]:
    """The best of the greedy order, the LP-guided orders and a local search from the best
    (its name, the order, the LP bound when solved, and the problem with the dispatch rules that
    made it: :data:`MIN_TASK_DAYS`, :data:`COST_RATIOS`, :func:`kind_rules`); ``seconds`` gets
    each step's time. ``meanwhile`` is called while the bound is solved (work of the caller's
    that does not need it)."""
    say = progress or _quiet
    search = float(
        settings.get("plan_search_seconds") if search_seconds is None else search_seconds
    )
    dispatch = float(
        settings.get("plan_dispatch_seconds") if dispatch_seconds is None else dispatch_seconds
    )
    # shares of the bar: the bound about half of the time when solved, then the rules and search
    before = dispatch * (1 - DISPATCH_AFTER_SEARCH) if search > 0 else dispatch
    after = dispatch - before
    at_rules = 0.55 if solve_lp else 0.1
    span = (0.95 - at_rules) / max(dispatch + search, 1e-9)
    at_search = at_rules + span * before
    at_again = at_search + span * search
    bound = None
    orders: dict[str, np.ndarray] = {}
    values: dict[str, float] = {}

    def first_steps() -> None:
        """The greedy order, scheduled (which loads the compiled scheduler, or compiles it on a
        first run), and the caller's ``meanwhile``: what does not need the bound."""
        t = time.perf_counter()
        orders["greedy"] = greedy_order(problem)
        seconds["greedy"] = time.perf_counter() - t
        values["greedy"] = order_value(problem, orders["greedy"])
        if meanwhile is not None:
            meanwhile()

    say("greedy order", 0.02)
    if not solve_lp:
        first_steps()
    else:
        # HiGHS releases the interpreter while it solves: meanwhile a thread of the plan's does
        # the first steps, on the other core
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside-the-bound") as pool:
            side = pool.submit(first_steps)
            say("LP bound (HiGHS)", 0.05)
            t = time.perf_counter()
            bound = solve_bound(problem, max_cells=int(settings.get("plan_lp_max_cells")))
            side.result()
        orders.update(lp_orders(problem, bound, orders["greedy"]))
        seconds["lp_bound"] = time.perf_counter() - t
    say("scheduling the orders", at_rules)
    t = time.perf_counter()
    values.update(
        {name: order_value(problem, order) for name, order in orders.items() if name not in values}
    )
    best = max(values, key=lambda k: values[k])
    problem, name, value = task_days_rule(problem, orders, values)
    if value > values[best]:
        named = f"{name}+{problem.params.min_task_days:g}-day rule"
        orders[named], values[named], best = orders[name], value, named
    problem, value = cost_rule(problem, orders[best], values[best])
    if value > values[best]:
        named = f"{best}+cost rule {problem.params.max_cost_ratio:g}×"
        orders[named], values[named], best = orders[best], value, named
    seconds["schedule"] = time.perf_counter() - t

    def rules_per_kind(budget: float, start: float, width: float) -> None:
        """Choose the dispatch rules per kind for the best order within ``budget`` seconds,
        keeping them (and naming the order) when they beat it."""
        nonlocal problem, best
        t = time.perf_counter()
        problem, value = kind_rules(
            problem,
            orders[best],
            values[best],
            seconds=budget,
            progress=lambda f: say("dispatch rules per kind", start + f * width),
        )
        if value > values[best]:
            named = f"{best}+rules per kind"
            orders[named], values[named], best = orders[best], value, named
        seconds["dispatch"] = seconds.get("dispatch", 0.0) + time.perf_counter() - t

    if dispatch > 0:
        rules_per_kind(before, at_rules, at_search - at_rules)
    if search > 0:
        say("local search", at_search)
        t = time.perf_counter()
        improved, value, _ = improve(problem, orders[best], order_values(problem), seconds=search)
        if value > values[best]:
            best = f"{best}+search"
            orders[best], values[best] = improved, value
        seconds["search"] = time.perf_counter() - t
        if after > 0:
            rules_per_kind(after, at_again, span * after)  # the searched order may want others
    return best, orders[best], bound, problem


COST_RATIOS = (10.0, 3.0, 1.5)
"""Dispatch rules tried beside letting every kind work every task it can: a kind works a task
only if its cost per m² there is at most this many times the cheapest kind's. When the budget
binds and teams could spend more than it, expensive kinds doing work that cheaper ones do
better waste money (manual teams at 5 USD/m² clearing where dogs clear at 0.35)."""


def cost_rule(problem: PlanProblem, order: np.ndarray, value: float) -> tuple[PlanProblem, float]:
    """The problem with the dispatch rule (``max_cost_ratio``) under which ``order`` does best, and
    that benefit; the problem as given unless a rule of :data:`COST_RATIOS` beats ``value``."""
    best, best_value = problem, value
    for ratio in COST_RATIOS:
        if ratio >= problem.params.max_cost_ratio:
            continue
        trial = dataclasses.replace(
            problem, params=dataclasses.replace(problem.params, max_cost_ratio=ratio)
        )
        v = order_value(trial, order)
        if v > best_value + 1e-12:
            best, best_value = trial, v
    return best, best_value


MIN_TASK_DAYS = (1.0, 2.0, 4.0)
"""Dispatch rules tried beside letting every kind work every task it can: a kind works a task only
if the task holds at least this many days of its own work (the slowest kind able to work it
always may). Every team that joins a task pays ``plan_setup_days`` (2) of its own time: a
machine mobilised for a 2,000 m² task (under a day of its work) spends more time on set-up than
on clearance there, while manual teams or dogs would spend a smaller share."""


def task_days_rule(
    problem: PlanProblem, orders: dict[str, np.ndarray], values: dict[str, float]
) -> tuple[PlanProblem, str, float]:
    """The problem with the rule of :data:`MIN_TASK_DAYS` under which one of ``orders`` does best,
    that order's name and its benefit; the problem as given, with the best of ``values``, unless
    a rule beats every order without it."""
    name = max(values, key=lambda k: values[k])
    best, best_value = problem, values[name]
    for days in MIN_TASK_DAYS:
        trial = dataclasses.replace(
            problem, params=dataclasses.replace(problem.params, min_task_days=days)
        )
        for key, order in orders.items():
            v = order_value(trial, order)
            if v > best_value + 1e-12:
                best, name, best_value = trial, key, v
    return best, name, best_value


DISPATCH_AFTER_SEARCH = 1 / 3
"""Share of ``plan_dispatch_seconds`` kept to choose the rules per kind again for the order the
local search found."""

KIND_RULES: dict[str, tuple[float, ...]] = {
    "claim_by_kind": (0, 1),
    "min_task_days_by_kind": (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0),
    "min_join_days_by_kind": (6.0, 9.0, 12.0, 18.0, 27.0, 40.0, 60.0, 90.0),
    "lookahead_by_kind": (0, 1, 2, 4, 8, 16),
    "reserve_by_kind": (0, 1),
}
"""Rules tried for each kind of team, one kind and one rule at a time: whether slower kinds leave
it the tasks it may work (decision 0033), the task-size rule (days of its own work a task must
hold), the joining rule (days each team must keep on a shared task), the look-ahead (how many
tasks past the first a free team considers, taking the nearest) and whether it leaves the year's
money to cheaper kinds (decision 0033). Kinds differ: a machine pays two days' set-up for what it
clears in hours, a manual team for what takes it weeks."""


def kind_rules(
    problem: PlanProblem,
    order: np.ndarray,
    value: float,
    *,
    seconds: float,
    progress: Callable[[float], None] | None = None,
) -> tuple[PlanProblem, float]:
    """The problem with dispatch rules chosen for each kind of team (:data:`KIND_RULES`) under
    which ``order`` does best, and that benefit: coordinate ascent from the problem's own rules,
    one kind and one rule at a time, a change kept when the schedule's benefit rises, until a
    pass changes nothing or ``seconds`` run out. The problem as given unless a change beats
    ``value``."""
    n_k = len(problem.kinds)
    params = problem.params
    current: dict[str, list[float]] = {
        "min_task_days_by_kind": params.task_days(n_k).tolist(),
        "min_join_days_by_kind": params.join_days(n_k).tolist(),
        "lookahead_by_kind": params.lookahead(n_k).astype(float).tolist(),
        "claim_by_kind": params.claims(n_k).astype(float).tolist(),
        "reserve_by_kind": params.reserves(n_k).astype(float).tolist(),
    }
    available = np.flatnonzero(problem.pool.teams.max(axis=1, initial=0.0) > 0)

    def with_rules(rules: dict[str, list[float]]) -> PlanProblem:
        return dataclasses.replace(
            problem,
            params=dataclasses.replace(
                params,
                min_task_days_by_kind=tuple(rules["min_task_days_by_kind"]),
                min_join_days_by_kind=tuple(rules["min_join_days_by_kind"]),
                lookahead_by_kind=tuple(int(v) for v in rules["lookahead_by_kind"]),
                claim_by_kind=tuple(int(v) for v in rules["claim_by_kind"]),
                reserve_by_kind=tuple(int(v) for v in rules["reserve_by_kind"]),
            ),
        )

    best, best_value = problem, value
    start = time.perf_counter()
    deadline = start + seconds
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for rule, candidates in KIND_RULES.items():
            for k in available.tolist():
                for c in candidates:
                    if c == current[rule][k] or time.perf_counter() >= deadline:
                        continue
                    trial = {name: list(v) for name, v in current.items()}
                    trial[rule][k] = float(c)
                    candidate = with_rules(trial)
                    v = order_value(candidate, order)
                    if v > best_value + 1e-12:
                        best, best_value, current, changed = candidate, v, trial, True
                if progress:
                    progress(min((time.perf_counter() - start) / max(seconds, 1e-9), 1.0))
    return best, best_value


def order_value(problem: PlanProblem, order: np.ndarray) -> float:
    """The benefit of scheduling the tasks in ``order``."""
    return order_values(problem)(order)


def order_values(problem: PlanProblem) -> Callable[[np.ndarray], float]:
    """:func:`order_value` for one problem and many orders (the problem prepared once)."""
    run = scheduler(problem)
    return lambda order: evaluate(problem, run(order).end_month).value


def comparison(
    problem: PlanProblem, best: str, outcome: Outcome, *, bound: Bound | None, pace: Pace
) -> pd.DataFrame:
    """The plan beside the simple rules a planner might use and the pace so far."""
    rows = compare(problem, {best: outcome}, bound=bound, label={best: "optimised plan"})
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
    return pd.concat([rows, compare(problem, rivals, bound=bound, label=labels)], ignore_index=True)


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


def plan_budget(
    budget: str | float | dict[int, float] | None,
    inputs: Inputs,
    pool: AssetPool,
    months: pd.PeriodIndex,
) -> tuple[dict[int, float] | float | None, str]:
    """The budget per year and where it came from; zero everywhere is infeasible."""
    value = budget if isinstance(budget, dict) else parse_budget(budget)
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


def check_feasible(problem: PlanProblem) -> pd.DataFrame:
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
    names = [k for k, a in zip(problem.kinds, available, strict=True) if a]
    reasons = [_why_unworkable(str(problem.tasks["method"].iloc[j]), names) for j in bad]
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


def _why_unworkable(method: str, available: list[str]) -> str:
    if method == "NTS":
        return "non-technical survey needs manual (survey) teams; none are available"
    if set(available) <= {"machine"}:
        return "only machines are available and they cannot work here (steep or built-up ground)"
    return f"no available kind ({', '.join(available)}) can do {method} here"


def _load_charts() -> object:
    """The charts' module, whose plotting libraries take half a second to load (done while the
    bound is solved)."""
    return importlib.import_module("landrelease.planning.charts")


def _charts(result: PlanResult, inputs: Inputs, out: Path) -> None:
    from landrelease.planning.charts import plan_gantt, plan_map

    out.mkdir(parents=True, exist_ok=True)
    result.charts["gantt"] = plan_gantt(result, out / "plan_gantt.png")
    result.charts["map"] = plan_map(
        result, inputs.hazards, inputs.settlements, out / "plan_map.png"
    )


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
        "cost_by_method": r.cost_by_method.to_dict("records"),
        "comparison": r.comparison.to_dict("records"),
        "pace_m2_per_month": r.pace.m2_per_month,
        "tasks_not_done": int((r.schedule.end_month < 0).sum()),
        "counts": dataclasses.asdict(r.counts),
        "notes": r.notes,
        "dispatch_rules": r.problem.params.dispatch_rules(r.problem.kinds),
    }
    parameters = {
        "start": start,
        "horizon": horizon,
        "assets": r.assets_source,
        "budget": r.budget_source,
        "tasks": r.task_source,
        "weights": weights,
    }
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        r.run_id = pstore.new_run(conn, "plan", parameters=parameters, summary=summary)
        pstore.write_frame(conn, "plan_tasks", r.run_id, r.tasks)
        pstore.write_frame(conn, "plan_schedule", r.run_id, r.schedule_table)
        pstore.write_frame(conn, "plan_readiness", r.run_id, r.readiness)
