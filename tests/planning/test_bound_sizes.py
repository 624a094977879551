"""Machine ground by task size in the bound (decisions 0043 and 0045): each kind pays its own
set-ups there, and the bound stays above the exact optimum of small problems in which every kind
working a task pays its own set-up, and above every plan."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from landrelease.planning.bound import class_of_tasks, class_rates, size_groups, solve_bound
from landrelease.planning.model import MONTHS_PER_YEAR, PlanProblem
from landrelease.planning.operations import best_order
from landrelease.planning.orders import tasks_of_hazards
from landrelease.planning.schedule import evaluate, simulate
from tests.planning.builders import PARAMS, problem

SETUP = dataclasses.replace(PARAMS, setup_days=2.0, m2_per_team=1e9)
"""Two-day set-ups, one team at a time on a task (as the exact model below has it)."""


def small(seed: int, *, hazards: int = 5, months: int = 4) -> PlanProblem:
    """Hazards of one or two small tasks (a few machine-days each), most on machine ground, a
    manual team, a dog team and a machine; a money limit on some seeds."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for h in range(hazards):
        for t in range(int(rng.integers(1, 3))):
            method = str(rng.choice(["clearance", "TS", "BAC"]))
            rows.append(
                {
                    "task_id": f"H{h}/{t}",
                    "hazard_id": f"H{h}",
                    "method": method,
                    "decision": {"clearance": "clearance", "TS": "technical_survey"}.get(
                        method, "bac"
                    ),
                    "area_m2": float(np.exp(rng.normal(9.6, 1.0))),
                    "p_any_device": float(rng.uniform(0, 1)),
                    "slope_deg": float(rng.choice([5.0, 5.0, 5.0, 25.0])),
                    "settlement_distance_m": 5000.0,
                }
            )
    pairs = sorted({(int(s), f"H{int(h)}") for s in range(2) for h in rng.choice(hazards, 2)})
    return problem(
        rows,
        population=rng.integers(100, 5000, 2).astype(float).tolist(),
        pairs=pairs,
        hazard_value={f"H{h}": float(rng.uniform(0, 0.3)) for h in range(hazards)},
        months=months,
        teams={"manual": 1, "dog": 1, "machine": 1},
        budget=None if seed % 2 else float(rng.uniform(1e5, 3e5)),
        params=SETUP,
    )


