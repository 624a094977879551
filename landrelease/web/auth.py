"""Users, roles, passwords, signed sessions, CSRF tokens and login rate limiting.

Roles (see ``docs/web.md``):

* ``administrator`` and ``information_manager`` — read everything, personal
  data included; approve and reject activities;
* ``analyst`` — reads everything, personal data included; writes nothing;
* ``operator`` — submits its organisation's activities; sees approved work of
  every organisation but drafts (draft, submitted, rejected) of its own only;
* ``donor`` — aggregated figures and maps; never victims' personal data;
* anonymous — public, read-only: aggregated figures and the public layers.

Passwords are stored as argon2id hashes only. A login is a session kept in the
workspace (:class:`Sessions`), named by a signed, expiring token
(HMAC-SHA256): in an HttpOnly, SameSite=Lax cookie for the browser, or as
``Authorization: Bearer`` for scripts. Logging out ends the session on the
server, so a copy of the cookie no longer works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import argon2

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.records.changes import audit
from landrelease.store import Workspace, accounts, migrations
from landrelease.web.errors import TooManyRequests

MIN_PASSWORD_LENGTH = 10
_HASHER = argon2.PasswordHasher()
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))
"""Verified against when the user does not exist, so both cases take as long."""


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    INFORMATION_MANAGER = "information_manager"
    ANALYST = "analyst"
    OPERATOR = "operator"
    DONOR = "donor"


@dataclass(frozen=True)
class User:
    """Who is asking: a logged-in user, or :data:`ANONYMOUS` (role ``None``)."""

    username: str
    role: Role | None
    organisation: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not None

    @property
    def sees_personal_data(self) -> bool:
        """Victims' personal data: only roles that work with the full records."""
        return self.role in (Role.ADMINISTRATOR, Role.INFORMATION_MANAGER, Role.ANALYST)

    @property
    def sees_all_drafts(self) -> bool:
        return self.role in (Role.ADMINISTRATOR, Role.INFORMATION_MANAGER, Role.ANALYST)

    @property
    def may_approve(self) -> bool:
        return self.role in (Role.ADMINISTRATOR, Role.INFORMATION_MANAGER)

    @property
    def may_submit(self) -> bool:
        return self.may_approve or self.role is Role.OPERATOR

    @property
    def sees_details(self) -> bool:
        """Record-level layers beyond the public ones (incidents, findings, activities)."""
        return self.authenticated


ANONYMOUS = User("anonymous", None)


# -- users in the workspace ----------------------------------------------------------------


def ensure_users_table(ws: Workspace) -> None:
    """Create ``web_users`` in a workspace made before the web application existed."""
    with ws.begin() as conn:
        migrations.add_missing_tables(conn)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise UsageError("a password may not begin or end with spaces")


def add_user(
    ws: Workspace,
    username: str,
    *,
    password: str,
    role: str,
    organisation: str | None = None,
    actor: str,
) -> User:
    """Add a user with an argon2id-hashed password; operators need their organisation."""
    username = username.strip()
    if not username or any(c.isspace() for c in username):
        raise UsageError(f"a user name is one word without spaces: {username!r}")
    try:
        r = Role(role)
    except ValueError:
        raise UsageError(
            f"unknown role {role!r} (accepted: {', '.join(x.value for x in Role)})"
        ) from None
    if r is Role.OPERATOR and not organisation:
        raise UsageError("an operator belongs to an organisation: give --organisation")
    check_password(password)
    ensure_users_table(ws)
    with ws.begin() as conn:
        if accounts.find_account(conn, username) is not None:
            raise UsageError(f"user {username!r} exists already")
        accounts.add_account(
            conn,
            username,
            password_hash=_HASHER.hash(password),
            role=r.value,
            organisation=organisation,
            created_by=actor,
        )
        audit(
            conn,
            actor=actor,
            action="insert",
            table="web_users",
            record_id=username,
            after={"username": username, "role": r.value, "organisation": organisation},
            note="web user added (the password is never recorded)",
        )
    return User(username, r, organisation)


def set_password(ws: Workspace, username: str, *, password: str, actor: str) -> int:
    """Give ``username`` a new password and end every session of theirs (in the same
    transaction): a password change by the user, or a reset by an administrator (``actor``).
    How many sessions were ended; audited, the password never recorded."""
    check_password(password)
    ensure_users_table(ws)
    with ws.begin() as conn:
        if not accounts.set_password_hash(conn, username, _HASHER.hash(password)):
            raise UsageError(f"no user {username!r} (landrelease user list shows them)")
        ended = accounts.end_sessions(conn, username)
        audit(
            conn,
            actor=actor,
            action="update",
            table="web_users",
            record_id=username,
            note=(
                "password changed by the user"
                if actor == username
                else f"password reset by {actor}"
            )
            + f"; {ended} session(s) ended (the password is never recorded)",
        )
    return ended


