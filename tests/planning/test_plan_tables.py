"""The plan's tables agree with each other: land counts as released in the month its task ends."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.planning.plan_tables import cost_by_method, cost_by_year, task_table
from landrelease.planning.schedule import simulate
from tests.planning.builders import problem


def test_land_is_released_in_the_year_its_task_ends_and_only_when_it_ends() -> None:
    # one manual team: A (10 ha) takes 16.7 months, so it ends in May 2028; B (5,000 ha) is
    # still being worked at the horizon and releases nothing by then
    p = problem(
        [{"hazard_id": "A", "area_m2": 100_000.0}, {"hazard_id": "B", "area_m2": 5e7}],
        population=[100.0],
        pairs=[(0, "A")],
        teams={"manual": 1},
        months=24,
        start="2027-01",
    )
    s = simulate(p, np.array([0, 1]))
    assert s.end_month.tolist() == [16, -1]
    assert s.work["area_m2"].sum() > 100_000.0  # B was worked on, not finished
    by_year = cost_by_year(p, s).set_index("year")["released_ha"]
    assert by_year.to_dict() == pytest.approx({2027: 0.0, 2028: 10.0})
    # the same land as the work by method says is done by the horizon
    done = cost_by_method(task_table(p, s))["done_ha"].sum()
    assert by_year.sum() == pytest.approx(done)


def test_a_year_the_plan_covers_in_part_has_its_months_share_of_the_budget() -> None:
    # the plan starts in November 2026 and ends in June 2028: 2, 12 and 6 months of USD 24 M
    # a year; the first year's budget is 4 M, not 24 M to spend in two months
    def planned(budget: float | dict[int, float]) -> tuple[object, object]:
        p = problem(
            [{"hazard_id": "A", "area_m2": 5e7}],
            population=[100.0],
            pairs=[(0, "A")],
            teams={"manual": 400},
            months=20,
            start="2026-11",
            budget=budget,
        )
        return p, simulate(p, np.array([0]))

    p, s = planned(24e6)
    table = cost_by_year(p, s).set_index("year")
    assert table["months"].to_dict() == {2026: 2, 2027: 12, 2028: 6}
    assert table["budget_usd"].to_dict() == pytest.approx({2026: 4e6, 2027: 24e6, 2028: 12e6})
    # 400 manual teams could spend USD 21.6 M in two months: the budget now binds at 4 M
    assert table["spent_usd"].to_dict() == pytest.approx({2026: 4e6, 2027: 24e6, 2028: 12e6})
    # figures per year are a year's money too; a year not named takes the one before
    p, s = planned({2026: 30e6, 2027: 18e6})
    assert cost_by_year(p, s)["budget_usd"].tolist() == pytest.approx([5e6, 18e6, 9e6])
