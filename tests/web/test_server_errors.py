"""A fault of the server (500) is answered like every other error: the JSON shape, the security
headers, nothing of the fault shown — and raised on, so the server logs it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from landrelease.web.auth import Sessions
from tests.web.conftest import token

SECRET_DETAIL = "database password is hunter2"


def _assert_500(r: httpx.Response) -> None:
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"code", "status", "detail"}
    assert body["code"] == "internal_error" and body["status"] == 500
    assert "logged the fault" in body["detail"]
    assert SECRET_DETAIL not in r.text and "Traceback" not in r.text
    h = r.headers
    assert "default-src 'self'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "same-origin"
    assert h["cache-control"] == "no-store"


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_route_that_raises_answers_500_as_json_with_the_headers(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    def boom() -> None:
        raise RuntimeError(SECRET_DETAIL)

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom-page", boom, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        _assert_500(c.get("/api/boom"))
        _assert_500(c.get("/boom-page", headers={"Accept": "text/html"}))
        _assert_500(c.get("/api/boom", headers={"Accept-Encoding": "gzip"}))
        assert c.get("/api/me").status_code == 200  # the server goes on
    with pytest.raises(RuntimeError, match="hunter2"):  # raised on, for the server's log
        client.get("/api/boom")


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_fault_in_login_answers_500_as_json(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real route whose store fails (the sessions table gone, say)."""
    im = token(client, "im")

    def broken(self: Sessions, token: str) -> None:
        raise OSError(SECRET_DETAIL)

    monkeypatch.setattr(Sessions, "user", broken)
    with TestClient(client.app, raise_server_exceptions=False) as c:
        _assert_500(c.get("/api/me", headers=im))
        _assert_500(c.get("/collections/hazards/items", headers=im))


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_fault_after_the_answer_started_is_not_answered_twice(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    def chunks() -> Iterator[bytes]:
        yield b"first part"
        raise RuntimeError(SECRET_DETAIL)

    app.add_api_route("/api/half", lambda: StreamingResponse(chunks()))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/half")
    assert r.status_code == 200 and r.content.startswith(b"first part")
    assert r.headers["x-frame-options"] == "DENY"


HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_browser_asking_for_a_missing_page_gets_a_page_programs_get_json(
    client: TestClient,
) -> None:
    page = client.get("/hazards/NOPE", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>No such page</h1>" in page.text and "NOPE" in page.text
    assert 'href="/map"' in page.text and "log in</a>" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "Error 404." in page.text
    typo = client.get("/dashbord", headers=HTML)
    assert typo.status_code == 404 and "<h1>No such page</h1>" in typo.text
    assert "There is no page at /dashbord." in typo.text
    logged_in = client.get("/hazards/NOPE", headers={**HTML, **token(client, "ana")})
    assert logged_in.status_code == 404 and 'href="/activities"' in logged_in.text
    # programs keep the JSON shape: no Accept for HTML, an API path, or ?f=json
    for r in (
        client.get("/hazards/NOPE"),
        client.get("/api/hazards/NOPE", headers=HTML),
        client.get("/collections/nope/items", headers=HTML),
        client.get("/hazards/NOPE?f=json", headers=HTML),
    ):
        assert r.status_code == 404 and r.headers["content-type"] == "application/json", r.url
        assert r.json()["code"] == "not_found"
