"""The activity workflow: draft → submitted → approved or rejected, and the land handed over.

* :func:`submit_activity` — an operator hands in an activity; accreditation
  and the release rules are checked and any problem is flagged at once;
* :func:`reject_activity` — the centre sends it back, with a reason;
* :func:`approve_activity` — the centre accepts it: its release is booked
  in the land-release ledger by method and date, the hazard's status follows
  (a fully released hazard closes and gets a completion record), all in one
  transaction, all in the audit trail — through the release service
  (:mod:`landrelease.records.release`), the one path that also books
  activities imported as approved (:func:`book_approved_activities`);
* :func:`hand_over` — the closed hazard's land is handed over.

Status changes are written through :meth:`Workspace.write_batch` with the
time of the decision as the record's date of information: the decision is
the newest information, so re-importing an operator's older copy of the
record does not undo it (the date-of-information rule), and a later report
still supersedes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from landrelease.errors import DataError, Issue, IssueLog, UsageError
from landrelease.records.changes import audit, row_json, write_records
from landrelease.records.release import (
    BackfillResult,
    Release,
    ReleaseBook,
    assess,
    book_approved_activities,
    complete_hazards,
    write_hazards,
    write_ledger,
)
from landrelease.records.rules import CLAIM_KEYS, RELEASE_METHODS, Booking
from landrelease.store import Connection, Workspace, WorkspaceView, tables
from landrelease.store.sql import now_iso

__all__ = [
    "ApprovalResult",
    "BackfillResult",
    "ReviewResult",
    "activity_history",
    "approve_activity",
    "book_approved_activities",
    "hand_over",
    "reject_activity",
    "review_queue",
    "submit_activity",
]


@dataclass
class ReviewResult:
    """What a submission or a rejection did."""

    activity_id: str
    step: str
    status_before: str | None
    flags: list[str] = field(default_factory=list)
    """Warnings for the reviewer: accreditation, and release problems an approval would refuse."""
    reason: str | None = None


@dataclass
class ApprovalResult:
    """What an approval booked and how the hazard followed."""

    activity_id: str
    hazard_id: str
    status_before: str | None
    bookings: list[Booking]
    hazard_area_m2: float
    released_before_m2: float
    remaining_m2: float
    hazard_status_before: str | None
    hazard_status_after: str | None
    classification_before: str | None
    classification_after: str | None
    hazard_updated: bool
    hazard_note: str | None
    hazard_closed: bool
    devices: dict[str, int]
    """Devices destroyed by type, from the activity's findings."""
    flags: list[str] = field(default_factory=list)

    @property
    def released_m2(self) -> float:
        return sum(b.area_m2 for b in self.bookings)


# -- reading -------------------------------------------------------------------------------


def _one(ws: Workspace, conn: Connection, layer: str, record_id: str) -> pd.Series:
    frame = ws.read_layer(layer, ids=[record_id], conn=conn)
    if not len(frame):
        retired = ws.read_layer(layer, ids=[record_id], conn=conn, include_retired=True)
        if len(retired):
            raise UsageError(
                f"{layer} record {record_id} was retired on {retired.iloc[0]['retired_at']} "
                f"({retired.iloc[0]['retired_reason']})"
            )
        raise UsageError(f"no {layer} record {record_id!r} in this workspace")
    return frame.iloc[0]


def _devices(ws: Workspace, conn: Connection, activity_id: str) -> dict[str, int]:
    """Devices destroyed by type in the activity's current findings (destroyed unless said not)."""
    found = tables.read_table(
        conn, "findings", where={"activity_id": activity_id}, columns=["device", "destroyed"]
    )
    kept = found[found["destroyed"].map(lambda v: v is None or v is True).to_numpy(dtype=bool)]
    counts = kept["device"].value_counts()
    return {str(d): int(counts[d]) for d in sorted(counts.index)}


