"""The login limit through the web: a new X-Forwarded-For on each guess no longer escapes it,
one password tried on many names is limited, and the rightful user is never locked out for good."""

from __future__ import annotations

import itertools

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from landrelease.web import create_app
from tests.web.conftest import PASSWORD, USERS

WRONG = "not the password"
_spoofed = (f"198.51.100.{i % 250}" for i in itertools.count())


def _browser(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 50000))


def _try(c: TestClient, username: str, password: str, *, spoof: bool = True) -> int:
    """A token asked for; each guess claims another address in X-Forwarded-For."""
    headers = {"X-Forwarded-For": next(_spoofed)} if spoof else {}
    r = c.post("/api/token", json={"username": username, "password": password}, headers=headers)
    return r.status_code


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_new_forwarded_addresses_do_not_escape_the_limit(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    office = _browser(app, "192.0.2.1")
    assert _try(office, "donor", PASSWORD, spoof=False) == 200  # the donor's own office
    attacker = _browser(app, "127.0.0.1")  # loopback: uvicorn would believe its headers
    assert [_try(attacker, "donor", WRONG) for _ in range(5)] == [401] * 5
    r = attacker.post(
        "/api/token",
        json={"username": "donor", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.1"},
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert r.json()["detail"].startswith("too many failed logins for 'donor': try again in 60 s")
    # the name is locked from everywhere the donor has not logged in from ...
    assert _try(_browser(app, "192.0.2.99"), "donor", PASSWORD, spoof=False) == 429
    # ... but not from the donor's office: the guesses were someone else's
    assert _try(office, "donor", PASSWORD, spoof=False) == 200
    # the login page says when to try again
    page = attacker.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = attacker.post(
        "/login",
        data={"username": "donor", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert "try again in 60 s (after " in r.text and "UTC)" in r.text


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_one_password_tried_on_many_names_is_limited(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    sprayer = _browser(app, "127.0.0.1")
    names = [f"{u}{i}" for i in range(4) for u in USERS][:20]
    assert [_try(sprayer, name, WRONG) for name in names] == [401] * 20
    r = sprayer.post("/api/token", json={"username": "im", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["detail"].startswith(
        "too many failed logins from your address (127.0.0.1): try again in 60 s"
    )
    assert _try(_browser(app, "192.0.2.5"), "im", PASSWORD) == 200  # everyone else logs in


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_behind_a_named_proxy_the_address_it_saw_is_limited(
    web_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind nginx, the address is the proxy's last X-Forwarded-For entry: an attacker who
    sends a header of their own only adds entries in front of it."""
    monkeypatch.setenv("LANDRELEASE_WEB_TRUSTED_PROXIES", "127.0.0.1")
    app = create_app(web_target)
    try:
        proxy = _browser(app, "127.0.0.1")
        for i in range(20):
            r = proxy.post(
                "/api/token",
                json={"username": f"user{i}", "password": WRONG},
                headers={"X-Forwarded-For": f"{next(_spoofed)}, 203.0.113.9"},
            )
            assert r.status_code == 401
        r = proxy.post(
            "/api/token",
            json={"username": "im", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert r.status_code == 429 and "(203.0.113.9)" in r.json()["detail"]
        r = proxy.post(
            "/api/token",
            json={"username": "im", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.10"},
        )
        assert r.status_code == 200
    finally:
        app.state.workspace.close()
