"""Non-conformities found by quality management, from the day they are raised until closed."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from landrelease.errors import UsageError
from landrelease.records import tables
from landrelease.records.changes import audit, row_json
from landrelease.store import Workspace
from landrelease.store.sql import now_iso

SEVERITIES = ("minor", "major", "critical")


def raise_non_conformity(
    ws: Workspace,
    *,
    actor: str,
    severity: str,
    description: str,
    raised_on: str,
    visit_id: str | None = None,
    activity_id: str | None = None,
    organisation: str | None = None,
    due_on: str | None = None,
    nc_id: str | None = None,
    conn: sa.Connection | None = None,
) -> str:
    """Record a non-conformity; return its id (``NC-<n>`` unless given)."""
    if severity not in SEVERITIES:
        raise UsageError(f"severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    if not description.strip():
        raise UsageError("describe the non-conformity")

    def _write(c: sa.Connection) -> str:
        new_id = nc_id or (
            f"NC-{int(c.exec_driver_sql('SELECT count(*) FROM non_conformities').scalar() or 0) + 1:05d}"
        )
        now = now_iso()
        row = {
            "nc_id": new_id,
            "visit_id": visit_id,
            "activity_id": activity_id,
            "organisation": organisation,
            "severity": severity,
            "description": description,
            "raised_on": raised_on,
            "due_on": due_on,
            "created_at": now,
            "created_by": actor,
        }
        tables.insert_records(c, "non_conformities", [row])
        audit(
            c,
            actor=actor,
            action="insert",
            table="non_conformities",
            record_id=new_id,
            after=row,
            at=now,
        )
        return new_id

    if conn is not None:
        return _write(conn)
    with ws.begin() as c:
        return _write(c)


def close_non_conformity(
    ws: Workspace, nc_id: str, *, actor: str, closed_on: str, corrective_action: str
) -> None:
    """Close a non-conformity with the corrective action taken."""
    if not corrective_action.strip():
        raise UsageError("say what corrective action closed it")
    with ws.begin() as conn:
        p = tables.ph(conn)
        found = tables.read_table(conn, "non_conformities", where=f"nc_id = {p}", params=(nc_id,))
        if not len(found):
            raise UsageError(f"no current non-conformity {nc_id!r}")
        before = row_json(found.iloc[0])
        if before["closed_on"]:
            raise UsageError(f"{nc_id} was closed on {before['closed_on']}")
        if str(closed_on) < str(before["raised_on"]):
            raise UsageError(
                f"{nc_id} cannot close ({closed_on}) before it was raised ({before['raised_on']})"
            )
        values = {"closed_on": closed_on, "corrective_action": corrective_action}
        tables.update_where(conn, "non_conformities", values, f"nc_id = {p}", (nc_id,))
        audit(
            conn,
            actor=actor,
            action="update",
            table="non_conformities",
            record_id=nc_id,
            before=before,
            after={**before, **values},
            note="closed",
        )


def read_non_conformities(ws: Workspace, *, conn: sa.Connection | None = None) -> pd.DataFrame:
    """Every current non-conformity, open or closed."""
    if conn is None:
        with ws.engine.connect() as c:
            return tables.read_table(c, "non_conformities")
    return tables.read_table(conn, "non_conformities")