def list_users(ws: Workspace) -> list[User]:
    """Every account (disabled ones too), by user name."""
    ensure_users_table(ws)
    with ws.engine.connect() as conn:
        return [
            User(a.username, Role(a.role), a.organisation) for a in accounts.list_accounts(conn)
        ]


def authenticate(ws: Workspace, username: str, password: str) -> User | None:
    """The user when the password is right (and the account enabled), else ``None``."""
    with ws.engine.connect() as conn:
        account = accounts.find_account(conn, username)
    stored = account.password_hash if account is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    return User(username, Role(account.role), account.organisation)


def find_user(ws: Workspace, username: str) -> User | None:
    """The enabled account ``username``, ``None`` if unknown or disabled."""
    with ws.engine.connect() as conn:
        account = accounts.find_account(conn, username)
    if account is None or account.disabled:
        return None
    return User(username, Role(account.role), account.organisation)


# -- signed tokens -------------------------------------------------------------------------


def secret_key(ws: Workspace) -> bytes:
    """The signing key: the setting, else one kept in the workspace (made on first use)."""
    configured = str(settings.get("web_secret_key"))
    if configured:
        return configured.encode()
    key = ws.meta().get("web_secret_key")
    if not key:
        with ws.begin() as conn:
            key = ws.meta(conn).get("web_secret_key")
            if not key:
                key = secrets.token_urlsafe(32)
                ws.set_meta(conn, "web_secret_key", key)
    return key.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs small JSON payloads with an expiry (HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, payload: dict[str, Any], *, lifetime_s: float) -> str:
        body = _b64(json.dumps({**payload, "exp": time.time() + lifetime_s}).encode())
        return f"{body}.{self._mac(body)}"

    def unsign(self, token: str) -> dict[str, Any] | None:
        """The payload of a valid, unexpired token, else ``None``."""
        body, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(payload, dict) or float(payload.get("exp", 0)) < time.time():
            return None
        return payload

    def csrf_token(self, subject: str) -> str:
        """The CSRF token of ``subject`` (what a form's token is bound to: see
        :meth:`landrelease.web.context.Web.csrf_subject`)."""
        return self._mac("csrf:" + subject)

    def check_csrf(self, subject: str | None, token: str | None) -> bool:
        return bool(subject and token) and hmac.compare_digest(
            self.csrf_token(str(subject)), str(token)
        )


# -- sessions ------------------------------------------------------------------------------


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def end_sessions(ws: Workspace, username: str) -> int:
    """End every web session of ``username`` in every server process (within
    :attr:`Sessions.ttl_s`); how many there were."""
    ensure_users_table(ws)
    with ws.begin() as conn:
        return accounts.end_sessions(conn, username)


class Sessions:
    """Logins kept in the workspace (``web_sessions``): a token is valid while its session is.

    A token carries a random session id, signed; the workspace keeps a hash of
    the id with the user and the expiry. Logging out deletes the row, so the
    token — the cookie, or a copy of it — stops working in every server process.
    A session found valid is trusted for ``ttl_s`` seconds per process (one
    query per request would cost more than the request): another process of
    ``serve --workers N`` refuses an ended session or a disabled user within that time.
    """

    def __init__(self, ws: Workspace, signer: Signer, lifetime_s: float, ttl_s: float = 5.0):
        self.ws = ws
        self.signer = signer
        self.lifetime_s = lifetime_s
        self.ttl_s = ttl_s
        self._seen: dict[str, tuple[float, User | None]] = {}

    def start(self, user: User) -> str:
        """A new session of ``user``: the signed token naming it."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self.ws.begin() as conn:
            accounts.add_session(
                conn,
                _session_hash(session_id),
                user.username,
                at=now,
                expires_at=now + self.lifetime_s,
            )
        return self.signer.sign({"s": session_id}, lifetime_s=self.lifetime_s)

    def _session_id(self, token: str | None) -> str | None:
        """The session id a validly signed, unexpired token names, else ``None``."""
        payload = self.signer.unsign(token) if token else None
        session_id = payload.get("s") if payload else None
        return session_id if isinstance(session_id, str) else None

    def open_id(self, token: str | None) -> str | None:
        """The id of the session ``token`` names while it is open (its user enabled), else
        ``None``: what a logged-in user's CSRF tokens are bound to."""
        session_id = self._session_id(token)
        return session_id if session_id is not None and self.user(token or "") else None

    def user(self, token: str) -> User | None:
        """The user of a token whose session is open (and account enabled), else ``None``."""
        session_id = self._session_id(token)
        if session_id is None:
            return None
        key = _session_hash(session_id)
        now = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        with self.ws.engine.connect() as conn:
            account = accounts.session_account(conn, key, time.time())
        found = (
            None
            if account is None or account.disabled
            else User(account.username, Role(account.role), account.organisation)
        )
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (now, found)
        return found

    def end(self, token: str | None) -> None:
        """End the session of ``token`` (logging out); nothing when it names none."""
        session_id = self._session_id(token)
        if session_id is None:
            return
        key = _session_hash(session_id)
        with self.ws.begin() as conn:
            accounts.end_session(conn, key)
        self._seen.pop(key, None)

    def end_all(self, username: str) -> int:
        """End every session of ``username`` (new password, lost device); how many there were."""
        n = end_sessions(self.ws, username)
        self.forget(username)
        return n

    def forget(self, username: str) -> None:
        """Drop what this process remembers of ``username``'s sessions (ended elsewhere)."""
        self._seen = {
            k: v for k, v in self._seen.items() if v[1] is None or v[1].username != username
        }


