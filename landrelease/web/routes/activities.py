"""The activity workflow: submit, approve, reject (through landrelease.records, audited)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from landrelease.web import features as ft
from landrelease.web.auth import User
from landrelease.web.context import FORMS, UserDep, Web, WebDep, Writer
from landrelease.web.errors import Unauthorized
from landrelease.web.workflow import run_step

router = APIRouter()


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
    try:
        return run_step(web.ws, user, name, activity_id, **kw)
    finally:
        web.cache.clear()


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


@router.get("/activities", response_class=HTMLResponse, include_in_schema=False)
def activities_page(
    request: Request, user: UserDep, web: WebDep, done: str | None = None
) -> HTMLResponse:
    if not user.authenticated:
        raise Unauthorized("log in to see activities")
    frame = ft.visible_frame(web.ws, "activities", user, web.cache)
    rows = [
        {k: ft.plain(v) for k, v in r.items() if k != "geometry"}
        for r in frame.drop(columns="geometry").to_dict("records")
    ]
    return web.page(request, "activities.html", user, activities=rows, done=done)


@router.post(FORMS + "activities/{activity_id}/{step}", include_in_schema=False)
def activity_form(
    request: Request,
    activity_id: str,
    step: str,
    user: UserDep,
    web: WebDep,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    web.check_form(request, csrf_token)
    if not user.authenticated:
        raise Unauthorized("log in first")
    result = take_step(web, user, step, activity_id, reason=reason or None)
    done = f"{result['activity_id']} {result['status']}"
    return RedirectResponse(f"/activities?{urlencode({'done': done})}", status_code=303)
