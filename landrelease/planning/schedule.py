"""Month-by-month scheduling of tasks onto teams, and what a schedule delivers.

:func:`simulate` is list scheduling: teams, cheapest per m² first, take the
first task in a priority order that their kind can work and that has room for
another team (``slots``) and enough work left for it (``min_join_days`` of
work per team, counting the teams already there; a task nobody works on is
always taken) — of the first ``lookahead_tasks`` + 1 such tasks, the nearest;
they stay until it is done. Joining a task costs
``setup_days`` (``join_setup_days`` when another team has begun it, the same unless
set) plus the travel from the team's previous task at ``travel_km_per_day`` (paid as
team-days). Spending stops when the year's
budget is used up, less, for a kind with ``reserve_by_kind``, what the kinds cheaper per m²
would spend in the rest of the year (:func:`money_reserve`). :func:`evaluate` turns task end months into hazard release
months, settlement readiness months and the plan's benefit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from landrelease.planning.model import MONTHS_PER_YEAR, PlanProblem

EPS = 1e-9


@dataclass(frozen=True)
class Schedule:
    """Who works on what, when: the result of :func:`simulate`."""

    order: np.ndarray
    """Task indices in the priority order used."""
    start_month: np.ndarray
    """(tasks,) first month of work; -1 never started."""
    end_month: np.ndarray
    """(tasks,) month the task is finished; -1 not by the horizon."""
    work: pd.DataFrame
    """One row per (task, kind, month): team_days (incl. mobilisation), mobilisation_days, area_m2, cost_usd."""
    spend_usd: np.ndarray
    """(budget years,) USD spent."""
    remaining_m2: np.ndarray
    """(tasks,) area left at the horizon."""


@dataclass(frozen=True)
class Outcome:
    """What a schedule delivers."""

    value: float
    """The objective: benefit-years (see :mod:`landrelease.planning.model`)."""
    people_years: float
    """People home × years before the horizon, over the settlements the plan unblocks."""
    hazard_month: np.ndarray
    """(hazards,) month released; ``inf`` not by the horizon."""
    settlement_month: np.ndarray
    """(settlements,) month ready; -1 ready now (nothing of the plan blocks it); ``inf`` not by the horizon."""

    def people_years_until(self, problem: PlanProblem, month_index: int) -> float:
        """People-years of return accumulated by the end of month ``month_index`` (blocked settlements)."""
        m = self.settlement_month
        pop = problem.benefits.population
        blocked = problem.benefits.blocked
        months = np.where(np.isfinite(m), np.maximum(month_index - m, 0.0), 0.0)
        return float((pop * months * blocked).sum() / MONTHS_PER_YEAR)

    def half_home_month(self, problem: PlanProblem) -> float:
        """First month by whose end half of all planned returnees can be home (-1 now, ``inf`` never)."""
        pop = problem.benefits.population
        total = pop.sum()
        if total <= 0:
            return -1.0
        m = self.settlement_month
        order = np.argsort(m, kind="stable")
        cum = np.cumsum(pop[order])
        k = int(np.searchsorted(cum, total / 2 - EPS))
        return float(m[order][min(k, len(order) - 1)])


def kind_order(problem: PlanProblem) -> list[int]:
    """Kinds cheapest per m² first (they take the first tasks each month)."""
    usd, m2 = problem.pool.usd_per_day, problem.pool.m2_per_day
    per_m2 = np.where(m2 > 0, usd / np.where(m2 > 0, m2, 1.0), np.inf)
    return [int(k) for k in np.argsort(per_m2, kind="stable") if np.isfinite(per_m2[k])]


def simulate(problem: PlanProblem, order: np.ndarray, *, record: bool = True) -> Schedule:
    """Schedule the tasks month by month in the given priority order (see the module's text).

    ``record=False`` skips the work table (for searching over orders: :func:`scheduler`).
    """
    return scheduler(problem, record=record)(order)


def scheduler(problem: PlanProblem, *, record: bool = False) -> Callable[[np.ndarray], Schedule]:
    """:func:`simulate` for one problem and many orders: the problem's arrays (the dispatch
    rates, the money reserve, the teams) are prepared once. ``record=False`` (the default here)
    leaves the work table empty: a search over orders needs only the months."""
    p = problem.params
    n_k = problem.pool.m2_per_day.shape[0]
    teams_by_month = np.floor(problem.pool.teams + EPS).astype(np.int64)
    rate = np.ascontiguousarray(dispatch_rates(problem), dtype=np.float64)
    slots = problem.slots.astype(np.int64)
    usd = problem.pool.usd_per_day.astype(np.float64)
    month_year = problem.month_year.astype(np.int64)
    budget = problem.budget_usd.astype(np.float64)
    xy = np.ascontiguousarray(problem.tasks[["x_m", "y_m"]].to_numpy(float))
    area = problem.tasks["area_m2"].to_numpy(float)
    kinds = np.asarray(kind_order(problem), dtype=np.int64)
    reserve = money_reserve(problem, teams_by_month)
    join_setup = p.setup_days if p.join_setup_days is None else p.join_setup_days
    join_days, lookahead = p.join_days(n_k), p.lookahead(n_k)
    empty = _no_work()

    def run(order: np.ndarray) -> Schedule:
        order = np.asarray(order, dtype=np.int64)
        start, end, spend, remaining, rec, n_rec = _simulate(
            order,
            rate,
            slots,
            usd,
            teams_by_month,
            month_year,
            budget,
            xy,
            area.copy(),
            kinds,
            float(p.working_days_per_month),
            float(p.setup_days),
            float(join_setup),
            reserve,
            float(p.travel_km_per_day),
            join_days,
            lookahead,
            record,
        )
        work = _aggregate(rec[:n_rec], usd) if record else empty
        return Schedule(order, start, end, work, spend, remaining)

    return run


def dispatch_rates(problem: PlanProblem) -> np.ndarray:
    """(tasks, kinds) the rates the scheduler works with.

    * a kind whose cost per m² on a task is more than ``max_cost_ratio`` times the cheapest
      available kind's does not work it (its money goes further elsewhere when the budget binds);
    * a kind does not work a task that holds less than ``min_task_days`` days of its work (its own
      threshold where ``min_task_days_by_kind`` gives one), unless it is the slowest kind left
      able to work it: a machine mobilised for half a day of work
      pays two days of set-up, where a manual team pays the same two days for two days of work;
    * a kind with ``claim_by_kind`` keeps the tasks it may then work: slower kinds leave them to it
      (decision 0033).
    """
    rate = problem.rate
    ratio = problem.params.max_cost_ratio
    min_days = problem.params.task_days(rate.shape[1])
    available = problem.pool.teams.max(axis=1, initial=0.0) > 0
    if np.isfinite(ratio):
        with np.errstate(divide="ignore"):
            per_m2 = np.where(
                (rate > 0) & available[None, :],
                problem.pool.usd_per_day[None, :] / np.where(rate > 0, rate, 1.0),
                np.inf,
            )
        cheapest = per_m2.min(axis=1, initial=np.inf)
        rate = np.where(per_m2 <= ratio * cheapest[:, None], rate, 0.0)
    if (min_days > 0).any() and rate.size:
        works = (rate > 0) & available[None, :]
        area = problem.tasks["area_m2"].to_numpy(float)
        days = np.where(works, area[:, None] / np.where(works, rate, 1.0), 0.0)
        keep = days >= min_days[None, :]
        keep[np.arange(len(rate)), days.argmax(axis=1)] = True
        rate = np.where(keep, rate, 0.0)
    claims = problem.params.claims(rate.shape[1]) & available
    if claims.any() and rate.size:
        speed = problem.pool.m2_per_day
        claimed = rate.copy()
        for k in np.flatnonzero(claims):
            slower = speed < speed[k]
            claimed[:, slower] = np.where((rate[:, k] > 0)[:, None], 0.0, claimed[:, slower])
        rate = claimed
    return rate


def money_reserve(problem: PlanProblem, teams_by_month: np.ndarray) -> np.ndarray:
    """(months, kinds) the year's money a team of each kind leaves unspent in a month: for kinds
    with ``reserve_by_kind``, what the teams of the kinds cheaper per m² (:func:`kind_order`) would
    spend working every day of the year's later months; 0 for the others."""
    n_months, n_k = problem.n_months, problem.pool.m2_per_day.shape[0]
    out = np.zeros((n_months, n_k))
    reserves = problem.params.reserves(n_k)
    if not reserves.any():
        return out
    monthly = (
        teams_by_month.T * problem.params.working_days_per_month * problem.pool.usd_per_day[None, :]
    )
    year = problem.month_year
    # money of each kind's later months in the same budget year: a reversed cumulative sum per year
    later = np.zeros_like(monthly)
    for t in range(n_months - 2, -1, -1):
        if year[t + 1] == year[t]:
            later[t] = later[t + 1] + monthly[t + 1]
    cheaper = np.zeros((n_months,))
    for k in kind_order(problem):
        if reserves[k]:
            out[:, k] = cheaper
        cheaper = cheaper + later[:, k]
    return out


