"""Logging in: bearer tokens for scripts, a session cookie for browsers, rate-limited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from landrelease.web.auth import ANONYMOUS, User, authenticate
from landrelease.web.context import SESSION_COOKIE, UserDep, Web, WebDep, local_path
from landrelease.web.errors import Unauthorized

router = APIRouter()


class TokenRequest(BaseModel):
    username: str
    password: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


def login_checked(web: Web, request: Request, username: str, password: str) -> User:
    address = request.client.host if request.client else "?"
    web.limiter.check(username, address)
    user = authenticate(web.ws, username, password)
    if user is None:
        web.limiter.failed(username, address)
        raise Unauthorized("wrong user name or password")
    web.limiter.succeeded(username, address)
    return user


@router.post("/api/token", summary="A bearer token for scripts", tags=["login"])
def token(request: Request, web: WebDep, body: Annotated[TokenRequest, Body()]) -> TokenResponse:
    user = login_checked(web, request, body.username, body.password)
    return TokenResponse(
        access_token=web.signer.sign({"u": user.username}, lifetime_s=web.session_s),
        expires_in=int(web.session_s),
    )


@router.get("/api/me", summary="Who is logged in", tags=["login"])
def me(user: UserDep) -> dict[str, Any]:
    return {
        "username": user.username if user.authenticated else None,
        "role": user.role,
        "organisation": user.organisation,
    }


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, user: UserDep, web: WebDep, next: str = "/map") -> HTMLResponse:
    return web.page(request, "login.html", user, next=local_path(next), error=None)


@router.post("/login", include_in_schema=False)
def login_form(
    request: Request,
    web: WebDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/map",
) -> Response:
    web.check_form(request, csrf_token)
    try:
        user = login_checked(web, request, username, password)
    except Unauthorized as exc:
        return web.page(
            request, "login.html", ANONYMOUS, status=401, next=local_path(next), error=exc.detail
        )
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        web.signer.sign({"u": user.username}, lifetime_s=web.session_s),
        max_age=int(web.session_s),
        httponly=True,
        samesite="lax",
        secure=web.secure,
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, web: WebDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_form(request, csrf_token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
