"""A session ends when its user logs out: a copy of the cookie or token is refused after."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.web import create_app
from landrelease.web.context import CSRF_COOKIE, SESSION_COOKIE
from tests.web.conftest import PASSWORD, app_workspace, token

PRIVATE = "/downloads/layers/funding.csv"
"""A download for logged-in users only (401 for a public visitor)."""


def _login(client: TestClient, username: str) -> str:
    """Log in with the form; the CSRF token of the page."""
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    # the nonce is rotated at login: the token of a page shown after it
    return client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_cookie_copied_before_logout_is_refused_after_it(client: TestClient) -> None:
    csrf = _login(client, "im")
    copied = client.cookies[SESSION_COOKIE]
    assert client.get("/api/me").json()["username"] == "im"
    assert client.get(PRIVATE).status_code == 200

    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set(SESSION_COOKIE, copied)  # the attacker's copy, sent again
    assert client.get("/api/me").json()["username"] is None
    assert client.get(PRIVATE).status_code == 401

    # another server process on the same workspace refuses it too
    other = create_app(app_workspace(client).target)
    try:
        with TestClient(other, cookies={SESSION_COOKIE: copied}) as c:
            assert c.get("/api/me").json()["username"] is None
            assert c.get(PRIVATE).status_code == 401
    finally:
        other.state.workspace.close()


def test_logging_in_again_gives_a_new_session_and_others_stay_open(client: TestClient) -> None:
    csrf = _login(client, "im")
    first = client.cookies[SESSION_COOKIE]
    script = token(client, "im")  # a bearer token is a session of its own
    _login(client, "im")
    assert client.cookies[SESSION_COOKIE] != first
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert client.get(PRIVATE, headers=script).status_code == 200


def test_ending_every_session_of_a_user_refuses_their_tokens(client: TestClient) -> None:
    im, ana = token(client, "im"), token(client, "ana")
    token(client, "im")  # a second device
    assert client.get(PRIVATE, headers=im).status_code == 200
    sessions = client.app.state.web.sessions  # type: ignore[attr-defined]
    assert sessions.end_all("im") == 2
    r = client.get(PRIVATE, headers=im)
    assert r.status_code == 401 and "invalid or expired" in r.json()["detail"]
    assert client.get(PRIVATE, headers=ana).status_code == 200


def test_user_sign_out_ends_the_sessions_from_the_command_line(client: TestClient) -> None:
    ana = token(client, "ana")
    target = app_workspace(client).target
    r = CliRunner().invoke(
        app, ["user", "sign-out", "ana", "-w" if target.endswith(".gpkg") else "--db", target]
    )
    assert r.exit_code == 0 and "1 session(s) of ana ended" in r.output, r.output
    other = create_app(target)  # a process that has not seen the token yet
    try:
        with TestClient(other) as c:
            assert c.get(PRIVATE, headers=ana).status_code == 401
    finally:
        other.state.workspace.close()


def test_a_signed_token_without_a_session_is_refused(client: TestClient) -> None:
    """A token signed with the right key but naming no session (as tokens were before
    sessions were kept) is refused: only the server starts sessions."""
    signer = client.app.state.web.signer  # type: ignore[attr-defined]
    forged = signer.sign({"u": "admin"}, lifetime_s=3600)
    r = client.get(PRIVATE, headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_a_csrf_token_from_before_login_is_refused_after_it(client: TestClient) -> None:
    """The CSRF nonce is rotated at login and at logout: a token another site planted, or a
    page left open from before, cannot post in the new session's name."""
    before = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    after = _login(client, "im")
    assert after != before
    r = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/api/me").json()["username"] == "im"  # still logged in
    r = client.post("/logout", data={"csrf_token": after}, follow_redirects=False)
    assert r.status_code == 303
    # after logout, the token of the session that ended is refused too
    r = client.post(
        "/login",
        data={"username": "im", "password": PASSWORD, "csrf_token": after},
        follow_redirects=False,
    )
    assert r.status_code == 403


def _page_token(client: TestClient) -> str:
    return client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]


def _reject(client: TestClient, csrf: str) -> int:
    """Reject ACT-2 through the JSON API with the session cookie and ``csrf`` as the header."""
    r = client.post(
        "/api/activities/ACT-2/reject", json={"reason": "no photos"}, headers={"X-CSRF-Token": csrf}
    )
    return r.status_code


def test_a_csrf_token_is_refused_in_another_session(client: TestClient) -> None:
    """Another user's token pair (their nonce cookie and the token of their page) is refused:
    a logged-in user's token is bound to their session, not to a cookie another site could
    plant."""
    other = TestClient(client.app, base_url="http://testserver")
    theirs = _login(other, "admin")
    their_nonce = other.cookies[CSRF_COOKIE]
    mine = _login(client, "im")
    assert mine != theirs

    client.cookies.set(CSRF_COOKIE, their_nonce)  # the whole pair of the other session
    assert _reject(client, theirs) == 403
    r = client.post("/logout", data={"csrf_token": theirs}, follow_redirects=False)
    assert r.status_code == 403 and client.get("/api/me").json()["username"] == "im"
    # the same user in another session (a second browser) has a token of its own too
    second = TestClient(client.app, base_url="http://testserver")
    assert _login(second, "im") != mine
    assert _reject(client, _page_token(second)) == 403
    assert _workflow_status(client) == "submitted"  # nothing was written

    # the session's own token works whatever nonce cookie the browser holds
    assert _page_token(client) == mine
    assert _reject(client, mine) == 200
    assert _workflow_status(client) == "rejected"


def _workflow_status(client: TestClient) -> str:
    r = client.get("/collections/activities/items/ACT-2", headers=token(client, "ana"))
    status: str = r.json()["properties"]["status"]
    return status


def test_a_csrf_token_ends_with_its_session(client: TestClient) -> None:
    mine = _login(client, "im")
    client.app.state.web.sessions.end_all("im")  # type: ignore[attr-defined]
    assert client.get("/api/me").json()["username"] is None
    # the session's token is no longer a token of this browser, even for the login form
    r = client.post(
        "/login",
        data={"username": "im", "password": PASSWORD, "csrf_token": mine},
        follow_redirects=False,
    )
    assert r.status_code == 403
    visitor = _page_token(client)
    assert visitor != mine
    # logging in again starts a new session with a new token: the old one stays refused
    r = client.post(
        "/login",
        data={"username": "im", "password": PASSWORD, "csrf_token": visitor},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _page_token(client) not in (mine, visitor)
    assert _reject(client, mine) == 403
