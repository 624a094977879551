"""The dashboard and the settlement page: figures from known records, on both backends.

The test workspace (tests/web/conftest.py) gets ledger lines, expenditures,
incidents, hazard completions and planning runs with known values; the JSON
endpoints must give back their sums in ha, USD and people, the same for every
role, and the PNG twins must still be drawn.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from PIL import Image

from landrelease.io import import_package
from landrelease.planning import plan
from landrelease.planning import store as pstore
from landrelease.records.money import record_spending
from landrelease.store import Workspace, WorkspaceView
from landrelease.store import tables as store_tables
from landrelease.store.runs import now as now_iso
from landrelease.web.dashboard import CHARTS
from landrelease.web.settlement_view import NO_FORECAST, NO_PLAN, settlement_view
from tests.helpers import LAT0, LON0, feature, point, write_fc
from tests.web.conftest import app_workspace as _ws
from tests.web.conftest import token

ALL_CHARTS = (
    "released_by_month",
    "devices_by_type",
    "casualties_by_activity",
    "funding_by_source",
    "returns_against_plan",
)


def _series(body: dict[str, Any]) -> dict[str, list[float]]:
    return {s["key"]: s["values"] for s in body["series"]}


def add_ledger(ws: Workspace) -> None:
    """Released: 2.5 ha cancelled and 1.25 ha reduced in January 2024, 4 ha cleared in March."""
    box = shapely.MultiPolygon([shapely.box(LON0, LAT0, LON0 + 0.001, LAT0 + 0.001)])
    rows = [
        ("ACT-1", "HZ-0", "cancelled", 25_000.0, "2024-01-10"),
        ("ACT-1", "HZ-0", "reduced", 12_500.0, "2024-01-20"),
        ("ACT-2", "HZ-1", "cleared", 40_000.0, "2024-03-05"),
    ]
    with ws.begin() as conn:
        store_tables.insert_records(
            conn,
            "land_release",
            [
                {
                    "activity_id": a,
                    "hazard_id": h,
                    "method": m,
                    "area_m2": area,
                    "released_on": on,
                    "source": "imported",
                    "booked_at": now_iso(),
                    "booked_by": "tester",
                    "geometry": box,
                }
                for a, h, m, area, on in rows
            ],
        )


def add_spending(ws: Workspace) -> None:
    """Spent: national 250,000.50 USD in 2024; Japan 100,000 + 20,000 USD in 2025."""
    for eid, date, source, usd in (
        ("EX-1", "2024-05-01", "national", 250_000.5),
        ("EX-2", "2025-02-01", "Japan", 100_000.0),
        ("EX-3", "2025-03-01", "Japan", 20_000.0),
    ):
        record_spending(
            ws, expenditure_id=eid, date=date, source=source, amount_usd=usd, actor="tester"
        )


def add_incidents(ws: Workspace, folder: Path) -> None:
    """Two more incidents in 2023 (none in 2022): a deminer injured, two killed doing nothing recorded."""
    folder.mkdir()
    write_fc(
        folder / "incidents.geojson",
        [
            feature(
                {
                    "incident_id": "INC-2",
                    "date": "2023-04-02",
                    "killed": 0,
                    "injured": 1,
                    "activity": "demining",
                    "victims": [{"age": 30, "gender": "male", "outcome": "injured"}],
                },
                point(LON0 + 0.006, LAT0 + 0.004),
            ),
            feature(
                {"incident_id": "INC-3", "date": "2023-09-09", "killed": 2, "injured": 0},
                point(LON0 + 0.007, LAT0 + 0.004),
            ),
        ],
    )
    assert import_package(ws, folder, actor="tester").committed


def close_hazards(ws: Workspace) -> None:
    """HZ-1 and HZ-2 (the hazards within 1500 m of ST-2, 800 people) closed in 2024 Q3."""
    with ws.begin() as conn:
        store_tables.insert_records(
            conn,
            "hazard_completions",
            [
                {"hazard_id": "HZ-1", "completed_on": "2024-08-15", "created_by": "tester"},
                {"hazard_id": "HZ-2", "completed_on": "2024-09-30", "created_by": "tester"},
            ],
        )
        store_tables.update_where(  # updated_at as every write sets it: the app's cache sees it
            conn,
            "hazards",
            {"status": "closed", "updated_at": now_iso()},
            {"hazard_id": ["HZ-1", "HZ-2"]},
        )


def add_plan(ws: Workspace) -> None:
    """A plan (HZ-1 by technical survey in 2024 Q2 with dogs, HZ-2 cleared after the horizon)
    that counts HZ-1 and HZ-2 as blocking ST-2 and makes it ready by 30 June 2024, and a
    forecast (P50 30 September 2024)."""
    readiness = pd.DataFrame(
        {
            "settlement_id": ["ST-1", "ST-2"],
            "name": ["Aghdam", "Kahrizli"],
            "population_planned": [66000, 800],
            "blocking_hazards": [0, 2],
            "status": ["ready now", "planned"],
            "plan_date": [None, "2024-06-30"],
            "scenario": [None, None],
            "p10": [None, None],
            "p50": [None, None],
            "p90": [None, None],
        }
    )
    tasks = pd.DataFrame(
        {
            "task_id": ["HZ-1/1", "HZ-2/1", "HZ-2/2"],
            "hazard_id": ["HZ-1", "HZ-2", "HZ-2"],
            "part_id": ["HZ-1/1", "HZ-2/1", "HZ-2/2"],
            "method": ["TS", "clearance", "NTS"],
            "area_m2": [1_000_000.0, 400_000.0, 600_000.0],
            "sequence": [1, 3, 2],
            "start_month": ["2024-04", "2024-06", "2024-04"],
            "end_month": ["2024-06", None, "2024-04"],
            "team_days": [300.0, 900.0, 4.5],
            "cost_usd": [75_000.0, 225_000.0, 540.0],
        }
    )
    schedule = pd.DataFrame(
        {
            "task_id": ["HZ-1/1", "HZ-1/1", "HZ-2/1", "HZ-2/2"],
            "hazard_id": ["HZ-1", "HZ-1", "HZ-2", "HZ-2"],
            "method": ["TS", "TS", "clearance", "NTS"],
            "asset": ["dog", "dog", "machine", "manual"],
            "month": ["2024-04", "2024-05", "2024-06", "2024-04"],
            "team_days": [150.0, 150.0, 900.0, 4.5],
            "mobilisation_days": [10.0, 0.0, 0.0, 0.5],
            "area_m2": [500_000.0, 500_000.0, 100_000.0, 600_000.0],
            "cost_usd": [37_500.0, 37_500.0, 225_000.0, 540.0],
        }
    )
    forecast = readiness.copy()
    forecast["status"] = ["ready now", "forecast"]
    forecast["scenario"] = ["national_pace"] * 2
    forecast["p10"] = [None, "2024-07-31"]
    forecast["p50"] = [None, "2024-09-30"]
    forecast["p90"] = [None, "2025-01-31"]
    forecast["plan_date"] = None
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        run = pstore.new_run(
            conn, "plan", parameters={"start": "2024-04", "horizon": "2024-12"}, summary={}
        )
        pstore.write_frame(conn, "plan_tasks", run, tasks)
        pstore.write_frame(conn, "plan_schedule", run, schedule)
        pstore.write_frame(conn, "plan_readiness", run, readiness)
        run = pstore.new_run(
            conn, "forecast", parameters={"baseline": "national_pace", "runs": 10}, summary={}
        )
        pstore.write_frame(conn, "plan_readiness", run, forecast)


# -- the dashboard -------------------------------------------------------------------------------


def test_dashboard_figures_from_known_records(client: TestClient, tmp_path: Path) -> None:
    ws = _ws(client)
    add_ledger(ws)
    add_spending(ws)
    add_incidents(ws, tmp_path / "more")
    close_hazards(ws)
    add_plan(ws)

    listed = client.get("/api/dashboard").json()
    assert [c["chart"] for c in listed] == list(ALL_CHARTS)

    area = client.get("/api/dashboard/released_by_month").json()
    assert area["unit"] == "ha" and area["labels"] == ["2024-01", "2024-02", "2024-03"]
    assert _series(area) == {
        "cancelled": [2.5, 0.0, 0.0],
        "reduced": [1.25, 0.0, 0.0],
        "cleared": [0.0, 0.0, 4.0],
    }
    assert {s["stack"] for s in area["series"]} == {"released"}
    assert "7.75 ha released in all" in area["notes"][0]

    devices = client.get("/api/dashboard/devices_by_type").json()
    assert devices["labels"] == ["AP", "AT", "UXO"]  # ACT-1 is approved, every finding destroyed
    assert _series(devices) == {
        "destroyed": [1, 1, 1],
        "not_recorded": [0, 0, 0],
        "not_destroyed": [0, 0, 0],
    }

    cas = client.get("/api/dashboard/casualties_by_activity").json()
    assert cas["labels"] == ["2021", "2022", "2023"]  # no gap on the time axis
    assert _series(cas) == {
        "agriculture": [3, 0, 0],
        "demining": [0, 0, 1],
        "not recorded": [0, 0, 2],
    }
    assert "3 incidents: 3 people killed and 3 injured." in cas["notes"]

    money = client.get("/api/dashboard/funding_by_source").json()
    assert money["unit"] == "USD" and money["labels"] == ["2024", "2025"]
    assert _series(money) == {
        "received:national": [12_000_000.0, 0.0],
        "received:Japan": [900_000.0, 0.0],  # two rows of 450,000 in the package
        "spent:national": [250_000.5, 0.0],
        "spent:Japan": [0.0, 120_000.0],
    }
    assert {s["key"]: s["stack"] for s in money["series"]}["spent:Japan"] == "spent"

    ret = client.get("/api/dashboard/returns_against_plan").json()
    # running totals, each line where it speaks: the plan from its start (2024-04) to its
    # horizon (2024-12), the forecast to its latest (P90) date, 'enabled' to the last closure
    assert ret["labels"] == ["2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1"]
    assert ret["cumulative"] is True
    assert _series(ret) == {
        "planned": [800, 800, 800, None],  # ST-1 (ready now) is not counted by the plan
        "forecast_p50": [0, 800, 800, 800],
        "forecast_p10": [0, 800, 800, 800],
        "forecast_p90": [0, 0, 0, 800],
        "enabled": [0, 800, None, None],  # HZ-1 and HZ-2 closed, the last on 2024-09-30
    }
    late = next(s for s in ret["series"] if s["key"] == "forecast_p90")
    assert late["fill_to"] == "forecast_p10" and late["band"] == "forecast P10–P90"
    assert late["label"] == "forecast P90 (late)"  # the table's column, the tooltip
    assert {s["kind"] for s in ret["series"]} == {"line"}
    labels = {s["key"]: s["label"] for s in ret["series"]}
    assert "plan of" in labels["planned"] and "within 1500 m closed" in labels["enabled"]
    assert any("66,000 people's settlements had nothing blocking" in n for n in ret["notes"])

    page = client.get("/dashboard")
    assert page.status_code == 200
    for name in ALL_CHARTS:
        assert f'data-src="/api/dashboard/{name}"' in page.text
        png = client.get(f"/dashboard/{name}.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(png.content)).size == (600, 320)
    # the tables below the charts: units in the titles, numbers formatted
    assert "Area released per month by method [ha]" in page.text
    assert "250,000" in page.text and "12,000,000" in page.text and "120,000" in page.text
    assert '<td class="num">2.50</td>' in page.text and '<td class="num">4.00</td>' in page.text
    assert "<script>" not in page.text and "style=" not in page.text  # the CSP allows neither


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_dashboard_is_aggregates_only_and_the_same_for_everyone(client: TestClient) -> None:
    add_ledger(_ws(client))
    bodies = {}
    for who in (None, "donor", "opa", "admin"):
        headers = token(client, who) if who else {}
        bodies[who] = [
            client.get(f"/api/dashboard/{name}", headers=headers).json() for name in ALL_CHARTS
        ]
        text = json.dumps(bodies[who])
        assert "victims" not in text and "INC-1" not in text and "FD-0" not in text
        assert "gender" not in text and "ACT-" not in text
    assert bodies[None] == bodies["donor"] == bodies["opa"] == bodies["admin"]
    page = client.get("/dashboard").text
    assert "victims" not in page and "INC-1" not in page


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_unknown_chart_and_settlement_get_the_error_shape(client: TestClient) -> None:
    for url in ("/api/dashboard/nope", "/dashboard/nope.png", "/api/settlements/NOPE"):
        r = client.get(url)
        assert r.status_code == 404, url
        body = r.json()
        assert (
            body["code"] == "not_found"
            and body["status"] == 404
            and "nope" in body["detail"].lower()
        )
    assert "released_by_month" in client.get("/api/dashboard/nope").json()["detail"]
    assert client.get("/settlements/NOPE").status_code == 404
    spec = client.get("/openapi.json").json()["paths"]
    assert "/api/settlements/{settlement_id}" in spec and "/api/dashboard/{chart}" in spec
    schema = spec["/api/settlements/{settlement_id}"]["get"]["responses"]["200"]
    assert "SettlementOut" in json.dumps(schema)


def add_long_plan(ws: Workspace) -> None:
    """A six-year plan (2025-01 to 2030-12) that makes ST-2 (800 people) ready in August 2027
    and not ST-1 (66,000), beside a forecast whose dates reach 2080: ST-2 between 2026 and
    2031, ST-1 between 2040 and 2080 (P50 2055)."""
    readiness = pd.DataFrame(
        {
            "settlement_id": ["ST-1", "ST-2"],
            "name": ["Aghdam", "Kahrizli"],
            "population_planned": [66000, 800],
            "blocking_hazards": [3, 2],
            "status": ["after the horizon", "planned"],
            "plan_date": [None, "2027-08-31"],
            "scenario": [None, None],
            "p10": [None, None],
            "p50": [None, None],
            "p90": [None, None],
        }
    )
    forecast = readiness.assign(
        status="forecast",
        plan_date=None,
        scenario="national_pace",
        p10=["2040-01-31", "2026-05-31"],
        p50=["2055-06-30", "2027-12-31"],
        p90=["2080-12-31", "2031-03-31"],
    )
    with ws.begin() as conn:
        pstore.ensure_tables(conn)
        run = pstore.new_run(
            conn, "plan", parameters={"start": "2025-01", "horizon": "2030-12"}, summary={}
        )
        pstore.write_frame(conn, "plan_readiness", run, readiness)
        run = pstore.new_run(
            conn,
            "forecast",
            parameters={"baseline": "national_pace", "start": "2025-01"},
            summary={},
        )
        pstore.write_frame(conn, "plan_readiness", run, forecast)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_returns_over_decades_are_running_totals_by_year(client: TestClient) -> None:
    """A six-year plan beside a sixty-year forecast: one line each over the years, running
    totals a reader takes at a glance, the plan's stopping at its horizon; the band between
    the forecast's early and late dates; the headline the last 'enabled' total."""
    ws = _ws(client)
    close_hazards(ws)  # ST-2's hazards closed in 2024 Q3: 800 people able to return
    add_long_plan(ws)
    ret = client.get("/api/dashboard/returns_against_plan").json()
    years = [str(y) for y in range(2024, 2081)]
    assert ret["x_label"] == "year" and ret["labels"] == years  # 57 points, not 228 quarters
    assert ret["cumulative"] is True
    s = _series(ret)
    at = {y: i for i, y in enumerate(years)}

    def running(key: str) -> dict[str, float | None]:
        return {
            y: s[key][at[y]]
            for y in (
                "2024",
                "2025",
                "2026",
                "2027",
                "2030",
                "2031",
                "2040",
                "2054",
                "2055",
                "2080",
            )
        }

    assert running("planned") == {  # from its start (2025) to its horizon (2030), then nothing
        "2024": None,
        "2025": 0,
        "2026": 0,
        "2027": 800,
        "2030": 800,
        "2031": None,
        "2040": None,
        "2054": None,
        "2055": None,
        "2080": None,
    }
    assert running("forecast_p50") == {
        "2024": None,
        "2025": 0,
        "2026": 0,
        "2027": 800,
        "2030": 800,
        "2031": 800,
        "2040": 800,
        "2054": 800,
        "2055": 66800,
        "2080": 66800,
    }
    assert s["forecast_p10"][at["2026"]] == 800 and s["forecast_p10"][at["2040"]] == 66800
    assert s["forecast_p90"][at["2030"]] == 0 and s["forecast_p90"][at["2031"]] == 800
    assert s["forecast_p90"][at["2079"]] == 800 and s["forecast_p90"][-1] == 66800
    # the band lies around the median: early ≥ median ≥ late, every year
    for lo, mid, hi in zip(
        s["forecast_p90"][1:], s["forecast_p50"][1:], s["forecast_p10"][1:], strict=True
    ):
        assert lo <= mid <= hi
    # 'enabled' so far: up to the year before the plan starts, then nothing
    assert s["enabled"][:2] == [800, None] and set(s["enabled"][1:]) == {None}
    # every line only rises
    for key, values in s.items():
        given = [v for v in values if v is not None]
        assert given == sorted(given), key
    assert (
        "800 people able to return so far; 800 planned by 2030-12; 66,800 by the forecast "
        "(P50), the last in 2055." in ret["notes"]
    )
    # the headline is the last running total, not their sum
    head = client.get("/api/dashboard/headline").json()
    assert head["people_able_to_return"] == 800
    # the table under the chart: one row per year, the last the total (no sum of totals)
    page = client.get("/dashboard").text
    table = page[page.index('id="returns_against_plan"') :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">2080</th>' in table and ">total<" not in table
    assert '<td class="num">66,800</td>' in table and '<td class="num">–</td>' in table
    png = client.get("/dashboard/returns_against_plan.png")
    assert Image.open(io.BytesIO(png.content)).size == (600, 320)
    # a period: the running totals start with it, and the notes speak of it, not the horizon
    ret = client.get("/api/dashboard/returns_against_plan?from=2026-01-01&to=2031-12-31").json()
    assert ret["labels"] == ["2026", "2027", "2028", "2029", "2030", "2031"]
    s = _series(ret)
    assert s["planned"] == [0, 800, 800, 800, 800, None]
    assert s["forecast_p10"] == [800] * 6 and s["forecast_p90"] == [0] * 5 + [800]
    assert s["enabled"] == [None] * 6  # nothing closed in the period
    assert (
        "0 people able to return in the period; 800 planned in the period; 800 by the forecast "
        "(P50) in the period, the last in 2027." in ret["notes"]
    )


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_empty_charts_say_so(client: TestClient) -> None:
    """No ledger, no plan: the charts are empty and say what to do, the PNG says 'no records yet'."""
    area = client.get("/api/dashboard/released_by_month").json()
    assert area["labels"] == [] and "Nothing released yet" in area["notes"][0]
    ret = client.get("/api/dashboard/returns_against_plan").json()
    assert ret["notes"][0] == "No plan yet: run `landrelease plan`."
    assert [s["key"] for s in ret["series"]] == ["enabled"]
    assert client.get("/dashboard/released_by_month.png").status_code == 200


# -- the settlement page -------------------------------------------------------------------------


def test_settlement_without_a_plan(client: TestClient) -> None:
    """Kahrizli (ST-2): HZ-1 (1.1 km) and HZ-2 (1.4 km) block it; HZ-0 (1.7 km) does not."""
    view = settlement_view(_ws(client), "ST-2")
    assert [h["hazard_id"] for h in view.hazards] == ["HZ-1", "HZ-2"]  # nearest first
    assert [h["distance_m"] for h in view.hazards] == sorted(h["distance_m"] for h in view.hazards)
    assert all(h["distance_m"] <= 1500 for h in view.hazards) and view.radius_m == 1500.0
    hz1 = view.hazards[0]
    assert [d["decision"] for d in hz1["decisions"]] == ["technical_survey"]
    assert all(h["blocking"] and h["planned"] is None for h in view.hazards)
    assert view.plan is None and view.readiness is None and view.tasks == []
    assert view.messages == [NO_PLAN, NO_FORECAST]

    body = client.get("/api/settlements/ST-2").json()
    assert body["people_planned"] == 800 and body["readiness"] is None
    assert body["blocking"]["hazards"] == 2
    assert body["blocking"]["remaining_ha"] == pytest.approx(
        sum(h["area_ha"] for h in body["hazards"]), abs=0.02
    )
    assert any("run `landrelease plan`" in m for m in body["messages"])

    assert "/settlements/ST-2" in client.get("/settlements").text
    page = client.get("/settlements/ST-2")
    assert page.status_code == 200 and "HZ-1" in page.text and "HZ-0" not in page.text
    assert "<strong>2</strong> hazards not yet closed within 1.5 km" in page.text
    assert "testimony" in page.text
    assert "No plan yet: run <code>landrelease plan</code>" in page.text

    # Aghdam (ST-1) lies 3.4 km from the nearest hazard: nothing blocks it
    page = client.get("/settlements/ST-1")
    assert (
        "66,000" in page.text
        and "<strong>0</strong> hazards not yet closed within 1.5 km" in page.text
    )
    assert client.get("/api/settlements/ST-1").json()["hazards"] == []


def test_what_blocks_a_settlement_is_the_one_definition(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page and its JSON twin list as blocking exactly the read model's pairs: the open
    hazards within ``settlement_radius_m``, which the plan counts too. (They used to list every
    hazard within 5 km: Aghdam read 3 hazards blocking it where the plan counted none.)"""
    ws = _ws(client)
    add_plan(ws)  # the plan counts 0 hazards blocking ST-1, 2 blocking ST-2
    pairs = WorkspaceView(ws).blocking_pairs()
    for sid, counted in (("ST-1", 0), ("ST-2", 2)):
        body = client.get(f"/api/settlements/{sid}").json()
        mine = sorted(pairs["hazard_id"][pairs["settlement_id"] == sid])
        assert sorted(h["hazard_id"] for h in body["hazards"] if h["blocking"]) == mine
        assert body["blocking"]["hazards"] == len(mine) == counted
        assert body["readiness"]["blocking_hazards"] == counted
        assert body["radius_m"] == 1500.0
    assert client.get("/api/settlements/ST-1").json()["messages"][-1] == (
        "Ready now: no open hazard blocks it."
    )
    # the one setting moves the page as it moves the plan and the reports
    monkeypatch.setenv("LANDRELEASE_SETTLEMENT_RADIUS_M", "4000")
    view = settlement_view(ws, "ST-1")
    assert [h["hazard_id"] for h in view.blocking] == ["HZ-1", "HZ-2", "HZ-0"]
    assert view.radius_m == 4000.0
    assert any("but 3 hazards block it today" in m for m in view.messages)


def test_settlement_with_a_plan_and_a_forecast(client: TestClient) -> None:
    ws = _ws(client)
    add_ledger(ws)  # 3.75 ha of HZ-0 and 4 ha of HZ-1 released
    add_plan(ws)
    body = client.get("/api/settlements/ST-2").json()
    assert body["plan"]["horizon"] == "2024-12" and body["forecast"]["scenario"] == "national_pace"
    assert body["readiness"] == {
        "status": "planned",
        "plan_date": "2024-06-30",
        "scenario": "national_pace",
        "p10": "2024-07-31",
        "p50": "2024-09-30",
        "p90": "2025-01-31",
        "blocking_hazards": 2,
    }
    hz = {h["hazard_id"]: h for h in body["hazards"]}
    assert sorted(hz) == ["HZ-1", "HZ-2"]
    assert hz["HZ-1"]["released_ha"] == 4.0 and hz["HZ-2"]["released_ha"] == 0.0
    assert hz["HZ-1"]["remaining_ha"] == pytest.approx(hz["HZ-1"]["area_ha"] - 4.0, abs=0.01)
    assert hz["HZ-1"]["planned"]["quarter"] == "2024 Q2"
    assert hz["HZ-1"]["planned"]["teams"] == ["dog"]
    assert hz["HZ-1"]["planned"]["cost_usd"] == 75_000.0
    assert hz["HZ-2"]["planned"]["status"] == "after the horizon"
    assert hz["HZ-2"]["planned"]["quarter"] is None
    assert hz["HZ-2"]["planned"]["teams"] == ["machine", "manual"]
    # the plan's tasks on the blocking hazards, in the plan's order
    assert [t["task_id"] for t in body["tasks"]] == ["HZ-1/1", "HZ-2/2", "HZ-2/1"]
    assert body["tasks"][0]["area_ha"] == 100.0 and body["tasks"][0]["quarter"] == "2024 Q2"
    assert body["planned_cost_usd"] == 300_540.0
    assert not any("No plan yet" in m for m in body["messages"])
    assert any("counts 2 open hazards as blocking" in m for m in body["messages"])

    page = client.get("/settlements/ST-2").text
    assert "2024-06-30" in page and "<strong>2024-09-30</strong>" in page
    assert "released by 2024 Q2; dog" in page and "300,540" in page
    listing = client.get("/settlements").text
    assert "2024-07-31 · 2024-09-30 · 2025-01-31" in listing

    # a hazard closed leaves what blocks it, and is listed as released (a write from another
    # process: seen through the change stamp, here without its 1 s reuse)
    client.app.state.web.cache.stamp_ttl_s = 0  # type: ignore[attr-defined]
    close_hazards(ws)
    body = client.get("/api/settlements/ST-2").json()
    hz = {h["hazard_id"]: h for h in body["hazards"]}
    assert not hz["HZ-1"]["blocking"] and hz["HZ-1"]["closed_on"] == "2024-08-15"
    assert hz["HZ-1"]["planned"] is None and body["blocking"]["hazards"] == 0
    assert body["tasks"] == []
    assert any(
        "counts 2 open hazards as blocking it; 0 block it today" in m for m in body["messages"]
    )
    assert "Released around it" in client.get("/settlements/ST-2").text


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_settlement_the_same_for_every_role(client: TestClient) -> None:
    add_plan(_ws(client))
    anon = client.get("/api/settlements/ST-2").json()
    for who in ("donor", "opa", "admin"):
        assert client.get("/api/settlements/ST-2", headers=token(client, who)).json() == anon
    assert "victims" not in json.dumps(anon)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_settlement_after_a_real_plan(client: TestClient) -> None:
    """`landrelease plan` on the test workspace: ST-2's blocking hazards get their tasks."""
    ws = _ws(client)
    plan(ws, horizon="2026-12", solve_lp=False, search_seconds=0)
    body = client.get("/api/settlements/ST-2").json()
    assert body["plan"]["horizon"] == "2026-12"
    assert body["readiness"]["status"] == "planned" and body["readiness"]["plan_date"]
    assert body["tasks"] and all(t["teams"] for t in body["tasks"])
    assert body["planned_cost_usd"] == pytest.approx(sum(t["cost_usd"] for t in body["tasks"]))
    assert NO_FORECAST in body["messages"] and NO_PLAN not in body["messages"]
    ret = client.get("/api/dashboard/returns_against_plan").json()
    assert [v for v in _series(ret)["planned"] if v is not None][-1] == 800  # running total
    assert any("; 800 planned by 2026-12" in note for note in ret["notes"]), ret["notes"]


def test_chart_registry_matches_the_docs() -> None:
    assert tuple(CHARTS) == ALL_CHARTS
    web_md = (Path(__file__).parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    for name in ALL_CHARTS:
        assert name in web_md
