"""The activity workflow: draft → submitted → approved or rejected, and what an approval books.

* :func:`submit_activity` — an operator hands in an activity; accreditation
  and the release rules are checked and any problem is flagged at once;
* :func:`reject_activity` — the centre sends it back, with a reason;
* :func:`approve_activity` — the centre accepts it: its release is booked
  in the land-release ledger by method and date, the hazard's status follows
  (a fully released hazard closes and gets a completion record), all in one
  transaction, all in the audit trail;
* :func:`book_approved_activities` — activities that arrived already approved
  (imported from another system) are booked the same way, trimmed where
  they break a rule, each trim listed;
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
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from landrelease import settings
from landrelease.errors import DataError, Issue, IssueLog, Severity, UsageError
from landrelease.records import tables
from landrelease.records.changes import audit, row_json, write_records
from landrelease.records.ledger import read_completions, read_ledger
from landrelease.records.rules import (
    CLAIM_KEYS,
    METHODS_BY_TYPE,
    RELEASE_METHODS,
    Booking,
    ReleaseCheck,
    accreditation_flags,
    check_release,
    hazard_after,
    project,
    release_claims,
    unproject,
)
from landrelease.store import Workspace
from landrelease.store.crs import utm_crs_for
from landrelease.store.sql import now_iso


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


@dataclass
class BackfillResult:
    """What booking the already-approved activities did."""

    activities: int
    bookings: int
    area_by_method_m2: dict[str, float]
    hazards_updated: int
    hazards_not_updated: int
    completions: int
    log: IssueLog


# -- reading -------------------------------------------------------------------------------


def _one(ws: Workspace, conn: sa.Connection, layer: str, record_id: str) -> pd.Series:
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


def _metric_crs(ws: Workspace, conn: sa.Connection, geom: shapely.Geometry | None) -> str:
    crs = ws.metric_crs(conn)
    if crs:
        return crs
    if geom is None or shapely.is_empty(geom):
        return "EPSG:32638"
    c = shapely.centroid(geom)
    return utm_crs_for(c.x, c.y)


def _organisations(ws: Workspace, conn: sa.Connection) -> pd.DataFrame:
    return ws.read_layer("organisations", conn=conn)


def _devices(ws: Workspace, conn: sa.Connection, activity_id: str) -> dict[str, int]:
    p = tables.ph(conn)
    rows = conn.exec_driver_sql(
        f"SELECT device, count(*) FROM findings WHERE activity_id = {p} AND retired_at IS NULL "
        f"AND (destroyed IS NULL OR destroyed = {p}) GROUP BY device ORDER BY device",
        (activity_id, True),
    ).fetchall()
    return {str(d): int(n) for d, n in rows}


def _books_land(activity: Any) -> bool:
    methods = METHODS_BY_TYPE.get(str(activity.get("type")), ())
    claims = release_claims(activity.get("extra"))
    return bool(methods) and (claims is not None or activity.get("outcome") in RELEASE_METHODS)


def release_check(
    ws: Workspace,
    conn: sa.Connection,
    act: pd.Series,
    hazard: pd.Series | None,
    *,
    strict: bool,
) -> ReleaseCheck:
    """The release rules an approval applies to activity ``act`` on ``hazard`` (area outside
    the hazard, overlap with land released, more claimed than the polygon, a method its type
    cannot use); the web forms show them as warnings before a draft is saved."""
    crs = _metric_crs(ws, conn, act.geometry)
    ledger = read_ledger(conn)
    ledger = ledger[ledger["activity_id"] != act["activity_id"]]
    released = pd.DataFrame(
        {
            "activity_id": ledger["activity_id"].to_numpy(),
            "method": ledger["method"].to_numpy(),
            "released_on": ledger["released_on"].to_numpy(),
        }
    )
    released = released.assign(geometry=project(ledger.geometry.values, crs))
    a_geom, h_geom = project([act.geometry, None if hazard is None else hazard.geometry], crs)
    return check_release(
        activity_id=str(act["activity_id"]),
        activity_type=str(act["type"]),
        outcome=act.get("outcome"),
        claims=release_claims(act.get("extra")),
        activity_geom=a_geom,
        hazard_id=str(act["hazard_id"]),
        hazard_geom=h_geom,
        released=released,
        tolerance_share=float(settings.get("approval_tolerance_share")),
        strict=strict,
    )


def _hazard_or_none(ws: Workspace, conn: sa.Connection, hazard_id: str) -> pd.Series | None:
    frame = ws.read_layer("hazards", ids=[hazard_id], conn=conn)
    return None if not len(frame) else frame.iloc[0]


def _set_status(
    ws: Workspace,
    conn: sa.Connection,
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
    conn: sa.Connection,
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
    ws: Workspace,
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
        flags = accreditation_flags(act, _organisations(ws, conn))
        if _books_land(act):
            hazard = _hazard_or_none(ws, conn, str(act["hazard_id"]))
            flags += _problem_lines(release_check(ws, conn, act, hazard, strict=True).errors)
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


def reject_activity(ws: Workspace, activity_id: str, *, actor: str, reason: str) -> ReviewResult:
    """Send a submitted activity back to its operator with a reason."""
    if not reason or not reason.strip():
        raise UsageError("a rejection needs a reason (--reason)")
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


def approve_activity(
    ws: Workspace, activity_id: str, *, actor: str, accept_flags: bool = False
) -> ApprovalResult:
    """Approve a submitted activity: book its release, move its hazard on, all or nothing.

    Refused (:class:`DataError`, with the numbers) when its area lies outside
    its hazard, overlaps land already released, or when it claims more area
    than its polygon holds. An organisation not accredited for the work is
    refused unless ``accept_flags`` (the override is recorded).
    """
    with ws.begin() as conn:
        act = _one(ws, conn, "activities", activity_id)
        before = act.get("status")
        if before != "submitted":
            hint = " (submit it first)" if before in (None, "draft", "rejected") else ""
            raise UsageError(
                f"activity {activity_id} is {before or 'a draft'}; only a submitted activity can be approved{hint}"
            )
        flags = accreditation_flags(act, _organisations(ws, conn))
        if flags and not accept_flags:
            raise UsageError(
                f"activity {activity_id} is flagged: "
                + "; ".join(flags)
                + ". Approve with --accept-flags to override (recorded in the audit trail)."
            )
        hazard_id = str(act["hazard_id"])
        hazard = _hazard_or_none(ws, conn, hazard_id)
        books = _books_land(act)
        check = release_check(ws, conn, act, hazard, strict=True) if books else None
        if books and hazard is not None and hazard["status"] == "closed":
            assert check is not None
            check.issues.append(
                Issue(
                    "activities",
                    activity_id,
                    "hazard_id",
                    repr(hazard_id),
                    f"hazard {hazard_id} is closed already; no more of it can be released",
                )
            )
        if check is not None and check.errors:
            log = IssueLog()
            log.extend(check.errors)
            raise DataError(
                f"cannot approve activity {activity_id}:\n"
                + "\n".join(f"  ✗ {line}" for line in _problem_lines(check.errors))
                + "\nNothing was changed; correct the activity, or reject it with a reason.",
                log,
            )
        now = now_iso()
        bookings = check.bookings if check is not None else []
        ledger_now = read_ledger(conn)
        released_before = float(
            ledger_now.loc[ledger_now["hazard_id"] == hazard_id, "area_m2"].sum()
        )
        if bookings:
            assert check is not None and check.geometry is not None
            crs = _metric_crs(ws, conn, act.geometry)
            geom = tables.as_multipolygon(unproject([check.geometry], crs)[0])
            lines = [
                {
                    "activity_id": activity_id,
                    "hazard_id": hazard_id,
                    "method": b.method,
                    "area_m2": round(b.area_m2, 3),
                    "released_on": act["end"],
                    "source": "approval",
                    "booked_at": now,
                    "booked_by": actor,
                    "geom": geom,
                }
                for b in bookings
            ]
            tables.insert_records(conn, "land_release", lines)
            for line in lines:
                audit(
                    conn,
                    actor=actor,
                    action="insert",
                    table="land_release",
                    record_id=activity_id,
                    after={k: v for k, v in line.items() if k != "geom"},
                    at=now,
                    note="release booked on approval",
                )
        _set_status(
            ws,
            conn,
            act,
            "approved",
            actor=actor,
            now=now,
            note="approved" + (" with flags accepted: " + "; ".join(flags) if flags else ""),
        )
        result = ApprovalResult(
            activity_id=activity_id,
            hazard_id=hazard_id,
            status_before=before,
            bookings=bookings,
            hazard_area_m2=float(hazard["area_m2"]) if hazard is not None else 0.0,
            released_before_m2=released_before,
            remaining_m2=0.0,
            hazard_status_before=None if hazard is None else hazard["status"],
            hazard_status_after=None if hazard is None else hazard["status"],
            classification_before=None if hazard is None else hazard["classification"],
            classification_after=None if hazard is None else hazard["classification"],
            hazard_updated=False,
            hazard_note=None if hazard is not None else f"no current hazard {hazard_id}",
            hazard_closed=False,
            devices=_devices(ws, conn, activity_id),
            flags=flags,
        )
        if hazard is not None:
            _follow_hazard(ws, conn, act, hazard, result, actor=actor, now=now)
        _review(
            conn,
            activity_id=activity_id,
            step="approved",
            before=before,
            actor=actor,
            now=now,
            flags=flags,
            figures={
                "booked_m2": {b.method: round(b.area_m2, 3) for b in bookings},
                "hazard_id": hazard_id,
                "hazard_status": [result.hazard_status_before, result.hazard_status_after],
                "remaining_m2": round(result.remaining_m2, 3),
                "devices_destroyed": result.devices,
            },
        )
    return result


def _follow_hazard(
    ws: Workspace,
    conn: sa.Connection,
    act: pd.Series,
    hazard: pd.Series,
    result: ApprovalResult,
    *,
    actor: str,
    now: str,
) -> None:
    """Move the hazard on after an approval and write its completion record if it closed."""
    state = hazard_after(
        status=str(hazard["status"]),
        classification=str(hazard["classification"]),
        area_m2=float(hazard["area_m2"]),
        released_m2=result.released_before_m2 + result.released_m2,
        outcome=act.get("outcome"),
        closure_share=float(settings.get("closure_remaining_share")),
    )
    result.remaining_m2 = state.remaining_m2
    result.hazard_status_after = state.status
    result.classification_after = state.classification
    changed = (state.status, state.classification) != (hazard["status"], hazard["classification"])
    if changed:
        row = hazard.copy()
        row["status"], row["classification"], row["date_of_information"] = (
            state.status,
            state.classification,
            now,
        )
        counts = write_records(
            ws,
            conn,
            "hazards",
            gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326"),
            actor=actor,
            note=f"follows the approval of activity {act['activity_id']}",
        )
        result.hazard_updated = counts.updated == 1
        if not result.hazard_updated:
            result.hazard_status_after = str(hazard["status"])
            result.classification_after = str(hazard["classification"])
            result.hazard_note = (
                f"hazard {hazard['hazard_id']} left as reported: its date of information "
                f"({hazard['date_of_information']}) is later than this approval"
            )
    if result.hazard_status_after == "closed":
        made = _complete(
            conn,
            hazard_ids=[str(hazard["hazard_id"])],
            areas={str(hazard["hazard_id"]): float(hazard["area_m2"])},
            actor=actor,
            now=now,
        )
        result.hazard_closed = made > 0


def _complete(
    conn: sa.Connection,
    *,
    hazard_ids: list[str],
    areas: Mapping[str, float],
    actor: str,
    now: str,
) -> int:
    """Write completion records for closed hazards that have none; return how many."""
    if not hazard_ids:
        return 0
    done = set(read_completions(conn)["hazard_id"])
    ledger = read_ledger(conn)
    rows = []
    for hid in hazard_ids:
        if hid in done:
            continue
        mine = ledger[ledger["hazard_id"] == hid]
        if not len(mine):
            continue
        sums = mine.groupby("method")["area_m2"].sum()
        rows.append(
            {
                "hazard_id": hid,
                "completed_on": str(mine["released_on"].max()),
                "hazard_area_m2": areas[hid],
                **{f"{m}_m2": float(sums.get(m, 0.0)) for m in RELEASE_METHODS},
                "activities": sorted(set(mine["activity_id"])),
                "created_at": now,
                "created_by": actor,
            }
        )
    tables.insert_records(conn, "hazard_completions", rows)
    for r in rows:
        audit(
            conn,
            actor=actor,
            action="insert",
            table="hazard_completions",
            record_id=str(r["hazard_id"]),
            after=r,
            at=now,
            note="hazard fully released",
        )
    return len(rows)


def hand_over(ws: Workspace, hazard_id: str, *, to: str, on: str, actor: str) -> dict[str, Any]:
    """Record the handover of a completed hazard's land (to whom, on which date)."""
    if not to.strip():
        raise UsageError("say to whom the land is handed over")
    with ws.begin() as conn:
        p = tables.ph(conn)
        found = tables.read_table(
            conn, "hazard_completions", where=f"hazard_id = {p}", params=(hazard_id,)
        )
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
            f"fid = {p}",
            (int(before["fid"]),),
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


