"""A password change (by the user, in the browser) ends every other session of theirs; a reset
(by an administrator, from the command line) ends all of them."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.store import tables
from landrelease.web import create_app
from landrelease.web.auth import authenticate
from landrelease.web.context import SESSION_COOKIE
from tests.web.conftest import PASSWORD, app_workspace, token
from tests.web.test_sessions import PRIVATE, _login

NEW = "a brand new passphrase"


def _form_token(client: TestClient) -> str:
    page = client.get("/account/password")
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _change(
    client: TestClient, csrf: str, current: str, new: str, confirm: str | None = None
) -> httpx.Response:
    return client.post(
        "/forms/password",
        data={
            "csrf_token": csrf,
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
        follow_redirects=False,
    )


def test_a_visitor_is_sent_to_log_in_first(client: TestClient) -> None:
    r = client.get("/account/password", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account/password"


def test_changing_a_password_ends_the_users_other_sessions(client: TestClient) -> None:
    _login(client, "im")
    copied = client.cookies[SESSION_COOKIE]
    script = token(client, "im")
    laptop = TestClient(client.app, base_url="http://testserver")
    _login(laptop, "im")
    colleague = token(client, "ana")
    csrf = _form_token(client)

    # mistakes change nothing: a wrong current password, two new ones that differ, a short one
    r = _change(client, csrf, "not my password", NEW)
    assert r.status_code == 401 and "current password is wrong" in r.text
    r = _change(client, csrf, PASSWORD, NEW, confirm=NEW + "!")
    assert r.status_code == 400 and "the two new passwords differ" in r.text
    r = _change(client, csrf, PASSWORD, "short")
    assert r.status_code == 400 and "at least 10 characters" in r.text
    r = _change(client, csrf, PASSWORD, PASSWORD)
    assert r.status_code == 400 and "the one you have now" in r.text
    assert client.get(PRIVATE, headers=script).status_code == 200
    assert laptop.get("/api/me").json()["username"] == "im"

    r = _change(client, csrf, PASSWORD, NEW)
    assert r.status_code == 303 and r.headers["location"] == "/account/password?changed=2"
    page = client.get(r.headers["location"])
    assert "2 other sessions of yours" in page.text
    # this browser goes on in a new session; every other one has ended
    assert client.cookies[SESSION_COOKIE] != copied
    assert client.get("/api/me").json()["username"] == "im"
    assert client.get(PRIVATE, headers=script).status_code == 401
    assert laptop.get("/api/me").json()["username"] is None
    with TestClient(client.app, cookies={SESSION_COOKIE: copied}) as stolen:
        assert stolen.get(PRIVATE).status_code == 401
    assert client.get(PRIVATE, headers=colleague).status_code == 200  # another user's
    # the form's token belonged to the session that ended
    assert _change(client, csrf, NEW, NEW + "2").status_code == 403
    # the old password is refused, the new one works
    old = client.post("/api/token", json={"username": "im", "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/token", json={"username": "im", "password": NEW})
    assert new.status_code == 200

    with app_workspace(client).engine.connect() as conn:
        log = tables.read_table(conn, "audit_log", where={"layer": "web_users", "record_id": "im"})
    changed = log[log["action"] == "update"]
    assert list(changed["actor"]) == ["im"]
    assert list(changed["note"]) == [
        "password changed by the user; 3 session(s) ended (the password is never recorded)"
    ]
    assert not log.astype(str).apply(lambda c: c.str.contains(NEW)).any().any()


def test_wrong_current_passwords_count_as_failed_logins(client: TestClient) -> None:
    _login(client, "im")
    csrf = _form_token(client)
    for _ in range(5):
        assert _change(client, csrf, "not my password", NEW).status_code == 401
    r = _change(client, csrf, PASSWORD, NEW)
    assert r.status_code == 429 and "too many failed logins" in r.text
    ws = app_workspace(client)  # the password did not change
    assert authenticate(ws, "im", PASSWORD) is not None and authenticate(ws, "im", NEW) is None


def test_an_administrator_resets_a_password_and_every_session_ends(client: TestClient) -> None:
    browser = TestClient(client.app, base_url="http://testserver")
    _login(browser, "opa")
    script = token(client, "opa")
    target = app_workspace(client).target
    where = ["-w" if target.endswith(".gpkg") else "--db", target]
    runner = CliRunner()

    r = runner.invoke(
        app,
        ["user", "set-password", "opa", "--password-stdin", "--user", "admin", *where],
        input="short\n",
    )
    assert r.exit_code != 0 and "at least 10 characters" in r.output, r.output
    r = runner.invoke(
        app, ["user", "set-password", "nobody", "--password-stdin", *where], input=NEW + "\n"
    )
    assert r.exit_code != 0 and "no user 'nobody'" in r.output, r.output
    assert client.get(PRIVATE, headers=script).status_code == 200

    r = runner.invoke(
        app,
        ["user", "set-password", "opa", "--password-stdin", "--user", "admin", *where],
        input=NEW + "\n",
    )
    assert r.exit_code == 0 and "password of opa set; 2 session(s) of opa ended" in r.output, (
        r.output
    )
    other = create_app(target)  # a server process that has not seen the sessions yet
    try:
        with TestClient(other, cookies={SESSION_COOKIE: browser.cookies[SESSION_COOKIE]}) as c:
            assert c.get("/api/me").json()["username"] is None
            assert c.get(PRIVATE, headers=script).status_code == 401
            assert (
                c.post("/api/token", json={"username": "opa", "password": NEW}).status_code == 200
            )
    finally:
        other.state.workspace.close()
    with app_workspace(client).engine.connect() as conn:
        log = tables.read_table(conn, "audit_log", where={"layer": "web_users", "record_id": "opa"})
    assert list(log.loc[log["action"] == "update", "actor"]) == ["admin"]
