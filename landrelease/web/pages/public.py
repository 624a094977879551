"""Pages for everyone: the map, the dashboard, the settlements and each settlement's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.web.context import UserDep, WebDep
from landrelease.web.dashboard import CHARTS, cached_chart
from landrelease.web.labels import plain
from landrelease.web.map_view import map_config, warm_glyphs
from landrelease.web.plans import readiness_dates
from landrelease.web.settlement_view import cached_settlement
from landrelease.web.visible import layer_frame

router = APIRouter()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    warm_glyphs()  # the labels' glyphs made while the browser loads the scripts
    return web.page(request, "map.html", user, config=map_config(web, user))


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    """Each chart drawn by static/dashboard.js from /api/dashboard/{chart}, its table below."""
    charts = [cached_chart(web.ws, web.cache, name) for name in CHARTS]
    return web.page(request, "dashboard.html", user, charts=charts)


@router.get("/settlements", response_class=HTMLResponse, include_in_schema=False)
def settlements_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    frame = layer_frame(web.ws, "settlements", personal=False, cache=web.cache)
    places = [
        {k: plain(frame.iloc[i][k]) for k in ("settlement_id", "name", "population_planned")}
        for i in range(len(frame))
    ]
    key = f"readiness:{web.cache.planning_stamp()}"
    ready = web.cache.get(None, key, lambda: readiness_dates(web.ws))
    return web.page(request, "settlements.html", user, places=places, ready=ready)


@router.get("/settlements/{settlement_id}", response_class=HTMLResponse, include_in_schema=False)
def settlement_page(
    request: Request, settlement_id: str, user: UserDep, web: WebDep
) -> HTMLResponse:
    view = cached_settlement(web.ws, web.cache, settlement_id)
    return web.page(request, "settlement.html", user, view=view)