@numba.njit(cache=True)
def _simulate(
    order: np.ndarray,
    rate: np.ndarray,
    slots: np.ndarray,
    usd: np.ndarray,
    teams_by_month: np.ndarray,
    month_year: np.ndarray,
    budget: np.ndarray,
    xy: np.ndarray,
    remaining: np.ndarray,
    kinds: np.ndarray,
    wd: float,
    setup: float,
    join_setup: float,
    reserve: np.ndarray,
    travel_km_per_day: float,
    min_join_days_of: np.ndarray,
    lookahead_of: np.ndarray,
    record: bool,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int
]:  # pragma: no cover - compiled
    n = len(order)
    n_months = teams_by_month.shape[1]
    position = np.empty(n, np.int64)
    for q in range(n):
        position[order[q]] = q
    done = remaining <= EPS
    start = np.full(n, -1, np.int64)
    end = np.full(n, -1, np.int64)
    for j in range(n):
        if done[j]:
            end[j] = 0
    assigned = np.zeros(n, np.int64)
    pointer = np.zeros(rate.shape[1], np.int64)
    spend = np.zeros(len(budget))
    n_teams = 0
    for k in kinds:
        n_teams += teams_by_month[k].max()
    team_kind = np.empty(n_teams, np.int64)
    team_rank = np.empty(n_teams, np.int64)
    q = 0
    for k in kinds:
        for i in range(teams_by_month[k].max()):
            team_kind[q] = k
            team_rank[q] = i
            q += 1
    task_of = np.full(n_teams, -1, np.int64)
    pending = np.zeros(n_teams)
    pos_x = np.full(n_teams, np.nan)
    pos_y = np.full(n_teams, np.nan)
    cap = max(1024, 4 * n_teams * n_months + 4 * n) if record else 1
    rec = np.zeros((cap, 6))
    n_rec = 0
    for t in range(n_months):
        y = month_year[t]
        budget_left = budget[y] - spend[y]
        for team in range(n_teams):
            k = team_kind[team]
            if team_rank[team] >= teams_by_month[k, t]:
                j = task_of[team]
                if j >= 0:
                    assigned[j] -= 1
                    task_of[team] = -1
                    if not done[j]:
                        for kk in range(rate.shape[1]):
                            if rate[j, kk] > 0 and pointer[kk] > position[j]:
                                pointer[kk] = position[j]
                continue
            days = wd
            cost_day = usd[k]
            min_join_days = min_join_days_of[k]
            lookahead = lookahead_of[k]
            while days > EPS and budget_left - reserve[t, k] > EPS:
                j = task_of[team]
                if j < 0 or done[j]:
                    if j >= 0:
                        assigned[j] -= 1
                        task_of[team] = -1
                    j = -1
                    qq = pointer[k]
                    while qq < n:
                        c = order[qq]
                        if (
                            rate[c, k] > 0
                            and not done[c]
                            and assigned[c] < slots[c]
                            and (
                                assigned[c] == 0
                                or remaining[c] / rate[c, k] >= min_join_days * (assigned[c] + 1)
                            )
                        ):
                            j = c
                            break
                        qq += 1
                    pointer[k] = qq
                    if j < 0:
                        break
                    if lookahead > 0 and not np.isnan(pos_x[team]):
                        best_d = np.hypot(pos_x[team] - xy[j, 0], pos_y[team] - xy[j, 1])
                        seen = 0
                        q2 = qq + 1
                        while q2 < n and seen < lookahead:
                            c = order[q2]
                            if (
                                rate[c, k] > 0
                                and not done[c]
                                and assigned[c] < slots[c]
                                and (
                                    assigned[c] == 0
                                    or remaining[c] / rate[c, k]
                                    >= min_join_days * (assigned[c] + 1)
                                )
                            ):
                                seen += 1
                                d = np.hypot(pos_x[team] - xy[c, 0], pos_y[team] - xy[c, 1])
                                if d < best_d:
                                    best_d = d
                                    j = c
                            q2 += 1
                    assigned[j] += 1
                    task_of[team] = j
                    move = 0.0
                    if not np.isnan(pos_x[team]):
                        move = (
                            np.hypot(pos_x[team] - xy[j, 0], pos_y[team] - xy[j, 1])
                            / 1000.0
                            / travel_km_per_day
                        )
                    pending[team] = (setup if start[j] < 0 else join_setup) + move
                    pos_x[team] = xy[j, 0]
                    pos_y[team] = xy[j, 1]
                    if start[j] < 0:
                        start[j] = t
                afford = (budget_left - reserve[t, k]) / cost_day if cost_day > 0 else np.inf
                area = 0.0
                mob = 0.0
                if pending[team] > EPS:
                    use = min(days, pending[team], afford)
                    pending[team] -= use
                    mob = use
                else:
                    need = remaining[j] / rate[j, k]
                    use = min(days, need, afford)
                    area = remaining[j] if use >= need - EPS else use * rate[j, k]
                    remaining[j] -= area
                    if remaining[j] <= EPS * max(1.0, area):
                        remaining[j] = 0.0
                        done[j] = True
                        end[j] = t
                if record:
                    if n_rec == rec.shape[0]:
                        bigger = np.zeros((2 * rec.shape[0], 6))
                        bigger[:n_rec] = rec
                        rec = bigger
                    rec[n_rec, 0] = j
                    rec[n_rec, 1] = k
                    rec[n_rec, 2] = t
                    rec[n_rec, 3] = use
                    rec[n_rec, 4] = mob
                    rec[n_rec, 5] = area
                    n_rec += 1
                days -= use
                budget_left -= use * cost_day
                spend[y] += use * cost_day
    return start, end, spend, remaining, rec, n_rec


