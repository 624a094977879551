"""Users, roles, passwords, signed sessions, CSRF tokens and login rate limiting.

Roles (see ``docs/web.md``):

* ``administrator`` and ``information_manager`` — read everything, personal
  data included; approve and reject activities;
* ``analyst`` — reads everything, personal data included; writes nothing;
* ``operator`` — submits its organisation's activities; sees approved work of
  every organisation but drafts (draft, submitted, rejected) of its own only;
* ``donor`` — aggregated figures and maps; never victims' personal data;
* anonymous — public, read-only: aggregated figures and the public layers.

Passwords are stored as argon2id hashes only. A login is a signed,
expiring token (HMAC-SHA256): in an HttpOnly, SameSite=Lax cookie for the
browser, or as ``Authorization: Bearer`` for scripts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import argon2

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.records.changes import audit
from landrelease.store import Workspace, migrations
from landrelease.store.sql import insert_rows, now_iso, placeholder
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
        ph = placeholder(conn)
        if conn.exec_driver_sql(
            f"SELECT 1 FROM web_users WHERE username = {ph}", (username,)
        ).first():
            raise UsageError(f"user {username!r} exists already")
        insert_rows(
            conn,
            "web_users",
            (
                "username",
                "password_hash",
                "role",
                "organisation",
                "created_at",
                "created_by",
                "disabled",
            ),
            [(username, _HASHER.hash(password), r.value, organisation, now_iso(), actor, False)],
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


def list_users(ws: Workspace) -> list[User]:
    ensure_users_table(ws)
    rows = ws.query("SELECT username, role, organisation FROM web_users ORDER BY username")
    return [User(str(u), Role(str(r)), o) for u, r, o in (tuple(row) for row in rows)]


def authenticate(ws: Workspace, username: str, password: str) -> User | None:
    """The user when the password is right (and the account enabled), else ``None``."""
    with ws.engine.connect() as conn:
        row = conn.exec_driver_sql(
            f"SELECT password_hash, role, organisation, disabled FROM web_users WHERE username = {placeholder(conn)}",
            (username,),
        ).first()
    stored = str(row[0]) if row else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if row is None or row[3]:
        return None
    return User(username, Role(str(row[1])), row[2])


def find_user(ws: Workspace, username: str) -> User | None:
    with ws.engine.connect() as conn:
        row = conn.exec_driver_sql(
            f"SELECT role, organisation, disabled FROM web_users WHERE username = {placeholder(conn)}",
            (username,),
        ).first()
    if row is None or row[2]:
        return None
    return User(username, Role(str(row[0])), row[1])


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

    def csrf_token(self, nonce: str) -> str:
        return self._mac("csrf:" + nonce)

    def check_csrf(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(
            self.csrf_token(str(nonce)), str(token)
        )


# -- login rate limiting -------------------------------------------------------------------


class LoginLimiter:
    """Refuses logins (HTTP 429) after too many failures for one user name from one address.

    Failures are kept in the workspace (``web_login_failures``), so every server process
    of ``landrelease serve --workers N`` counts the same attempts.
    """

    def __init__(self, ws: Workspace, attempts: int, window_s: float) -> None:
        self.ws = ws
        self.attempts = attempts
        self.window_s = window_s

    def check(self, username: str, address: str) -> None:
        now = time.time()
        with self.ws.engine.connect() as conn:
            p = placeholder(conn)
            n, first = conn.exec_driver_sql(
                "SELECT count(*), min(at) FROM web_login_failures "
                f"WHERE username = {p} AND address = {p} AND at > {p}",
                (username, address, now - self.window_s),
            ).one()
        if n >= self.attempts:
            wait = int(first + self.window_s - now) + 1
            raise TooManyRequests(
                f"too many failed logins for {username!r}; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    def failed(self, username: str, address: str) -> None:
        now = time.time()
        with self.ws.begin() as conn:
            p = placeholder(conn)
            conn.exec_driver_sql(
                f"DELETE FROM web_login_failures WHERE at <= {p}", (now - self.window_s,)
            )
            insert_rows(
                conn,
                "web_login_failures",
                ("username", "address", "at"),
                [(username, address, now)],
            )

    def succeeded(self, username: str, address: str) -> None:
        with self.ws.begin() as conn:
            p = placeholder(conn)
            conn.exec_driver_sql(
                f"DELETE FROM web_login_failures WHERE username = {p} AND address = {p}",
                (username, address),
            )
