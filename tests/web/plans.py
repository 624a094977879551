"""A stored plan for the web tests (the map's time slider, hazards' next steps)."""

from __future__ import annotations

import pandas as pd

from landrelease.planning import store as plan_store
from landrelease.store import Workspace


def add_plan(ws: Workspace) -> int:
    """A plan run over the test hazards: HZ-0 done in 2027-Q2, HZ-1 in Q3, HZ-2 after the horizon."""
    tasks = pd.DataFrame(
        {
            "task_id": ["T1", "T2", "T3", "T4"],
            "hazard_id": ["HZ-0", "HZ-0", "HZ-1", "HZ-2"],
            "part_id": [None] * 4,
            "method": ["NTS", "clearance", "TS", "clearance"],
            "area_m2": [600_000.0, 400_000.0, 1_000_000.0, 50_000.0],
            "sequence": [1, 2, 3, 4],
            "start_month": ["2027-01", "2027-02", "2027-05", "2027-11"],
            "end_month": ["2027-01", "2027-04", "2027-08", None],
            "team_days": [10.0, 200.0, 80.0, 40.0],
            "cost_usd": [5_000.0, 150_000.0, 60_000.0, 30_000.0],
        }
    )
    ready = pd.DataFrame(
        {
            "settlement_id": ["ST-1"],
            "name": ["Aghdam"],
            "population_planned": [1200],
            "blocking_hazards": [2],
            "status": ["planned"],
            "plan_date": ["2027-08-31"],
            "scenario": [None],
            "p10": [None],
            "p50": [None],
            "p90": [None],
        }
    )
    with ws.begin() as conn:
        plan_store.ensure_tables(conn)
        run = plan_store.new_run(conn, "plan", parameters={}, summary={}, actor="tester")
        plan_store.write_frame(conn, "plan_tasks", run, tasks)
        plan_store.write_frame(conn, "plan_readiness", run, ready)
    return run
