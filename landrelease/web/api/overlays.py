"""Map overlays: the latest risk surface as an image, settlements' readiness dates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from landrelease.web.api import risk_image
from landrelease.web.context import Web, WebDep
from landrelease.web.errors import NotFound
from landrelease.web.plans import readiness_dates

router = APIRouter()


def cached_risk_image(web: Web) -> risk_image.RiskImage | None:
    """The latest risk surface, drawn once per risk run (and per change of its GeoTIFF)."""
    found = risk_image.latest_raster(web.ws)
    if found is None:
        return None
    run_id, path = found
    key = f"risk:{run_id}:{path.stat().st_mtime_ns}"
    return web.cache.get(None, key, lambda: risk_image.render(web.ws))


@router.get(
    "/api/risk.json",
    summary="Bounds of the latest risk surface image (all null without a risk run)",
    tags=["figures"],
)
def risk_json(web: WebDep) -> dict[str, Any]:
    img = cached_risk_image(web)
    if img is None:  # no risk run yet: the map leaves the overlay out
        return {"run_id": None, "bounds": None, "image": None}
    (s, w), (n, e) = img.bounds
    return {"run_id": img.run_id, "bounds": [[s, w], [n, e]], "image": "/api/risk.png"}


@router.get(
    "/api/risk.png",
    summary="The latest risk surface (probability of a device), EPSG:4326, as a PNG",
    tags=["figures"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def risk_png(web: WebDep) -> Response:
    img = cached_risk_image(web)
    if img is None:
        raise NotFound("no risk run with a GeoTIFF yet")
    return Response(img.png, media_type="image/png")


@router.get(
    "/api/readiness",
    summary="Settlement id → plan date and P10/P50/P90 of when it can be ready",
    tags=["figures"],
)
def readiness(web: WebDep) -> dict[str, dict[str, str | None]]:
    key = f"readiness:{web.cache.planning_stamp()}"
    return web.cache.get(None, key, lambda: readiness_dates(web.ws))
