"""The web application: OGC API – Features over the workspace, login, the map, forms.

``create_app(target)`` opens the workspace (a ``.gpkg`` path or a PostgreSQL
URL) and returns a FastAPI application whose routes live in
:mod:`landrelease.web.api` (JSON) and :mod:`landrelease.web.pages` (HTML), one
module per concept. Every error leaves as
one JSON shape (:mod:`landrelease.web.errors`); every response carries the
security headers; every write goes through :mod:`landrelease.records` or the
importer, which keep the audit trail.
"""

import ipaddress
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from landrelease import settings
from landrelease.domain.vocab import choice_label
from landrelease.errors import UsageError
from landrelease.store import Workspace
from landrelease.web.api import ROUTERS as API_ROUTERS
from landrelease.web.api.tiles import local_basemap
from landrelease.web.assets import ASSETS
from landrelease.web.assets import router as static_router
from landrelease.web.auth import (
    ANONYMOUS,
    LoginLimiter,
    LoginLimits,
    Sessions,
    Signer,
    ensure_users_table,
    secret_key,
)
from landrelease.web.cache import LayerCache
from landrelease.web.context import HERE, Web, current_user
from landrelease.web.errors import (
    COMMON_ERRORS,
    ApiError,
    BadRequest,
    Forbidden,
    InternalError,
    NotFound,
    Unauthorized,
)
from landrelease.web.pages import ROUTERS as PAGE_ROUTERS


def _csp(basemap: str) -> str:
    img = "'self' data:"
    if basemap:
        parts = urlsplit(basemap.replace("{s}", "a"))
        img += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in basemap else parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def trusted_proxies(value: str) -> list[str]:
    """The addresses and networks of ``web_trusted_proxies`` (``"10.0.0.1, 10.1.0.0/16"``);
    a value that is neither is refused, and so is ``*`` (anyone could then forge the client's
    address)."""
    names, wrong = [], []
    for name in (v.strip() for v in value.split(",") if v.strip()):
        try:
            names.append(
                str(ipaddress.ip_network(name, strict=False))
                if "/" in name
                else str(ipaddress.ip_address(name))
            )
        except ValueError:
            wrong.append(name)
    if wrong:
        raise UsageError(
            f"web_trusted_proxies: {', '.join(map(repr, wrong))} is not an IP address or network "
            "(accepted: addresses such as 127.0.0.1 or ::1 and networks such as 10.0.0.0/24, "
            "comma-separated; name the reverse proxy, never '*')"
        )
    return names


