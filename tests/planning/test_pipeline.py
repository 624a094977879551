"""Prioritise, plan and forecast on a workspace (GeoPackage and PostGIS), and through the command line."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.planning import InfeasiblePlanError, forecast, plan, prioritise, read_readiness
from landrelease.planning.store import latest_run, read_table
from landrelease.records import book_approved_activities
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, write_package

START, HORIZON = "2026-01", "2029-12"


@pytest.fixture
def filled(workspace: Workspace, tmp_path: Path) -> Workspace:
    report = import_package(workspace, write_package(tmp_path / "pkg"), actor="tester")
    assert report.committed
    # ACT-1 (approved) releases land only once booked in the ledger, as the centre does on import
    assert book_approved_activities(workspace, actor="tester").bookings == 1
    return workspace


def test_prioritise_plan_and_forecast_write_readable_results(
    filled: Workspace, tmp_path: Path
) -> None:
    pr = prioritise(filled)
    assert pr.table["hazard_id"].tolist()[0] in {"HZ-0", "HZ-1", "HZ-2"} and len(pr.table) == 3
    assert any("no survey decisions" in n for n in pr.notes)
    stored = read_table(filled, "priorities", pr.run_id)
    assert stored.sort_values("rank")["hazard_id"].tolist() == pr.table["hazard_id"].tolist()
    assert set(stored["contributions"].iloc[0]) == {
        "people",
        "infrastructure",
        "farmland",
        "casualty_risk",
        "cost",
    }

    told: list[tuple[str, float]] = []
    r = plan(
        filled,
        horizon=HORIZON,
        start=START,
        out=tmp_path / "charts",
        search_seconds=0,
        progress=lambda step, fraction: told.append((step, fraction)),
    )
    fractions = [f for _, f in told]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    steps = [step for step, _ in told]
    assert "LP bound (HiGHS)" in steps and "dispatch rules per kind" in steps
    assert r.seconds["dispatch"] <= 6.0 + 1.0  # plan_dispatch_seconds, and one schedule more
    assert r.run_id == latest_run(filled, "plan")
    assert r.bound is not None and r.outcome.value <= r.bound.value * (1 + 1e-7)
    assert (tmp_path / "charts" / "plan_gantt.png").stat().st_size > 10_000
    assert (tmp_path / "charts" / "plan_map.png").stat().st_size > 10_000
    tasks = read_table(filled, "plan_tasks", r.run_id)
    assert len(tasks) == r.problem.n_tasks
    sched = read_table(filled, "plan_schedule", r.run_id)
    assert sched["cost_usd"].sum() == pytest.approx(r.cost_by_year["spent_usd"].sum())
    assert set(sched["asset"]) <= {"manual", "dog", "rat", "machine"}
    assert r.cost_by_year["spent_usd"].le(r.cost_by_year["budget_usd"] * (1 + 1e-9)).all()
    # the funding of the last 12 months: national 12 M + Japan 2 × 0.45 M
    assert r.problem.budget_usd[0] == pytest.approx(12_900_000)

    ready = read_readiness(filled)
    assert list(ready.columns[:6]) == [
        "settlement_id",
        "name",
        "population_planned",
        "blocking_hazards",
        "status",
        "plan_date",
    ]
    assert set(ready["settlement_id"]) == {"ST-1", "ST-2"}

    f = forecast(filled, runs=60, start=START, out=tmp_path / "charts")
    assert (tmp_path / "charts" / "forecast.png").exists()
    # no survey run here: the forecast says what it assumes of the land the fallback cancels
    assert [n for n in f.notes if n.startswith("no survey run")]
    assert f.saving and f.saving["cancel_kept_p10"] == pytest.approx(1.0)
    assert len(f.table) == len(f.config.scenarios)
    done = f.table[["completion_p10", "completion_p50", "completion_p90"]]
    ordered = done.dropna()
    assert (ordered["completion_p10"] <= ordered["completion_p50"]).all()
    assert (ordered["completion_p50"] <= ordered["completion_p90"]).all()
    both = read_readiness(filled).set_index("settlement_id")
    blocked = both[both["blocking_hazards"] > 0]
    assert len(blocked) and blocked["scenario"].eq(f.config.baseline).all()
    for row in blocked.itertuples():
        assert row.p10 <= row.p50 <= row.p90
    # the settlement report names the whole scenario (it was once cut to ten characters)
    from landrelease.reports import settlement_report

    sid = str(blocked.index[0])
    headline = " ".join(settlement_report(filled, name=sid, figures=False).headline)
    assert f"the forecast ({f.config.baseline} scenario) puts it between" in headline
    assert len(f.config.baseline) > 10
    # three hazards, one settlement waiting: the saving's sign here is down to which team takes
    # which task (the scenario test checks that cancellation saves money on a real region)
    assert f.saving and np.isfinite(f.saving["saving_usd_p50"])


def test_infeasible_plans_are_explained(filled: Workspace, tmp_path: Path) -> None:
    with pytest.raises(
        InfeasiblePlanError, match="horizon 2020-12 is before the plan's first month 2026-01"
    ):
        plan(filled, horizon="2020-12", start=START, write=False)
    with pytest.raises(InfeasiblePlanError, match="budget is zero in every year"):
        plan(filled, horizon=HORIZON, start=START, budget="0", write=False, solve_lp=False)
    with pytest.raises(UsageError, match="--horizon 'soon' is not a month: give it as YYYY-MM"):
        plan(filled, horizon="soon", write=False)
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("organisation,asset,count,m2_per_day,usd_per_day\nX,dog,0,1000,350\n")
    with pytest.raises(
        InfeasiblePlanError, match="no teams are available between 2026-01 and 2029-12"
    ):
        plan(filled, horizon=HORIZON, start=START, assets_file=nobody, write=False)
    # machines alone cannot do non-technical survey: those tasks stay open, and the plan says so
    machines = tmp_path / "machines.csv"
    machines.write_text("organisation,asset,count,m2_per_day,usd_per_day\nX,machine,4,2500,2200\n")
    r = plan(
        filled, horizon=HORIZON, start=START, assets_file=machines, write=False, search_seconds=0
    )
    assert set(r.unworkable["method"]) == {"NTS"}
    assert r.unworkable["reason"].str.contains("needs manual").all()
    assert any("cannot be worked by any available asset" in n for n in r.notes)
    assert (r.schedule.end_month[r.problem.tasks["method"] == "NTS"] < 0).all()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "organisation,asset,count,m2_per_day,usd_per_day\nX,tank,4,2500,2200\nY,dog,-1,1000,350\n"
    )
    with pytest.raises(UsageError, match=r"row 2: asset = 'tank'.*row 3: count = '-1'"):
        plan(filled, horizon=HORIZON, start=START, assets_file=bad, write=False)


def test_defaults_are_used_and_said_when_no_assets_exist(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_package(workspace, write_package(tmp_path / "pkg", skip=("assets",)), actor="tester")
    r = plan(workspace, horizon=HORIZON, start=START, write=False, solve_lp=False, search_seconds=0)
    assert r.assets_source == "defaults"
    assert any("defaults of DOMAIN.md" in n for n in r.notes)
    assert r.problem.pool.teams[:, 0].tolist() == [100, 100, 20, 25]


def test_plan_uses_the_survey_engines_decisions(filled: Workspace) -> None:
    from landrelease.survey import SurveyResult, SurveyRule, store_survey

    cell = 0.004
    parts = gpd.GeoDataFrame(
        {
            "part_id": ["HZ-0/CA", "HZ-0/TE", "HZ-1/CL", "HZ-1/BA"],
            "hazard_id": ["HZ-0", "HZ-0", "HZ-1", "HZ-1"],
            "decision": ["cancel", "technical_survey", "clearance", "battle_area_clearance"],
            "area_m2": [400_000.0, 300_000.0, 200_000.0, 200_000.0],
            "expected_devices": [0.2, 3.0, 40.0, 10.0],
            "p_any_device": [0.1, 0.7, 1.0, 1.0],
            "devices_per_ha": [0.0, 0.1, 2.0, 0.5],
            "evidence": ["", "", "", ""],
            "confidence": ["", "", "", ""],
        },
        geometry=[
            shapely.multipolygons(
                [shapely.box(LON0 + i * 0.02, LAT0, LON0 + i * 0.02 + cell, LAT0 + cell)]
            )
            for i in (0, 0, 1, 1)
        ],
        crs="EPSG:4326",
    )
    store_survey(filled, SurveyResult(parts, SurveyRule()), risk_run_id=None, actor="tester")
    r = plan(filled, horizon=HORIZON, start=START, write=False, solve_lp=False, search_seconds=0)
    assert r.task_source == "survey" and not any("no survey decisions" in n for n in r.notes)
    assert sorted(r.problem.tasks["task_id"]) == ["HZ-0/CA", "HZ-0/TE", "HZ-1/BA", "HZ-1/CL"]
    assert dict(zip(r.problem.tasks["task_id"], r.problem.tasks["method"], strict=True)) == {
        "HZ-0/CA": "NTS",
        "HZ-0/TE": "TS",
        "HZ-1/CL": "clearance",
        "HZ-1/BA": "BAC",
    }
    assert np.isfinite(r.outcome.value)
    # battle-area clearance is planned and costed as its own method
    by = r.cost_by_method.set_index("method")
    assert by.index.tolist() == ["NTS", "TS", "BAC", "clearance"]
    assert by.loc["BAC", "area_ha"] == pytest.approx(20.0)
    assert 0 < by.loc["BAC", "cost_usd"] < by.loc["clearance", "cost_usd"]


runner = CliRunner()


def test_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_PLAN_SEARCH_SECONDS", "0")
    ws = str(tmp_path / "w.gpkg")
    assert (
        runner.invoke(app, ["import", str(write_package(tmp_path / "pkg")), "-w", ws]).exit_code
        == 0
    )
    res = runner.invoke(app, ["prioritise", "-w", ws, "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "Sensitivity" in res.output and "HZ-" in res.output
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["plan", "-w", ws, "--horizon", HORIZON, "--start", START, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "of the LP bound" in text and "Beside the rules a planner might use" in text
    assert (out / "plan_gantt.png").exists()
    res = runner.invoke(app, ["forecast", "-w", ws, "--runs", "20", "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert (
        "national_pace" in text and "Pace so far" in text and "Evidence-based cancellation" in text
    )
    # no official estimate in the profile: no national figure, and nobody's else
    assert "official estimate" not in text and "25 bn" not in text and "10 bn" not in text
    res = runner.invoke(
        app,
        [
            *("profile", "set", "-w", ws, "--country", "Azerbaijan", "--official-estimate", "25e9"),
            *("--experts-saving", "10e9", "--estimate-source", "government, Oct 2022"),
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["forecast", "-w", ws, "--runs", "20", "--out", str(out)])
    text = " ".join(res.output.split())
    assert "Applied to the official estimate of USD 25 bn (government, Oct 2022): about USD" in text
    assert "beside the experts' 'up to USD 10 bn'" in text
    res = runner.invoke(app, ["plan", "-w", ws, "--horizon", "2001-01"])
    assert res.exit_code == 2 and "before the plan's first month" in " ".join(res.output.split())
    weights = tmp_path / "w.toml"
    weights.write_text("[weights]\npeople = -1\n")
    res = runner.invoke(app, ["prioritise", "-w", ws, "--weights", str(weights)])
    assert res.exit_code == 2 and "people = -1" in " ".join(res.output.split())
