"""Pages for people: the map, the dashboard, settlements."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.web import features as ft
from landrelease.web import risk
from landrelease.web.context import UserDep, WebDep
from landrelease.web.dashboard import CHARTS
from landrelease.web.routes.figures import cached_settlement, dashboard_chart

router = APIRouter()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    return web.page(request, "map.html", user)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    """Each chart drawn by static/dashboard.js from /api/dashboard/{chart}, its table below."""
    charts = [dashboard_chart(web, name) for name in CHARTS]
    return web.page(request, "dashboard.html", user, charts=charts)


@router.get("/settlements", response_class=HTMLResponse, include_in_schema=False)
def settlements_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    frame = web.ws.read_layer("settlements")
    places = [
        {k: ft.plain(frame.iloc[i][k]) for k in ("settlement_id", "name", "population_planned")}
        for i in range(len(frame))
    ]
    stamp = risk.planning_stamp(web.ws)
    ready = web.cache.get(None, f"readiness:{stamp}", lambda: risk.readiness(web.ws))
    return web.page(request, "settlements.html", user, places=places, ready=ready)


@router.get("/settlements/{settlement_id}", response_class=HTMLResponse, include_in_schema=False)
def settlement_page(
    request: Request, settlement_id: str, user: UserDep, web: WebDep
) -> HTMLResponse:
    view = cached_settlement(web, settlement_id)
    return web.page(request, "settlement.html", user, view=view)
