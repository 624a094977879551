"""The web application: OGC API – Features over the workspace, login, the map.

``create_app(target)`` opens the workspace (a ``.gpkg`` path or a PostgreSQL
URL) and returns a FastAPI application. Every error leaves as one JSON shape
(:mod:`landrelease.web.errors`); every response carries the security headers;
every write goes through :mod:`landrelease.records`, which keeps the audit trail.
"""

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Body, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landrelease import settings
from landrelease.store import Workspace
from landrelease.web import downloads as dl
from landrelease.web import features as ft
from landrelease.web import records_form as rf
from landrelease.web import risk
from landrelease.web.auth import (
    ANONYMOUS,
    LoginLimiter,
    Signer,
    User,
    authenticate,
    ensure_users_table,
    find_user,
    secret_key,
)
from landrelease.web.cache import LayerCache
from landrelease.web.dashboard import CHARTS, chart_png
from landrelease.web.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
)
from landrelease.web.settlement import settlement_view
from landrelease.web.summary import public_summary
from landrelease.web.upload import import_upload, may_import
from landrelease.web.workflow import run_step

HERE = Path(__file__).parent
SESSION_COOKIE = "lr_session"
CSRF_COOKIE = "lr_csrf"
GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
FORMS = "/forms/"
"""HTML form posts: each checks the CSRF token of its form."""


class TokenRequest(BaseModel):
    username: str
    password: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


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


