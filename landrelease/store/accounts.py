"""The web application's accounts and recent failed logins, kept in the workspace.

``web_users`` holds who may log in (a user name, an argon2id hash, a role, an
operator's organisation, whether the account is disabled); ``web_login_failures``
holds recent failed logins so that every server process of ``landrelease serve
--workers N`` counts the same attempts; ``web_login_addresses`` where each user
last logged in (from there, a name locked by failures elsewhere still logs in);
``web_sessions`` holds the logins that
have not ended (by a hash of their id), so that logging out in one process
ends the session in all of them. All are private tables: not records, not
audited here (adding a user is audited by the caller), never exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from landrelease.store.sql import insert_rows, now_iso, placeholder


@dataclass(frozen=True)
class Account:
    """One row of ``web_users`` (the password hash, never the password)."""

    username: str
    password_hash: str
    role: str
    organisation: str | None
    disabled: bool


def find_account(conn: sa.Connection, username: str) -> Account | None:
    """The account named ``username`` (disabled ones too), ``None`` when there is none."""
    row = conn.exec_driver_sql(
        "SELECT username, password_hash, role, organisation, disabled FROM web_users "
        f"WHERE username = {placeholder(conn)}",
        (username,),
    ).first()
    if row is None:
        return None
    return Account(str(row[0]), str(row[1]), str(row[2]), row[3], bool(row[4]))


def list_accounts(conn: sa.Connection) -> list[Account]:
    """Every account, by user name."""
    rows = conn.exec_driver_sql(
        "SELECT username, password_hash, role, organisation, disabled FROM web_users "
        "ORDER BY username"
    ).fetchall()
    return [Account(str(u), str(h), str(r), o, bool(d)) for u, h, r, o, d in rows]


def add_account(
    conn: sa.Connection,
    username: str,
    *,
    password_hash: str,
    role: str,
    organisation: str | None,
    created_by: str,
) -> None:
    """Write a new, enabled account (the caller checks the name is free and audits it)."""
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
        [(username, password_hash, role, organisation, now_iso(), created_by, False)],
    )


def set_password_hash(conn: sa.Connection, username: str, password_hash: str) -> bool:
    """Replace the password hash of ``username``; whether there is such an account."""
    result = conn.exec_driver_sql(
        f"UPDATE web_users SET password_hash = {placeholder(conn)} "
        f"WHERE username = {placeholder(conn)}",
        (password_hash, username),
    )
    return bool(result.rowcount)


def recent_failures(
    conn: sa.Connection,
    *,
    since: float,
    username: str | None = None,
    address: str | None = None,
) -> tuple[int, float | None]:
    """Failed logins after ``since`` (seconds since 1970) for ``username`` (from any address),
    from ``address`` (for any user name), or both: how many, and when the last of them was."""
    p = placeholder(conn)
    where = {"username": username, "address": address}
    sql = " ".join(f"AND {k} = {p}" for k, v in where.items() if v is not None)
    n, last = conn.exec_driver_sql(
        f"SELECT count(*), max(at) FROM web_login_failures WHERE at > {p} {sql}",
        (since, *(v for v in where.values() if v is not None)),
    ).one()
    return int(n or 0), None if last is None else float(last)


def add_failure(
    conn: sa.Connection, username: str, address: str, at: float, *, forget_before: float
) -> None:
    """Record a failed login at ``at``, forgetting every failure at or before ``forget_before``."""
    conn.exec_driver_sql(
        f"DELETE FROM web_login_failures WHERE at <= {placeholder(conn)}", (forget_before,)
    )
    insert_rows(
        conn, "web_login_failures", ("username", "address", "at"), [(username, address, at)]
    )


def clear_failures(conn: sa.Connection, username: str, address: str) -> None:
    """Forget the failed logins of ``username`` from ``address`` (after a successful login)."""
    p = placeholder(conn)
    conn.exec_driver_sql(
        f"DELETE FROM web_login_failures WHERE username = {p} AND address = {p}",
        (username, address),
    )


def remember_address(
    conn: sa.Connection, username: str, address: str, at: float, *, forget_before: float
) -> None:
    """Record that ``username`` logged in from ``address`` at ``at``, forgetting every such
    record at or before ``forget_before``."""
    p = placeholder(conn)
    conn.exec_driver_sql(
        f"DELETE FROM web_login_addresses WHERE at <= {p} OR (username = {p} AND address = {p})",
        (forget_before, username, address),
    )
    insert_rows(
        conn, "web_login_addresses", ("username", "address", "at"), [(username, address, at)]
    )


def known_address(conn: sa.Connection, username: str, address: str, *, since: float) -> bool:
    """Whether ``username`` logged in from ``address`` after ``since``."""
    p = placeholder(conn)
    row = conn.exec_driver_sql(
        f"SELECT 1 FROM web_login_addresses WHERE username = {p} AND address = {p} AND at > {p}",
        (username, address, since),
    ).first()
    return row is not None


_ACCOUNT = "u.username, u.password_hash, u.role, u.organisation, u.disabled"


def add_session(
    conn: sa.Connection, session_hash: str, username: str, *, at: float, expires_at: float
) -> None:
    """Record a new session of ``username``, forgetting every session expired at ``at``."""
    conn.exec_driver_sql(f"DELETE FROM web_sessions WHERE expires_at <= {placeholder(conn)}", (at,))
    insert_rows(
        conn,
        "web_sessions",
        ("session_hash", "username", "created_at", "expires_at"),
        [(session_hash, username, at, expires_at)],
    )


def session_account(conn: sa.Connection, session_hash: str, at: float) -> Account | None:
    """The account of the session, ``None`` when it ended, expired by ``at`` or never existed."""
    p = placeholder(conn)
    row = conn.exec_driver_sql(
        f"SELECT {_ACCOUNT} FROM web_sessions s JOIN web_users u ON u.username = s.username "
        f"WHERE s.session_hash = {p} AND s.expires_at > {p}",
        (session_hash, at),
    ).first()
    if row is None:
        return None
    return Account(str(row[0]), str(row[1]), str(row[2]), row[3], bool(row[4]))


def end_session(conn: sa.Connection, session_hash: str) -> None:
    """End one session (logging out)."""
    conn.exec_driver_sql(
        f"DELETE FROM web_sessions WHERE session_hash = {placeholder(conn)}", (session_hash,)
    )


def end_sessions(conn: sa.Connection, username: str) -> int:
    """End every session of ``username`` (a new password, a lost laptop); how many there were."""
    result = conn.exec_driver_sql(
        f"DELETE FROM web_sessions WHERE username = {placeholder(conn)}", (username,)
    )
    return int(result.rowcount or 0)
