"""The activity workflow for web users: who may take which step, then landrelease.records does it.

Every write goes through :mod:`landrelease.records` (submit, approve, reject),
which checks the rules and keeps the audit trail with the web user as actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from landrelease.errors import DataError, UsageError
from landrelease.records import approve_activity, reject_activity, submit_activity
from landrelease.store import Workspace
from landrelease.web.auth import User
from landrelease.web.errors import BadRequest, Conflict, Forbidden, NotFound, Unprocessable

STEPS = ("submit", "approve", "reject")


def _organisation(ws: Workspace, activity_id: str) -> str | None:
    frame = ws.read_layer("activities", ids=[activity_id])
    if not len(frame):
        raise NotFound(f"no activity {activity_id!r}")
    org = frame.iloc[0]["organisation"]
    return org.strip().casefold() if isinstance(org, str) else None


def run_step(
    ws: Workspace,
    user: User,
    step: str,
    activity_id: str,
    *,
    claims: Mapping[str, float] | None = None,
    accept_flags: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Take one workflow step as ``user``; refused with 403 when the role does not allow it."""
    if step not in STEPS:
        raise NotFound(f"no workflow step {step!r} (steps: {', '.join(STEPS)})")
    allowed = user.may_submit if step == "submit" else user.may_approve
    if not allowed:
        raise Forbidden(f"a {user.role or 'public visitor'} cannot {step} activities")
    org = _organisation(ws, activity_id)
    own = org is not None and org == (user.organisation or "").strip().casefold()
    if step == "submit" and not user.may_approve and not own:
        raise Forbidden(f"activity {activity_id} belongs to another organisation")
    try:
        if step == "submit":
            r = submit_activity(ws, activity_id, actor=user.username, claims=claims)
            return {
                "activity_id": r.activity_id,
                "status": "submitted",
                "status_before": r.status_before,
                "flags": r.flags,
            }
        if step == "reject":
            if not reason or not reason.strip():
                raise BadRequest("a rejection needs a reason")
            rj = reject_activity(ws, activity_id, actor=user.username, reason=reason)
            return {"activity_id": rj.activity_id, "status": "rejected", "reason": rj.reason}
        a = approve_activity(ws, activity_id, actor=user.username, accept_flags=accept_flags)
        return {
            "activity_id": a.activity_id,
            "status": "approved",
            "hazard_id": a.hazard_id,
            "released_m2": a.released_m2,
            "hazard_status_after": a.hazard_status_after,
            "flags": a.flags,
        }
    except UsageError as exc:
        raise Conflict(str(exc)) from None
    except DataError as exc:
        raise Unprocessable(str(exc)) from None
