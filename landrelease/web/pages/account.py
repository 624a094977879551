"""A logged-in user's own account: changing the password, which ends every other session of
theirs (other browsers, scripts' tokens) — the browser that changed it gets a new session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landrelease.errors import UsageError
from landrelease.web.auth import MIN_PASSWORD_LENGTH, User
from landrelease.web.context import FORMS, UserDep, Web, WebDep
from landrelease.web.errors import TooManyRequests, Unauthorized

router = APIRouter()
PAGE = "/account/password"


def _page(
    request: Request,
    web: Web,
    user: User,
    *,
    status: int = 200,
    error: str | None = None,
    changed: int | None = None,
) -> Response:
    if not user.authenticated:
        return RedirectResponse(f"/login?next={PAGE}", status_code=303)
    return web.page(
        request,
        "password.html",
        user,
        status=status,
        error=error,
        changed=changed,
        min_length=MIN_PASSWORD_LENGTH,
    )


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
def password_page(
    request: Request, user: UserDep, web: WebDep, changed: int | None = None
) -> Response:
    return _page(request, web, user, changed=None if changed is None else max(changed, 0))


@router.post(FORMS + "password", include_in_schema=False)
def password_form(
    request: Request,
    user: UserDep,
    web: WebDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    web.check_form(request, csrf_token)
    if not user.authenticated:
        raise Unauthorized("log in first to change your password")
    if new_password != confirm_password:
        return _page(request, web, user, status=400, error="the two new passwords differ")
    try:
        ended = web.change_password(request, user, current=current_password, new=new_password)
    except Unauthorized:
        return _page(request, web, user, status=401, error="the current password is wrong")
    except TooManyRequests as exc:
        return _page(request, web, user, status=429, error=exc.detail)
    except UsageError as exc:
        return _page(request, web, user, status=400, error=str(exc))
    response = RedirectResponse(f"{PAGE}?changed={max(ended - 1, 0)}", status_code=303)
    web.sign_in(response, user)
    return response
