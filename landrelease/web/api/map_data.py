"""What the map asks for beyond features: one hazard's story, the plan by quarter, thinned points."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from landrelease import settings
from landrelease.web import visible as vis
from landrelease.web.api.geojson import feature_index, parse_bbox
from landrelease.web.api.hazard_story import cached_story
from landrelease.web.api.plan_quarters import plan_quarters
from landrelease.web.api.point_clusters import points_or_clusters
from landrelease.web.context import GEOJSON, UserDep, WebDep
from landrelease.web.errors import BadRequest

router = APIRouter(tags=["map"])
POINT_LAYERS = ("findings", "incidents")


@router.get(
    "/api/hazards/{hazard_id}",
    summary="One hazard's history, evidence and recommended next step",
)
async def hazard(hazard_id: str, user: UserDep, web: WebDep) -> dict[str, Any]:
    """``page``: the hazard's page (HTML) with the same story, its activities and a map."""
    return cached_story(web.ws, web.cache, hazard_id, user)


@router.get(
    "/api/plan/quarters",
    summary="The latest plan by quarter: when each hazard's work starts and ends, running totals",
)
async def quarters(web: WebDep) -> dict[str, Any]:
    key = f"plan_quarters:{web.cache.planning_stamp()}"
    return web.cache.get(None, key, lambda: plan_quarters(web.ws))


@router.get(
    "/api/points/{collection_id}",
    summary="A point layer within a bbox: the points when few enough, else counts on a grid",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
async def points(
    collection_id: Annotated[str, Path(json_schema_extra={"enum": list(POINT_LAYERS)})],
    user: UserDep,
    web: WebDep,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in WGS84 degrees")] = None,
    max_points: Annotated[
        int | None, Query(ge=1, le=20_000, description="most points returned one by one")
    ] = None,
) -> Response:
    if collection_id not in POINT_LAYERS:
        raise BadRequest(
            f"{collection_id!r} is not a point layer; choose one of {', '.join(POINT_LAYERS)}"
        )
    c = vis.collection(collection_id, user)
    box = parse_bbox(bbox)
    limit = max_points or int(settings.get("web_map_max_points"))
    cells = int(settings.get("web_map_cluster_cells"))
    key = ("points", c.id, vis.visibility(user), box, limit, cells)

    def build() -> bytes:
        index = feature_index(web.ws, web.cache, c, user)
        return points_or_clusters(index, box, max_points=limit, cells=cells)

    return Response(web.cache.response(c.id, key, build), media_type=GEOJSON)
