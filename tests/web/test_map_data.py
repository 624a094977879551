"""What the map asks the server for: a hazard's story, the plan by quarter, thinned point layers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from landrelease.store import tables
from landrelease.web.api.plan_quarters import _quarter_range
from landrelease.web.labels import quarter
from tests.helpers import LAT0, LON0
from tests.web.conftest import token
from tests.web.plans import add_plan


def test_a_hazard_click_tells_its_history_evidence_and_next_step(client: TestClient) -> None:
    r = client.get("/api/hazards/HZ-0", headers=token(client, "ana"))
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["hazard"]["hazard_id"] == "HZ-0" and v["hazard"]["status"] == "active"
    assert v["hazard"]["area_ha"] == pytest.approx(95.0, rel=0.05)  # 0.01° × 0.01° at 40° N
    first = v["history"][0]
    assert first == {"date": "2021-03-01", "kind": "reported", "text": "reported as CHA"}
    assert any(e["kind"] == "record" and e.get("actor") == "tester" for e in v["history"])
    acts = [e["text"] for e in v["history"] if e["kind"] == "activity"]
    assert acts == ["ACT-1: TS by ANAMA to 2022-05-15, approved"]
    dates = [e["date"] or "9999" for e in v["history"]]
    assert dates == sorted(dates)
    ev = v["evidence"]
    assert ev["findings"] == {
        "total": 3,
        "by_device": {"AP": 1, "AT": 1, "UXO": 1},
        "latest": "2022-05-03",
    }
    assert ev["incidents"] == {
        "total": 1,
        "killed": 1,
        "injured": 2,
        "casualties": "1 person killed and 2 injured",
        "dates": ["2021-07-12"],
    }
    assert [d["decision"] for d in ev["survey"]] == ["clearance", "cancel"]
    assert ev["confirmation"] == {
        "sites": 2,
        "searched": 1,
        "devices_found": 0,
        "text": "2 confirmation sites in its cancelled land, 1 searched: nothing found",
    }
    assert ev["survey"][0]["evidence"] == "3 findings within 200 m"
    # the cancelled part's bound is kept with it; the cleared part has none
    assert [d["devices_bound"] for d in ev["survey"]] == [None, pytest.approx(0.04)]
    assert ev["risk"] is None  # no risk run in this workspace
    step = v["next_step"]
    assert step["decisions"] == {"cancel": 60.0, "clearance": 40.0}
    assert step["text"] == "full clearance of 40.00 ha; cancel by non-technical survey of 60.00 ha"
    assert step["plan"] == []


def test_the_public_sees_the_story_without_names_or_victims(client: TestClient) -> None:
    v = client.get("/api/hazards/HZ-0").json()
    assert "findings" not in v["evidence"] and "incidents" not in v["evidence"]
    assert "confirmation" not in v["evidence"]  # the sites are the teams' work, for those logged in
    assert all("actor" not in e for e in v["history"])
    assert [e["text"] for e in v["history"] if e["kind"] == "activity"] == [
        "ACT-1: TS to 2022-05-15, approved"
    ]
    assert "victims" not in str(v) and "ANAMA" not in str(v)


def test_an_operator_sees_its_own_drafts_in_a_hazards_history_only(client: TestClient) -> None:
    def acts(user: str) -> list[str]:
        v = client.get("/api/hazards/HZ-2", headers=token(client, user)).json()
        return [e["text"].split(":")[0] for e in v["history"] if e["kind"] == "activity"]

    assert acts("opa") == ["ACT-A"]
    assert acts("opb") == ["ACT-B"]
    assert sorted(acts("im")) == ["ACT-A", "ACT-B"]
    assert acts("donor") == []


def test_an_unknown_hazard_is_a_json_404(client: TestClient) -> None:
    r = client.get("/api/hazards/HZ-404")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "status": 404, "detail": "no hazard 'HZ-404'"}


def _plan(client: TestClient) -> int:
    run = add_plan(client.app.state.workspace)  # type: ignore[attr-defined]
    client.app.state.cache.clear()  # type: ignore[attr-defined]
    return run


def test_the_plan_by_quarter_for_the_time_slider(client: TestClient) -> None:
    assert client.get("/api/plan/quarters").json()["quarters"] == []  # no plan yet
    run = _plan(client)
    q = client.get("/api/plan/quarters").json()
    assert q["run_id"] == run
    assert q["quarters"] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert q["hazards"] == {"HZ-0": [0, 1], "HZ-1": [1, 2], "HZ-2": [3, -1]}
    assert q["totals"]["hazards_done"] == [0, 1, 2, 2]
    assert q["totals"]["released_ha"] == [60.0, 100.0, 200.0, 200.0]
    assert q["totals"]["people"] == [0, 0, 1200, 1200]
    step = client.get("/api/hazards/HZ-0").json()["next_step"]
    assert [t["task_id"] for t in step["plan"]] == ["T1", "T2"]
    assert step["text"].endswith("; planned from 2027-01, done by 2027-04")
    late = client.get("/api/hazards/HZ-2").json()["next_step"]
    assert late["text"].endswith("planned from 2027-11, not done by the horizon")
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    with ws.begin() as conn:  # a task the teams never reach
        tables.update_where(conn, "plan_tasks", {"start_month": None}, {"task_id": "T4"})
    client.app.state.cache.clear()  # type: ignore[attr-defined]
    never = client.get("/api/hazards/HZ-2").json()["next_step"]
    assert never["text"].endswith(
        "in the latest plan, but no team reaches it by the plan's horizon"
    )


def test_point_layers_come_as_points_or_as_counts(client: TestClient) -> None:
    h = token(client, "ana")
    box = f"{LON0 - 0.01},{LAT0 - 0.01},{LON0 + 0.05},{LAT0 + 0.02}"
    pts = client.get(f"/api/points/findings?bbox={box}", headers=h).json()
    assert pts["mode"] == "points" and pts["numberMatched"] == 3
    assert sorted(f["id"] for f in pts["features"]) == ["FD-0", "FD-1", "FD-2"]
    cl = client.get(f"/api/points/findings?bbox={box}&max_points=2", headers=h).json()
    assert cl["mode"] == "clusters" and cl["numberMatched"] == 3
    assert sum(f["properties"]["count"] for f in cl["features"]) == 3
    for f in cl["features"]:  # each cluster sits at the mean of its points, inside the view
        x, y = f["geometry"]["coordinates"]
        assert LON0 < x < LON0 + 0.004 and LAT0 < y < LAT0 + 0.002
    away = client.get("/api/points/findings?bbox=10,10,11,11", headers=h).json()
    assert away["numberMatched"] == 0 and away["features"] == []


def test_point_layers_keep_the_roles(client: TestClient) -> None:
    assert client.get("/api/points/findings").status_code in (401, 403)
    donor = client.get("/api/points/incidents", headers=token(client, "donor")).json()
    assert donor["numberMatched"] == 1 and "victims" not in donor["features"][0]["properties"]
    im = client.get("/api/points/incidents", headers=token(client, "im")).json()
    assert len(im["features"][0]["properties"]["victims"]) == 3
    r = client.get("/api/points/hazards", headers=token(client, "im"))
    assert r.status_code == 400 and "findings, incidents" in r.json()["detail"]
    assert (
        client.get("/api/points/findings?bbox=1,2", headers=token(client, "im")).status_code == 400
    )


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_quarters_of_months(year: int, month: int) -> None:
    q = quarter(f"{year}-{month:02d}")
    assert q == f"{year}-Q{(month + 2) // 3}"
    span = _quarter_range(f"{year}-Q1", q)
    assert span[0] == f"{year}-Q1" and span[-1] == q and len(span) == (month + 2) // 3
    assert quarter(None) is None and quarter("") is None
