"""The plan against its bound: the bound stays above every schedule (checked against the exact
MIP of its own model and every order of small problems), the staffing and travel rules, and
the gap's causes."""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pytest

from landrelease.planning.bound import solve_bound, task_reach
from landrelease.planning.gap import gap_causes
from landrelease.planning.operations import best_order, cost_rule, kind_rules
from landrelease.planning.orders import greedy_order, tasks_of_hazards
from landrelease.planning.results import PlanCounts
from landrelease.planning.schedule import dispatch_rates, evaluate, simulate
from tests.planning.builders import PARAMS, problem, random_problem

RULES = dataclasses.replace(PARAMS, min_join_days=18.0, lookahead_tasks=4)


def tiny(seed: int, params: object = PARAMS) -> object:
    """Five hazards, three settlements, a year: every order can be tried."""
    return dataclasses.replace(
        random_problem(
            seed,
            hazards=5,
            settlements=3,
            months=12,
            budget=4e5,
            teams={"manual": 1, "dog": 2, "machine": 1},
        ),
        params=params,
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_no_order_beats_the_exact_mip_and_the_mip_never_beats_the_lp(seed: int) -> None:
    for params in (PARAMS, RULES):
        p = tiny(seed, params)
        lp = solve_bound(p, max_cells=10**7)
        mip = solve_bound(p, max_cells=10**7, integer=True)
        assert lp.status == mip.status == "Optimal"
        assert mip.value <= lp.value * (1 + 1e-7)
        n_h = len(p.benefits.hazard_ids)
        best = max(
            evaluate(p, simulate(p, tasks_of_hazards(p, np.array(seq))).end_month).value
            for seq in itertools.permutations(range(n_h))
        )
        assert best <= mip.value * (1 + 1e-7) + 1e-12
        # nor does the plan, with whatever dispatch rule it picks; and the bound is not vacuous
        _, order, _, chosen = best_order(p, solve_lp=False, search_seconds=0.2, seconds={})
        value = evaluate(chosen, simulate(chosen, order).end_month).value
        assert value <= mip.value * (1 + 1e-7) + 1e-12
        assert value >= 0.6 * lp.value


def test_when_money_binds_expensive_kinds_leave_work_to_cheaper_ones() -> None:
    # a year at 400,000 USD; the teams could spend 1 million: manual teams clearing at 5 USD/m²
    # where dogs clear at 0.35 spend the money that would have finished the biggest hazard
    p = tiny(2)
    order = greedy_order(p)
    every_kind = evaluate(p, simulate(p, order).end_month).value
    chosen, value = cost_rule(p, order, every_kind)
    assert chosen.params.max_cost_ratio < np.inf
    assert value > 5 * every_kind
    assert value == pytest.approx(evaluate(chosen, simulate(chosen, order).end_month).value)
    work = simulate(chosen, order).work
    manual = chosen.kinds.index("manual")
    methods = chosen.tasks["method"].to_numpy()[work["task"].to_numpy()]
    assert not ((work["kind"].to_numpy() == manual) & (methods == "clearance")).any()


@pytest.mark.parametrize("seed", [5, 6])
def test_the_bound_stays_above_schedules_with_merged_months(seed: int) -> None:
    p = dataclasses.replace(random_problem(seed, months=48), params=RULES)
    small = solve_bound(p, max_cells=400)
    old_way = solve_bound(p, max_cells=400, average_merged=False)
    full = solve_bound(p, max_cells=10**7)
    assert small.periods == old_way.periods < full.periods
    # averaged shares relax the monthly bound, and less than crediting from the first month
    assert full.value <= small.value * (1 + 1e-7)
    assert small.value < old_way.value * (1 - 1e-6)
    value = evaluate(p, simulate(p, greedy_order(p)).end_month).value
    assert value <= full.value * (1 + 1e-7)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merged_months_averaged_stay_above_every_order_and_the_exact_mip(seed: int) -> None:
    # a year in quarters: each quarter's share is its months' average, so a hazard done in its
    # second month earns two months of credit there, as a real plan does
    p = tiny(seed, RULES)
    merged = solve_bound(p, max_cells=30)
    monthly = solve_bound(p, max_cells=10**7, integer=True)
    assert merged.month_periods < merged.periods < 12
    assert monthly.value <= merged.value * (1 + 1e-7)
    n_h = len(p.benefits.hazard_ids)
    best = max(
        evaluate(p, simulate(p, tasks_of_hazards(p, np.array(seq))).end_month).value
        for seq in itertools.permutations(range(n_h))
    )
    assert best <= merged.value * (1 + 1e-7)


def test_a_team_does_not_join_a_task_too_small_to_share() -> None:
    # 30 days of dog work on one task, room for three teams: with 18 days a team, one joins
    tasks = [{"hazard_id": "H0", "area_m2": 30 * 1000.0}]
    loose = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"dog": 3}, months=6)
    tight = dataclasses.replace(loose, params=dataclasses.replace(PARAMS, min_join_days=18.0))
    assert loose.slots[0] >= 2
    many = simulate(loose, np.arange(1)).work
    one = simulate(tight, np.arange(1)).work
    assert many["mobilisation_days"].sum() == pytest.approx(loose.slots[0] * PARAMS.setup_days)
    assert one["mobilisation_days"].sum() == pytest.approx(PARAMS.setup_days)
    # 30 days of work and one set-up in 20-day months: done in the second month
    assert simulate(tight, np.arange(1)).end_month[0] == 1


