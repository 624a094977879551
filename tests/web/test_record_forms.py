"""Findings and incidents entered in forms, checked with the importer's rules."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from tests.helpers import LAT0, LON0
from tests.web.conftest import app_workspace as _ws
from tests.web.conftest import row_count as _count
from tests.web.conftest import token
from tests.web.test_upload import _login


def _finding_ids(client: TestClient) -> set[str]:
    r = client.get("/collections/findings/items?limit=1000")
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def test_a_finding_form_is_checked_with_the_importers_rules(client: TestClient) -> None:
    csrf = _login(client, "im")
    page = client.get("/records/new/findings")
    assert page.status_code == 200 and 'name="device"' in page.text
    before = _finding_ids(client)
    bad = {
        "csrf_token": csrf,
        "finding_id": "F-NEW",
        "device": "AP",
        "date": "2024-13-45",
        "depth_cm": "-3",
        "lon": str(LON0 + 0.001),
        "lat": str(LAT0 + 0.001),
    }
    assert client.post("/forms/records/findings", data={**bad, "csrf_token": ""}).status_code == 403
    r = client.post("/forms/records/findings", data=bad)
    assert r.status_code == 422, r.text
    assert "Refused" in r.text and "date" in r.text and "2024-13-45" in r.text
    assert "depth_cm" in r.text
    assert _finding_ids(client) == before
    good = {**bad, "date": "2024-02-01", "depth_cm": "12"}
    r = client.post("/forms/records/findings", data=good)
    assert r.status_code == 200, r.text
    assert "Recorded" in r.text
    assert _finding_ids(client) == before | {"F-NEW"}


def test_record_forms_only_for_entitled_roles(client: TestClient) -> None:
    assert client.get("/records/new/incidents").status_code == 401
    _login(client, "ana")
    assert client.get("/records/new/incidents").status_code == 403
    assert "/records/new/findings" not in client.get("/map").text
    assert client.get("/records/new/hazards").status_code == 404


# -- activities entered as drafts --------------------------------------------------------


def _activity(client: TestClient, aid: str, headers: dict[str, str] | None = None) -> Any:
    return client.get(f"/collections/activities/items/{aid}", headers=headers or {})


GOOD_ACTIVITY = {
    "activity_id": "CL-NEW",
    "type": "clearance",
    "hazard_id": "HZ-2",
    "start": "2024-03-01",
    "end": "2024-04-15",
    "outcome": "cleared",
    "depth_cm": "13",
    "area_cleared_m2": "50000",
    "devices_found": "2",
    "geometry_source": "hazard",
}


def test_an_operator_enters_a_draft_activity_for_its_own_organisation(
    client: TestClient,
) -> None:
    csrf = _login(client, "opa")
    page = client.get("/activities/new")
    assert page.status_code == 200, page.text
    assert 'role="combobox"' in page.text and 'name="hazard_id"' in page.text
    assert '<option value="HZ-' not in page.text  # searched as typed, not one long list
    assert 'data-validate="/api/validate/activities"' in page.text
    assert 'name="area_cleared_ha"' in page.text and 'name="area_cleared_m2"' not in page.text
    assert 'name="organisation"' not in page.text  # shown, not editable: it is the account's
    audit_before, imports_before = _count(client, "audit_log"), _count(client, "imports")
    # the form says OrgB, the end date is wrong and an area is negative: refused whole
    bad = {
        **GOOD_ACTIVITY,
        "csrf_token": csrf,
        "organisation": "OrgB",
        "end": "2024-13-45",
        "area_cleared_m2": "",
        "area_cleared_ha": "-5",
    }
    assert client.post("/forms/activities/new", data={**bad, "csrf_token": ""}).status_code == 403
    r = client.post("/forms/activities/new", data=bad)
    assert r.status_code == 422, r.text
    assert "Refused" in r.text and "not a valid date" in r.text and "2024-13-45" in r.text
    assert "area_cleared_ha" in r.text and "a number ≥ 0 [ha]" in r.text
    assert _activity(client, "CL-NEW").status_code == 404
    assert (_count(client, "audit_log"), _count(client, "imports")) == (
        audit_before,
        imports_before,
    )
    # corrected, with two assets (checkboxes): recorded as a draft of the operator's organisation
    # the area in hectares, as the form takes it: 0.035 ha is 350 m² exactly (not the
    # 350.00000000000006 of 0.035 * 10000 in floating point)
    in_ha = {"area_cleared_m2": "", "area_cleared_ha": "0.035"}
    good = [(k, v) for k, v in {**bad, **GOOD_ACTIVITY, **in_ha}.items()] + [
        ("asset", "manual"),
        ("asset", "dog"),
    ]
    r = client.post(
        "/forms/activities/new",
        content=urlencode(good),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "CL-NEW" in r.headers["location"] and "draft" in r.headers["location"]
    feat = _activity(client, "CL-NEW").json()
    props = feat["properties"]
    assert props["organisation"] == "OrgA" and props["status"] == "draft"
    assert props["asset"] == ["manual", "dog"] and props["depth_cm"] == 13
    assert props["area_cleared_m2"] == 350.0 and props["devices_found"] == 2
    hazard = client.get("/collections/hazards/items/HZ-2").json()
    assert props["area_m2"] == pytest.approx(hazard["properties"]["area_m2"], rel=1e-6)
    rows = _ws(client).query(
        "SELECT actor, action FROM audit_log WHERE layer = 'activities' AND record_id = 'CL-NEW'"
    )
    assert [tuple(r) for r in rows] == [("opa", "insert")]
    assert _count(client, "imports") == imports_before + 1
    # the same id again: refused, the draft is not touched
    r = client.post("/forms/activities/new", data={**GOOD_ACTIVITY, "csrf_token": csrf})
    assert r.status_code == 422 and "exists already" in r.text
    # another organisation's operator neither sees nor submits it
    opb = token(client, "opb")
    assert _activity(client, "CL-NEW", opb).status_code == 404
    assert client.post("/api/activities/CL-NEW/submit", headers=opb).status_code == 403
    # its own operator submits it on /activities
    assert "CL-NEW" in client.get("/activities").text
    r = client.post(
        "/forms/activities/CL-NEW/submit", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "submitted" in r.headers["location"]
    assert "not in the register" in r.headers["location"].replace("+", " ")  # OrgA is flagged
    assert _activity(client, "CL-NEW").json()["properties"]["status"] == "submitted"


def test_an_information_manager_names_the_organisation_and_draws_a_circle(
    client: TestClient,
) -> None:
    csrf = _login(client, "im")
    form = {
        **GOOD_ACTIVITY,
        "csrf_token": csrf,
        "activity_id": "EOD-NEW",
        "type": "EOD_spot",
        "organisation": "HALO",
        "area_cleared_m2": "",
        "geometry_source": "point",
        "lon": str(LON0 + 0.045),
        "lat": str(LAT0 + 0.005),
        "radius_m": "20",
    }
    r = client.post("/forms/activities/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    props = _activity(client, "EOD-NEW").json()["properties"]
    assert props["organisation"] == "HALO"
    assert props["area_m2"] == pytest.approx(3.1365 * 400, rel=0.01)  # a 20 m circle, 64 segments
    # a pasted GeoJSON point is not an activity's area: the importer's message
    r = client.post(
        "/forms/activities/new",
        data={
            **form,
            "activity_id": "EOD-PT",
            "geometry_source": "geojson",
            "geojson": f'{{"type": "Point", "coordinates": [{LON0}, {LAT0}]}}',
        },
    )
    assert r.status_code == 422 and "wrong geometry type Point" in r.text


def test_operators_and_roles_without_writes_are_refused(client: TestClient) -> None:
    assert client.get("/activities/new").status_code == 401
    _login(client, "ana")
    assert client.get("/activities/new").status_code == 403
    assert "/activities/new" not in client.get("/map").text
    _login(client, "donor")
    assert client.get("/activities/new").status_code == 403
    _login(client, "opa")
    assert "/activities/new" in client.get("/map").text
    assert client.get("/qa").status_code == 403
    assert client.get("/records/new/findings").status_code == 403


# -- the check while the user types --------------------------------------------------------


def test_validate_returns_the_importers_issues_and_writes_nothing(client: TestClient) -> None:
    counts = {t: _count(client, t) for t in ("audit_log", "imports", "activities", "findings")}
    url = "/api/validate/activities"
    r = client.post(url, json={"activity_id": "X"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    opa = token(client, "opa")
    r = client.post(url, json={**GOOD_ACTIVITY, "end": "2024-13-45"}, headers=opa)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False and body["errors"] == 1
    (err,) = [i for i in body["issues"] if i["severity"] == "error"]
    assert err == {
        "file": "activities.geojson",
        "record": "CL-NEW",
        "field": "end",
        "value": "'2024-13-45'",
        "problem": "not a valid date",
        "accepted": "a date as YYYY-MM-DD",
        "severity": "error",
    }
    # correct: no error; the approval's checks as warnings (OrgA is not accredited;
    # 2,000,000 m² is more than the hazard's polygon holds)
    r = client.post(url, json={**GOOD_ACTIVITY, "area_cleared_m2": "2000000"}, headers=opa)
    body = r.json()
    assert body["ok"] is True and body["errors"] == 0 and body["warnings"] == 2
    fields = {i["field"]: i["problem"] for i in body["issues"]}
    assert "OrgA is not in the register" in fields["organisation"]
    assert "claims 2,000,000 m² released" in fields["area_claimed"]
    # a blank required field is named on its field
    r = client.post(url, json={**GOOD_ACTIVITY, "type": ""}, headers=opa)
    assert {"field": "type", "problem": "missing: this property is required"}.items() <= (
        r.json()["issues"][0].items()
    )
    im = token(client, "im")
    r = client.post(
        "/api/validate/findings",
        json={
            "finding_id": "F-9",
            "device": "apx",
            "date": "2024-02-01",
            "lon": "46.9",
            "lat": "x",
        },
        headers=im,
    )
    issues = {i["field"]: i for i in r.json()["issues"]}
    assert issues["device"]["problem"] == "not an accepted value; did you mean 'AP'?"
    assert issues["lon, lat"]["value"] == "46.9, x"
    assert client.post("/api/validate/findings", json={}, headers=opa).status_code == 403
    assert client.post(url, json={}, headers=token(client, "ana")).status_code == 403
    assert client.post(url, json={}, headers=token(client, "donor")).status_code == 403
    assert client.post("/api/validate/hazards", json={}, headers=im).status_code == 404
    assert client.post(url, json={"a": 1}, headers=im).status_code == 400  # values are text
    # a NUL (possible in JSON, never typed) is named on its field, not sent to the database
    r = client.post(url, json={**GOOD_ACTIVITY, "hazard_id": "HZ-2\u0000"}, headers=im)
    assert r.status_code == 200
    assert r.json()["issues"][0]["field"] == "hazard_id"
    assert "NUL" in r.json()["issues"][0]["problem"]
    # the cookie session needs the CSRF header, as every write does
    _login(client, "opa")
    assert client.post(url, json=GOOD_ACTIVITY).status_code == 403
    assert {t: _count(client, t) for t in counts} == counts
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/validate/{layer}"]["post"]
    assert "nothing is written" in op["summary"]
    assert "Validation" in spec["components"]["schemas"]


def test_the_form_pages_load_the_checking_script(client: TestClient) -> None:
    _login(client, "im")
    for path in ("/activities/new", "/records/new/findings", "/records/new/incidents", "/qa"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert re.search(
            r'<script src="/static/forms.js\?v=[0-9a-f]{12}" defer></script>', page.text
        ), path
        assert "<script>" not in page.text and " style=" not in page.text, path
    js = client.get("/static/forms.js")
    assert js.status_code == 200 and 'getAttribute("data-validate")' in js.text
    assert "X-CSRF-Token" in js.text and "DELAY_MS = 300" in js.text


# -- QA: a post-clearance inspection's result ----------------------------------------------


def test_the_qa_form_records_an_inspection_through_the_quality_module(
    client: TestClient,
) -> None:
    from landrelease.quality import read_plan

    im = token(client, "im")
    r = client.post("/api/activities/ACT-2/approve", json={"accept_flags": True}, headers=im)
    assert r.status_code == 200, r.text
    csrf = _login(client, "im")
    page = client.get("/qa")
    assert page.status_code == 200 and "No inspection plan awaits" in page.text
    r = client.post(
        "/forms/qa/plan", data={"csrf_token": csrf, "activity_id": "ACT-2"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    plan_id = "PCI-ACT-2-1"
    page = client.get("/qa")
    assert f'<option value="{plan_id}"' in page.text
    # checked while typing with the importer's rules for qa_visits
    r = client.post(
        "/api/validate/qa_visits",
        json={"plan_id": plan_id, "date": "2024-02-30", "samples": "1=x"},
        headers=im,
    )
    issues = {i["field"]: i for i in r.json()["issues"]}
    assert issues["date"]["problem"] == "not a valid date"
    assert issues["samples"]["accepted"].startswith("NO=N per sample cell")
    audit_before = _count(client, "audit_log")
    r = client.post(
        "/forms/qa/record",
        data={"csrf_token": csrf, "plan_id": plan_id, "date": "2024-02-30", "devices_found": "0"},
    )
    assert r.status_code == 422 and "not a valid date" in r.text
    assert _count(client, "audit_log") == audit_before
    assert not read_plan(_ws(client), plan_id)[0]["decision"]
    # too much area: the quality module's own refusal, shown as it words it
    r = client.post(
        "/forms/qa/record",
        data={
            "csrf_token": csrf,
            "plan_id": plan_id,
            "date": "2024-03-02",
            "devices_found": "0",
            "area_inspected_m2": "99000000",
        },
    )
    assert r.status_code == 422 and "is more than the lot" in r.text
    r = client.post(
        "/forms/qa/record",
        data={
            "csrf_token": csrf,
            "plan_id": plan_id,
            "date": "2024-03-02",
            "devices_found": "0",
            "organisation": "ANAMA",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "Accepted" in r.headers["location"].replace("+", " ")
    row = read_plan(_ws(client), plan_id)[0]
    assert row["decision"] == "accepted" and row["decided_by"] == "im"
    visit = client.get(f"/collections/qa_visits/items/QA-{plan_id}", headers=im)
    assert visit.status_code == 200, visit.text
    assert visit.json()["properties"]["result"] == "conforming"
    actors = _ws(client).query(f"SELECT DISTINCT actor FROM audit_log WHERE fid > {audit_before}")
    assert {a[0] for a in actors} == {"im"}
    r = client.post(
        "/forms/qa/record",
        data={"csrf_token": csrf, "plan_id": plan_id, "date": "2024-03-02", "devices_found": "0"},
    )
    assert r.status_code == 422 and "recorded already" in r.text


def test_approving_a_flagged_activity_on_the_page_needs_the_override(client: TestClient) -> None:
    csrf = _login(client, "im")
    page = client.get("/activities").text
    assert "approve despite the flags" in page  # ACT-2 names no organisation
    r = client.post("/forms/activities/ACT-2/approve", data={"csrf_token": csrf})
    assert r.status_code == 409 and "is flagged" in r.text and 'role="alert"' in r.text
    r = client.post(
        "/forms/activities/ACT-2/approve",
        data={"csrf_token": csrf, "accept_flags": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    done = r.headers["location"].replace("+", " ")
    assert "ACT-2 approved" in done and "hazard HZ-1 is now" in done


# -- correcting a draft or a rejected activity ---------------------------------------------


def _audit(client: TestClient, aid: str) -> list[tuple[Any, ...]]:
    rows = _ws(client).query(
        "SELECT actor, action, before, after FROM audit_log "
        f"WHERE layer = 'activities' AND record_id = '{aid}' ORDER BY fid"
    )
    return [tuple(r) for r in rows]


def _form_value(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="')[1].split('"')[0]


def test_an_operator_corrects_its_rejected_activity_and_submits_it_again(
    client: TestClient,
) -> None:
    import json

    opa = token(client, "opa")
    im = token(client, "im")
    claims = {"claims": {"reduced": 20000}}
    assert client.post("/api/activities/ACT-A/submit", json=claims, headers=opa).status_code == 200
    reason = "the end date is the report's, not the task's; 20,000 m² is not what was measured"
    r = client.post("/api/activities/ACT-A/reject", json={"reason": reason}, headers=im)
    assert r.status_code == 200, r.text
    csrf = _login(client, "opa")
    listing = client.get("/activities").text
    assert '<a href="/activities/ACT-A/edit" class="correct">correct</a>' in listing
    assert "/activities/ACT-2/edit" not in listing  # submitted: no link
    page = client.get("/activities/ACT-A/edit")
    assert page.status_code == 200, page.text
    assert "Correct activity ACT-A" in page.text and "rejected" in page.text
    assert reason.replace("'", "&#39;") in page.text and "rejected by im" in page.text
    assert 'action="/forms/activities/ACT-A/edit"' in page.text
    assert _form_value(page.text, "start") == "2024-01-01"
    assert _form_value(page.text, "end") == "2024-01-20"
    assert _form_value(page.text, "area_reduced_ha") == "2"  # 20,000 m² shown in hectares
    assert _form_value(page.text, "editing") == "ACT-A"
    assert 'value="keep" checked' in page.text and 'value="reduced" selected' in page.text
    assert 'name="activity_id"' not in page.text and 'name="organisation"' not in page.text
    geometry_before = _activity(client, "ACT-A").json()["geometry"]
    audit_before = _audit(client, "ACT-A")
    form = {
        "csrf_token": csrf,
        "editing": "ACT-A",
        "type": "TS",
        "hazard_id": "HZ-2",
        "start": "2024-01-03",
        "end": "2024-01-18",
        "outcome": "reduced",
        "area_reduced_ha": "1.5",
        "area_cancelled_ha": "3",
        "devices_found": "1",
        "geometry_source": "keep",
        "organisation": "OrgB",  # ignored: an operator's organisation is the account's
    }
    # an error: refused whole, nothing written
    r = client.post("/forms/activities/ACT-A/edit", data={**form, "end": "2024-02-30"})
    assert r.status_code == 422 and "not a valid date" in r.text and "Correct activity" in r.text
    assert _audit(client, "ACT-A") == audit_before
    r = client.post("/forms/activities/ACT-A/edit", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "ACT-A corrected" in r.headers["location"].replace("+", " ")
    feat = _activity(client, "ACT-A").json()
    props = feat["properties"]
    assert (props["start"], props["end"], props["status"]) == ("2024-01-03", "2024-01-18", "draft")
    assert props["area_reduced_m2"] == 15000 and props["area_cancelled_m2"] == 30000
    assert props["devices_found"] == 1 and props["organisation"] == "OrgA"
    assert feat["geometry"] == geometry_before  # kept as recorded
    rows = _audit(client, "ACT-A")
    assert rows[: len(audit_before)] == audit_before and len(rows) == len(audit_before) + 1
    actor, action, before, after = rows[-1]
    assert (actor, action) == ("opa", "update")
    # JSON text in a GeoPackage, JSONB (read as a dict) in PostGIS
    before, after = (v if isinstance(v, dict) else json.loads(v) for v in (before, after))
    assert (before["status"], after["status"]) == ("rejected", "draft")
    assert (before["end"], after["end"]) == ("2024-01-20", "2024-01-18")
    assert before["extra"] == {"area_reduced_m2": 20000.0}
    assert after["extra"] == {
        "area_reduced_m2": 15000.0,
        "area_cancelled_m2": 30000.0,
        "devices_found": 1,
    }
    assert after["date_of_information"] > before["date_of_information"]
    # the form again, unchanged: nothing written (no audit row, no import)
    imports = _count(client, "imports")
    page = client.get("/activities/ACT-A/edit")
    assert page.status_code == 200 and "Sent back" not in page.text  # a draft now
    r = client.post("/forms/activities/ACT-A/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and "unchanged" in r.headers["location"]
    assert len(_audit(client, "ACT-A")) == len(rows) and _count(client, "imports") == imports
    # submitted again; then locked
    r = client.post(
        "/forms/activities/ACT-A/submit", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "ACT-A submitted" in r.headers["location"].replace("+", " ")
    r = client.get("/activities/ACT-A/edit")
    assert r.status_code == 409 and "locked until reviewed" in r.text and 'role="alert"' in r.text
    r = client.post("/forms/activities/ACT-A/edit", data=form)
    assert r.status_code == 409 and "locked until reviewed" in r.text
    assert _activity(client, "ACT-A").json()["properties"]["status"] == "submitted"


def test_who_may_correct_which_activity(client: TestClient) -> None:
    form = {**GOOD_ACTIVITY, "activity_id": "ACT-B", "type": "TS", "outcome": "reduced"}
    assert client.get("/activities/ACT-B/edit").status_code == 401
    for who in ("ana", "donor"):
        _login(client, who)
        assert client.get("/activities/ACT-B/edit").status_code == 403, who
    csrf = _login(client, "opa")
    audit_before = _count(client, "audit_log")
    # another organisation's draft: as if it did not exist
    r = client.get("/activities/ACT-B/edit")
    assert r.status_code == 404 and "no activity &#39;ACT-B&#39;" in r.text
    assert client.get("/activities/NOPE/edit").status_code == 404
    r = client.post("/forms/activities/ACT-B/edit", data={**form, "csrf_token": csrf})
    assert r.status_code == 404 and "no activity &#39;ACT-B&#39;" in r.text
    assert client.post("/forms/activities/ACT-B/edit", data=form).status_code == 403  # no CSRF
    # another organisation's approved activity (visible): not its own
    r = client.get("/activities/ACT-1/edit")
    assert r.status_code == 403 and "another organisation" in r.text
    # live validation refuses the same way
    opa = token(client, "opa")
    url = "/api/validate/activities"
    r = client.post(url, json={**form, "editing": "ACT-B"}, headers=opa)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert _activity(client, "ACT-B", token(client, "im")).json()["properties"]["end"] == (
        "2024-01-20"
    )
    # an information manager corrects any draft, and names the organisation
    csrf = _login(client, "im")
    for aid, status in (("ACT-2", "submitted"), ("ACT-1", "approved")):
        r = client.get(f"/activities/{aid}/edit")
        assert r.status_code == 409 and f"activity {aid} is {status}" in r.text, aid
    r = client.post(
        "/forms/activities/ACT-2/edit",
        data={**form, "activity_id": "ACT-2", "csrf_token": csrf},
    )
    assert r.status_code == 409 and "locked until reviewed" in r.text
    assert _count(client, "audit_log") == audit_before
    page = client.get("/activities/ACT-B/edit")
    assert page.status_code == 200 and _form_value(page.text, "organisation") == "OrgB"
    r = client.post(
        "/forms/activities/ACT-B/edit",
        data={**form, "csrf_token": csrf, "organisation": "OrgB", "end": "2024-01-25"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    ((actor, action, _, _),) = _audit(client, "ACT-B")[-1:]
    assert (actor, action) == ("im", "update")
    props = _activity(client, "ACT-B").json()["properties"]
    assert (props["end"], props["organisation"], props["status"]) == ("2024-01-25", "OrgB", "draft")


def test_validation_does_not_flag_the_edited_activitys_id_as_in_use(client: TestClient) -> None:
    opa = token(client, "opa")
    url = "/api/validate/activities"
    values = {
        "activity_id": "ACT-A",
        "type": "TS",
        "hazard_id": "HZ-2",
        "start": "2024-01-01",
        "end": "2024-01-22",
        "outcome": "reduced",
        "geometry_source": "keep",
    }
    # as a new record the id is in use, and a kept polygon means nothing
    r = client.post(url, json=values, headers=opa)
    problems = {i["field"]: i["problem"] for i in r.json()["issues"]}
    assert "exists already" in problems["activity_id"]
    assert "only when an activity is corrected" in problems["geometry_source"]
    # while correcting it: neither
    r = client.post(url, json={**values, "editing": "ACT-A"}, headers=opa)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["errors"] == 0
    assert not [i for i in body["issues"] if i["field"] in ("activity_id", "geometry_source")]
    # a form that names another id is still about the record edited
    r = client.post(url, json={**values, "activity_id": "ACT-B", "editing": "ACT-A"}, headers=opa)
    assert r.json()["ok"] is True
    r = client.post(url, json={**values, "end": "2024-13-45", "editing": "ACT-A"}, headers=opa)
    assert [i["field"] for i in r.json()["issues"] if i["severity"] == "error"] == ["end"]
    r = client.post(url, json={**values, "editing": "ACT-2"}, headers=token(client, "im"))
    assert r.status_code == 409 and "locked until reviewed" in r.json()["detail"]
    assert _activity(client, "ACT-A", opa).json()["properties"]["end"] == "2024-01-20"


def test_the_activities_page_says_why_an_activity_was_sent_back(client: TestClient) -> None:
    opa, im = token(client, "opa"), token(client, "im")
    assert client.post("/api/activities/ACT-A/submit", headers=opa).status_code == 200
    r = client.post(
        "/api/activities/ACT-A/reject", json={"reason": "the sketch map is missing"}, headers=im
    )
    assert r.status_code == 200, r.text
    _login(client, "opa")
    page = client.get("/activities").text
    row = page[page.index('id="act-ACT-A"') :]
    row = row[: row.index("</tr>")]
    assert "sent back by im on " in row and "the sketch map is missing" in row
    assert 'class="correct"' in row  # and the way to correct it