def create_app(target: str) -> FastAPI:
    """The web application over the workspace at ``target`` (``.gpkg`` path or PostgreSQL URL)."""
    proxies = trusted_proxies(str(settings.get("web_trusted_proxies")))
    local_basemap()  # a base-map file that cannot be drawn stops the start, naming the problem
    ws = Workspace.open(target)
    ensure_users_table(ws)
    basemap = str(settings.get("web_basemap_url"))
    signer = Signer(secret_key(ws))
    session_s = float(settings.get("web_session_hours")) * 3600
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["static"] = ASSETS.url  # {{ static("map.js") }}: named by its version
    templates.env.filters["words"] = choice_label  # {{ "EOD_spot" | words }}: "EOD spot task"
    web = Web(
        ws=ws,
        cache=LayerCache(ws),
        signer=signer,
        sessions=Sessions(ws, signer, session_s),
        limiter=LoginLimiter(ws, LoginLimits.from_settings()),
        templates=templates,
        session_s=session_s,
        secure=bool(int(settings.get("web_secure_cookies"))),
        basemap=basemap,
    )
    app = FastAPI(
        title="landrelease",
        description=(
            "Mine action records of a national programme: OGC API – Features over the hazard "
            "register and the evidence layers, survey decisions, the activity workflow. "
            "Errors are JSON `{code, status, detail}`. Log in with a session cookie (`/login`) "
            "or a bearer token (`POST /api/token`)."
        ),
        version="1",
        docs_url=None,  # Swagger UI comes from a CDN; the spec is at /openapi.json
        redoc_url=None,
    )
    app.state.web = web
    app.state.workspace = ws
    app.state.cache = web.cache
    app.state.limiter = web.limiter
    app.include_router(static_router)

    # -- errors: one shape, one place ------------------------------------------------------
    def render_error(exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status, headers=exc.headers)

    async def answer_error(request: Request, exc: ApiError) -> Response:
        """JSON for programs; for a person's browser asking for a page, a page that says what
        went wrong and where to go (a mistyped address must not show raw JSON)."""
        if not wants_page(request, exc.status):
            return render_error(exc)
        try:
            user = await current_user(request)
        except ApiError:
            user = ANONYMOUS
        return web.page(
            request,
            "error.html",
            user,
            status=exc.status,
            code=exc.status,
            heading=ERROR_HEADINGS.get(exc.status, "Something went wrong"),
            detail=(
                f"There is no page at {request.url.path}."
                if exc.detail in ("", "Not Found")
                else exc.detail
            ),
            path=request.url.path,
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return await answer_error(request, exc)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return render_error(BadRequest(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        kinds: dict[int, type[ApiError]] = {404: NotFound, 401: Unauthorized, 403: Forbidden}
        err = kinds.get(exc.status_code, ApiError)(str(exc.detail), headers=dict(exc.headers or {}))
        if err.__class__ is ApiError:
            err.status = exc.status_code
        return await answer_error(request, err)

    security = [
        (b"content-security-policy", _csp(basemap).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    app.add_middleware(SecurityHeaders, headers=security)
    # every JSON, page and static response over 1 kB compressed for the clients that accept it:
    # GeoJSON shrinks five- to ten-fold, which is what a provincial link notices
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    if proxies:
        # outermost: the client's address (login limits) and scheme (links) from a named proxy
        # only — the server itself never believes X-Forwarded-* (server.UVICORN_OPTIONS)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    for router in API_ROUTERS:
        app.include_router(router, responses=COMMON_ERRORS)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    return app


ERROR_HEADINGS = {
    400: "That request cannot be answered",
    403: "Not for this account",
    404: "No such page",
    409: "That conflicts with the records",
}
"""The heading of the page a browser is shown for an error (by status)."""

MACHINE_PATHS = ("/api/", "/collections", "/tiles/", "/static/", "/openapi.json", "/conformance")
"""Paths programs ask for: their errors stay JSON whatever the client accepts."""


def wants_page(request: Request, status: int) -> bool:
    """A person's browser navigating to a page (it accepts HTML, a GET, not a program's path),
    for an error a page can explain (not 401: pages send those to the login form)."""
    return (
        request.method == "GET"
        and status in ERROR_HEADINGS
        and "text/html" in request.headers.get("accept", "")
        and not request.url.path.startswith(MACHINE_PATHS)
        and request.query_params.get("f") != "json"
    )


NO_STORE = b"no-store"
"""What a response that says nothing of caching gets: never stored (records change, and some
are not for every eye). Static files say how long they are kept (:mod:`landrelease.web.assets`),
and so do tiles."""


class SecurityHeaders:
    """The security headers on every response (a plain ASGI middleware: cheaper per request),
    and the JSON error shape for a fault no handler caught (500) — which Starlette would answer
    in plain text, outside every middleware. The fault is raised on, so the server logs it."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers
        self.names = {k for k, _ in headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                if not any(k.lower() == b"cache-control" for k, _ in raw):
                    raw.append((b"cache-control", NO_STORE))
                message = {**message, "headers": raw + self.headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                error = InternalError(
                    "the server failed to answer this request; it has logged the fault "
                    f"(at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC) for its administrator"
                )
                response = JSONResponse(error.as_json(), status_code=error.status)
                await response(scope, receive, send_with_headers)
            raise