def test_teams_joining_a_begun_task_pay_their_own_set_up_unless_told_otherwise() -> None:
    # 30 days of dog work, room for two teams: two joins, the second on a task begun
    tasks = [{"hazard_id": "H0", "area_m2": 30 * 1000.0}]
    p = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"dog": 3}, months=6)
    assert p.slots[0] == 2
    every = simulate(p, np.arange(1))
    first_only = simulate(
        dataclasses.replace(p, params=dataclasses.replace(PARAMS, join_setup_days=0.0)),
        np.arange(1),
    )
    assert every.work["mobilisation_days"].sum() == pytest.approx(2 * PARAMS.setup_days)
    assert first_only.work["mobilisation_days"].sum() == pytest.approx(PARAMS.setup_days)
    # 30 days of work and one set-up a join (a day here): 32 team-days, 31 with the first only
    assert PARAMS.setup_days == 1.0
    assert every.end_month[0] == first_only.end_month[0] == 0
    assert every.work["team_days"].sum() == pytest.approx(32.0)
    assert first_only.work["team_days"].sum() == pytest.approx(31.0)


def test_the_gap_splits_set_ups_into_each_tasks_first_and_later_joins() -> None:
    p = dataclasses.replace(random_problem(8, months=24), params=PARAMS)
    bound = solve_bound(p, max_cells=10**7)
    order = greedy_order(p)
    shared = gap_causes(p, order, bound)
    # with no joining rule teams crowd onto tasks: some set-ups are of teams joining a begun task
    assert 0 < shared.later_setups <= shared.setups
    assert shared.without_travel <= shared.first_setups_only <= shared.without_mobilisation
    assert any("already begun" in line for line in shared.lines())
    # one team a task (no task holds 10,000 days of work): every set-up is a task's first
    alone = dataclasses.replace(p, params=dataclasses.replace(PARAMS, min_join_days=10_000.0))
    single = gap_causes(alone, order, bound)
    assert single.later_setups == pytest.approx(0.0, abs=1e-12)
    assert single.setups > 0


