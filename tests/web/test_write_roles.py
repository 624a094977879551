"""Every write endpoint of the OpenAPI spec refuses who may not write, whatever the request.

The operations are read from the spec, so an endpoint added later is covered without
changing this file: an anonymous request gets 401, a forged bearer token 401, and a
logged-in browser session without its CSRF header 403, with generated bodies and query
strings (schemathesis), before anything is read or written.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import PASSWORD, row_count, token

WRITE_METHODS = ("post", "put", "patch", "delete")
PUBLIC_WRITES = {
    "/api/token": "the login itself (it refuses wrong credentials with 401)",
}
"""Writes open to anonymous requests, each with its reason."""


def _writes(client: TestClient) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    writes = [op for op in operations if op.method.lower() in WRITE_METHODS]
    assert set(PUBLIC_WRITES) <= {op.path for op in writes}  # the exceptions are still there
    guarded = [op for op in writes if op.path not in PUBLIC_WRITES]
    assert len(guarded) >= 4
    return guarded


def _refused(
    op: Any, status: int, code: str, *, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    names = [p.name for p in op.path_parameters]
    # a real record (ACT-2 is submitted: an allowed request would approve or reject it)
    strategy = op.as_strategy(path_parameters=dict.fromkeys(names, "ACT-2"))

    @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        r = case.call(headers=headers, cookies=cookies)
        assert r.status_code == status, (op.method, case.formatted_path, r.text[:200])
        body = r.json()
        assert body["status"] == status and body["code"] == code and body["detail"]

    check()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_every_write_refuses_anonymous_requests(client: TestClient) -> None:
    for op in _writes(client):
        _refused(op, 401, "unauthorized", headers={}, cookies={})
        forged = {"Authorization": "Bearer forged.token"}
        _refused(op, 401, "unauthorized", headers=forged, cookies={})
    # nothing was written: ACT-2 is still waiting for approval
    r = client.get("/collections/activities/items/ACT-2", headers=token(client, "im"))
    assert r.json()["properties"]["status"] == "submitted"


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_every_write_by_cookie_needs_the_csrf_header(client: TestClient) -> None:
    """A logged-in browser session (an information manager, who may do every write) without
    the page's CSRF token: refused with 403, so another site cannot write in its name."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post(
        "/login",
        data={"username": "im", "password": PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    session = {"lr_session": client.cookies["lr_session"]}
    for op in _writes(client):
        _refused(op, 403, "forbidden", headers={}, cookies=session)
    assert client.get("/api/me").json()["username"] == "im"  # the session itself is valid


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_every_browser_form_refuses_a_post_without_its_token(client: TestClient) -> None:
    """The HTML forms (not in the spec) refuse a post without the CSRF token of their page,
    anonymous or logged in, and nothing is written."""
    from fastapi.routing import APIRoute

    from landrelease.web.pages import ROUTERS

    forms = [
        r
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and r.path.startswith("/forms/") and "POST" in r.methods
    ]
    assert len(forms) >= 5, [r.path for r in forms]
    before = row_count(client, "audit_log")
    im = token(client, "im")
    for route in forms:
        path = re.sub(r"\{[^}]+\}", "ACT-2", route.path).replace("ACT-2/ACT-2", "ACT-2/approve")
        for headers in ({}, im):
            r = client.post(path, data={"reason": "x"}, headers=headers, follow_redirects=False)
            assert r.status_code in (400, 401, 403), (path, headers, r.status_code, r.text[:200])
    assert row_count(client, "audit_log") == before