def activity_history(ws: Workspace, activity_id: str) -> pd.DataFrame:
    """Every workflow step of an activity: who, when, from which status, why, flags."""
    with ws.engine.connect() as conn:
        p = tables.ph(conn)
        return tables.read_table(
            conn, "activity_reviews", where=f"activity_id = {p}", params=(activity_id,)
        )


# -- activities approved elsewhere ---------------------------------------------------------


def book_approved_activities(ws: Workspace, *, actor: str) -> BackfillResult:
    """Book in the ledger the approved activities that are not in it yet (imported approvals).

    Activities are booked in the order they ended. Where one breaks a rule
    (outside its hazard, over land already released, more claimed than its
    polygon), its release is trimmed to what the rules allow and each trim is
    listed as a warning. Hazards follow as for an approval (statuses only move
    forward; a hazard's date of information is the activity's end date, so a
    later report about the hazard is never overridden).
    """
    log = IssueLog()
    with ws.begin() as conn:
        acts = ws.read_layer("activities", conn=conn)
        ledger = read_ledger(conn)
        booked = set(ledger["activity_id"])
        mask = np.array(
            [
                s == "approved" and aid not in booked and _books_land(r)
                for s, aid, r in zip(
                    acts["status"], acts["activity_id"], acts.to_dict("records"), strict=True
                )
            ],
            dtype=np.bool_,
        )
        todo = acts[mask].sort_values(["end", "activity_id"], kind="stable")
        if not len(todo):
            return BackfillResult(0, 0, dict.fromkeys(RELEASE_METHODS, 0.0), 0, 0, 0, log)
        hazards = ws.read_layer("hazards", conn=conn).set_index("hazard_id", drop=False)
        crs = _metric_crs(ws, conn, shapely.union_all(todo.geometry.values[:50]))
        a_geoms = project(todo.geometry.values, crs)
        h_geoms = dict(zip(hazards.index, project(hazards.geometry.values, crs), strict=True))
        released: dict[str, list[dict[str, Any]]] = {}
        for rec, g in zip(
            ledger.to_dict("records"), project(ledger.geometry.values, crs), strict=True
        ):
            released.setdefault(rec["hazard_id"], []).append({**rec, "geometry": g})
        tol = float(settings.get("approval_tolerance_share"))
        now = now_iso()
        rows: list[dict[str, Any]] = []
        last_end: dict[str, str] = {}
        for rec, geom in zip(todo.to_dict("records"), a_geoms, strict=True):
            hid = str(rec["hazard_id"])
            prior = pd.DataFrame(
                released.get(hid, []), columns=["activity_id", "method", "released_on", "geometry"]
            )
            check = check_release(
                activity_id=str(rec["activity_id"]),
                activity_type=str(rec["type"]),
                outcome=rec.get("outcome"),
                claims=release_claims(rec.get("extra")),
                activity_geom=geom,
                hazard_id=hid,
                hazard_geom=h_geoms.get(hid),
                released=prior,
                tolerance_share=tol,
                strict=False,
            )
            log.extend(check.issues)
            if any(i.severity is Severity.ERROR for i in check.issues) or not check.bookings:
                continue
            assert check.geometry is not None
            for b in check.bookings:
                rows.append(
                    {
                        "activity_id": rec["activity_id"],
                        "hazard_id": hid,
                        "method": b.method,
                        "area_m2": round(b.area_m2, 3),
                        "released_on": rec["end"],
                        "source": "imported",
                        "booked_at": now,
                        "booked_by": actor,
                        "geom": check.geometry,
                    }
                )
                released.setdefault(hid, []).append(
                    {
                        "activity_id": rec["activity_id"],
                        "method": b.method,
                        "released_on": rec["end"],
                        "geometry": check.geometry,
                    }
                )
            last_end[hid] = max(last_end.get(hid, ""), str(rec["end"]))
        back = unproject([r["geom"] for r in rows], crs)
        for r, g in zip(rows, back, strict=True):
            r["geom"] = tables.as_multipolygon(g)
        tables.insert_records(conn, "land_release", rows)
        for r in rows:
            audit(
                conn,
                actor=actor,
                action="insert",
                table="land_release",
                record_id=str(r["activity_id"]),
                after={k: v for k, v in r.items() if k != "geom"},
                at=now,
                note="approved activity booked",
            )
        updated, not_updated, closed = _follow_hazards(
            ws, conn, hazards, last_end, actor=actor, now=now
        )
        sums = pd.DataFrame(rows).groupby("method")["area_m2"].sum() if rows else pd.Series()
        return BackfillResult(
            activities=len({r["activity_id"] for r in rows}),
            bookings=len(rows),
            area_by_method_m2={m: float(sums.get(m, 0.0)) for m in RELEASE_METHODS},
            hazards_updated=updated,
            hazards_not_updated=not_updated,
            completions=closed,
            log=log,
        )