def test_a_free_team_takes_the_nearest_of_the_next_tasks() -> None:
    # one team at x=0 after its first task; next in order is 50 km away, the one after is next door
    tasks = [
        {"hazard_id": "H0", "area_m2": 2000.0, "x_m": 0.0},
        {"hazard_id": "H1", "area_m2": 2000.0, "x_m": 50_000.0},
        {"hazard_id": "H2", "area_m2": 2000.0, "x_m": 100.0},
    ]
    base = problem(tasks, population=[1.0], pairs=[(0, "H0")], teams={"dog": 1}, months=3)
    order = np.arange(3)
    plain = simulate(base, order)
    near = simulate(
        dataclasses.replace(base, params=dataclasses.replace(PARAMS, lookahead_tasks=1)), order
    )
    assert plain.start_month.tolist() == [0, 0, 0]
    first = near.work.sort_values(["month", "task"])
    assert near.work["mobilisation_days"].sum() < plain.work["mobilisation_days"].sum()
    # H2 (next door) is started before H1 is finished
    assert len(first) and near.end_month[2] <= near.end_month[1]


def test_the_gap_and_its_causes_add_up() -> None:
    p = dataclasses.replace(random_problem(8, months=24), params=RULES)
    bound = solve_bound(p, max_cells=10**7)
    order = greedy_order(p)
    causes = gap_causes(p, order, bound)
    value = evaluate(p, simulate(p, order).end_month).value
    assert causes.plan == pytest.approx(value / bound.value)
    assert 0 < causes.plan <= 1 + 1e-9
    assert causes.partial_credit >= 0
    assert causes.merged_periods == pytest.approx(0.0)  # every period a single month
    assert causes.travel >= 0 and causes.setups >= 0
    assert any("travel" in line for line in causes.lines())
    old_way = solve_bound(p, max_cells=300, average_merged=False)
    assert gap_causes(p, order, old_way).merged_periods > 0
    averaged = solve_bound(p, max_cells=300)
    assert averaged.periods < bound.periods
    assert gap_causes(p, order, averaged).merged_periods == 0.0


def test_counts_speak_of_hazards_released_when_all_their_tasks_are_done() -> None:
    tasks = [
        {"hazard_id": "H0", "area_m2": 10_000.0, "task_id": "H0/a"},
        {"hazard_id": "H0", "area_m2": 10_000_000.0, "task_id": "H0/b"},
        {"hazard_id": "H1", "area_m2": 10_000.0, "task_id": "H1/a"},
    ]
    p = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"dog": 1}, months=3)
    sched = simulate(p, np.array([0, 2, 1]))  # the small tasks first
    counts = PlanCounts.of(p, sched, evaluate(p, sched.end_month))
    assert (counts.hazards, counts.tasks) == (2, 3)
    assert counts.tasks_done == 2  # H0/a and H1/a
    assert counts.hazards_done == 1  # H1 only: H0's big task is not done
    assert counts.done_ha == pytest.approx(2.0)
    assert "1 of 2 hazards released" in counts.sentence()
    assert "2 of 3 tasks done" in counts.sentence()


def test_a_fast_kind_leaves_tasks_smaller_than_its_minimum_days_to_slower_ones() -> None:
    # one big task (80 machine-days) and four of 1,000 m² (0.4 machine-days, 3.3 manual days each)
    tasks = [{"hazard_id": f"S{i}", "area_m2": 1_000.0} for i in range(4)]
    tasks.append({"hazard_id": "BIG", "area_m2": 200_000.0})
    teams = {"machine": 1, "manual": 1}
    kw = {"population": [100.0, 100.0], "pairs": [(0, "BIG"), (1, "S0")], "months": 12}
    plain = problem(tasks, teams=teams, **kw)
    ruled = dataclasses.replace(plain, params=dataclasses.replace(PARAMS, min_task_days=1.0))
    order = np.arange(5)  # the small tasks first
    machine, manual = plain.kinds.index("machine"), plain.kinds.index("manual")
    before, after = simulate(plain, order), simulate(ruled, order)
    small = after.work["task"].to_numpy() < 4
    kinds = after.work["kind"].to_numpy()
    assert not (small & (kinds == machine)).any()  # the machine mobilises once, for the big task
    assert (kinds[small] == manual).all()
    assert after.work.loc[kinds == machine, "mobilisation_days"].sum() == pytest.approx(
        PARAMS.setup_days
    )
    assert (after.end_month >= 0).all()
    # without the rule the machine pays a day's set-up for each 0.4 days of work first
    assert before.work.loc[before.work["kind"] == machine, "mobilisation_days"].sum() > 2
    # the slowest kind able to work a task always may: with machines alone, they do it all
    alone = dataclasses.replace(
        problem(tasks, teams={"machine": 1}, **kw),
        params=dataclasses.replace(PARAMS, min_task_days=1.0),
    )
    assert (simulate(alone, order).end_month >= 0).all()


