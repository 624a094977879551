"""Pages for everyone: the map, the dashboard, the settlements and each settlement's page."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landrelease import settings
from landrelease.store import WorkspaceView
from landrelease.web.api.hazard_story import (
    CLASSIFICATION_WORDS,
    DECISION_WORDS,
    PLAN_METHOD_WORDS,
    STATUS_WORDS,
    cached_story,
)
from landrelease.web.context import UserDep, WebDep
from landrelease.web.dashboard import (
    Filters,
    cached_inputs,
    choices,
    dashboard,
    parse_filters,
)
from landrelease.web.errors import BadRequest, NotFound
from landrelease.web.labels import plain
from landrelease.web.map_view import map_config, warm_glyphs
from landrelease.web.plans import readiness_dates
from landrelease.web.settlement_view import cached_settlement
from landrelease.web.small_map import (
    LAND_USE_LISTED,
    PICKED,
    PLACE,
    land_use_by_kind,
    land_use_inside,
    land_use_legend,
    small_map,
)
from landrelease.web.visible import layer_frame, visible_frame

router = APIRouter()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/programme/logo", include_in_schema=False)
def programme_logo(web: WebDep) -> Response:
    """The programme's logo (profile), as kept in the workspace; 404 without one. An SVG was
    checked to hold no script when it was set, and the site's CSP runs no inline script."""
    logo = web.programme().logo
    if logo is None:
        raise NotFound("the programme profile has no logo (landrelease profile set --logo FILE)")
    return Response(
        logo.data,
        media_type=logo.media_type,
        headers={
            "Cache-Control": "max-age=60",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    warm_glyphs()  # the labels' glyphs made while the browser loads the scripts
    return web.page(request, "map.html", user, config=map_config(web, user))


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    """The headline figures, then each chart drawn by static/dashboard.js from
    /api/dashboard/{chart} with the same filters (query parameters), its table folded below.
    Filters that cannot be read: the page again with what is accepted (400)."""
    q = request.query_params
    known = choices(cached_inputs(web.ws, web.cache))
    try:
        filters = parse_filters(
            known,
            district=q.get("district"),
            start=q.get("from"),
            end=q.get("to"),
            organisation=q.get("organisation"),
        )
    except BadRequest as exc:
        view = dashboard(web.ws, web.cache, Filters())
        return web.page(
            request, "dashboard.html", user, status=400, view=view, error=exc.detail, asked=q
        )
    view = dashboard(web.ws, web.cache, filters)
    return web.page(request, "dashboard.html", user, view=view, error=None, asked=q)


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
    assert view.focus is not None
    km = f"{view.radius_m / 1000:g} km"
    small = small_map(
        user,
        focus=view.focus,
        picked=[h["hazard_id"] for h in view.blocking],
        caption=f"{view.settlement['name']}, the hazards around it and the circle of {km} "
        "within which an open hazard blocks its return",
        legend=[
            {"kind": "dot", "colour": PLACE, "label": "the settlement"},
            {"kind": "dash", "colour": PLACE, "label": f"within {km}: open hazards block it"},
            {"kind": "outline", "colour": PICKED, "label": "a hazard that blocks it"},
        ],
    )
    return web.page(request, "settlement.html", user, view=view, small_map=small)


@router.get("/hazards/{hazard_id}", response_class=HTMLResponse, include_in_schema=False)
def hazard_page(request: Request, hazard_id: str, user: UserDep, web: WebDep) -> HTMLResponse:
    """A hazard's page: the story the map's click shows (/api/hazards/{id}, as this user may
    see it), with its survey decisions, activities and a small map."""
    story = cached_story(web.ws, web.cache, hazard_id, user)
    hazards = visible_frame(web.ws, "hazards", user, web.cache)
    shape = hazards[(hazards["hazard_id"].astype(object) == hazard_id).to_numpy()]
    focus = gpd.GeoDataFrame(
        {"role": ["hazard"], "kind": [""]}, geometry=[shape.geometry.iloc[0]], crs=shape.crs
    )
    legend = [{"kind": "outline", "colour": PICKED, "label": f"hazard {hazard_id}"}]
    land_use: list[dict[str, Any]] = []
    if user.sees_details:  # land in use inside the hazard, cut to it (the layer is not public)
        inside, land_use = land_use_inside(
            visible_frame(web.ws, "land_use", user, web.cache),
            shape.to_crs(4326).geometry.iloc[0],
            lambda: WorkspaceView.of(web.ws).metric_crs,
        )
        focus = pd.concat([focus.to_crs(4326), inside], ignore_index=True)
        legend += land_use_legend({r["kind"] for r in land_use})
    small = small_map(
        user,
        focus=focus,
        picked=[hazard_id],
        caption=f"Hazard {hazard_id} and the hazards around it"
        + (", with the land in use inside it" if land_use else ""),
        legend=legend,
    )
    return web.page(
        request,
        "hazard.html",
        user,
        story=story,
        small_map=small,
        land_use=land_use,
        land_use_kinds=land_use_by_kind(land_use),
        land_use_listed=LAND_USE_LISTED,
        status_words=STATUS_WORDS,
        decision_words=DECISION_WORDS,
        class_words=CLASSIFICATION_WORDS,
        method_words=PLAN_METHOD_WORDS,
        bound_level=float(settings.get("risk_bound_level")),
    )
