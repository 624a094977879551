"""Pages for people: the map, the dashboard, settlements."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.web import features as ft
from landrelease.web.context import UserDep, WebDep
from landrelease.web.dashboard import CHARTS, chart_png
from landrelease.web.settlement import settlement_view

router = APIRouter()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    return web.page(request, "map.html", user)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    tables = {name: c.table(web.ws) for name, c in CHARTS.items()}
    return web.page(request, "dashboard.html", user, charts=CHARTS, tables=tables)


@router.get(
    "/dashboard/{chart}.png",
    summary="A dashboard chart as PNG (aggregates only)",
    tags=["figures"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def dashboard_chart(chart: str, web: WebDep) -> Response:
    return Response(chart_png(web.ws, chart), media_type="image/png")


@router.get("/settlements", response_class=HTMLResponse, include_in_schema=False)
def settlements_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    frame = web.ws.read_layer("settlements")
    places = [
        {k: ft.plain(frame.iloc[i][k]) for k in ("settlement_id", "name", "population_planned")}
        for i in range(len(frame))
    ]
    return web.page(request, "settlements.html", user, places=places)


@router.get("/settlements/{settlement_id}", response_class=HTMLResponse, include_in_schema=False)
def settlement_page(
    request: Request, settlement_id: str, user: UserDep, web: WebDep
) -> HTMLResponse:
    return web.page(request, "settlement.html", user, view=settlement_view(web.ws, settlement_id))
