"""Money spent, by source of funds (national budget or a donor), beside the funding received."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
    record_expenditures(
        ws,
        [
            {
                "expenditure_id": expenditure_id,
                "date": date,
                "source": source,
                "amount_usd": amount_usd,
                "purpose": purpose,
                "activity_id": activity_id,
                "organisation": organisation,
            }
        ],
        actor=actor,
    )


EXPENDITURE_FIELDS = (
    "expenditure_id",
    "date",
    "source",
    "amount_usd",
    "purpose",
    "activity_id",
    "organisation",
)


def record_expenditures(ws: Workspace, rows: Sequence[Mapping[str, Any]], *, actor: str) -> int:
    """Record many expenditures (each as :func:`record_spending` takes it) at once, all or none:
    every row is checked before any is written. Returns how many were recorded."""
    clean = []
    seen: set[str] = set()
    for r in rows:
        eid, amount = str(r["expenditure_id"]), r["amount_usd"]
        parse_day(str(r["date"]), what="date")
        if not str(r["source"] or "").strip():
            raise UsageError(f"{eid}: name the source of the money (national or the donor)")
        if not (isinstance(amount, int | float) and amount >= 0):
            raise UsageError(f"{eid}: amount {amount!r} USD: must be a number ≥ 0")
        if eid in seen:
            raise UsageError(f"expenditure {eid} is given twice")
        seen.add(eid)
        clean.append({k: r.get(k) for k in EXPENDITURE_FIELDS} | {"amount_usd": float(amount)})
    with ws.begin() as conn:
        for row in clean:
            if tables.count_where(conn, "expenditures", {"expenditure_id": row["expenditure_id"]}):
                raise UsageError(
                    f"expenditure {row['expenditure_id']} exists; retire it with a reason and "
                    "record a new one"
                )
        now = now_iso()
        tables.insert_records(
            conn, "expenditures", [{**row, "created_at": now, "created_by": actor} for row in clean]
        )
        for row in clean:
            audit(
                conn,
                actor=actor,
                action="insert",
                table="expenditures",
                record_id=str(row["expenditure_id"]),
                after=row,
                at=now,
            )
    return len(clean)