def create_app(target: str) -> FastAPI:
    """The web application over the workspace at ``target`` (``.gpkg`` path or PostgreSQL URL)."""
    ws = Workspace.open(target)
    ensure_users_table(ws)
    signer = Signer(secret_key(ws))
    limiter = LoginLimiter(
        int(settings.get("web_login_attempts")), float(settings.get("web_login_window_s"))
    )
    session_s = float(settings.get("web_session_hours")) * 3600
    secure = bool(int(settings.get("web_secure_cookies")))
    basemap = str(settings.get("web_basemap_url"))
    csp = _csp(basemap)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

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
    cache = LayerCache(ws)
    app.state.workspace = ws
    app.state.cache = cache
    app.state.limiter = limiter
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # -- errors: one shape, one place ------------------------------------------------------
    def render_error(exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(ApiError)
    def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return render_error(exc)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return render_error(BadRequest(problems))

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds: dict[int, type[ApiError]] = {404: NotFound, 401: Unauthorized, 403: Forbidden}
        err = kinds.get(exc.status_code, ApiError)(str(exc.detail))
        if err.__class__ is ApiError:
            err.status = exc.status_code
        return render_error(err)

    security = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    app.add_middleware(SecurityHeaders, headers=security)

    # -- who is asking -----------------------------------------------------------------------
    def current_user(request: Request) -> User:
        auth = request.headers.get("authorization", "")
        via = None
        token = None
        if auth.lower().startswith("bearer "):
            token, via = auth[7:].strip(), "bearer"
        elif request.cookies.get(SESSION_COOKIE):
            token, via = request.cookies[SESSION_COOKIE], "cookie"
        if token is None:
            return ANONYMOUS
        payload = signer.unsign(token)
        user = find_user(ws, str(payload.get("u"))) if payload else None
        if user is None:
            if via == "bearer":
                raise Unauthorized("the bearer token is invalid or expired; ask for a new one")
            return ANONYMOUS  # an expired cookie: a public visitor until logged in again
        request.state.auth_via = via
        return user

    UserDep = Annotated[User, Depends(current_user)]  # noqa: N806 (a type alias)

    def api_writer(request: Request, user: UserDep) -> User:
        """A logged-in user; a write authenticated by the cookie also needs the CSRF header."""
        if not user.authenticated:
            raise Unauthorized("log in first (POST /api/token or /login)")
        if getattr(request.state, "auth_via", None) == "cookie":
            token_sent = request.headers.get("x-csrf-token")
            if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), token_sent):
                raise Forbidden("missing or wrong CSRF token (send the X-CSRF-Token header)")
        return user

    def page(
        request: Request, name: str, user: User, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        response = templates.TemplateResponse(
            request,
            name,
            {"user": user, "csrf_token": signer.csrf_token(nonce), "basemap": basemap, **ctx},
            status_code=status,
        )
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="lax", secure=secure)
        return response

    def wants_html(request: Request, f: str | None) -> bool:
        if f:
            return f == "html"
        accept = request.headers.get("accept", "")
        return "text/html" in accept

    def base_url(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # -- landing and OGC API – Features ----------------------------------------------------
    @app.get(
        "/",
        summary="Landing page (HTML for browsers, JSON for OGC API clients)",
        tags=["OGC API – Features"],
    )
    def landing(request: Request, user: UserDep, f: str | None = None) -> Response:
        b = base_url(request)
        doc = {
            "title": "landrelease",
            "description": "OGC API – Features over the programme's mine action records",
            "links": [
                {
                    "href": f"{b}/?f=json",
                    "rel": "self",
                    "type": "application/json",
                    "title": "this document",
                },
                {
                    "href": f"{b}/openapi.json",
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "title": "the API definition",
                },
                {
                    "href": f"{b}/conformance",
                    "rel": "conformance",
                    "type": "application/json",
                    "title": "conformance classes",
                },
                {
                    "href": f"{b}/collections",
                    "rel": "data",
                    "type": "application/json",
                    "title": "collections",
                },
            ],
        }
        if wants_html(request, f):
            return page(
                request,
                "landing.html",
                user,
                summary=cache.get(None, "summary", lambda: public_summary(ws)),
                collections=ft.readable_collections(user),
            )
        return JSONResponse(doc)

    @app.get("/conformance", summary="Conformance classes", tags=["OGC API – Features"])
    def conformance() -> dict[str, list[str]]:
        return {"conformsTo": CONFORMANCE}

    def collection_doc(b: str, c: ft.Collection, frame: Any | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": c.id,
            "title": c.title,
            "description": c.description,
            "itemType": "feature",
            "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
            "links": [
                {"href": f"{b}/collections/{c.id}", "rel": "self", "type": "application/json"},
                {
                    "href": f"{b}/collections/{c.id}/items",
                    "rel": "items",
                    "type": GEOJSON,
                    "title": c.title,
                },
            ],
        }
        if frame is not None and (box := ft.extent(frame)) is not None:
            doc["extent"] = {
                "spatial": {"bbox": [box], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
            }
        return doc

    @app.get(
        "/collections", summary="The collections this user may read", tags=["OGC API – Features"]
    )
    def collections(request: Request, user: UserDep) -> dict[str, Any]:
        b = base_url(request)
        return {
            "links": [{"href": f"{b}/collections", "rel": "self", "type": "application/json"}],
            "collections": [collection_doc(b, c) for c in ft.readable_collections(user)],
        }

    @app.get(
        "/collections/{collection_id}",
        summary="One collection, with its extent",
        tags=["OGC API – Features"],
    )
    def one_collection(request: Request, collection_id: str, user: UserDep) -> dict[str, Any]:
        c = ft.collection(collection_id, user)
        return collection_doc(base_url(request), c, ft.visible_frame(ws, c.id, user, cache))

    @app.get(
        "/collections/{collection_id}/items",
        summary="Features of a collection (GeoJSON), filtered and paged",
        tags=["OGC API – Features"],
        response_class=JSONResponse,
    )
    def items(
        request: Request,
        collection_id: str,
        user: UserDep,
        limit: Annotated[
            int, Query(ge=1, le=int(settings.get("web_max_limit")), description="features per page")
        ] = int(settings.get("web_page_limit")),
        offset: Annotated[int, Query(ge=0, description="features skipped")] = 0,
        bbox: Annotated[
            str | None, Query(description="minx,miny,maxx,maxy in WGS84 degrees")
        ] = None,
        datetime: Annotated[
            str | None,
            Query(description="instant or interval start/end (`..` open) on the layer's main date"),
        ] = None,
    ) -> Response:
        c = ft.collection(collection_id, user)
        box, interval = ft.parse_bbox(bbox), ft.parse_datetime(datetime)
        b = base_url(request)
        query = tuple(sorted(request.query_params.multi_items()))
        seen = (user.sees_personal_data, user.sees_all_drafts, user.organisation)
        key = ("items", c.id, seen, b, query, limit, offset)

        def build() -> bytes:
            frame = ft.select(
                ft.visible_frame(ws, c.id, user, cache), c, bbox=box, interval=interval
            )
            chunk = frame.iloc[offset : offset + limit]
            params = {k: v for k, v in request.query_params.items() if k not in ("offset",)}
            links = [
                {
                    "href": f"{b}/collections/{c.id}/items?{urlencode({**params, 'offset': offset})}",
                    "rel": "self",
                    "type": GEOJSON,
                }
            ]
            if offset + limit < len(frame):
                links.append(
                    {
                        "href": f"{b}/collections/{c.id}/items?{urlencode({**params, 'limit': limit, 'offset': offset + limit})}",
                        "rel": "next",
                        "type": GEOJSON,
                    }
                )
            if offset > 0:
                links.append(
                    {
                        "href": f"{b}/collections/{c.id}/items?{urlencode({**params, 'limit': limit, 'offset': max(0, offset - limit)})}",
                        "rel": "prev",
                        "type": GEOJSON,
                    }
                )
            from datetime import UTC
            from datetime import datetime as _dt

            body = {
                "type": "FeatureCollection",
                "features": ft.features(chunk, c),
                "numberMatched": len(frame),
                "numberReturned": len(chunk),
                "timeStamp": _dt.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "links": links,
            }
            return bytes(JSONResponse(body, media_type=GEOJSON).body)

        table = None if c.id == ft.SURVEY_PARTS else c.id
        return Response(cache.response(table, key, build), media_type=GEOJSON)

    @app.get(
        "/collections/{collection_id}/items/{feature_id}",
        summary="One feature by its id",
        tags=["OGC API – Features"],
    )
    def item(request: Request, collection_id: str, feature_id: str, user: UserDep) -> JSONResponse:
        c = ft.collection(collection_id, user)
        frame = ft.visible_frame(ws, c.id, user, cache)
        hit = frame[frame[c.id_field].astype(object) == feature_id]
        if not len(hit):
            raise NotFound(f"no {c.id} feature {feature_id!r}")
        feat = ft.features(hit.iloc[:1], c)[0]
        b = base_url(request)
        feat["links"] = [
            {"href": f"{b}/collections/{c.id}/items/{feature_id}", "rel": "self", "type": GEOJSON},
            {"href": f"{b}/collections/{c.id}", "rel": "collection", "type": "application/json"},
        ]
        return JSONResponse(feat, media_type=GEOJSON)

    # -- aggregated figures ----------------------------------------------------------------
    @app.get(
        "/api/summary",
        summary="Aggregated figures, for everyone (no personal data)",
        tags=["figures"],
    )
    def summary() -> dict[str, Any]:
        return cache.get(None, "summary", lambda: public_summary(ws))

    # -- login -------------------------------------------------------------------------------
    def login_checked(request: Request, username: str, password: str) -> User:
        address = request.client.host if request.client else "?"
        limiter.check(username, address)
        user = authenticate(ws, username, password)
        if user is None:
            limiter.failed(username, address)
            raise Unauthorized("wrong user name or password")
        limiter.succeeded(username, address)
        return user

    @app.post("/api/token", summary="A bearer token for scripts", tags=["login"])
    def token(request: Request, body: Annotated[TokenRequest, Body()]) -> TokenResponse:
        user = login_checked(request, body.username, body.password)
        return TokenResponse(
            access_token=signer.sign({"u": user.username}, lifetime_s=session_s),
            expires_in=int(session_s),
        )

    @app.get("/api/me", summary="Who is logged in", tags=["login"])
    def me(user: UserDep) -> dict[str, Any]:
        return {
            "username": user.username if user.authenticated else None,
            "role": user.role,
            "organisation": user.organisation,
        }

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, user: UserDep, next: str = "/map") -> HTMLResponse:
        return page(request, "login.html", user, next=_local(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login_form(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/map",
    ) -> Response:
        if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), csrf_token):
            raise Forbidden("missing or wrong CSRF token: reload the login page")
        try:
            user = login_checked(request, username, password)
        except Unauthorized as exc:
            return page(
                request, "login.html", ANONYMOUS, status=401, next=_local(next), error=exc.detail
            )
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signer.sign({"u": user.username}, lifetime_s=session_s),
            max_age=int(session_s),
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), csrf_token):
            raise Forbidden("missing or wrong CSRF token")
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # -- pages -------------------------------------------------------------------------------
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    def dashboard_page(request: Request, user: UserDep) -> HTMLResponse:
        tables = {name: c.table(ws) for name, c in CHARTS.items()}
        return page(request, "dashboard.html", user, charts=CHARTS, tables=tables)

    @app.get(
        "/dashboard/{chart}.png",
        summary="A dashboard chart as PNG (aggregates only)",
        tags=["figures"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def dashboard_chart(chart: str) -> Response:
        return Response(chart_png(ws, chart), media_type="image/png")

    @app.get("/settlements", response_class=HTMLResponse, include_in_schema=False)
    def settlements_page(request: Request, user: UserDep) -> HTMLResponse:
        frame = ws.read_layer("settlements")
        places = [
            {k: ft.plain(frame.iloc[i][k]) for k in ("settlement_id", "name", "population_planned")}
            for i in range(len(frame))
        ]
        return page(request, "settlements.html", user, places=places)

    @app.get("/settlements/{settlement_id}", response_class=HTMLResponse, include_in_schema=False)
    def settlement_page(request: Request, settlement_id: str, user: UserDep) -> HTMLResponse:
        return page(request, "settlement.html", user, view=settlement_view(ws, settlement_id))

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, user: UserDep) -> HTMLResponse:
        return page(request, "map.html", user)

    # -- the activity workflow (writes through landrelease.records, audited) ----------------
    Writer = Annotated[User, Depends(api_writer)]  # noqa: N806 (a type alias)

    def take_step(user: User, name: str, activity_id: str, **kw: Any) -> dict[str, Any]:
        """One workflow step; the layer cache is cleared after it, whatever the outcome."""
        try:
            return run_step(ws, user, name, activity_id, **kw)
        finally:
            cache.clear()

    @app.post(
        "/api/activities/{activity_id}/submit",
        summary="Submit an activity for approval (operators: their organisation's only)",
        tags=["workflow"],
    )
    def submit(
        activity_id: str, user: Writer, body: Annotated[SubmitRequest | None, Body()] = None
    ) -> dict[str, Any]:
        claims = body.claims if body else None
        return take_step(user, "submit", activity_id, claims=claims)

    @app.post(
        "/api/activities/{activity_id}/approve",
        summary="Approve a submitted activity (books its release)",
        tags=["workflow"],
    )
    def approve(
        activity_id: str, user: Writer, body: Annotated[ApproveRequest | None, Body()] = None
    ) -> dict[str, Any]:
        flags = bool(body and body.accept_flags)
        return take_step(user, "approve", activity_id, accept_flags=flags)

    @app.post(
        "/api/activities/{activity_id}/reject",
        summary="Send a submitted activity back",
        tags=["workflow"],
    )
    def reject(
        activity_id: str, user: Writer, body: Annotated[RejectRequest, Body()]
    ) -> dict[str, Any]:
        return take_step(user, "reject", activity_id, reason=body.reason)

    @app.get("/activities", response_class=HTMLResponse, include_in_schema=False)
    def activities_page(request: Request, user: UserDep, done: str | None = None) -> HTMLResponse:
        if not user.authenticated:
            raise Unauthorized("log in to see activities")
        frame = ft.visible_frame(ws, "activities", user, cache)
        rows = [
            {k: ft.plain(v) for k, v in r.items() if k != "geometry"}
            for r in frame.drop(columns="geometry").to_dict("records")
        ]
        return page(request, "activities.html", user, activities=rows, done=done)

    @app.post(FORMS + "activities/{activity_id}/{step}", include_in_schema=False)
    def activity_form(
        request: Request,
        activity_id: str,
        step: str,
        user: UserDep,
        csrf_token: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), csrf_token):
            raise Forbidden("missing or wrong CSRF token: reload the page")
        if not user.authenticated:
            raise Unauthorized("log in first")
        result = take_step(user, step, activity_id, reason=reason or None)
        done = f"{result['activity_id']} {result['status']}"
        return RedirectResponse(f"/activities?{urlencode({'done': done})}", status_code=303)

    # -- map overlays: the risk surface, settlements' readiness -----------------------------
    def risk_image() -> risk.RiskImage | None:
        found = risk.latest_raster(ws)
        if found is None:
            return None
        run_id, path = found
        key = f"risk:{run_id}:{path.stat().st_mtime_ns}"
        return cache.get(None, key, lambda: risk.render(ws))

    @app.get(
        "/api/risk.json",
        summary="Bounds of the latest risk surface image (all null without a risk run)",
        tags=["figures"],
    )
    def risk_json() -> dict[str, Any]:
        img = risk_image()
        if img is None:  # no risk run yet: the map leaves the overlay out
            return {"run_id": None, "bounds": None, "image": None}
        (s, w), (n, e) = img.bounds
        return {"run_id": img.run_id, "bounds": [[s, w], [n, e]], "image": "/api/risk.png"}

    @app.get(
        "/api/risk.png",
        summary="The latest risk surface (probability of a device), EPSG:4326, as a PNG",
        tags=["figures"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def risk_png() -> Response:
        img = risk_image()
        if img is None:
            raise NotFound("no risk run with a GeoTIFF yet")
        return Response(img.png, media_type="image/png")

    @app.get(
        "/api/readiness",
        summary="Settlement id → plan date and P10/P50/P90 of when it can be ready",
        tags=["figures"],
    )
    def readiness() -> dict[str, dict[str, str | None]]:
        key = f"readiness:{risk.planning_stamp(ws)}"
        return cache.get(None, key, lambda: risk.readiness(ws))

    # -- downloads ---------------------------------------------------------------------------
    def attachment(data: bytes, media: str, name: str) -> Response:
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
    def downloads_page(request: Request, user: UserDep) -> HTMLResponse:
        month = (
            cache.get(None, "latest_month", lambda: dl.latest_month(ws))
            if user.authenticated
            else None
        )
        return page(
            request,
            "downloads.html",
            user,
            collections=ft.readable_collections(user),
            whole=dl.may_export_all(user),
            month=month,
        )

    @app.get(
        "/downloads/layers/{collection_id}.{fmt}",
        summary="A collection as this user sees it, as a GeoJSON or GeoPackage file",
        tags=["downloads"],
        response_class=Response,
    )
    def download_layer(collection_id: str, fmt: str, user: UserDep) -> Response:
        data = dl.layer_file(ws, cache, user, collection_id, fmt)
        return attachment(data, dl.FORMATS[fmt], f"{collection_id}.{fmt}")

    @app.get(
        "/downloads/package.{ext}",
        summary="The whole workspace as a package (.gpkg, or .zip of GeoJSON and CSV)",
        tags=["downloads"],
        response_class=Response,
    )
    def download_package(ext: str, user: UserDep) -> Response:
        fmt = {"gpkg": "gpkg", "zip": "geojson"}.get(ext)
        if fmt is None:
            raise NotFound(f"no package .{ext}: choose .gpkg or .zip")
        data = dl.package_file(ws, cache, user, fmt)
        media = dl.FORMATS["gpkg"] if fmt == "gpkg" else "application/zip"
        return attachment(data, media, f"landrelease.{ext}")

    @app.get(
        "/downloads/reports/monthly-{month}.{fmt}",
        summary="The monthly report (aggregates) as HTML or a workbook",
        tags=["downloads"],
        response_class=Response,
    )
    def download_report(month: str, fmt: str, user: UserDep) -> Response:
        data = dl.report_file(ws, cache, user, month, fmt)
        if fmt == "html":
            return Response(data, media_type=dl.REPORT_FORMATS[fmt])
        return attachment(data, dl.REPORT_FORMATS[fmt], f"monthly-{month}.{fmt}")

    # -- evidence packages uploaded (information managers, administrators) -------------------
    def upload_user(user: User) -> User:
        if not user.authenticated:
            raise Unauthorized("log in to import a package")
        if not may_import(user):
            raise Forbidden("only information managers and administrators import packages")
        return user

    def run_upload(user: User, package: UploadFile) -> dict[str, Any]:
        try:
            return import_upload(ws, user, package.filename, package.file)
        finally:
            cache.clear()

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_page(request: Request, user: UserDep) -> HTMLResponse:
        return page(request, "upload.html", upload_user(user), result=None)

    @app.post(FORMS + "upload", include_in_schema=False)
    def upload_form(
        request: Request,
        user: UserDep,
        package: Annotated[UploadFile, File()],
        csrf_token: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), csrf_token):
            raise Forbidden("missing or wrong CSRF token: reload the page")
        result = run_upload(upload_user(user), package)
        status = 200 if result["committed"] else 422
        return page(request, "upload.html", user, status=status, result=result)

    @app.post(
        "/api/packages",
        summary="Import an evidence package (.zip or .gpkg); refused whole when it has errors",
        tags=["workflow"],
    )
    def upload_api(user: Writer, package: Annotated[UploadFile, File()]) -> JSONResponse:
        result = run_upload(upload_user(user), package)
        return JSONResponse(result, status_code=200 if result["committed"] else 422)

    # -- single records entered in forms (findings, incidents) -------------------------------
    @app.get("/records/new/{layer}", response_class=HTMLResponse, include_in_schema=False)
    def record_page(request: Request, layer: str, user: UserDep) -> HTMLResponse:
        lyr = rf.form_layer(layer)
        upload_user(user)
        return page(
            request,
            "record_form.html",
            user,
            layer=lyr,
            fields=rf.form_fields(lyr),
            values={},
            result=None,
        )

    @app.post(FORMS + "records/{layer}", include_in_schema=False)
    async def record_form(request: Request, layer: str, user: UserDep) -> HTMLResponse:
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        if not signer.check_csrf(request.cookies.get(CSRF_COOKIE), values.get("csrf_token", "")):
            raise Forbidden("missing or wrong CSRF token: reload the page")
        lyr = rf.form_layer(layer)
        upload_user(user)
        try:
            result = await run_in_threadpool(rf.enter_record, ws, user, layer, values)
        finally:
            cache.clear()
        return page(
            request,
            "record_form.html",
            user,
            status=200 if result["committed"] else 422,
            layer=lyr,
            fields=rf.form_fields(lyr),
            values={} if result["committed"] else values,
            result=result,
        )

    return app


class SecurityHeaders:
    """The security headers on every response (a plain ASGI middleware: cheaper per request)."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers
        self.names = {k for k, _ in headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                if not any(k.lower() == b"cache-control" for k, _ in raw):
                    raw.append((b"cache-control", b"no-store"))
                message = {**message, "headers": raw + self.headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _local(path: str) -> str:
    """Only a path on this site: never redirect a login to another origin."""
    return (
        path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/map"
    )
