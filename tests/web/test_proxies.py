"""X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies that
``web_trusted_proxies`` names: anyone else (loopback included) cannot pose as another client."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from landrelease.errors import UsageError
from landrelease.store import tables
from landrelease.web import create_app
from landrelease.web.app import trusted_proxies
from landrelease.web.server import running
from tests.web.conftest import app_workspace

SPOOFED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def _seen_as(app: FastAPI, client: tuple[str, int], headers: dict[str, str]) -> tuple[str, str]:
    """The client address a failed login is counted against, and the scheme of the links."""
    with TestClient(app, base_url="http://testserver", client=client) as c:
        r = c.post("/api/token", json={"username": "ana", "password": "wrong"}, headers=headers)
        assert r.status_code == 401
        links = c.get("/collections?f=json", headers=headers).json()["links"]
    ws = app.state.workspace
    with ws.engine.connect() as conn:
        failures = tables.read_table(conn, "web_login_failures")
    with ws.begin() as conn:
        tables.delete_where(conn, "web_login_failures", {"username": "ana"})
    assert len(failures) == 1
    return str(failures["address"].iloc[0]), str(links[0]["href"]).split(":")[0]


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_forwarded_headers_are_ignored_by_default(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    assert _seen_as(app, ("127.0.0.1", 50000), SPOOFED) == ("127.0.0.1", "http")
    assert _seen_as(app, ("192.0.2.50", 50000), SPOOFED) == ("192.0.2.50", "http")


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_forwarded_headers_are_believed_from_a_named_proxy_only(
    web_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANDRELEASE_WEB_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24")
    app = create_app(web_target)
    try:
        assert _seen_as(app, ("127.0.0.1", 50000), SPOOFED) == ("203.0.113.9", "https")
        assert _seen_as(app, ("10.0.0.7", 50000), SPOOFED) == ("203.0.113.9", "https")
        # a client that prepends an address of its choice to what the proxy appends
        # is still counted as the address the proxy saw
        chain = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        assert _seen_as(app, ("127.0.0.1", 50000), chain) == ("203.0.113.9", "http")
        # from anyone but the proxies, the headers are the client's own words: ignored
        assert _seen_as(app, ("192.0.2.50", 50000), SPOOFED) == ("192.0.2.50", "http")
        assert _seen_as(app, ("10.0.1.7", 50000), SPOOFED) == ("10.0.1.7", "http")
    finally:
        app.state.workspace.close()


def test_the_setting_names_addresses_or_networks() -> None:
    assert trusted_proxies("") == []
    assert trusted_proxies(" 127.0.0.1 , ::1, 10.0.0.5/24") == ["127.0.0.1", "::1", "10.0.0.0/24"]
    for wrong in ("*", "nginx", "127.0.0.1, 300.1.1.1"):
        with pytest.raises(UsageError, match=r"web_trusted_proxies: .* is not an IP address"):
            trusted_proxies(wrong)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_the_server_does_not_believe_forwarded_headers_from_loopback(client: TestClient) -> None:
    """uvicorn on its own trusts X-Forwarded-For from 127.0.0.1; the server is started without."""
    app = client.app
    assert isinstance(app, FastAPI)
    with running(app) as url:
        r = httpx.post(
            f"{url}/api/token",
            json={"username": "ana", "password": "wrong"},
            headers=SPOOFED,
            timeout=30,
        )
        assert r.status_code == 401
    with app_workspace(client).engine.connect() as conn:
        failures = tables.read_table(conn, "web_login_failures")
    assert list(failures["address"]) == ["127.0.0.1"]
