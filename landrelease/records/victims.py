"""Victim assistance records and who may see victims' personal data.

Victims' personal data — names, exact ages, addresses — is shown only to
users entitled to it. The entitled users are listed in the workspace
(``workspace_meta``, key ``personal_data_users``); the user who created the
workspace is entitled from the start and may grant others. Every grant and
revocation is in the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from landrelease.errors import UsageError
from landrelease.records.changes import audit, row_json
from landrelease.store import Connection, Workspace, WorkspaceView, tables
from landrelease.store.sql import now_iso

NEEDS = (
    "emergency_medical",
    "medical",
    "rehabilitation",
    "prosthetics",
    "psychosocial",
    "economic",
    "education",
    "social",
)
"""Kinds of assistance a victim may need and receive (IMAS 13.10 pillars, simplified)."""

META_KEY = "personal_data_users"


def entitled_users(ws: Workspace) -> list[str]:
    """Users who may see victims' personal data."""
    meta = ws.meta()
    granted = json.loads(meta.get(META_KEY) or "[]")
    creator = meta.get("created_by")
    return sorted({*granted, *([creator] if creator else [])})


def require_entitlement(ws: Workspace, user: str) -> None:
    """Refuse a user not entitled to victims' personal data."""
    if user not in entitled_users(ws):
        raise UsageError(
            f"user {user!r} is not entitled to victims' personal data; an entitled user "
            f"({', '.join(entitled_users(ws)) or 'none'}) can grant it with "
            "`landrelease record grant-personal-data USER`"
        )


def grant_personal_data(ws: Workspace, user: str, *, actor: str, revoke: bool = False) -> list[str]:
    """Entitle (or, with ``revoke``, stop entitling) ``user``; only an entitled actor may."""
    require_entitlement(ws, actor)
    if not user.strip():
        raise UsageError("name the user")
    with ws.begin() as conn:
        before = json.loads(ws.meta(conn).get(META_KEY) or "[]")
        after = sorted(set(before) - {user}) if revoke else sorted({*before, user})
        ws.set_meta(conn, META_KEY, json.dumps(after))
        audit(
            conn,
            actor=actor,
            action="update",
            table="workspace_meta",
            record_id=META_KEY,
            before=before,
            after=after,
            note=("revoked " if revoke else "granted ") + user,
        )
    return entitled_users(ws)


def record_assistance(
    source: Workspace | WorkspaceView,
    *,
    assistance_id: str,
    incident_id: str,
    actor: str,
    victim_no: int | None = None,
    needs: Sequence[str] = (),
    services: Sequence[str] = (),
    provider: str | None = None,
    follow_up_on: str | None = None,
    follow_up_notes: str | None = None,
    name: str | None = None,
    address: str | None = None,
    date_of_information: str | None = None,
) -> str:
    """Record (or update) the assistance of one victim of an incident: needs, services received,
    follow-up. An update applies only when its date of information is later than the stored one.
    Returns ``inserted``, ``updated`` or ``not applied``."""
    bad = sorted({*needs, *services} - set(NEEDS))
    if bad:
        raise UsageError(f"unknown need or service {', '.join(bad)}; use {', '.join(NEEDS)}")
    row: dict[str, Any] = {
        "assistance_id": assistance_id,
        "incident_id": incident_id,
        "victim_no": victim_no,
        "name": name,
        "address": address,
        "needs": list(needs),
        "services": list(services),
        "provider": provider,
        "follow_up_on": follow_up_on,
        "follow_up_notes": follow_up_notes,
        "date_of_information": date_of_information,
    }
    ws = WorkspaceView.of(source).ws
    with ws.begin() as conn:
        _check_victim(ws, conn, incident_id, victim_no)
        return _merge_assistance(conn, row, actor=actor)


def _check_victim(ws: Workspace, conn: Connection, incident_id: str, victim_no: int | None) -> None:
    incident = ws.read_layer("incidents", ids=[incident_id], conn=conn)
    if not len(incident):
        raise UsageError(f"no incident {incident_id!r} in this workspace")
    if victim_no is not None:
        n = int(incident.iloc[0]["killed"] or 0) + int(incident.iloc[0]["injured"] or 0)
        if not 1 <= victim_no <= n:
            raise UsageError(f"incident {incident_id} has {n} casualties; victim_no must be 1–{n}")


def _merge_assistance(conn: Connection, row: dict[str, Any], *, actor: str) -> str:
    """Insert the record, or update it when its date of information is later than the stored one."""
    assistance_id = str(row["assistance_id"])
    found = tables.read_table(conn, "victim_assistance", where={"assistance_id": assistance_id})
    now = now_iso()
    if not len(found):
        tables.insert_records(
            conn, "victim_assistance", [{**row, "created_at": now, "created_by": actor}]
        )
        audit(
            conn,
            actor=actor,
            action="insert",
            table="victim_assistance",
            record_id=assistance_id,
            after=row,
            at=now,
            note="victim assistance recorded",
        )
        return "inserted"
    before = row_json(found.iloc[0])
    old, new = before.get("date_of_information"), row["date_of_information"]
    if old is not None and (new is None or str(new) <= str(old)):
        return "not applied"
    values = {
        **{k: v for k, v in row.items() if k != "assistance_id"},
        "updated_at": now,
        "updated_by": actor,
    }
    tables.update_where(conn, "victim_assistance", values, {"assistance_id": assistance_id})
    audit(
        conn,
        actor=actor,
        action="update",
        table="victim_assistance",
        record_id=assistance_id,
        before=before,
        after={**before, **values},
        at=now,
    )
    return "updated"


def assistance_summary(assistance: pd.DataFrame, *, as_of: str) -> pd.DataFrame:
    """Per kind of assistance: victims who need it, who received it, and follow-ups overdue at ``as_of``."""
    rows = []
    for kind in NEEDS:
        need = assistance["needs"].map(lambda v, k=kind: k in (v or []))
        got = assistance["services"].map(lambda v, k=kind: k in (v or []))
        if not need.any() and not got.any():
            continue
        rows.append(
            {
                "assistance": kind.replace("_", " "),
                "needed": int(need.sum()),
                "received": int(got.sum()),
                "needed, not received": int((need & ~got).sum()),
            }
        )
    out = pd.DataFrame(rows, columns=["assistance", "needed", "received", "needed, not received"])
    due = assistance["follow_up_on"].astype(str) if len(assistance) else pd.Series(dtype=str)
    out.attrs["follow_ups_overdue"] = (
        int(((due <= as_of) & assistance["follow_up_on"].notna()).sum()) if len(assistance) else 0
    )
    return out
