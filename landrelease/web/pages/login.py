"""Logging in from a browser: the login page, a session cookie, logging out (which ends the
session on the server: a copy of the cookie stops working); logins are rate-limited. A logged-in
user's CSRF token is bound to the session, a visitor's to a nonce cookie rotated at login and at
logout: a token from before either is refused after it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landrelease.web.auth import ANONYMOUS
from landrelease.web.context import SESSION_COOKIE, UserDep, WebDep, local_path
from landrelease.web.errors import TooManyRequests, Unauthorized

router = APIRouter()


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
        user = web.login(request, username, password)
    except (Unauthorized, TooManyRequests) as exc:
        page = web.page(
            request,
            "login.html",
            ANONYMOUS,
            status=exc.status,
            next=local_path(next),
            error=exc.detail,
        )
        page.headers.update(exc.headers)  # Retry-After of a lock
        return page
    response = RedirectResponse(local_path(next), status_code=303)
    web.sign_in(response, user)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, web: WebDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_form(request, csrf_token)
    web.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    web.rotate_csrf(response)
    return response
