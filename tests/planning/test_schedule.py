"""The month-by-month scheduler and what a schedule delivers: hand-checked figures and invariants."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from landrelease import settings
from landrelease.planning.bound import lp_orders, solve_bound
from landrelease.planning.operations import best_order, order_value
from landrelease.planning.orders import RULES, greedy_order, improve
from landrelease.planning.schedule import _aggregate, evaluate, scheduler, simulate
from tests.planning.builders import PARAMS, problem, random_problem

SEEDS = [1, 2, 3, 4, 5]


def test_one_team_clears_one_hazard_in_the_months_its_area_takes() -> None:
    # 100,000 m² at 300 m²/day (one manual team) = 333.3 days + 1 set-up day = 16.7 months of 20 days
    p = problem(
        [{"hazard_id": "H1", "area_m2": 100_000.0}],
        population=[1000.0],
        pairs=[(0, "H1")],
        teams={"manual": 1},
        months=24,
    )
    s = simulate(p, np.array([0]))
    assert s.start_month[0] == 0 and s.end_month[0] == 16
    assert s.work["team_days"].sum() == pytest.approx(100_000 / 300 + 1)
    assert s.work["mobilisation_days"].sum() == pytest.approx(1.0)
    assert s.spend_usd.sum() == pytest.approx((100_000 / 300 + 1) * 1500)
    oc = evaluate(p, s.end_month)
    # ready at the end of month 16 of 24: 7 months of 1,000 people before the horizon
    assert oc.settlement_month[0] == 16
    assert oc.people_years == pytest.approx(1000 * 7 / 12)
    assert oc.value == pytest.approx(7 / 12)


def test_a_settlement_is_ready_exactly_when_its_last_blocking_hazard_is_released() -> None:
    tasks = [
        {"hazard_id": "A", "area_m2": 20_000.0},
        {"hazard_id": "B", "area_m2": 60_000.0},
        {"hazard_id": "C", "area_m2": 10_000.0, "method": "TS", "decision": "technical_survey"},
        {"hazard_id": "C", "area_m2": 30_000.0},
        {"hazard_id": "D", "area_m2": 40_000.0},
    ]
    p = problem(
        tasks,
        population=[500.0, 800.0, 300.0],
        pairs=[(0, "A"), (0, "B"), (1, "C"), (2, "D"), (2, "A")],
        teams={"manual": 1, "dog": 1},
    )
    s = simulate(p, greedy_order(p))
    oc = evaluate(p, s.end_month)
    end = s.end_month
    hazard = {h: i for i, h in enumerate(p.benefits.hazard_ids)}
    released = {h: max(end[p.task_hazard == i]) for h, i in hazard.items()}
    assert oc.settlement_month[0] == max(released["A"], released["B"])
    assert oc.settlement_month[1] == released["C"]
    assert oc.settlement_month[2] == max(released["D"], released["A"])
    for h, i in hazard.items():
        assert oc.hazard_month[i] == released[h]


def test_a_settlement_with_an_unfinished_hazard_is_never_ready() -> None:
    p = problem(
        [{"hazard_id": "A", "area_m2": 5_000.0}, {"hazard_id": "B", "area_m2": 5e7}],
        population=[100.0, 200.0],
        pairs=[(0, "A"), (1, "A"), (1, "B")],
        teams={"manual": 1},
        months=12,
    )
    oc = evaluate(p, simulate(p, np.array([0, 1])).end_month)
    assert np.isfinite(oc.settlement_month[0])
    assert np.isinf(oc.settlement_month[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_budget_capacity_and_where_assets_may_work_are_respected(seed: int) -> None:
    p = random_problem(seed, budget=4e5 + 2e5 * seed)
    s = simulate(p, greedy_order(p))
    w = s.work
    # the year's budget is never exceeded, and the spend is the work's cost
    assert np.all(s.spend_usd <= p.budget_usd * (1 + 1e-9))
    by_year = np.bincount(
        p.month_year[w["month"]], weights=w["cost_usd"], minlength=len(p.budget_years)
    )
    np.testing.assert_allclose(by_year, s.spend_usd, rtol=1e-9)
    # team-days per kind and month within the teams available
    used = np.zeros_like(p.capacity_days)
    np.add.at(used, (w["kind"].to_numpy(), w["month"].to_numpy()), w["team_days"].to_numpy())
    assert np.all(used <= p.capacity_days + 1e-6)
    # no more teams on a task than its slots allow
    per = w.groupby(["task", "month"])["team_days"].sum()
    slots = p.slots[per.index.get_level_values(0)]
    assert np.all(per.to_numpy() <= slots * PARAMS.working_days_per_month + 1e-6)
    # machines never where they may not go; NTS only by manual teams
    machine = p.kinds.index("machine")
    mw = w[w["kind"] == machine]
    assert p.tasks["machine_ok"].to_numpy()[mw["task"]].all()
    nts = w[p.tasks["method"].to_numpy()[w["task"]] == "NTS"]
    assert set(nts["kind"]) <= {p.kinds.index("manual")}
    # every finished task had all its area worked
    done = s.end_month >= 0
    area = np.bincount(w["task"], weights=w["area_m2"], minlength=p.n_tasks)
    np.testing.assert_allclose(area[done], p.tasks["area_m2"].to_numpy()[done], rtol=1e-6)


def test_zero_budget_year_does_nothing_that_year() -> None:
    p = random_problem(3, budget=None)
    p = p.with_budget(np.array([0.0, 1e6, 1e6]))
    s = simulate(p, greedy_order(p))
    assert s.spend_usd[0] == 0
    assert (s.start_month[s.start_month >= 0] >= 12).all()


def test_moving_between_far_apart_tasks_costs_team_days() -> None:
    near = [{"hazard_id": f"H{i}", "area_m2": 5_000.0, "x_m": 100.0 * i} for i in range(4)]
    far = [{"hazard_id": f"H{i}", "area_m2": 5_000.0, "x_m": 60_000.0 * i} for i in range(4)]
    days = []
    for tasks in (near, far):
        p = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"manual": 1})
        days.append(simulate(p, np.arange(4)).work["mobilisation_days"].sum())
    # 4 set-ups either way; far apart adds 3 moves of 60 km at 100 km/day
    assert days[0] == pytest.approx(4 * PARAMS.setup_days + 3 * 0.1 / 100, abs=1e-6)
    assert days[1] == pytest.approx(4 * PARAMS.setup_days + 3 * 60 / 100)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_lp_bound_is_never_below_any_schedule(seed: int) -> None:
    p = random_problem(seed)
    bound = solve_bound(p, max_cells=10**7)
    assert bound.status == "Optimal"
    for order in (greedy_order(p), *(rule(p) for _, rule in RULES.values())):
        assert evaluate(p, simulate(p, order).end_month).value <= bound.value * (1 + 1e-7)


def test_the_plan_reaches_97_percent_of_the_lp_bound_on_a_small_case() -> None:
    # eight villages, each blocked by one hazard of one task; values differ, sizes differ
    rng = np.random.default_rng(11)
    tasks = [
        {"hazard_id": f"H{i}", "area_m2": float(a)} for i, a in enumerate(rng.uniform(5e3, 4e4, 8))
    ]
    p = problem(
        tasks,
        population=rng.uniform(200, 3000, 8).round().tolist(),
        pairs=[(i, f"H{i}") for i in range(8)],
        teams={"dog": 2},
        months=36,
    )
    bound = solve_bound(p, max_cells=10**7)
    value = evaluate(p, simulate(p, greedy_order(p)).end_month).value
    assert value <= bound.value * (1 + 1e-9)
    assert value >= 0.97 * bound.value


def test_local_search_never_makes_the_order_worse() -> None:
    p = random_problem(7)
    order = greedy_order(p)

    def value(o: np.ndarray) -> float:
        return evaluate(p, simulate(p, o, record=False).end_month).value

    start = value(order)
    better, v, tried = improve(p, order, value, seconds=0.5, seed=1)
    assert tried > 0 and v >= start
    assert v == pytest.approx(value(better))
    assert sorted(better.tolist()) == list(range(p.n_tasks))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_the_greedy_beats_the_simple_rules(seed: int) -> None:
    p = random_problem(seed)
    greedy = evaluate(p, simulate(p, greedy_order(p)).end_month).value
    for _, rule in RULES.values():
        assert greedy >= evaluate(p, simulate(p, rule(p)).end_month).value


def test_a_search_schedule_has_the_work_table_of_no_records_and_the_same_months() -> None:
    p = random_problem(3)
    order = greedy_order(p)
    quick, full = scheduler(p)(order), simulate(p, order)
    assert len(full.work) > 0 and len(quick.work) == 0
    pd.testing.assert_frame_equal(quick.work, _aggregate(np.zeros((0, 6)), p.pool.usd_per_day))
    np.testing.assert_array_equal(quick.end_month, full.end_month)
    np.testing.assert_array_equal(quick.start_month, full.start_month)
    np.testing.assert_array_equal(quick.remaining_m2, full.remaining_m2)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_the_plan_does_other_work_while_the_bound_is_solved_and_gets_the_same_orders(
    seed: int,
) -> None:
    p = random_problem(seed)
    beside: list[str] = []

    def meanwhile() -> None:
        beside.append(threading.current_thread().name)

    best, order, bound, chosen = best_order(
        p, solve_lp=True, search_seconds=0, dispatch_seconds=0, seconds={}, meanwhile=meanwhile
    )
    # called once, on the thread that works beside the bound (solved on this one)
    assert len(beside) == 1 and beside[0].startswith("beside-the-bound")
    alone = solve_bound(p, max_cells=int(settings.get("plan_lp_max_cells")))
    assert bound is not None and bound.value == alone.value
    np.testing.assert_array_equal(bound.hazard_done, alone.hazard_done)
    assert bound.cpu_seconds <= bound.seconds + 1.0
    orders = {"greedy": greedy_order(p), **lp_orders(p, alone, greedy_order(p))}
    values = {name: order_value(p, o) for name, o in orders.items()}
    # the chosen order is the best of the bound's and the greedy, or better under the dispatch
    # rules tried beside them, and never worse than any of them
    assert order_value(chosen, order) >= max(values.values()) - 1e-12
    if best in orders:
        np.testing.assert_array_equal(order, orders[best])
