"""The data-entry pages as a JSON API: the same rules, messages, roles and audit trail."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import LAT0, LON0
from tests.web.conftest import app_workspace as _ws
from tests.web.conftest import row_count as _count
from tests.web.conftest import token


def test_a_finding_entered_by_script_is_checked_imported_and_audited(client: TestClient) -> None:
    im = token(client, "im")
    finding = {
        "finding_id": "FD-API",
        "device": "AP",
        "date": "2024-03-02",
        "activity_id": "ACT-1",
        "lon": str(LON0 + 0.002),
        "lat": str(LAT0 + 0.002),
    }
    before = _count(client, "findings")
    bad = client.post("/api/records/findings", json={**finding, "date": "2024-02-30"}, headers=im)
    assert bad.status_code == 422 and bad.json()["committed"] is False
    (problem,) = [i for i in bad.json()["issues"] if i["field"] == "date"]
    assert problem["problem"] == "not a valid date" and problem["value"] == "'2024-02-30'"
    assert _count(client, "findings") == before  # nothing written
    r = client.post("/api/records/findings", json=finding, headers=im)
    assert r.status_code == 201, r.text
    assert r.json()["committed"] is True
    got = client.get("/collections/findings/items/FD-API", headers=im).json()
    assert got["properties"]["device"] == "AP"
    actors = _ws(client).query("SELECT actor FROM audit_log WHERE record_id = 'FD-API'")
    assert [a[0] for a in actors] == ["im"]
    again = client.post("/api/records/findings", json=finding, headers=im)
    assert again.status_code == 422  # an id in use: the API never overwrites a record
    assert client.post("/api/records/hazards", json={}, headers=im).status_code == 404
    assert client.post("/api/records/findings", json=finding).status_code == 401
    ops = client.post("/api/records/findings", json=finding, headers=token(client, "opa"))
    assert ops.status_code == 403


def test_an_operator_enters_and_corrects_its_draft_by_script(client: TestClient) -> None:
    opa = token(client, "opa")
    activity = {
        "activity_id": "TS-API",
        "type": "TS",
        "hazard_id": "HZ-2",
        "start": "2024-04-01",
        "end": "2024-04-20",
        "outcome": "reduced",
        "organisation": "OrgB",  # ignored: an operator's organisation is its account's
        "geometry_source": "hazard",
    }
    r = client.post("/api/records/activities", json=activity, headers=opa)
    assert r.status_code == 201, r.text
    assert r.json()["organisation"] == "OrgA"
    row = client.get("/collections/activities/items/TS-API", headers=opa).json()["properties"]
    assert row["status"] == "draft" and row["organisation"] == "OrgA"
    # another organisation's operator does not even learn the draft exists
    other = client.put("/api/activities/TS-API", json=activity, headers=token(client, "opb"))
    assert other.status_code == 404
    fixed = client.put(
        "/api/activities/TS-API", json={**activity, "end": "2024-04-25"}, headers=opa
    )
    assert fixed.status_code == 201, fixed.text
    row = client.get("/collections/activities/items/TS-API", headers=opa).json()["properties"]
    assert row["end"] == "2024-04-25"
    audits = _count(client, "audit_log")
    same = client.put("/api/activities/TS-API", json={**activity, "end": "2024-04-25"}, headers=opa)
    assert same.status_code == 200 and same.json()["unchanged"] is True
    assert _count(client, "audit_log") == audits
    assert client.post("/api/activities/TS-API/submit", headers=opa).status_code == 200
    locked = client.put("/api/activities/TS-API", json=activity, headers=opa)
    assert locked.status_code == 409 and locked.json()["code"] == "conflict"


def test_a_qa_inspection_planned_and_recorded_by_script(client: TestClient) -> None:
    im = token(client, "im")
    r = client.post("/api/activities/ACT-2/approve", json={"accept_flags": True}, headers=im)
    assert r.status_code == 200, r.text
    plan = client.post("/api/qa/plans", json={"activity_id": "ACT-2"}, headers=im)
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["plan_id"]
    nope = client.post("/api/qa/plans", json={"activity_id": "ACT-404"}, headers=im)
    assert nope.status_code == 422 and "ACT-404" in nope.json()["detail"]
    bad = client.post(
        "/api/qa/inspections",
        json={"plan_id": plan_id, "date": "2024-02-30", "devices_found": "0"},
        headers=im,
    )
    assert bad.status_code == 422
    ok = client.post(
        "/api/qa/inspections",
        json={"plan_id": plan_id, "date": "2024-03-02", "devices_found": "0"},
        headers=im,
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["inspection"]["decision"] == "accepted"
    donor = client.post(
        "/api/qa/inspections", json={"plan_id": plan_id}, headers=token(client, "donor")
    )
    assert donor.status_code == 403
