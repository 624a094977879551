"""The operations plan as tables: readiness, tasks, schedule, cost by year and by method, the
rivals compared.

Each function turns the plan's arrays (:class:`~landrelease.planning.model.PlanProblem`,
:class:`~landrelease.planning.schedule.Schedule`) into the rows a planner reads
and the workspace keeps (tables ``plan_readiness``, ``plan_tasks``,
``plan_schedule``; the comparison and cost by year in the run's summary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landrelease.planning.bound import Bound
from landrelease.planning.common import month_end_dates, month_label
from landrelease.planning.model import PlanProblem
from landrelease.planning.schedule import Outcome, Schedule
from landrelease.planning.tasks import METHODS


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
    """When each settlement can be ready by the plan.

    ``blocking_hazards`` counts the open hazards that block return to it (the
    reports' and the web's definition). A settlement is ``ready now`` when
    none of them has work left; ``planned`` with the month its last one is
    released; ``after the horizon`` otherwise.
    """
    b = problem.benefits
    waiting = b.blocked
    m = outcome.settlement_month
    status = np.where(
        ~waiting, "ready now", np.where(np.isfinite(m), "planned", "after the horizon")
    )
    return pd.DataFrame(
        {
            "settlement_id": b.settlement_ids,
            "name": b.settlement_names,
            "population_planned": b.population.astype(int),
            "blocking_hazards": b.blocking_hazards,
            "status": status,
            "plan_date": month_end_dates(problem.months[0], np.where(waiting, m, np.nan)),
            "scenario": None,
            "p10": None,
            "p50": None,
            "p90": None,
        }
    )


def _per_task(problem: PlanProblem, work: pd.DataFrame, column: str) -> np.ndarray:
    if not len(work):
        return np.zeros(problem.n_tasks)
    return np.bincount(
        work["task"].to_numpy(int), weights=work[column].to_numpy(float), minlength=problem.n_tasks
    )


def task_table(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    """One row per task: its place in the order, when it starts and ends, team-days and cost."""
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
            "team_days": _per_task(problem, schedule.work, "team_days"),
            "cost_usd": _per_task(problem, schedule.work, "cost_usd"),
        }
    )


def schedule_rows(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    """Who works on what, month by month: one row per task, asset kind and month."""
    w = schedule.work
    t = problem.tasks
    task = w["task"].to_numpy(int)
    return pd.DataFrame(
        {
            "task_id": t["task_id"].to_numpy()[task],
            "hazard_id": t["hazard_id"].to_numpy()[task],
            "method": t["method"].to_numpy()[task],
            "asset": np.asarray(problem.kinds, dtype=object)[w["kind"].to_numpy(int)],
            "month": month_label(problem.months, w["month"].to_numpy(int)),
            "team_days": w["team_days"].to_numpy(float),
            "mobilisation_days": w["mobilisation_days"].to_numpy(float),
            "area_m2": w["area_m2"].to_numpy(float),
            "cost_usd": w["cost_usd"].to_numpy(float),
        }
    )


def cost_by_year(problem: PlanProblem, schedule: Schedule) -> pd.DataFrame:
    """Budget, spending by asset kind and area released, per calendar year; ``months``: the
    months of the year the plan covers (the budget of a year covered in part is its share).

    Land counts as released in the year its task ends (as in the plan's summary, the work by
    method and the web's quarters): a task still being worked at the horizon releases nothing.
    """
    w = schedule.work
    years = np.asarray(problem.budget_years)
    frame = pd.DataFrame(
        {
            "year": years,
            "months": np.bincount(problem.month_year, minlength=len(years)),
            "budget_usd": problem.budget_usd,
            "spent_usd": schedule.spend_usd,
        }
    )

    def by_year(weights: np.ndarray, sel: np.ndarray) -> np.ndarray:
        if not len(w):
            return np.zeros(len(years))
        month = w["month"].to_numpy(int)[sel]
        return np.bincount(problem.month_year[month], weights=weights[sel], minlength=len(years))

    for k, kind in enumerate(problem.kinds):
        sel = w["kind"].to_numpy(int) == k if len(w) else np.zeros(0, bool)
        frame[f"{kind}_usd"] = by_year(w["cost_usd"].to_numpy(float), sel)
    end = np.asarray(schedule.end_month, np.int64)
    done = end >= 0
    area = problem.tasks["area_m2"].to_numpy(float)
    frame["released_ha"] = (
        np.bincount(problem.month_year[end[done]], weights=area[done], minlength=len(years)) / 1e4
    )
    return frame


def cost_by_method(tasks: pd.DataFrame) -> pd.DataFrame:
    """Work and money by method of work (NTS, TS, BAC, clearance) from :func:`task_table`: tasks,
    their area, the area done by the horizon, team-days and cost in the plan (a method without
    tasks is left out)."""
    done = tasks["end_month"].notna()
    area = tasks["area_m2"].astype(float)
    frame = pd.DataFrame(
        {
            "method": tasks["method"],
            "tasks": 1,
            "area_ha": area / 1e4,
            "done_ha": area.where(done, 0.0) / 1e4,
            "team_days": tasks["team_days"].astype(float),
            "cost_usd": tasks["cost_usd"].astype(float),
        }
    )
    out = frame.groupby("method", sort=False).sum()
    order = [m for m in METHODS if m in out.index] + [m for m in out.index if m not in METHODS]
    return out.loc[order].reset_index()
