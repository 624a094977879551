"""Roles: drafts by organisation, no personal data for donors, writes refused to the public."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from landrelease.records import activity_history
from landrelease.store import tables
from tests.web.conftest import PASSWORD, token


def _activity_ids(client: TestClient, headers: dict[str, str]) -> set[str]:
    r = client.get("/collections/activities/items", headers=headers)
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def test_operator_never_sees_another_organisations_drafts(client: TestClient) -> None:
    assert _activity_ids(client, token(client, "opa")) == {"ACT-1", "ACT-A"}
    assert _activity_ids(client, token(client, "opb")) == {"ACT-1", "ACT-B"}
    assert _activity_ids(client, token(client, "donor")) == {"ACT-1"}
    assert _activity_ids(client, token(client, "im")) == {"ACT-1", "ACT-2", "ACT-A", "ACT-B"}
    r = client.get("/collections/activities/items/ACT-B", headers=token(client, "opa"))
    assert r.status_code == 404


def test_donor_response_never_contains_personal_fields(client: TestClient) -> None:
    donor = token(client, "donor")
    for url in (
        "/collections/incidents/items",
        "/collections/incidents/items/INC-1",
        "/api/summary",
    ):
        r = client.get(url, headers=donor)
        assert r.status_code == 200, r.text
        text = r.text
        assert "victims" not in text and '"age"' not in text and '"gender"' not in text, url
    incident = client.get("/collections/incidents/items/INC-1", headers=donor).json()
    assert incident["properties"]["killed"] == 1  # the aggregate figures stay
    # the information manager does see the victims
    full = client.get("/collections/incidents/items/INC-1", headers=token(client, "im")).json()
    assert len(full["properties"]["victims"]) == 3


def test_anonymous_sees_public_aggregates_only(client: TestClient) -> None:
    ids = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert ids == {"hazards", "settlements", "survey_parts"}
    for url in (
        "/collections/incidents/items",
        "/collections/incidents/items/INC-1",
        "/collections/activities",
    ):
        assert client.get(url).status_code == 401, url
    summary = client.get("/api/summary").json()
    assert summary["casualties_by_year"]["2021"] == {"incidents": 1, "killed": 1, "injured": 2}
    assert "victims" not in json.dumps(summary)


def test_anonymous_and_unentitled_writes_are_refused(client: TestClient) -> None:
    assert client.post("/api/activities/ACT-2/approve").status_code == 401
    assert client.post("/api/activities/ACT-2/reject", json={"reason": "x"}).status_code == 401
    assert client.post("/api/activities/ACT-A/submit").status_code == 401
    bad = {"Authorization": "Bearer forged.token"}
    assert client.post("/api/activities/ACT-2/approve", headers=bad).status_code == 401
    assert (
        client.post("/api/activities/ACT-2/approve", headers=token(client, "donor")).status_code
        == 403
    )
    assert (
        client.post("/api/activities/ACT-2/approve", headers=token(client, "ana")).status_code
        == 403
    )
    assert (
        client.post("/api/activities/ACT-2/approve", headers=token(client, "opa")).status_code
        == 403
    )
    # an operator submits its own organisation's draft, not another's
    assert (
        client.post("/api/activities/ACT-B/submit", headers=token(client, "opa")).status_code == 403
    )


def test_workflow_writes_go_through_the_records_audit(client: TestClient, web_target: str) -> None:
    r = client.post("/api/activities/ACT-A/submit", headers=token(client, "opa"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"
    again = client.post("/api/activities/ACT-A/submit", headers=token(client, "opa"))
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    r = client.post(
        "/api/activities/ACT-A/reject",
        json={"reason": "area outside the task"},
        headers=token(client, "im"),
    )
    assert r.status_code == 200, r.text
    history = activity_history(client.app.state.workspace, "ACT-A")  # type: ignore[attr-defined]
    assert list(history["actor"]) == ["opa", "im"]
    with client.app.state.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        audit = tables.read_table(
            conn, "audit_log", where={"layer": "activities", "record_id": "ACT-A"}
        )
    assert {"opa", "im"} <= set(audit["actor"])  # "tester" imported it


def test_login_cookie_csrf_and_rate_limit(client: TestClient) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    # a form post without the CSRF token is refused
    r = client.post("/login", data={"username": "im", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(
        "/login",
        data={
            "username": "im",
            "password": PASSWORD,
            "csrf_token": csrf.group(1),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/map"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert client.get("/api/me").json()["role"] == "information_manager"
    # with the cookie, a write needs the CSRF header
    assert client.post("/api/activities/ACT-2/reject", json={"reason": "x"}).status_code == 403
    # the token of the page before login was rotated away; a page after login gives the new one
    old = client.post(
        "/api/activities/ACT-2/reject",
        json={"reason": "no photos"},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert old.status_code == 403
    ok = client.post(
        "/api/activities/ACT-2/reject",
        json={"reason": "no photos"},
        headers={"X-CSRF-Token": _page_token(client)},
    )
    assert ok.status_code == 200, ok.text
    # five wrong passwords, then even the right one is refused for a while
    for _ in range(5):
        assert (
            client.post(
                "/api/token", json={"username": "donor", "password": "wrong password"}
            ).status_code
            == 401
        )
    r = client.post("/api/token", json={"username": "donor", "password": PASSWORD})
    assert (
        r.status_code == 429
        and r.json()["code"] == "too_many_requests"
        and "retry-after" in r.headers
    )


def test_security_headers(client: TestClient) -> None:
    for url in ("/", "/map", "/collections/hazards/items", "/nope"):
        h = client.get(url).headers
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "http" not in csp, url
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"]


def _login(client: TestClient, username: str) -> str:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return _page_token(client)


def _page_token(client: TestClient) -> str:
    """The CSRF token of a page shown now (the nonce is rotated at login)."""
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    return csrf.group(1)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_activity_forms_submit_and_approve(client: TestClient) -> None:
    csrf = _login(client, "opa")
    page = client.get("/activities").text
    assert "ACT-A" in page and "ACT-B" not in page  # another organisation's draft
    r = client.post("/forms/activities/ACT-A/submit", data={}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    r = client.post(
        "/forms/activities/ACT-A/submit", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "submitted" in r.headers["location"]
    r = client.post("/forms/activities/ACT-A/approve", data={"csrf_token": csrf})
    assert r.status_code == 403  # an operator does not approve
    csrf = _login(client, "im")
    assert "Approve" in client.get("/activities").text
    r = client.post(
        "/forms/activities/ACT-A/reject",
        data={"csrf_token": csrf, "reason": "photos missing"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    status = client.get("/collections/activities/items/ACT-A").json()["properties"]["status"]
    assert status == "rejected"
