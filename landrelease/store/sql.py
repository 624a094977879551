"""Small SQL helpers that work the same on SQLite (GeoPackage) and PostgreSQL.

Writes go through the database driver directly (``exec_driver_sql``) with
values already in their stored form, so that both backends store exactly the
same text for dates and timestamps, and bulk inserts stay fast.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


def placeholder(conn: sa.Connection) -> str:
    return "?" if conn.dialect.name == "sqlite" else "%s"


def quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def default_actor() -> str:
    """Who is making changes: ``LANDRELEASE_USER``, else the operating-system user."""
    try:
        return os.environ.get("LANDRELEASE_USER") or getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "unknown"


def now_iso() -> str:
    """The current UTC time as stored: ISO 8601 with milliseconds and ``Z`` (GeoPackage DATETIME)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def insert_rows(
    conn: sa.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    value_sql: dict[str, str] | None = None,
) -> None:
    """Insert rows (sequences in ``columns`` order); ``value_sql`` wraps a placeholder, e.g. ST_GeomFromWKB."""
    ph = placeholder(conn)
    wrap = value_sql or {}
    cols = ", ".join(quote(conn, c) for c in columns)
    vals = ", ".join(wrap.get(c, "{}").format(ph) for c in columns)
    data = list(rows)
    if data:
        conn.exec_driver_sql(f"INSERT INTO {quote(conn, table)} ({cols}) VALUES ({vals})", data)


def update_rows(
    conn: sa.Connection,
    table: str,
    columns: Sequence[str],
    key: str,
    rows: Iterable[Sequence[Any]],
    *,
    value_sql: dict[str, str] | None = None,
) -> None:
    """Update rows given as (values in ``columns`` order..., key value)."""
    ph = placeholder(conn)
    wrap = value_sql or {}
    sets = ", ".join(f"{quote(conn, c)} = {wrap.get(c, '{}').format(ph)}" for c in columns)
    data = list(rows)
    if data:
        conn.exec_driver_sql(
            f"UPDATE {quote(conn, table)} SET {sets} WHERE {quote(conn, key)} = {ph}",
            data,
        )


def select_in(
    conn: sa.Connection,
    sql_prefix: str,
    values: Sequence[Any],
    params: tuple[Any, ...] = (),
    chunk: int = 900,
) -> list[tuple[Any, ...]]:
    """Run ``sql_prefix IN (...)`` over ``values`` in chunks (SQLite limits bound parameters).

    ``params`` are the values of placeholders in ``sql_prefix`` itself, bound before ``values``.
    """
    ph = placeholder(conn)
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(values), chunk):
        part = list(values[i : i + chunk])
        marks = ", ".join([ph] * len(part))
        out.extend(
            tuple(r) for r in conn.exec_driver_sql(f"{sql_prefix} IN ({marks})", (*params, *part))
        )
    return out


def insert_returning(
    conn: sa.Connection,
    table: str,
    values: dict[str, Any],
    *,
    value_sql: dict[str, str] | None = None,
    key: str = "fid",
) -> int:
    """Insert one row and return its ``key`` as the database gave it (``INSERT … RETURNING``).

    Safe with several writers on one PostGIS database, unlike reading ``max(fid)`` afterwards.
    """
    ph = placeholder(conn)
    wrap = value_sql or {}
    cols = ", ".join(quote(conn, c) for c in values)
    vals = ", ".join(wrap.get(c, "{}").format(ph) for c in values)
    row = conn.exec_driver_sql(
        f"INSERT INTO {quote(conn, table)} ({cols}) VALUES ({vals}) RETURNING {quote(conn, key)}",
        tuple(values.values()),
    ).fetchone()
    assert row is not None
    return int(row[0])