def exact(p: PlanProblem) -> float:
    """The optimum of a MIP that every schedule satisfies: kind ``k`` does ``w[i,k,m]`` m² of task
    ``i`` in month ``m`` at its rate, and before its first m² there it has paid ``setup_days``
    (``started[i,k,m]``, 0/1, never undone); a kind's days (work and set-ups) within its teams'
    days each month, the year's money within the budget, one team's days a month on a task (one
    team at once); a task counts as done by the end of month ``m`` (0/1) once all its m² are
    done, a hazard once all its tasks are, a settlement once all its blocking hazards are, each
    credited as :func:`~landrelease.planning.schedule.evaluate` does. (Teams of one kind on a
    task share a set-up here, and work is divisible: a relaxation of real schedules, never
    below them.)"""
    n_t, n_k, n_m = p.n_tasks, len(p.kinds), p.n_months
    b = p.benefits
    n_h, n_s = len(b.hazard_ids), len(b.settlement_ids)
    area = p.tasks["area_m2"].to_numpy(float)
    rate = np.where(p.pool.teams.max(axis=1)[None, :] > 0, p.rate, 0.0)
    wd, s = p.params.working_days_per_month, p.params.setup_days
    idx = itertools.count()
    w = {(i, k, m): next(idx) for i in range(n_t) for k in range(n_k) for m in range(n_m)}
    su = {key: next(idx) for key in w}  # set-up days
    st = {key: next(idx) for key in w}  # started (0/1)
    done = {(i, m): next(idx) for i in range(n_t) for m in range(n_m)}
    hz = {(h, m): next(idx) for h in range(n_h) for m in range(n_m)}
    ready = {(j, m): next(idx) for j in range(n_s) for m in range(n_m)}
    n = next(idx)
    cost = np.zeros(n)
    credit = np.full(n_m, 1.0 / MONTHS_PER_YEAR)
    credit[-1] = 0.0
    for (h, m), c in hz.items():
        cost[c] = -b.hazard_value[h] * credit[m]
    for (j, m), c in ready.items():
        cost[c] = -b.settlement_value[j] * credit[m] * b.blocked[j]
    upper = np.full(n, np.inf)
    integral = np.zeros(n)
    for key in w:
        i, k, _ = key
        if rate[i, k] <= 0:
            upper[w[key]] = upper[su[key]] = upper[st[key]] = 0.0
        else:
            upper[st[key]] = 1.0
        integral[st[key]] = 1
    for c in [*done.values(), *hz.values(), *ready.values()]:
        upper[c] = 1.0
        integral[c] = 1
    rows: list[dict[int, float]] = []
    lo: list[float] = []
    hi: list[float] = []

    def row(coef: dict[int, float], low: float, high: float) -> None:
        rows.append(coef)
        lo.append(low)
        hi.append(high)

    def days(i: int, k: int, m: int) -> dict[int, float]:
        return {w[i, k, m]: 1.0 / rate[i, k], su[i, k, m]: 1.0} if rate[i, k] > 0 else {}

    for k in range(n_k):
        for m in range(n_m):
            coef: dict[int, float] = {}
            for i in range(n_t):
                coef.update(days(i, k, m))
            row(coef, -np.inf, float(p.capacity_days[k, m]))
    for y in range(len(p.budget_years)):
        if np.isfinite(p.budget_usd[y]):
            coef = {}
            for m in np.flatnonzero(p.month_year == y).tolist():
                for i in range(n_t):
                    for k in range(n_k):
                        coef.update(
                            {c: v * p.pool.usd_per_day[k] for c, v in days(i, k, m).items()}
                        )
            row(coef, -np.inf, float(p.budget_usd[y]))
    for i in range(n_t):
        for m in range(n_m):
            coef = {}
            for k in range(n_k):
                coef.update(days(i, k, m))
            row(coef, -np.inf, wd)  # one team at once
            # done by the end of m: all its m² worked by then
            coef = {done[i, m]: area[i]}
            for k in range(n_k):
                for q in range(m + 1):
                    coef[w[i, k, q]] = -1.0
            row(coef, -np.inf, 0.0)
            for k in range(n_k):
                if rate[i, k] <= 0:
                    continue
                # work only once started, a start only after its set-up, never undone
                row({w[i, k, m]: 1.0, st[i, k, m]: -area[i]}, -np.inf, 0.0)
                row({st[i, k, m]: s, **{su[i, k, q]: -1.0 for q in range(m + 1)}}, -np.inf, 0.0)
                if m:
                    row({st[i, k, m - 1]: 1.0, st[i, k, m]: -1.0}, -np.inf, 0.0)
            row({hz[p.task_hazard[i], m]: 1.0, done[i, m]: -1.0}, -np.inf, 0.0)
    for j, h in zip(b.pair_settlement.tolist(), b.pair_hazard.tolist(), strict=True):
        for m in range(n_m):
            row({ready[j, m]: 1.0, hz[h, m]: -1.0}, -np.inf, 0.0)
    a = sparse.lil_matrix((len(rows), n))
    for r, coef in enumerate(rows):
        for c, v in coef.items():
            a[r, c] = v
    res = milp(
        cost,
        constraints=LinearConstraint(a.tocsr(), np.array(lo), np.array(hi)),
        integrality=integral,
        bounds=Bounds(np.zeros(n), upper),
        options={"mip_rel_gap": 1e-9},
    )
    assert res.status == 0, res.message
    return float(-res.fun)


def test_each_group_yields_its_kinds_work_net_of_their_own_set_ups() -> None:
    # machine ground: tasks of 1,000, 2,000 and 40,000 m²; a manual team (300 m² a day, the
    # slowest) and a machine (2,500); two-day set-ups
    cls = np.array([1, 1, 1, 0])
    crate = np.array([[250_000.0, 0.0], [300.0, 2500.0], [300.0, 0.0]])
    work = np.array([1_000.0, 2_000.0, 40_000.0, 5_000.0])
    out, rates, charge = size_groups(cls, crate, work, 2.0, fastest_from_m2=np.inf)
    assert out.tolist() == [3, 3, 4, 0]
    assert charge.tolist() == [250_000.0, 300.0, 300.0, 300.0, 300.0]
    # the group's largest task, 2,000 m² and a 600 m² set-up charge: a machine takes 2.8 days
    assert rates[3].tolist() == pytest.approx([300.0, 2_600 / 2.8])
    assert rates[4].tolist() == pytest.approx([300.0, 40_600 / 18.0])
    assert (rates[3:, 1] < 2500.0).all()
    # the other classes as they were; machine ground's own class left without work or teams
    assert rates[[0, 2]].tolist() == crate[[0, 2]].tolist() and not rates[1].any()
    # no set-ups: every group yields the kinds' own rates
    _, free, _ = size_groups(cls, crate, work, 0.0)
    assert free[3:].ravel().tolist() == pytest.approx([300.0, 2500.0] * 2)


@pytest.mark.parametrize("seed", range(6))
def test_the_exact_optimum_and_every_plan_stay_within_the_bound(seed: int) -> None:
    p = small(seed)
    new = solve_bound(p, max_cells=10**7)
    groups = solve_bound(p, max_cells=10**7, fastest_pays=False)
    old = solve_bound(p, max_cells=10**7, by_size=False)
    assert new.status == groups.status == old.status == "Optimal"
    assert new.value <= groups.value * (1 + 1e-9) + 1e-12
    assert groups.value <= old.value * (1 + 1e-9) + 1e-12
    best = exact(p)
    assert best <= new.value * (1 + 1e-6) + 1e-9
    # every order of the hazards, and the plan with the rules it picks
    n_h = len(p.benefits.hazard_ids)
    for seq in itertools.permutations(range(n_h)):
        order = tasks_of_hazards(p, np.array(seq))
        assert evaluate(p, simulate(p, order).end_month).value <= best * (1 + 1e-6) + 1e-9
    _, order, _, chosen = best_order(p, solve_lp=False, search_seconds=0.2, seconds={})
    assert evaluate(chosen, simulate(chosen, order).end_month).value <= new.value * (1 + 1e-6)


