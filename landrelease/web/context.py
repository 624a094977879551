"""What every route needs: the workspace, the caches, the signer, pages, who is asking.

``create_app`` builds one :class:`Web` and keeps it in ``app.state.web``; the
route modules — the JSON API in :mod:`landrelease.web.api`, the HTML pages in
:mod:`landrelease.web.pages` — reach it through the request, so each concept's
routes live in a module of their own and share one way of rendering pages,
checking CSRF, logging in, writing and telling who is logged in.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from landrelease.domain.programme import Programme
from landrelease.errors import UsageError
from landrelease.store import Workspace
from landrelease.store.programme import read_programme
from landrelease.web.auth import (
    ANONYMOUS,
    LoginLimiter,
    Sessions,
    Signer,
    User,
    authenticate,
    set_password,
)
from landrelease.web.cache import LayerCache
from landrelease.web.errors import Forbidden, Unauthorized

HERE = Path(__file__).parent
SESSION_COOKIE = "lr_session"
CSRF_COOKIE = "lr_csrf"
GEOJSON = "application/geo+json"
PROGRAMME_TTL_S = 5.0
"""Seconds the programme profile read for page headers is kept before it is read again."""
FORMS = "/forms/"
"""HTML form posts: each checks the CSRF token of its form."""


@dataclass
class Web:
    """The application's shared state (one per app instance)."""

    ws: Workspace
    cache: LayerCache
    signer: Signer
    sessions: Sessions
    limiter: LoginLimiter
    templates: Jinja2Templates
    session_s: float
    secure: bool
    basemap: str
    _programme: tuple[float, Programme] | None = None

    def programme(self) -> Programme:
        """The workspace's programme profile (the page header's name and logo), read again
        after :data:`PROGRAMME_TTL_S` so that a change shows on the next pages."""
        now = time.monotonic()
        if self._programme is None or now - self._programme[0] > PROGRAMME_TTL_S:
            self._programme = (now, read_programme(self.ws))
        return self._programme[1]

    def login(self, request: Request, username: str, password: str) -> User:
        """The user whose password this is; 401 when wrong, 429 after too many failures."""
        address = request.client.host if request.client else "?"
        self.limiter.check(username, address)
        user = authenticate(self.ws, username, password)
        if user is None:
            self.limiter.failed(username, address)
            raise Unauthorized("wrong user name or password")
        self.limiter.succeeded(username, address)
        return user

    def change_password(self, request: Request, user: User, *, current: str, new: str) -> int:
        """Give ``user`` the password ``new`` once ``current`` is right (a wrong one counts as a
        failed login) and end every session of theirs; how many sessions were ended."""
        self.login(request, user.username, current)
        if new == current:
            raise UsageError("the new password is the one you have now: choose another")
        ended = set_password(self.ws, user.username, password=new, actor=user.username)
        self.sessions.forget(user.username)
        return ended

    def sign_in(self, response: Response, user: User) -> None:
        """Start a session of ``user`` in this browser: its cookie, and a fresh CSRF nonce."""
        response.set_cookie(
            SESSION_COOKIE,
            self.sessions.start(user),
            max_age=int(self.session_s),
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )
        self.rotate_csrf(response)

    def rotate_csrf(self, response: Response) -> None:
        """A fresh CSRF nonce: a visitor's tokens of pages shown before are refused from now on."""
        response.set_cookie(
            CSRF_COOKIE,
            secrets.token_urlsafe(16),
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    @contextmanager
    def writing(self) -> Iterator[Workspace]:
        """The workspace to write to; the cache is cleared after, whatever the outcome."""
        try:
            yield self.ws
        finally:
            self.cache.clear()

    def page(
        self, request: Request, name: str, user: User, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        """An HTML page from ``templates/name`` with the user, a CSRF token and the base map."""
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        subject = self._session_subject(request) or _visitor(nonce)
        response = self.templates.TemplateResponse(
            request,
            name,
            {
                "user": user,
                "csrf_token": self.signer.csrf_token(subject),
                "basemap": self.basemap,
                "programme": self.programme(),
                **ctx,
            },
            status_code=status,
        )
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="lax", secure=self.secure)
        return response

    def _session_subject(self, request: Request) -> str | None:
        session_id = self.sessions.open_id(request.cookies.get(SESSION_COOKIE))
        return None if session_id is None else "session:" + session_id

    def csrf_subject(self, request: Request) -> str | None:
        """What the CSRF token of this browser is bound to: its open session when logged in
        (so a token is refused in any other session, and ends with its own), else the
        visitor's nonce cookie (the login form); ``None`` with neither."""
        nonce = request.cookies.get(CSRF_COOKIE)
        return self._session_subject(request) or (_visitor(nonce) if nonce else None)

    def check_csrf(self, request: Request, token: str | None) -> bool:
        """Whether ``token`` is this browser's CSRF token now."""
        return self.signer.check_csrf(self.csrf_subject(request), token)

    def check_form(self, request: Request, token: str) -> None:
        """A form post must carry the token of the page it came from."""
        if not self.check_csrf(request, token):
            raise Forbidden("missing or wrong CSRF token: reload the page")


def _visitor(nonce: str) -> str:
    return "visitor:" + nonce


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


async def web_of(request: Request) -> Web:
    """The app's shared state (``async``: FastAPI then calls it without a thread hop)."""
    return _web(request)


async def current_user(request: Request) -> User:
    """The user of a bearer token or session cookie; anonymous without either."""
    web = _web(request)
    auth = request.headers.get("authorization", "")
    via = None
    token = None
    if auth.lower().startswith("bearer "):
        token, via = auth[7:].strip(), "bearer"
    elif request.cookies.get(SESSION_COOKIE):
        token, via = request.cookies[SESSION_COOKIE], "cookie"
    if token is None:
        return ANONYMOUS
    user = web.sessions.user(token)
    if user is None:
        if via == "bearer":
            raise Unauthorized("the bearer token is invalid or expired; ask for a new one")
        return ANONYMOUS  # an expired or ended session: a public visitor until logged in again
    request.state.auth_via = via
    return user


UserDep = Annotated[User, Depends(current_user)]


async def api_writer(request: Request, user: UserDep) -> User:
    """A logged-in user; a write authenticated by the cookie also needs the CSRF header."""
    if not user.authenticated:
        raise Unauthorized("log in first (POST /api/token or /login)")
    by_cookie = getattr(request.state, "auth_via", None) == "cookie"
    if by_cookie and not _web(request).check_csrf(request, request.headers.get("x-csrf-token")):
        raise Forbidden("missing or wrong CSRF token (send the X-CSRF-Token header)")
    return user


Writer = Annotated[User, Depends(api_writer)]
WebDep = Annotated[Web, Depends(web_of)]


def attachment(data: bytes, media: str, name: str) -> Response:
    """A file to save, named ``name``."""
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def wants_html(request: Request, f: str | None) -> bool:
    if f:
        return f == "html"
    return "text/html" in request.headers.get("accept", "")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def local_path(path: str) -> str:
    """Only a path on this site: never redirect a login to another origin."""
    return (
        path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/map"
    )
