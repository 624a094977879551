"""Web accounts and failed logins, kept through the store on both backends."""

from __future__ import annotations

import time

import pytest

from landrelease.store import Workspace, accounts, tables
from landrelease.web.auth import (
    LoginLimiter,
    Role,
    add_user,
    authenticate,
    find_user,
    list_users,
)
from landrelease.web.errors import TooManyRequests

SECRET = "a long enough secret"


def test_users_are_listed_found_and_refused_when_disabled(workspace: Workspace) -> None:
    add_user(workspace, "zoe", password=SECRET, role="donor", actor="tester")
    add_user(workspace, "amina", password=SECRET, role="operator", organisation="HALO", actor="t")
    assert [(u.username, u.role, u.organisation) for u in list_users(workspace)] == [
        ("amina", Role.OPERATOR, "HALO"),
        ("zoe", Role.DONOR, None),
    ]
    assert find_user(workspace, "amina") == authenticate(workspace, "amina", SECRET)
    assert authenticate(workspace, "amina", "not the secret") is None
    assert (
        find_user(workspace, "nobody") is None and authenticate(workspace, "nobody", SECRET) is None
    )
    with workspace.engine.connect() as conn:
        stored = accounts.find_account(conn, "amina")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert not stored.disabled
    with workspace.begin() as conn:  # as an administrator disables an account
        tables.update_where(conn, "web_users", {"disabled": True}, {"username": "amina"})
    assert find_user(workspace, "amina") is None
    assert authenticate(workspace, "amina", SECRET) is None


def test_login_failures_count_within_the_window_only(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(workspace, "amina", password=SECRET, role="analyst", actor="tester")
    limiter = LoginLimiter(workspace, attempts=2, window_s=60.0)
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    limiter.check("amina", "10.0.0.1")
    limiter.failed("amina", "10.0.0.1")
    limiter.failed("amina", "10.0.0.1")
    limiter.failed("amina", "10.0.0.2")  # another address counts apart
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("amina", "10.0.0.1")
    assert refused.value.headers["Retry-After"] == "61"
    limiter.check("amina", "10.0.0.2")
    clock[0] += 61  # the window has passed: the failures are forgotten
    limiter.check("amina", "10.0.0.1")
    limiter.failed("amina", "10.0.0.1")  # and deleted as a new one is recorded
    with workspace.engine.connect() as conn:
        assert accounts.recent_failures(conn, "amina", "10.0.0.1", 0.0)[0] == 1
        assert accounts.recent_failures(conn, "amina", "10.0.0.2", 0.0) == (0, None)
    limiter.succeeded("amina", "10.0.0.1")
    with workspace.engine.connect() as conn:
        assert accounts.recent_failures(conn, "amina", "10.0.0.1", 0.0) == (0, None)