def test_each_kind_leaves_tasks_smaller_than_its_own_threshold() -> None:
    # 1,000 m² is 0.4 machine-days, 1 dog-day, 3.3 manual days; 10,000 m² is 4, 10 and 33
    tasks = [{"hazard_id": "S", "area_m2": 1_000.0}, {"hazard_id": "B", "area_m2": 10_000.0}]
    p = problem(
        tasks, population=[1.0], pairs=[(0, "S")], teams={"manual": 1, "dog": 1, "machine": 1}
    )
    kinds = list(p.kinds)
    by_kind = [0.0] * len(kinds)
    by_kind[kinds.index("machine")] = 1.0
    by_kind[kinds.index("dog")] = 12.0
    ruled = dataclasses.replace(
        p, params=dataclasses.replace(PARAMS, min_task_days_by_kind=tuple(by_kind))
    )
    rate = dispatch_rates(ruled)
    machine, dog, manual = (kinds.index(k) for k in ("machine", "dog", "manual"))
    assert rate[0, machine] == 0 and rate[1, machine] == pytest.approx(2_500.0)  # 0.4 < 1 ≤ 4 days
    assert rate[0, dog] == 0 and rate[1, dog] == 0  # 1 and 10 days, both under 12
    assert rate[0, manual] == pytest.approx(300.0)  # the slowest kind always may
    # one threshold for all kinds (1 day) keeps the dog on both
    uniform = dataclasses.replace(p, params=dataclasses.replace(PARAMS, min_task_days=1.0))
    assert (dispatch_rates(uniform)[:, dog] > 0).all()


@pytest.mark.parametrize("seed", [3, 11])
def test_rules_chosen_per_kind_do_better_than_one_rule_for_all(seed: int) -> None:
    p = dataclasses.replace(random_problem(seed, hazards=60, months=36), params=RULES)
    order = greedy_order(p)
    base = evaluate(p, simulate(p, order).end_month).value
    chosen, value = kind_rules(p, order, base, seconds=30.0)
    assert value == pytest.approx(evaluate(chosen, simulate(chosen, order).end_month).value)
    assert value > base * 1.01
    n_k = len(p.kinds)
    rules = (
        chosen.params.task_days(n_k),
        chosen.params.join_days(n_k),
        chosen.params.lookahead(n_k),
    )
    assert any(len(set(r.tolist())) > 1 for r in rules)  # not one rule for every kind
    # no time: the problem as given
    same, v0 = kind_rules(p, order, base, seconds=0.0)
    assert same is p and v0 == base


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_task_speed_cap_tightens_the_bound_and_stays_above_every_order(seed: int) -> None:
    p = tiny(seed, RULES)
    old = solve_bound(p, max_cells=10**7, task_speed=False)
    new = solve_bound(p, max_cells=10**7)
    assert new.value <= old.value * (1 + 1e-9)
    n_h = len(p.benefits.hazard_ids)
    best = max(
        evaluate(p, simulate(p, tasks_of_hazards(p, np.array(seq))).end_month).value
        for seq in itertools.permutations(range(n_h))
    )
    assert best <= new.value * (1 + 1e-7) + 1e-12
    _, order, _, chosen = best_order(p, solve_lp=False, search_seconds=0.2, seconds={})
    assert evaluate(chosen, simulate(chosen, order).end_month).value <= new.value * (1 + 1e-7)


