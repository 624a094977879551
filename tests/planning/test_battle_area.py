"""Battle-area clearance in the plan: its own method (BAC), at its own effort per m²."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from landrelease.planning.model import PlanParams, PlanProblem
from landrelease.planning.orders import tasks_of_hazards
from landrelease.planning.plan_tables import cost_by_method, task_table
from landrelease.planning.schedule import simulate
from tests.planning.builders import PARAMS, problem

NO_SETUP = replace(PARAMS, setup_days=0.0)
AREA = 60_000.0


def _clearance_and_bac(
    params: PlanParams = NO_SETUP, teams: dict[str, float] | None = None
) -> PlanProblem:
    return problem(
        [
            {"hazard_id": "H1", "area_m2": AREA},
            {
                "hazard_id": "H2",
                "area_m2": AREA,
                "method": "BAC",
                "decision": "battle_area_clearance",
            },
        ],
        population=[100.0, 100.0],
        pairs=[(0, "H1"), (1, "H2")],
        teams=teams or {"manual": 2},
        params=params,
    )


@pytest.mark.parametrize("share", [0.35, 0.5])
def test_a_battle_area_task_costs_its_effort_share_of_a_clearance(share: float) -> None:
    p = _clearance_and_bac(replace(NO_SETUP, bac_effort_share=share))
    kind, days, cost = p.cheapest()
    assert p.kinds[kind[0]] == p.kinds[kind[1]] == "manual"
    assert days[1] == pytest.approx(share * days[0])
    assert cost[1] == pytest.approx(share * cost[0])


def test_the_effort_share_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PlanParams.from_settings().bac_effort_share == 0.35
    monkeypatch.setenv("LANDRELEASE_PLAN_BAC_EFFORT_SHARE", "0.5")
    assert PlanParams.from_settings().bac_effort_share == 0.5


def test_a_sweep_is_never_dearer_than_clearing_the_same_land() -> None:
    # every kind that clears may sweep, at the effort share: where dog teams clear cheaply,
    # battle-area clearance does not fall back on dearer manual teams
    p = _clearance_and_bac(teams={"manual": 1, "dog": 1, "rat": 1, "machine": 1})
    np.testing.assert_allclose(p.rate[1], p.rate[0] / 0.35)
    kind, _, cost = p.cheapest()
    assert kind[0] == kind[1]
    assert cost[1] == pytest.approx(0.35 * cost[0])


def test_a_battle_area_task_is_planned_under_its_own_method() -> None:
    p = _clearance_and_bac()
    s = simulate(p, tasks_of_hazards(p, np.arange(2)))
    tasks = task_table(p, s)
    assert tasks["method"].tolist() == ["clearance", "BAC"]
    assert tasks["end_month"].notna().all()
    assert tasks["cost_usd"].iloc[1] == pytest.approx(0.35 * tasks["cost_usd"].iloc[0])
    by = cost_by_method(tasks).set_index("method")
    assert by.index.tolist() == ["BAC", "clearance"]
    assert by.loc["BAC", "area_ha"] == pytest.approx(AREA / 1e4)
    cost = by["cost_usd"].to_dict()
    assert cost["BAC"] == pytest.approx(0.35 * cost["clearance"])
