"""Web accounts and failed logins, kept through the store on both backends."""

from __future__ import annotations

import time

import pytest

from landrelease.store import Workspace, accounts, tables
from landrelease.web.auth import (
    LoginLimiter,
    LoginLimits,
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


def test_a_lock_grows_with_each_further_failure_and_is_capped() -> None:
    limits = LoginLimits(lock_s=60.0, lock_max_s=900.0)
    assert [limits.lock_s_after(n, 5) for n in range(3, 11)] == [
        0.0,
        0.0,
        60.0,
        120.0,
        240.0,
        480.0,
        900.0,
        900.0,
    ]
    assert limits.lock_s_after(10**9, 5) == 900.0


LIMITS = LoginLimits(
    per_user=3, per_address=10, window_s=3600.0, lock_s=60.0, lock_max_s=240.0, known_s=86400.0
)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def _retry_after(limiter: LoginLimiter, username: str, address: str) -> int:
    """Seconds the limiter asks to wait (0: not locked)."""
    try:
        limiter.check(username, address)
    except TooManyRequests as exc:
        return int(exc.headers["Retry-After"])
    return 0


def test_a_name_is_locked_across_addresses_and_the_lock_ends(
    workspace: Workspace, clock: list[float]
) -> None:
    limiter = LoginLimiter(workspace, LIMITS)
    for i in range(3):  # one guess from each of three addresses
        assert _retry_after(limiter, "amina", f"198.51.100.{i}") == 0
        limiter.failed("amina", f"198.51.100.{i}")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("amina", "198.51.100.77")  # a fourth address changes nothing
    assert refused.value.detail == (
        "too many failed logins for 'amina': try again in 60 s (after 13:47:40 UTC)"
    )
    assert _retry_after(limiter, "zoe", "198.51.100.77") == 0  # another name is not locked
    clock[0] += 30
    assert _retry_after(limiter, "amina", "198.51.100.0") == 30
    clock[0] += 31  # the lock has ended: one more guess, and the lock doubles
    assert _retry_after(limiter, "amina", "198.51.100.5") == 0
    limiter.failed("amina", "198.51.100.5")
    assert _retry_after(limiter, "amina", "198.51.100.6") == 120
    for wait in (240, 240):  # then it stays at web_login_lock_max_s
        clock[0] += 241
        limiter.failed("amina", "198.51.100.5")
        assert _retry_after(limiter, "amina", "198.51.100.6") == wait
    clock[0] += 3601  # failures older than the window are forgotten
    assert _retry_after(limiter, "amina", "198.51.100.6") == 0
    limiter.failed("amina", "198.51.100.6")
    with workspace.engine.connect() as conn:
        assert accounts.recent_failures(conn, since=0.0, username="amina")[0] == 1


def test_an_address_is_locked_across_names(workspace: Workspace, clock: list[float]) -> None:
    limiter = LoginLimiter(workspace, LIMITS)
    for i in range(10):  # one password tried on ten names
        limiter.failed(f"user{i}", "203.0.113.9")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("amina", "203.0.113.9")
    assert refused.value.detail.startswith(
        "too many failed logins from your address (203.0.113.9): try again in 60 s"
    )
    assert _retry_after(limiter, "amina", "203.0.113.10") == 0


def test_the_user_logs_in_from_their_own_address_while_their_name_is_locked(
    workspace: Workspace, clock: list[float]
) -> None:
    limiter = LoginLimiter(workspace, LIMITS)
    limiter.failed("amina", "10.0.0.1")  # a typo at the office
    limiter.succeeded("amina", "10.0.0.1")
    with workspace.engine.connect() as conn:
        assert accounts.recent_failures(conn, since=0.0, username="amina") == (0, None)
    clock[0] += 3600
    for i in range(50):  # someone else guesses from many addresses
        limiter.failed("amina", f"198.51.100.{i}")
    assert _retry_after(limiter, "amina", "198.51.100.200") == 240
    assert _retry_after(limiter, "amina", "10.0.0.1") == 0  # the office is not locked out
    # but guesses from the office itself are limited there too
    for _ in range(3):
        limiter.failed("amina", "10.0.0.1")
    assert _retry_after(limiter, "amina", "10.0.0.1") == 60
    # an address is the user's for known_s after their last login from it
    clock[0] += 86400
    limiter.failed("amina", "10.0.0.2")
    limiter.succeeded("amina", "10.0.0.2")
    for i in range(3):
        limiter.failed("amina", f"198.51.100.{i}")
    assert _retry_after(limiter, "amina", "10.0.0.1") == 60  # forgotten: the name's lock holds
    assert _retry_after(limiter, "amina", "10.0.0.2") == 0
    with workspace.engine.connect() as conn:
        assert not accounts.known_address(conn, "amina", "10.0.0.1", since=0.0)
