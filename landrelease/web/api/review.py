"""The activity workflow as a JSON API: submit, approve, reject (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from landrelease.web.activity_steps import run_step
from landrelease.web.auth import User
from landrelease.web.context import Web, WebDep, Writer
from landrelease.web.errors import Conflict, error_responses

router = APIRouter(responses=error_responses(Conflict))


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, description="why the activity goes back to its operator")


class SubmitRequest(BaseModel):
    claims: dict[str, float] | None = Field(
        default=None, description="area in m² reported per method (cancelled, reduced, cleared)"
    )


class ApproveRequest(BaseModel):
    accept_flags: bool = Field(
        default=False, description="approve although the organisation is not accredited (recorded)"
    )


def take_step(web: Web, user: User, name: str, activity_id: str, **kw: Any) -> dict[str, Any]:
    """One workflow step; the layer cache is cleared after it, whatever the outcome."""
    with web.writing() as ws:
        return run_step(ws, user, name, activity_id, **kw)


@router.post(
    "/api/activities/{activity_id}/submit",
    summary="Submit an activity for approval (operators: their organisation's only)",
    tags=["workflow"],
)
def submit(
    activity_id: str,
    user: Writer,
    web: WebDep,
    body: Annotated[SubmitRequest | None, Body()] = None,
) -> dict[str, Any]:
    claims = body.claims if body else None
    return take_step(web, user, "submit", activity_id, claims=claims)


@router.post(
    "/api/activities/{activity_id}/approve",
    summary="Approve a submitted activity (books its release)",
    tags=["workflow"],
)
def approve(
    activity_id: str,
    user: Writer,
    web: WebDep,
    body: Annotated[ApproveRequest | None, Body()] = None,
) -> dict[str, Any]:
    flags = bool(body and body.accept_flags)
    return take_step(web, user, "approve", activity_id, accept_flags=flags)


@router.post(
    "/api/activities/{activity_id}/reject",
    summary="Send a submitted activity back",
    tags=["workflow"],
)
def reject(
    activity_id: str, user: Writer, web: WebDep, body: Annotated[RejectRequest, Body()]
) -> dict[str, Any]:
    return take_step(web, user, "reject", activity_id, reason=body.reason)
