"""Non-conformities found by quality management, from the day they are raised until closed."""

from __future__ import annotations

import uuid

import pandas as pd

from landrelease.errors import UsageError
from landrelease.records.changes import audit, row_json
from landrelease.store import Connection, Workspace, WorkspaceView, tables
from landrelease.store.sql import now_iso

SEVERITIES = ("minor", "major", "critical")


def raise_non_conformity(
    source: Workspace | WorkspaceView,
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
    conn: Connection | None = None,
) -> str:
    """Record a non-conformity; return its id: ``nc_id`` when given, else ``NC-`` and the number
    the database gave its row (unique however many people record at once, retired ones kept)."""
    if severity not in SEVERITIES:
        raise UsageError(f"severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    if not description.strip():
        raise UsageError("describe the non-conformity")

    def _write(c: Connection) -> str:
        now = now_iso()
        row = {
            "nc_id": nc_id or f"NC-pending-{uuid.uuid4().hex}",
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
        fid = tables.insert_record(c, "non_conformities", row)
        if not nc_id:
            row["nc_id"] = _numbered(c, fid)
            tables.update_where(c, "non_conformities", {"nc_id": row["nc_id"]}, {"fid": fid})
        new_id = str(row["nc_id"])
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
    with WorkspaceView.of(source).ws.begin() as c:
        return _write(c)


def _numbered(conn: Connection, fid: int) -> str:
    """``NC-`` and the row's number; a suffix if someone gave that id by hand already."""
    base = f"NC-{fid:05d}"
    candidate, n = base, 1
    while tables.count_where(conn, "non_conformities", {"nc_id": candidate}):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def close_non_conformity(
    source: Workspace | WorkspaceView,
    nc_id: str,
    *,
    actor: str,
    closed_on: str,
    corrective_action: str,
) -> None:
    """Close a non-conformity with the corrective action taken."""
    if not corrective_action.strip():
        raise UsageError("say what corrective action closed it")
    with WorkspaceView.of(source).ws.begin() as conn:
        found = tables.read_table(conn, "non_conformities", where={"nc_id": nc_id})
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
        tables.update_where(conn, "non_conformities", values, {"nc_id": nc_id})
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


def read_non_conformities(
    source: Workspace | WorkspaceView, *, conn: Connection | None = None
) -> pd.DataFrame:
    """Every current non-conformity, open or closed (with ``conn``: as that transaction sees them)."""
    if conn is None:
        return WorkspaceView.of(source).table("non_conformities")
    return tables.read_table(conn, "non_conformities")