def test_a_hazard_goes_no_faster_than_its_slowest_task() -> None:
    # one hazard: NTS of 1 km² (a manual team does it in 4 days) and clearance of 200,000 m²
    # (room for 10 teams at once); 20 dog teams at 1,000 m² a day, months of 20 working days
    tasks = [
        {"hazard_id": "H0", "method": "NTS", "decision": "cancel", "area_m2": 1e6},
        {"hazard_id": "H0", "area_m2": 200_000.0},
    ]
    p = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"manual": 1, "dog": 20})
    assert p.slots[1] == 10
    # 10 dog teams, each after a day's set-up: 10 × 1,000 × 19 = 190,000 m² in the first month
    assert task_reach(p, np.array([1.0, 2.0]))[0].tolist() == pytest.approx([0.95, 1.0])
    # with two dog teams and the manual team only, three at once, each counted at the dog's rate
    few = problem(tasks, population=[100.0], pairs=[(0, "H0")], teams={"manual": 1, "dog": 2})
    assert task_reach(few, np.array([1.0]))[0, 0] == pytest.approx(3 * 1_000 * 19 / 200_000)
    old = solve_bound(p, max_cells=10**7, task_speed=False)
    new = solve_bound(p, max_cells=10**7)
    # summed over its tasks, the survey's speed let the clearance be done in the first month
    assert old.hazard_done[0, 0] == pytest.approx(1.0)
    assert new.hazard_done[0, 0] == pytest.approx(0.95)
    assert new.value < old.value
    best = evaluate(p, simulate(p, np.arange(2)).end_month).value
    assert best <= new.value * (1 + 1e-9)


def test_the_bound_charges_one_set_up_per_task_begun_no_more() -> None:
    # thirty tasks of 1,000 m² (0.4 days of a machine's work each) and two-day set-ups: with one
    # machine, every schedule pays 2.4 days a task, 8.3 tasks a month, and so does the bound;
    # charging a set-up more per task would put the bound below the plan (decision 0028)
    tasks = [{"hazard_id": f"H{i:02d}", "area_m2": 1_000.0} for i in range(30)]
    p = problem(
        tasks,
        population=[100.0] * 30,
        pairs=[(i, f"H{i:02d}") for i in range(30)],
        teams={"machine": 1},
        months=4,
        params=dataclasses.replace(PARAMS, setup_days=2.0),
    )
    bound = solve_bound(p, max_cells=10**7)
    assert bound.status == "Optimal"
    assert bound.hazard_done.sum(axis=0)[:3] == pytest.approx([20 / 2.4, 40 / 2.4, 60 / 2.4])
    plan = evaluate(p, simulate(p, greedy_order(p)).end_month).value
    assert plan == pytest.approx((8 + 16 + 25) / 12 / 30)  # tasks done by the end of months 0-2
    assert plan <= bound.value <= plan * 1.03


def test_slower_kinds_leave_a_claiming_kind_the_tasks_it_may_work() -> None:
    # A: 100,000 m² machines may clear (40 machine-days); B: as big on a steep slope (no machines);
    # C: 1,000 m² machines may clear, under the machine's one-day task-size threshold
    tasks = [
        {"hazard_id": "A", "area_m2": 100_000.0},
        {"hazard_id": "B", "area_m2": 100_000.0, "slope_deg": 30.0},
        {"hazard_id": "C", "area_m2": 1_000.0},
    ]
    teams = {"manual": 1, "dog": 1, "machine": 1}
    p = problem(tasks, population=[1.0], pairs=[(0, "A")], teams=teams, months=12)
    kinds = list(p.kinds)
    machine, dog, manual = (kinds.index(k) for k in ("machine", "dog", "manual"))
    sized = [0.0] * len(kinds)
    sized[machine] = 1.0
    claim = [0] * len(kinds)
    claim[machine] = 1
    rules = dataclasses.replace(PARAMS, min_task_days_by_kind=tuple(sized))
    free = dataclasses.replace(p, params=rules)
    claimed = dataclasses.replace(p, params=dataclasses.replace(rules, claim_by_kind=tuple(claim)))
    before, after = dispatch_rates(free), dispatch_rates(claimed)
    assert before[0, dog] > 0 and before[0, manual] > 0
    assert after[0, machine] == pytest.approx(2_500.0)
    assert after[0, dog] == 0 and after[0, manual] == 0  # the machine's task
    np.testing.assert_array_equal(after[1:], before[1:])  # no machine there, or too small for it
    assert after[2, dog] > 0 and after[2, machine] == 0
    work = simulate(claimed, np.array([0, 1, 2])).work
    on_a = work[work["task"] == 0]
    assert set(on_a["kind"]) == {machine}
    assert (simulate(claimed, np.array([0, 1, 2])).end_month >= 0).all()


