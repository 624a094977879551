"""OGC API – Features: landing page, conformance, collections, items (QGIS and GDAL read it)."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from landrelease import settings
from landrelease.web import visible as vis
from landrelease.web.api import geojson as gj
from landrelease.web.api.public_figures import public_summary
from landrelease.web.context import GEOJSON, UserDep, WebDep, base_url, wants_html
from landrelease.web.errors import NotFound

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
TAG = "OGC API – Features"
router = APIRouter()


@router.get("/", summary="Landing page (HTML for browsers, JSON for OGC API clients)", tags=[TAG])
def landing(request: Request, user: UserDep, web: WebDep, f: str | None = None) -> Response:
    b = base_url(request)
    links = [
        ("/?f=json", "self", "application/json", "this document"),
        (
            "/openapi.json",
            "service-desc",
            "application/vnd.oai.openapi+json;version=3.0",
            "the API definition",
        ),
        ("/conformance", "conformance", "application/json", "conformance classes"),
        ("/collections", "data", "application/json", "collections"),
    ]
    doc = {
        "title": "landrelease",
        "description": "OGC API – Features over the programme's mine action records",
        "links": [
            {"href": b + href, "rel": rel, "type": typ, "title": title}
            for href, rel, typ, title in links
        ],
    }
    if wants_html(request, f):
        return web.page(
            request,
            "landing.html",
            user,
            summary=web.cache.get(None, "summary", lambda: public_summary(web.ws)),
            collections=vis.readable_collections(user),
        )
    return JSONResponse(doc)


@router.get("/conformance", summary="Conformance classes", tags=[TAG])
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


def collection_doc(b: str, c: vis.Collection, frame: Any | None = None) -> dict[str, Any]:
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
    if frame is not None and (box := gj.extent(frame)) is not None:
        doc["extent"] = {
            "spatial": {"bbox": [box], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
        }
    return doc


@router.get("/collections", summary="The collections this user may read", tags=[TAG])
def collections(request: Request, user: UserDep) -> dict[str, Any]:
    b = base_url(request)
    return {
        "links": [{"href": f"{b}/collections", "rel": "self", "type": "application/json"}],
        "collections": [collection_doc(b, c) for c in vis.readable_collections(user)],
    }


@router.get("/collections/{collection_id}", summary="One collection, with its extent", tags=[TAG])
def one_collection(
    request: Request, collection_id: str, user: UserDep, web: WebDep
) -> dict[str, Any]:
    c = vis.collection(collection_id, user)
    return collection_doc(base_url(request), c, vis.visible_frame(web.ws, c.id, user, web.cache))


def _page_links(
    b: str, cid: str, params: dict[str, str], limit: int, offset: int, matched: int
) -> list[dict[str, str]]:
    def href(**kw: int) -> str:
        return f"{b}/collections/{cid}/items?{urlencode({**params, **kw})}"

    links = [{"href": href(offset=offset), "rel": "self", "type": GEOJSON}]
    if offset + limit < matched:
        links.append(
            {"href": href(limit=limit, offset=offset + limit), "rel": "next", "type": GEOJSON}
        )
    if offset > 0:
        links.append(
            {
                "href": href(limit=limit, offset=max(0, offset - limit)),
                "rel": "prev",
                "type": GEOJSON,
            }
        )
    return links


@router.get(
    "/collections/{collection_id}/items",
    summary="Features of a collection (GeoJSON), filtered and paged",
    tags=[TAG],
    response_class=JSONResponse,
)
async def items(
    request: Request,
    collection_id: str,
    user: UserDep,
    web: WebDep,
    limit: Annotated[
        int, Query(ge=1, le=int(settings.get("web_max_limit")), description="features per page")
    ] = int(settings.get("web_page_limit")),
    offset: Annotated[int, Query(ge=0, description="features skipped")] = 0,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in WGS84 degrees")] = None,
    datetime: Annotated[
        str | None,
        Query(description="instant or interval start/end (`..` open) on the layer's main date"),
    ] = None,
) -> Response:
    c = vis.collection(collection_id, user)
    box, interval = gj.parse_bbox(bbox), gj.parse_datetime(datetime)
    b = base_url(request)
    query = tuple(sorted(request.query_params.multi_items()))
    key = ("items", c.id, vis.visibility(user), b, query, limit, offset)

    table = None if c.id in vis.RUN_COLLECTIONS else c.id

    def build() -> bytes:
        index = gj.feature_index(web.ws, web.cache, c, user)
        rows = index.select(box, interval)
        chunk = rows[offset : offset + limit]
        params = {k: v for k, v in request.query_params.items() if k != "offset"}
        tail = {
            "numberMatched": len(rows),
            "numberReturned": len(chunk),
            "timeStamp": dt.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "links": _page_links(b, c.id, params, limit, offset, len(rows)),
        }
        return (
            b'{"type":"FeatureCollection","features":['
            + index.page(chunk)
            + b"],"
            + json.dumps(tail, separators=(",", ":"))[1:].encode()
        )

    return Response(web.cache.response(table, key, build), media_type=GEOJSON)


@router.get(
    "/collections/{collection_id}/items/{feature_id}", summary="One feature by its id", tags=[TAG]
)
async def item(
    request: Request, collection_id: str, feature_id: str, user: UserDep, web: WebDep
) -> JSONResponse:
    c = vis.collection(collection_id, user)
    position = gj.feature_index(web.ws, web.cache, c, user).positions.get(feature_id)
    if position is None:
        raise NotFound(f"no {c.id} feature {feature_id!r}")
    feat = json.loads(gj.feature_index(web.ws, web.cache, c, user).encoded[position])
    b = base_url(request)
    feat["links"] = [
        {"href": f"{b}/collections/{c.id}/items/{feature_id}", "rel": "self", "type": GEOJSON},
        {"href": f"{b}/collections/{c.id}", "rel": "collection", "type": "application/json"},
    ]
    return JSONResponse(feat, media_type=GEOJSON)


@router.get(
    "/api/summary", summary="Aggregated figures, for everyone (no personal data)", tags=["figures"]
)
async def summary(web: WebDep) -> dict[str, Any]:
    return web.cache.get(None, "summary", lambda: public_summary(web.ws))