def _set_status(
    ws: Workspace,
    conn: Connection,
    act: pd.Series,
    status: str,
    *,
    actor: str,
    now: str,
    note: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    row = act.copy()
    row["status"] = status
    row["date_of_information"] = now
    if extra:
        row["extra"] = {**(act["extra"] or {}), **extra}
    frame = gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326")
    counts = write_records(ws, conn, "activities", frame, actor=actor, note=note)
    if counts.updated != 1:
        raise UsageError(
            f"activity {act['activity_id']} was not changed: its date of information "
            f"({act['date_of_information']}) is later than now ({now})"
        )


def _review(
    conn: Connection,
    *,
    activity_id: str,
    step: str,
    before: str | None,
    actor: str,
    now: str,
    reason: str | None = None,
    flags: list[str] | None = None,
    figures: dict[str, Any] | None = None,
) -> None:
    tables.insert_records(
        conn,
        "activity_reviews",
        [
            {
                "activity_id": activity_id,
                "step": step,
                "status_before": before,
                "at": now,
                "actor": actor,
                "reason": reason,
                "flags": flags or [],
                "figures": figures or {},
            }
        ],
    )


def _problem_lines(issues: list[Issue]) -> list[str]:
    return [f"{i.field}: {i.problem}" for i in issues]


# -- workflow steps ------------------------------------------------------------------------


def submit_activity(
    source: Workspace | WorkspaceView,
    activity_id: str,
    *,
    actor: str,
    claims: Mapping[str, float] | None = None,
) -> ReviewResult:
    """Submit a draft (or rejected) activity for approval, with the areas it reports released.

    ``claims`` maps a method (cancelled, reduced, cleared) to the area in m²
    the activity reports; without it, the activity's whole area counts under
    its ``outcome``. The organisation's accreditation and the release rules
    are checked now and every problem is flagged; the approval will refuse
    the release problems.
    """
    view = WorkspaceView.of(source)
    ws = view.ws
    with ws.begin() as conn:
        act = _one(ws, conn, "activities", activity_id)
        before = act.get("status")
        if before not in (None, "draft", "rejected"):
            raise UsageError(
                f"activity {activity_id} is {before}; only a draft or a rejected activity can be submitted"
            )
        extra: dict[str, Any] = {}
        if claims:
            unknown = sorted(set(claims) - set(RELEASE_METHODS))
            if unknown:
                raise UsageError(
                    f"unknown release method(s) {', '.join(unknown)}; use {', '.join(RELEASE_METHODS)}"
                )
            extra = {CLAIM_KEYS[m]: float(v) for m, v in claims.items()}
            act = act.copy()
            act["extra"] = {**(act["extra"] or {}), **extra}
        _, rel = _assess(view, conn, act)
        flags = rel.flags + _problem_lines(rel.refusals)
        now = now_iso()
        _set_status(ws, conn, act, "submitted", actor=actor, now=now, note="submitted", extra=extra)
        _review(
            conn,
            activity_id=activity_id,
            step="submitted",
            before=before,
            actor=actor,
            now=now,
            flags=flags,
        )
    return ReviewResult(activity_id, "submitted", before, flags)


def reject_activity(
    source: Workspace | WorkspaceView, activity_id: str, *, actor: str, reason: str
) -> ReviewResult:
    """Send a submitted activity back to its operator with a reason."""
    if not reason or not reason.strip():
        raise UsageError("a rejection needs a reason (--reason)")
    ws = WorkspaceView.of(source).ws
    with ws.begin() as conn:
        act = _one(ws, conn, "activities", activity_id)
        before = act.get("status")
        if before != "submitted":
            raise UsageError(
                f"activity {activity_id} is {before or 'a draft'}; only a submitted activity can be rejected"
            )
        now = now_iso()
        _set_status(ws, conn, act, "rejected", actor=actor, now=now, note=f"rejected: {reason}")
        _review(
            conn,
            activity_id=activity_id,
            step="rejected",
            before=before,
            actor=actor,
            now=now,
            reason=reason,
        )
    return ReviewResult(activity_id, "rejected", before, [], reason)


def _assess(view: WorkspaceView, conn: Connection, act: pd.Series) -> tuple[ReleaseBook, Release]:
    """What approving ``act`` would do and refuse, as this transaction sees the workspace."""
    book = ReleaseBook.read(view.ws, conn, view.metric_crs, hazard_ids=[str(act["hazard_id"])])
    return book, assess(book, act, view.ws.read_layer("organisations", conn=conn))


def _refuse(activity_id: str, issues: list[Issue]) -> DataError:
    log = IssueLog()
    log.extend(issues)
    return DataError(
        f"cannot approve activity {activity_id}:\n"
        + "\n".join(f"  ✗ {line}" for line in _problem_lines(issues))
        + "\nNothing was changed; correct the activity, or reject it with a reason.",
        log,
    )


def approve_activity(
    source: Workspace | WorkspaceView, activity_id: str, *, actor: str, accept_flags: bool = False
) -> ApprovalResult:
    """Approve a submitted activity: book its release, move its hazard on, all or nothing.

    Refused (:class:`DataError`, with the numbers) when its area lies outside
    its hazard, overlaps land already released, claims more area than its
    polygon holds, or when its hazard is closed already. An organisation not
    accredited for the work is refused unless ``accept_flags`` (the override
    is recorded).
    """
    view = WorkspaceView.of(source)
    ws = view.ws
    with ws.begin() as conn:
        act = _one(ws, conn, "activities", activity_id)
        before = act.get("status")
        if before != "submitted":
            hint = " (submit it first)" if before in (None, "draft", "rejected") else ""
            raise UsageError(
                f"activity {activity_id} is {before or 'a draft'}; only a submitted activity can be approved{hint}"
            )
        book, rel = _assess(view, conn, act)
        if rel.flags and not accept_flags:
            raise UsageError(
                f"activity {activity_id} is flagged: "
                + "; ".join(rel.flags)
                + ". Approve with --accept-flags to override (recorded in the audit trail)."
            )
        if rel.refusals:
            raise _refuse(activity_id, rel.refusals)
        now = now_iso()
        write_ledger(
            conn,
            [rel],
            crs=book.crs,
            source="approval",
            actor=actor,
            now=now,
            note="release booked on approval",
        )
        note = "approved" + (" with flags accepted: " + "; ".join(rel.flags) if rel.flags else "")
        _set_status(ws, conn, act, "approved", actor=actor, now=now, note=note)
        book.commit(rel)
        result = _follow(ws, conn, book, rel, before, actor=actor, now=now)
        result.devices = _devices(ws, conn, activity_id)
        _review(
            conn,
            activity_id=activity_id,
            step="approved",
            before=before,
            actor=actor,
            now=now,
            flags=rel.flags,
            figures={
                "booked_m2": {b.method: round(b.area_m2, 3) for b in rel.bookings},
                "hazard_id": rel.hazard_id,
                "hazard_status": [result.hazard_status_before, result.hazard_status_after],
                "remaining_m2": round(result.remaining_m2, 3),
                "devices_destroyed": result.devices,
            },
        )
    return result


def _follow(
    ws: Workspace,
    conn: Connection,
    book: ReleaseBook,
    rel: Release,
    before: str | None,
    *,
    actor: str,
    now: str,
) -> ApprovalResult:
    """Move the approved activity's hazard on (dated now) and complete it if it closed."""
    move = rel.hazard
    result = ApprovalResult(
        activity_id=rel.activity_id,
        hazard_id=rel.hazard_id,
        status_before=before,
        bookings=rel.bookings,
        hazard_area_m2=0.0 if move is None else move.area_m2,
        released_before_m2=0.0 if move is None else move.released_before_m2,
        remaining_m2=0.0 if move is None else move.remaining_m2,
        hazard_status_before=None if move is None else move.status_before,
        hazard_status_after=None if move is None else move.status_after,
        classification_before=None if move is None else move.classification_before,
        classification_after=None if move is None else move.classification_after,
        hazard_updated=False,
        hazard_note=None if move is not None else f"no current hazard {rel.hazard_id}",
        hazard_closed=False,
        devices={},
        flags=rel.flags,
    )
    if move is None:
        return result
    note = f"follows the approval of activity {rel.activity_id}"
    counts = write_hazards(ws, conn, book, {move.hazard_id: now}, actor=actor, note=note)
    result.hazard_updated = counts.updated == 1
    if counts.stale:
        result.hazard_status_after = move.status_before
        result.classification_after = move.classification_before
        result.hazard_note = (
            f"hazard {move.hazard_id} left as reported: its date of information "
            f"({book.hazards[move.hazard_id]['date_of_information']}) is later than this approval"
        )
    made = complete_hazards(ws, conn, book, [move.hazard_id], actor=actor, now=now)
    result.hazard_closed = made > 0
    return result


def hand_over(
    source: Workspace | WorkspaceView, hazard_id: str, *, to: str, on: str, actor: str
) -> dict[str, Any]:
    """Record the handover of a completed hazard's land (to whom, on which date)."""
    if not to.strip():
        raise UsageError("say to whom the land is handed over")
    ws = WorkspaceView.of(source).ws
    with ws.begin() as conn:
        found = tables.read_table(conn, "hazard_completions", where={"hazard_id": hazard_id})
        if not len(found):
            raise UsageError(
                f"hazard {hazard_id} has no completion record; only a fully released, closed hazard is handed over"
            )
        before = row_json(found.iloc[-1])
        if str(on) < str(before["completed_on"]):
            raise UsageError(
                f"handover date {on} is before the hazard's completion on {before['completed_on']}"
            )
        tables.update_where(
            conn,
            "hazard_completions",
            {"handed_over_to": to, "handed_over_on": on},
            {"fid": int(before["fid"])},
        )
        after = {**before, "handed_over_to": to, "handed_over_on": on}
        audit(
            conn,
            actor=actor,
            action="update",
            table="hazard_completions",
            record_id=hazard_id,
            before=before,
            after=after,
            note="handed over",
        )
    return after


def activity_history(source: Workspace | WorkspaceView, activity_id: str) -> pd.DataFrame:
    """Every workflow step of an activity: who, when, from which status, why, flags."""
    with WorkspaceView.of(source).ws.engine.connect() as conn:
        return tables.read_table(conn, "activity_reviews", where={"activity_id": activity_id})


def review_queue(source: Workspace | WorkspaceView) -> pd.DataFrame:
    """Submitted activities awaiting a decision, oldest first, with the flags raised at submission."""
    view = WorkspaceView.of(source)
    acts = view.layer("activities")
    acts = acts[acts["status"] == "submitted"]
    with view.ws.engine.connect() as conn:
        reviews = tables.read_table(conn, "activity_reviews", where={"step": "submitted"})
    last = reviews.groupby("activity_id").tail(1).set_index("activity_id")
    out = pd.DataFrame(
        {
            "activity_id": acts["activity_id"].to_numpy(),
            "type": acts["type"].to_numpy(),
            "hazard_id": acts["hazard_id"].to_numpy(),
            "organisation": acts["organisation"].to_numpy(),
            "end": acts["end"].to_numpy(),
        }
    )
    out["submitted_at"] = out["activity_id"].map(last["at"]) if len(last) else None
    out["flags"] = out["activity_id"].map(last["flags"]) if len(last) else None
    return out.sort_values(["end", "activity_id"]).reset_index(drop=True)
