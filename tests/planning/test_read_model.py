"""Planning reads the workspace's read model: one view per pipeline run, released land from the
ledger only, and what blocks a settlement defined once (GeoPackage and PostGIS)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from landrelease.io import import_package
from landrelease.planning import forecast, plan, prioritise, read_readiness
from landrelease.planning.pace import pace_so_far
from landrelease.records import book_approved_activities
from landrelease.store import Workspace, WorkspaceView
from tests.helpers import LAT0, LON0, feature, square, write_fc, write_package

START, HORIZON = "2026-01", "2029-12"


@pytest.fixture
def filled(workspace: Workspace, tmp_path: Path) -> Workspace:
    assert import_package(workspace, write_package(tmp_path / "pkg"), actor="tester").committed
    assert book_approved_activities(workspace, actor="tester").bookings == 1
    return workspace


def test_one_view_shared_by_a_pipeline_run_reads_each_layer_once(filled: Workspace) -> None:
    view = WorkspaceView(filled)
    prioritise(view, write=False)
    plan(view, horizon=HORIZON, start=START, solve_lp=False, search_seconds=0)
    forecast(view, runs=10, start=START, write=False)
    assert {"hazards", "settlements", "infrastructure", "incidents", "funding", "assets"} <= set(
        view.reads
    )
    assert max(view.reads.values()) == 1, view.reads


def test_released_land_is_what_the_ledger_booked_not_the_activity_s_own_area(
    filled: Workspace, tmp_path: Path
) -> None:
    # an approved technical survey half over land ACT-1 already reduced: the ledger books half
    extra = tmp_path / "extra"
    extra.mkdir()
    write_fc(
        extra / "activities.geojson",
        [
            feature(
                {
                    "activity_id": "TS-OVER",
                    "type": "TS",
                    "hazard_id": "HZ-0",
                    "start": "2022-06-01",
                    "end": "2022-06-30",
                    "outcome": "reduced",
                    "status": "approved",
                    "organisation": "ANAMA",
                },
                square(LON0 + 0.0025, LAT0, 0.005),
            )
        ],
    )
    import_package(filled, extra, actor="importer")
    assert book_approved_activities(filled, actor="tester").bookings == 1
    view = WorkspaceView(filled)
    acts = view.layer("activities").set_index("activity_id")
    ledger = view.ledger()
    booked = ledger.groupby("activity_id")["area_m2"].sum()
    own = float(acts.loc["TS-OVER", "area_m2"])
    assert booked["TS-OVER"] == pytest.approx(own / 2, rel=0.02)  # trimmed: half was released

    released = view.released_by_hazard()["HZ-0"]
    assert released == pytest.approx(float(booked.sum()))
    hz0 = float(view.layer("hazards").set_index("hazard_id").loc["HZ-0", "area_m2"])
    r = plan(view, horizon=HORIZON, start=START, write=False, solve_lp=False, search_seconds=0)
    tasks = r.problem.tasks
    left = float(tasks.loc[tasks["hazard_id"] == "HZ-0", "area_m2"].sum())
    assert left == pytest.approx(hz0 - released, rel=1e-6)  # not hz0 − the activities' own areas
    assert left > hz0 - float(acts.loc[["ACT-1", "TS-OVER"], "area_m2"].sum()) + 1_000

    # the pace counts the same lines: reductions (TS) only, by the ledger's figures
    pace = pace_so_far(ledger)
    assert pace.activities == 2
    assert pace.m2_per_month["TS"] * pace.months == pytest.approx(float(booked.sum()))
    assert r.pace.m2_per_month == pace.m2_per_month


def test_what_blocks_a_settlement_is_the_same_in_the_plan_as_in_the_reports_and_the_web(
    filled: Workspace,
) -> None:
    view = WorkspaceView(filled)
    pairs = view.blocking_pairs()
    expected = pairs.groupby("settlement_id").size()
    # HZ-0 lies ~2 km from Kahrizli (ST-2), beyond settlement_radius_m (1.5 km), on its road
    assert expected.to_dict() == {"ST-2": 2} and "HZ-0" not in set(pairs["hazard_id"])

    r = plan(view, horizon=HORIZON, start=START, solve_lp=False, search_seconds=0)
    got = r.readiness.set_index("settlement_id")["blocking_hazards"]
    for sid, n in got.items():
        assert n == expected.get(sid, 0), sid
    b = r.problem.benefits
    st2 = list(b.settlement_ids).index("ST-2")
    waiting = {
        str(b.hazard_ids[h])
        for s, h in zip(b.pair_settlement, b.pair_hazard, strict=True)
        if s == st2
    }
    assert waiting == set(pairs["hazard_id"])  # readiness waits for these two only
    hazard_month = r.outcome.hazard_month
    ids = list(b.hazard_ids)
    assert r.outcome.settlement_month[st2] == max(hazard_month[ids.index(h)] for h in waiting)

    # HZ-0 still raises its priority through the road and fields it holds up
    pr = prioritise(view, write=False).table.set_index("hazard_id")
    assert pr.loc["HZ-0", "people"] > 0 and pr.loc["HZ-0", "settlements"] == ["ST-2"]

    forecast(view, runs=10, start=START)
    stored = read_readiness(filled).set_index("settlement_id")["blocking_hazards"]
    assert {k: int(v) for k, v in stored.items()} == {"ST-1": 0, "ST-2": 2}


def test_a_larger_radius_blocks_more_the_same_way(
    filled: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANDRELEASE_SETTLEMENT_RADIUS_M", "6000")
    view = WorkspaceView(filled)
    expected = view.blocking_pairs().groupby("settlement_id").size().to_dict()
    assert expected == {"ST-1": 3, "ST-2": 3}
    r = plan(view, horizon=HORIZON, start=START, write=False, solve_lp=False, search_seconds=0)
    got = r.readiness.set_index("settlement_id")["blocking_hazards"].to_dict()
    assert {k: int(v) for k, v in got.items()} == expected
    assert np.isfinite(r.outcome.settlement_month).all()