def _follow_hazards(
    ws: Workspace,
    conn: sa.Connection,
    hazards: pd.DataFrame,
    last_end: Mapping[str, str],
    *,
    actor: str,
    now: str,
) -> tuple[int, int, int]:
    """Move the hazards touched by a backfill on; return (updated, not updated, completions)."""
    if not last_end:
        return 0, 0, 0
    totals = read_ledger(conn).groupby("hazard_id")["area_m2"].sum()
    share = float(settings.get("closure_remaining_share"))
    changed = []
    closed_ids = []
    for hid, end in last_end.items():
        hz: Any = hazards.loc[hid]
        state = hazard_after(
            status=str(hz["status"]),
            classification=str(hz["classification"]),
            area_m2=float(hz["area_m2"]),
            released_m2=float(totals.get(hid, 0.0)),
            outcome=None,
            closure_share=share,
        )
        if state.status != hz["status"]:
            row = hz.copy()
            row["status"], row["date_of_information"] = state.status, end
            changed.append(row)
        if state.status == "closed" and state.remaining_m2 <= share * float(hz["area_m2"]):
            closed_ids.append(hid)
    counts = write_records(
        ws,
        conn,
        "hazards",
        gpd.GeoDataFrame(changed, geometry="geometry", crs="EPSG:4326")
        if changed
        else pd.DataFrame(),
        actor=actor,
        note="follows approved activities booked in the ledger",
    )
    current = ws.read_layer("hazards", ids=closed_ids, conn=conn) if closed_ids else None
    still_closed = (
        [h for h, s in zip(current["hazard_id"], current["status"], strict=True) if s == "closed"]
        if current is not None
        else []
    )
    made = _complete(
        conn,
        hazard_ids=still_closed,
        areas={h: float(hazards.loc[h, "area_m2"]) for h in still_closed},
        actor=actor,
        now=now,
    )
    return counts.updated, counts.stale, made


def review_queue(ws: Workspace) -> pd.DataFrame:
    """Submitted activities awaiting a decision, oldest first, with the flags raised at submission."""
    with ws.engine.connect() as conn:
        acts = ws.read_layer("activities", conn=conn)
        acts = acts[acts["status"] == "submitted"]
        reviews = tables.read_table(
            conn, "activity_reviews", where=f"step = {tables.ph(conn)}", params=("submitted",)
        )
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
