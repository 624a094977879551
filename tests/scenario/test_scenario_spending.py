"""The scenario's money spent: one expenditure per approved activity, at the planning's asset
costs, the same for the same seed, recorded as a user records spending, and shown by the
dashboard as the sum of the records."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landrelease.cli.demo import record_scenario_spending
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.records.money import record_expenditures
from landrelease.scenario import ScenarioResult, generate
from landrelease.scenario.parameters import DEFAULT
from landrelease.scenario.spending import NTS_M2_PER_TEAM_DAY, activity_cost, usd_per_m2
from landrelease.store import Workspace, tables
from landrelease.web import create_app
from tests.scenario.conftest import Reader

RES = DEFAULT.resources


def _columns(small: ScenarioResult) -> dict[str, list[object]]:
    assert small.expenditures is not None
    return small.expenditures.columns


def test_the_scenario_spends_on_each_approved_activity(
    small: ScenarioResult, features: Reader
) -> None:
    spent = _columns(small)
    acts = {
        f["properties"]["activity_id"]: f["properties"] for f in features(small.out, "activities")
    }
    approved = {a for a, p in acts.items() if p["status"] == "approved"}
    assert set(spent["activity_id"]) == approved and len(spent["activity_id"]) == len(approved)
    amounts = [float(str(a)) for a in spent["amount_usd"]]
    assert all(a > 0 for a in amounts) and sum(amounts) > 1e6
    for aid, org, date in zip(
        spent["activity_id"], spent["organisation"], spent["date"], strict=True
    ):
        assert acts[str(aid)]["organisation"] == org and acts[str(aid)]["end"] == date
    with (small.out / "funding.csv").open(encoding="utf-8", newline="") as fh:
        funding = list(csv.DictReader(fh))
    assert {str(s) for s in spent["source"]} <= {f["source"] for f in funding}
    # plausible: less than the money received (25.8 M at seed 1, small)
    received = sum(float(f["amount_usd"]) for f in funding)
    assert 0.3 * received < sum(amounts) < received


def test_costs_follow_the_method_and_the_planning_s_asset_rates() -> None:
    manual_day = 1500.0  # the manual team's USD/day (assets.csv, settings asset_manual_*)
    assert activity_cost("NTS", 500_000.0, None, None, RES) == pytest.approx(
        500_000.0 / NTS_M2_PER_TEAM_DAY * manual_day
    )
    assert activity_cost("EOD_spot", 50.0, None, ["manual"], RES) == manual_day
    assert usd_per_m2("manual", RES) == pytest.approx(1500.0 / 300.0)
    assert usd_per_m2(["machine", "manual"], RES) == pytest.approx(3700.0 / 2800.0)
    assert activity_cost("TS", 10_000.0, 0.2, ["dog"], RES) == pytest.approx(2_000 * 0.35)
    assert activity_cost("clearance", 10_000.0, 1.0, ["dog"], RES) == pytest.approx(3_500.0)


def test_the_same_seed_spends_the_same(small: ScenarioResult, tmp_path: Path) -> None:
    again = generate(seed=1, scale="small", out=tmp_path / "again")
    assert again.expenditures is not None
    assert json.dumps(again.expenditures.columns, sort_keys=True) == json.dumps(
        _columns(small), sort_keys=True
    )


def test_the_dashboard_shows_what_the_demo_recorded(small: ScenarioResult, tmp_path: Path) -> None:
    spent = _columns(small)
    total = sum(float(str(a)) for a in spent["amount_usd"])
    target = str(tmp_path / "workspace.gpkg")
    with Workspace.create(target, actor="demo") as ws:
        assert import_package(ws, small.out, actor="demo").committed
        assert record_scenario_spending(ws, small) == len(spent["amount_usd"])
        with ws.engine.connect() as conn:
            assert tables.count_where(conn, "expenditures") == len(spent["amount_usd"])
    app = create_app(target)
    with TestClient(app, base_url="http://testserver") as client:
        chart = client.get("/api/dashboard/funding_by_source").json()
        page = client.get("/dashboard").text
    app.state.workspace.close()
    drawn = sum(sum(s["values"]) for s in chart["series"] if s["key"].startswith("spent:"))
    assert drawn == pytest.approx(total, abs=1.0)
    words = f"spent (expenditures): {total:,.0f} USD."
    assert any(words in n for n in chart["notes"]), chart["notes"]
    assert words in page


def test_many_expenditures_are_recorded_all_or_none(tmp_path: Path) -> None:
    row = {"expenditure_id": "EX-1", "date": "2025-01-31", "source": "national", "amount_usd": 10.0}
    with Workspace.create(str(tmp_path / "w.gpkg"), actor="t") as ws:
        with pytest.raises(UsageError, match="EX-2: amount -1"):
            record_expenditures(
                ws, [row, {**row, "expenditure_id": "EX-2", "amount_usd": -1}], actor="t"
            )
        with ws.engine.connect() as conn:
            assert tables.count_where(conn, "expenditures") == 0
        assert record_expenditures(ws, [row], actor="t") == 1
        with pytest.raises(UsageError, match="EX-1 exists"):
            record_expenditures(ws, [{**row, "expenditure_id": "EX-3"}, row], actor="t")
        with ws.engine.connect() as conn:
            assert tables.count_where(conn, "expenditures") == 1
