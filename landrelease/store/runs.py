"""The run store: every computation kept in the workspace is a run with an id.

An import, a risk map, a survey, a priority ranking, a plan and a forecast are
each written as one row of their run table, and their results as rows that
carry the run's id. Earlier runs stay; readers take the latest run of a kind.
Adding a run returns the id the database gave it (``INSERT … RETURNING``), so
two writers sharing one PostGIS database never mix up their runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from landrelease.store import schema, tables
from landrelease.store.sql import now_iso, placeholder, quote

RUN_TABLES: dict[str, tuple[str, str | None]] = {
    "import": ("imports", None),
    "risk": ("risk_runs", None),
    "survey": ("survey_runs", None),
    "backtest": ("backtest_runs", None),
    "priorities": ("planning_runs", "priorities"),
    "plan": ("planning_runs", "plan"),
    "forecast": ("planning_runs", "forecast"),
}
"""Each kind of run: its table, and the value of its ``kind`` column where a table holds several."""

STAMP_COLUMNS = {
    "imports": "started_at",
    "risk_runs": "run_at",
    "survey_runs": "run_at",
    "backtest_runs": "run_at",
    "planning_runs": "created_at",
}
"""When a run began, filled in by :func:`add_run` unless given."""

CHANGE_TABLES = ("audit_log", "imports", "survey_runs", "risk_runs", "planning_runs")
"""Tables whose newest id tells that something changed in the workspace."""


def _table(kind: str) -> tuple[str, str | None]:
    try:
        return RUN_TABLES[kind]
    except KeyError:
        raise ValueError(f"unknown run kind {kind!r}; one of {', '.join(RUN_TABLES)}") from None


def add_run(conn: sa.Connection, kind: str, values: Mapping[str, Any]) -> int:
    """Write a run (``values`` by column; JSON columns as dicts) and return its id."""
    table, kind_value = _table(kind)
    row = dict(values)
    row.setdefault(STAMP_COLUMNS[table], now_iso())
    if kind_value is not None:
        row["kind"] = kind_value
    return tables.insert_record(conn, table, row)


def update_run(conn: sa.Connection, kind: str, run_id: int, values: Mapping[str, Any]) -> None:
    """Complete a run's row (e.g. an import's end time and summary)."""
    table, _ = _table(kind)
    tables.update_where(conn, table, values, {"fid": run_id})


def latest_run(conn: sa.Connection, kind: str) -> int | None:
    """The id of the latest run of ``kind``, ``None`` when there is none."""
    table, kind_value = _table(kind)
    if not tables.has_table(conn, table):
        return None
    sql = f"SELECT max(fid) FROM {quote(conn, table)}"
    params: tuple[Any, ...] = ()
    if kind_value is not None:
        sql += f" WHERE kind = {placeholder(conn)}"
        params = (kind_value,)
    v = conn.exec_driver_sql(sql, params).scalar()
    return None if v is None else int(v)


def has_runs(conn: sa.Connection, kind: str) -> bool:
    """Whether the workspace has the table of ``kind`` (one made before it was kept may not)."""
    return bool(sa.inspect(conn).has_table(_table(kind)[0]))


def read_run(conn: sa.Connection, kind: str, run_id: int | None = None) -> dict[str, Any] | None:
    """A run's row as a dict (JSON columns parsed; the latest run when ``run_id`` is ``None``)."""
    table, kind_value = _table(kind)
    if run_id is None:
        run_id = latest_run(conn, kind)
        if run_id is None:
            return None
    where: dict[str, Any] = {"fid": run_id}
    if kind_value is not None:
        where["kind"] = kind_value
    frame = tables.read_table(conn, table, where=where)
    if not len(frame):
        return None
    row = {str(k): v for k, v in frame.iloc[0].to_dict().items()}
    for col in schema.table(table).columns:
        v = row.get(col.name)
        if col.type is schema.JSON_TYPE and isinstance(v, str):
            row[col.name] = json.loads(v)
    return row


def list_runs(conn: sa.Connection, kind: str) -> list[dict[str, Any]]:
    """Every run of ``kind``, newest first."""
    table, kind_value = _table(kind)
    if not tables.has_table(conn, table):
        return []
    frame = tables.read_table(
        conn, table, where={"kind": kind_value} if kind_value is not None else None
    )
    return list(reversed(frame.to_dict("records")))


def layer_stamp(conn: sa.Connection, table: str) -> tuple[str, ...]:
    """What changes whenever ``table``'s records change: its row count, last update and last
    retirement (three aggregates in one statement; no record is read)."""
    t = quote(conn, table)
    row = conn.exec_driver_sql(
        f"SELECT count(*), max(updated_at), max(retired_at) FROM {t}"
    ).fetchone()
    return tuple(str(v) for v in row) if row is not None else ()


def change_stamp(conn: sa.Connection, table: str | None = None) -> tuple[str, ...]:
    """What changes whenever the workspace changes: the newest id of the audit trail and of every
    run table, and for ``table`` its row count and last update and retirement."""
    parts = [f"(SELECT max(fid) FROM {quote(conn, t)})" for t in CHANGE_TABLES]
    if table is not None:
        t = quote(conn, table)
        parts += [
            f"(SELECT count(*) FROM {t})",
            f"(SELECT max(updated_at) FROM {t})",
            f"(SELECT max(retired_at) FROM {t})",
        ]
    row = conn.exec_driver_sql("SELECT " + ", ".join(parts)).fetchone()
    return tuple(str(v) for v in row) if row is not None else ()


def now() -> str:
    """The time a run is stamped with (UTC, ISO 8601)."""
    return now_iso()