WORK_COLUMNS = ("task", "kind", "month", "team_days", "mobilisation_days", "area_m2")
"""Columns of the scheduler's work records; the first three are indices."""


def _no_work() -> pd.DataFrame:
    """The work table of no records, as :func:`_aggregate` makes it, built directly (a search over
    orders needs one per problem: the grouping of nothing took 8 ms, as long as a schedule)."""
    cols = [*WORK_COLUMNS, "cost_usd"]
    return pd.DataFrame(
        {c: np.zeros(0, np.int64 if i < 3 else np.float64) for i, c in enumerate(cols)}
    )


def _aggregate(rec: np.ndarray, usd: np.ndarray) -> pd.DataFrame:
    """Work records (task, kind, month, team-days, mobilisation days, area) summed per task, kind, month."""
    cols = list(WORK_COLUMNS)
    frame = pd.DataFrame(rec, columns=cols)
    for c in ("task", "kind", "month"):
        frame[c] = frame[c].astype(np.int64)
    frame = frame.groupby(["task", "kind", "month"], as_index=False).sum()
    frame["cost_usd"] = frame["team_days"] * usd[frame["kind"].to_numpy()]
    return frame


def evaluate(problem: PlanProblem, end_month: np.ndarray) -> Outcome:
    """Release month per hazard, readiness per settlement, benefit and people-years of task end months."""
    b = problem.benefits
    horizon = problem.n_months - 1
    end = np.where(np.asarray(end_month) >= 0, np.asarray(end_month, float), np.inf)
    hazard_month = np.full(len(b.hazard_ids), -np.inf)
    np.maximum.at(hazard_month, problem.task_hazard, end)
    hazard_month[np.isneginf(hazard_month)] = -1.0
    settlement_month = np.full(len(b.settlement_ids), -1.0)
    np.maximum.at(settlement_month, b.pair_settlement, hazard_month[b.pair_hazard])

    def years(m: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(m), np.maximum(horizon - m, 0.0), 0.0) / MONTHS_PER_YEAR

    blocked = b.blocked
    value = float((b.settlement_value * years(settlement_month) * blocked).sum())
    value += float((b.hazard_value * years(hazard_month)).sum())
    people_years = float((b.population * years(settlement_month) * blocked).sum())
    return Outcome(value, people_years, hazard_month, settlement_month)