# -- login rate limiting -------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins are allowed, and how long a lock lasts (the ``web_login_*``
    settings)."""

    per_user: int = 5
    per_address: int = 20
    window_s: float = 3600.0
    lock_s: float = 60.0
    lock_max_s: float = 900.0
    known_s: float = 30 * 86400.0

    @classmethod
    def from_settings(cls) -> LoginLimits:
        return cls(
            per_user=int(settings.get("web_login_attempts")),
            per_address=int(settings.get("web_login_address_attempts")),
            window_s=float(settings.get("web_login_window_s")),
            lock_s=float(settings.get("web_login_lock_s")),
            lock_max_s=float(settings.get("web_login_lock_max_s")),
            known_s=float(settings.get("web_login_known_days")) * 86400,
        )

    def lock_s_after(self, failures: int, allowed: int) -> float:
        """Seconds locked after the last of ``failures`` when ``allowed`` are allowed: none
        below the limit, then :attr:`lock_s` doubling with each further failure, at most
        :attr:`lock_max_s`."""
        if failures < allowed:
            return 0.0
        return min(self.lock_s * 2.0 ** min(failures - allowed, 60), self.lock_max_s)


class LoginLimiter:
    """Refuses logins (HTTP 429) for a while after too many failures — per user name from any
    address, and per address for any user names — with locks that grow with each further
    failure and always end (:class:`LoginLimits`).

    A user is never locked out by someone else's guesses: from an address where they logged
    in within :attr:`LoginLimits.known_s`, only that address's failures for their name count.
    Failures are kept in the workspace (``web_login_failures``, ``web_login_addresses``), so
    every server process of ``landrelease serve --workers N`` counts the same attempts.
    """

    def __init__(self, ws: Workspace, limits: LoginLimits) -> None:
        self.ws = ws
        self.limits = limits

    def check(self, username: str, address: str) -> None:
        """Refuse (HTTP 429, with Retry-After) while a lock holds for the name or the address."""
        lim = self.limits
        now = time.time()
        since = now - lim.window_s
        with self.ws.engine.connect() as conn:
            known = accounts.known_address(conn, username, address, since=now - lim.known_s)
            by_user = accounts.recent_failures(
                conn, since=since, username=username, address=address if known else None
            )
            by_address = accounts.recent_failures(conn, since=since, address=address)
        locks = [
            (last + lim.lock_s_after(n, allowed), why)
            for (n, last), allowed, why in (
                (by_user, lim.per_user, f"for {username!r}"),
                (by_address, lim.per_address, f"from your address ({address})"),
            )
            if last is not None
        ]
        until, why = max(locks, default=(now, ""))
        if until > now:
            wait = math.ceil(until - now)
            at = datetime.fromtimestamp(until, UTC).strftime("%H:%M:%S UTC")
            raise TooManyRequests(
                f"too many failed logins {why}: try again in {wait} s (after {at})",
                headers={"Retry-After": str(wait)},
            )

    def failed(self, username: str, address: str) -> None:
        now = time.time()
        with self.ws.begin() as conn:
            accounts.add_failure(
                conn, username, address, now, forget_before=now - self.limits.window_s
            )

    def succeeded(self, username: str, address: str) -> None:
        """Forget the user's failures from this address; remember the address as theirs."""
        now = time.time()
        with self.ws.begin() as conn:
            accounts.clear_failures(conn, username, address)
            accounts.remember_address(
                conn, username, address, now, forget_before=now - self.limits.known_s
            )