def test_a_kind_leaving_money_to_cheaper_kinds_keeps_them_working_all_year() -> None:
    # a dog team (7,000 USD a month) and a manual team (30,000) with 300,000 USD a year: spending
    # in turn, both stop in the ninth month; the manual team leaving the dog's later months'
    # money, the dog works every day of the year and the manual team what is left
    tasks = [{"hazard_id": f"H{i}", "area_m2": 400_000.0, "slope_deg": 30.0} for i in range(3)]
    p = problem(
        tasks,
        population=[1.0],
        pairs=[(0, "H0")],
        teams={"manual": 1, "dog": 1},
        months=12,
        budget=300_000.0,
    )
    kinds = list(p.kinds)
    dog, manual = kinds.index("dog"), kinds.index("manual")
    reserve = [0] * len(kinds)
    reserve[manual] = 1
    kept = dataclasses.replace(
        p, params=dataclasses.replace(PARAMS, reserve_by_kind=tuple(reserve))
    )
    order = np.arange(3)
    days = []
    for q in (p, kept):
        s = simulate(q, order)
        assert s.spend_usd[0] == pytest.approx(300_000.0)
        days.append(s.work.groupby("kind")["team_days"].sum())
    assert days[0][dog] < 12 * PARAMS.working_days_per_month - 1
    assert days[1][dog] == pytest.approx(12 * PARAMS.working_days_per_month)
    assert days[1][manual] == pytest.approx((300_000.0 - 240 * 350.0) / 1500.0)


def test_the_plans_dispatch_rules_go_to_the_forecast_by_kind_name() -> None:
    kinds = ("manual", "dog", "rat", "machine")
    chosen = dataclasses.replace(
        PARAMS,
        min_task_days=2.0,
        max_cost_ratio=3.0,
        min_task_days_by_kind=(1.0, 3.0, 4.0, 1.0),
        min_join_days_by_kind=(40.0, 18.0, 18.0, 27.0),
        lookahead_by_kind=(16, 4, 0, 1),
        claim_by_kind=(0, 0, 0, 1),
        reserve_by_kind=(1, 0, 0, 0),
    )
    stored = json.loads(json.dumps(chosen.dispatch_rules(kinds)))
    assert stored["by_kind"]["machine"]["claim"] == 1
    assert PARAMS.with_dispatch_rules(stored, kinds) == chosen
    # a pool in another order takes each kind's own rules; a kind the plan did not have, the
    # uniform ones
    other = PARAMS.with_dispatch_rules(stored, ("machine", "manual", "mine-detection rat"))
    assert other.claim_by_kind == (1, 0, 0) and other.reserve_by_kind == (0, 1, 0)
    assert other.min_task_days_by_kind == (1.0, 1.0, 2.0)
    assert other.lookahead_by_kind == (1, 16, PARAMS.lookahead_tasks)
    assert other.max_cost_ratio == 3.0
    # no rules (a plan from before they were stored): the parameters as they are
    assert PARAMS.with_dispatch_rules({}, kinds) is PARAMS
    # an unlimited cost ratio is stored as null (JSON has no infinity)
    assert PARAMS.dispatch_rules(kinds)["max_cost_ratio"] is None
