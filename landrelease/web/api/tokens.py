"""Logging in from scripts: a bearer token, and who a token or cookie belongs to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from landrelease.web.context import UserDep, WebDep
from landrelease.web.errors import TooManyRequests, error_responses

router = APIRouter(responses=error_responses(TooManyRequests))


class TokenRequest(BaseModel):
    username: str
    password: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


@router.post("/api/token", summary="A bearer token for scripts", tags=["login"])
def token(request: Request, web: WebDep, body: Annotated[TokenRequest, Body()]) -> TokenResponse:
    user = web.login(request, body.username, body.password)
    return TokenResponse(
        access_token=web.sessions.start(user),
        expires_in=int(web.session_s),
    )


@router.get("/api/me", summary="Who is logged in", tags=["login"])
def me(user: UserDep) -> dict[str, Any]:
    return {
        "username": user.username if user.authenticated else None,
        "role": user.role,
        "organisation": user.organisation,
    }