def test_a_machine_on_small_tasks_pays_its_own_set_ups() -> None:
    # twelve 1,500 m² clearance tasks on machine ground: each costs a machine 0.6 days and a
    # 2-day set-up, a manual team 5 days and the set-up; the bound charged every set-up as 600 m²
    # (the manual team's two days), which the machine works off in a quarter of a day
    tasks = [{"hazard_id": f"H{i:02d}", "area_m2": 1_500.0, "slope_deg": 5.0} for i in range(12)]

    def with_teams(teams: dict[str, float]) -> PlanProblem:
        return problem(
            tasks,
            population=[100.0] * 12,
            pairs=[(i, f"H{i:02d}") for i in range(12)],
            teams=teams,
            months=3,
            params=SETUP,
        )

    alone = with_teams({"machine": 1})
    assert (class_of_tasks(alone) == 1).all() and class_rates(alone)[1].max() == 2500.0
    # one kind only: its own rate is the slowest, nothing changes
    new = solve_bound(alone, max_cells=10**7)
    assert new.value == pytest.approx(solve_bound(alone, max_cells=10**7, by_size=False).value)
    both = with_teams({"machine": 1, "manual": 1})
    new = solve_bound(both, max_cells=10**7)
    old = solve_bound(both, max_cells=10**7, by_size=False)
    # the old bound finishes all twelve in the first month; in truth the machine does 7.7 tasks
    # there and the manual team 2.9 (the group's largest task is every task's size: exact)
    assert old.hazard_done[:, 0].sum() == pytest.approx(12.0)
    assert new.hazard_done[:, 0].sum() == pytest.approx(20 / 2.6 + 20 / 7)
    assert new.value < old.value * (1 - 0.03)
    assert exact(both) <= new.value * (1 + 1e-6)


def test_groups_of_large_tasks_charge_the_fastest_kinds_set_ups() -> None:
    # 1,000 and 2,000 m² (group 3, up to 2,500), 15,000 and 40,000 m² (group 4, 10,000 to 40,000)
    cls = np.array([1, 1, 1, 1, 0])
    crate = np.array([[250_000.0, 0.0], [300.0, 2500.0], [300.0, 0.0]])
    work = np.array([1_000.0, 2_000.0, 15_000.0, 40_000.0, 5_000.0])
    out, rates, charge = size_groups(cls, crate, work, 2.0, fastest_from_m2=10_000.0)
    assert out.tolist() == [3, 3, 4, 4, 0]
    # the small group as before: the slowest kind's set-up, yields at the largest task
    assert charge[3] == 300.0 and rates[3].tolist() == pytest.approx([300.0, 2_600 / 2.8])
    # the large group: a machine's set-up (5,000 m²), which it works at its own rate; a manual
    # team yields what it yields on the group's smallest task
    assert charge[4] == 2500.0
    assert rates[4].tolist() == pytest.approx([20_000 / (15_000 / 300 + 2), 2500.0])


def test_a_machine_on_the_smaller_tasks_of_a_group_pays_its_own_set_ups() -> None:
    # five 12,000 m² clearance tasks and one of 40,000 on machine ground, one size group: a
    # machine takes 6.8 days on each small one (4.8 of work, a 2-day set-up); charged the
    # manual team's set-up, they counted 12,600 m² of need at the 40,000 m² task's 2,256 m² a
    # day (5.6 days)
    sizes = [12_000.0] * 5 + [40_000.0]
    tasks = [{"hazard_id": f"H{i}", "area_m2": a, "slope_deg": 5.0} for i, a in enumerate(sizes)]
    p = problem(
        tasks,
        population=[100.0] * 6,
        pairs=[(i, f"H{i}") for i in range(6)],
        teams={"machine": 1, "manual": 1},
        months=2,
        params=SETUP,
    )
    new = solve_bound(p, max_cells=10**7)
    groups = solve_bound(p, max_cells=10**7, fastest_pays=False)
    assert new.status == groups.status == "Optimal"
    # in the first month (20 days) the machine does at most 20 / 6.8 small tasks and the manual
    # team (42 days each) 0.48 of one: 3.4, where the slowest kind's charge allowed 4.1
    most = 20 / (12_000 / 2_500 + 2) + 20 / (12_000 / 300 + 2)
    assert groups.hazard_done[:, 0].sum() > most + 0.5
    assert new.hazard_done[:, 0].sum() == pytest.approx(most)
    assert new.value < groups.value * (1 - 0.02)
    assert exact(p) <= new.value * (1 + 1e-6)
