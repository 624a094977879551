"""Money spent, by source of funds (national budget or a donor), beside the funding received."""

from __future__ import annotations

from landrelease.domain.dates import parse_day
from landrelease.errors import UsageError
from landrelease.records.changes import audit
from landrelease.store import Workspace, tables
from landrelease.store.sql import now_iso


def record_spending(
    ws: Workspace,
    *,
    expenditure_id: str,
    date: str,
    source: str,
    amount_usd: float,
    actor: str,
    purpose: str | None = None,
    activity_id: str | None = None,
    organisation: str | None = None,
) -> None:
    """Record money spent from a source (``national`` or the donor's name, as in funding)."""
    parse_day(date, what="date")
    if not source.strip():
        raise UsageError("name the source of the money (national or the donor)")
    if not amount_usd >= 0:
        raise UsageError(f"amount {amount_usd!r} USD: must be a number ≥ 0")
    row = {
        "expenditure_id": expenditure_id,
        "date": date,
        "source": source,
        "amount_usd": float(amount_usd),
        "purpose": purpose,
        "activity_id": activity_id,
        "organisation": organisation,
    }
    with ws.begin() as conn:
        if tables.count_where(conn, "expenditures", {"expenditure_id": expenditure_id}):
            raise UsageError(
                f"expenditure {expenditure_id} exists; retire it with a reason and record a new one"
            )
        now = now_iso()
        tables.insert_records(
            conn, "expenditures", [{**row, "created_at": now, "created_by": actor}]
        )
        audit(
            conn,
            actor=actor,
            action="insert",
            table="expenditures",
            record_id=expenditure_id,
            after=row,
            at=now,
        )
