"""References between layers that point at no record: a finding naming an activity that is
not in the package nor in the workspace, an activity naming an unknown hazard."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from landrelease.domain import layer_by_name
from landrelease.store.sql import placeholder, quote


def dangling_references(
    conn: sa.Connection,
    layer: str,
    column: str,
    target: str,
    target_column: str,
    *,
    import_id: int,
    limit: int = 200,
) -> list[tuple[str, Any]]:
    """Records of ``layer`` written by import ``import_id`` whose ``column`` names no record of
    ``target`` (by ``target_column``, retired ones included): (record id, value), at most
    ``limit`` of them. Empty references are not dangling."""
    t, c = quote(conn, layer), quote(conn, column)
    tt, tc = quote(conn, target), quote(conn, target_column)
    idc = quote(conn, layer_by_name(layer).id_field)
    rows = conn.exec_driver_sql(
        f"SELECT {idc}, {c} FROM {t} WHERE import_id = {placeholder(conn)} AND {c} IS NOT NULL "
        f"AND {c} NOT IN (SELECT {tc} FROM {tt} WHERE {tc} IS NOT NULL) LIMIT {int(limit)}",
        (import_id,),
    ).fetchall()
    return [(str(rid), ref) for rid, ref in rows]
