"""The map's vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` from either backend.

PostGIS cuts a tile itself (``ST_AsMVT`` in :mod:`landrelease.store.tiles`); a GeoPackage's
tiles are encoded in Python (:mod:`landrelease.web.tiles`). Who may read a layer is the
OGC API's rule (:func:`landrelease.web.visible.collection`); a tile carries only the few
fields of :data:`~landrelease.web.tiles.TILE_LAYERS`, never personal data. Each tile is kept
per change of its layer and sent with an ETag made from the layer's change stamp, so a
browser's copy is answered with 304 until the records change.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from landrelease import __version__, settings
from landrelease.errors import UsageError
from landrelease.store import runs
from landrelease.store import tiles as store_tiles
from landrelease.store.covariates import read_covariates
from landrelease.store.mbtiles import MBTiles, open_mbtiles
from landrelease.store.pmtiles import PMTiles, open_pmtiles
from landrelease.survey.store import read_parts
from landrelease.web import visible as vis
from landrelease.web.auth import ANONYMOUS
from landrelease.web.context import UserDep, Web, WebDep
from landrelease.web.errors import BadRequest, NotFound
from landrelease.web.glyphs import FONT_STACKS, font_path, glyph_range
from landrelease.web.hillshade import TILE_PX, DemSource
from landrelease.web.tiles import (
    BUFFER,
    CLUSTER_CELLS,
    EXTENT,
    MAX_ZOOM,
    TILE_LAYERS,
    TileLayer,
    TileSource,
    check_zxy,
)

MVT = "application/vnd.mapbox-vector-tile"
router = APIRouter(tags=["map"])


def _stamp_table(t: TileLayer) -> str | None:
    """The table whose change stamp a tile follows (a survey run's layers: the runs, i.e. the
    global part)."""
    return None if t.table in vis.RUN_COLLECTIONS else t.table


def decisions(web: Web) -> dict[str, str]:
    """Each hazard's main decision: that of its largest part in the latest survey run."""

    def build() -> dict[str, str]:
        parts = read_parts(web.ws)
        if not len(parts):
            return {}
        largest = parts.sort_values("area_m2", kind="stable").drop_duplicates(
            "hazard_id", keep="last"
        )
        return {
            str(h): str(d) for h, d in zip(largest["hazard_id"], largest["decision"], strict=True)
        }

    return web.cache.get(None, "map_decisions", build)


def tile_version(web: Web, t: TileLayer) -> str:
    """The version of a layer's tiles: changes with its records (their change stamp), with the
    detail zoom and with what a tile carries (the layer's declaration and the release, so that
    an upgrade that draws tiles differently is never met by a browser's older copy). The map
    names it in its tile addresses (``?v=``), so that a browser keeps a tile for as long as
    that version is current instead of asking again on every view."""
    detail_zoom = int(settings.get("web_tiles_detail_zoom"))
    stamp = web.cache.recent_stamp(_stamp_table(t))
    return hashlib.sha256(repr((t, detail_zoom, stamp, __version__)).encode()).hexdigest()[:16]


def cut_by_database(web: Web) -> bool:
    """Whether the workspace's database cuts tiles itself (else they are cut here)."""
    with web.ws.engine.connect() as conn:
        return store_tiles.supports_mvt(conn)


def _records(web: Web, t: TileLayer) -> Any:
    frame = vis.visible_frame(web.ws, t.table, ANONYMOUS, web.cache)
    return frame[frame["kind"].isin(t.kinds)] if t.kinds else frame


def tile_source(web: Web, t: TileLayer) -> TileSource:
    """The GeoPackage's layer ready to be cut (built once per change of its records)."""
    return web.cache.get(
        _stamp_table(t),
        f"tiles:{t.name}",
        lambda: TileSource(_records(web, t), t),
    )


def tile_bytes(web: Web, t: TileLayer, z: int, x: int, y: int) -> bytes:
    """The tile's bytes, cut once per change of the layer's records (kept with the responses)."""
    detail_zoom = int(settings.get("web_tiles_detail_zoom"))
    return web.cache.response(
        _stamp_table(t),
        ("tile", t.name, z, x, y, detail_zoom),
        lambda: _build(web, t, z, x, y, detail_zoom),
    )


def _build(web: Web, t: TileLayer, z: int, x: int, y: int, detail_zoom: int) -> bytes:
    with web.ws.engine.connect() as conn:
        if store_tiles.supports_mvt(conn):
            where: dict[str, Any] = {}
            if t.table in vis.RUN_COLLECTIONS:
                sid = runs.latest_run(conn, "survey")
                if sid is None:
                    return b""
                where["survey_id"] = int(sid)
            if t.kinds:
                where["kind"] = list(t.kinds)
            clustered = t.clustered and z < detail_zoom
            return store_tiles.mvt_tile(
                conn,
                t.table,
                z,
                x,
                y,
                layer=t.name,
                properties=t.properties,
                where=where,
                cluster_cells=CLUSTER_CELLS if clustered else None,
                label_points=t.label_points,
                extent=EXTENT,
                buffer=BUFFER,
            )
    return tile_source(web, t).tile(z, x, y, detail_zoom=detail_zoom)


def dem_source(web: Web) -> DemSource | None:
    """The workspace's elevation covariate ready for hillshade tiles (``None``: it has none);
    built again when the workspace changes."""

    def build() -> DemSource | None:
        with web.ws.engine.connect() as conn:
            found = read_covariates(conn, ("elevation",))
        return DemSource.of(found[0]) if found else None

    return web.cache.get(None, "hillshade_dem", build)


def hillshade_config(web: Web) -> dict[str, Any] | None:
    """What the map needs to draw the hillshade (``None`` without elevation): the tile address
    naming the elevation's version, its extent in lon/lat, the zoom of its finest tiles and
    their size in pixels."""
    dem = dem_source(web)
    if dem is None:
        return None
    return {
        "tiles": f"/tiles/hillshade/{{z}}/{{x}}/{{y}}.png?v={dem.version}",
        "bounds": [round(v, 6) for v in dem.bounds_lonlat],
        "maxzoom": dem.maxzoom,
        "tile_px": TILE_PX,
    }


def hillshade_bytes(web: Web, dem: DemSource, z: int, x: int, y: int) -> bytes:
    """A hillshade tile, made once per version of the elevation (kept with the responses)."""
    return web.cache.response(None, ("hillshade", dem.version, z, x, y), lambda: dem.tile(z, x, y))


@router.get(
    "/tiles/hillshade/{z}/{x}/{y}.png",
    summary="A hillshade tile (PNG, grey and alpha) of the workspace's elevation covariate",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "the tile (transparent: no relief)"},
        304: {"description": "unchanged since the copy named by If-None-Match"},
        404: {"description": "the workspace keeps no elevation covariate"},
    },
)
def hillshade_tile(
    request: Request,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    web: WebDep,
    v: Annotated[
        str | None,
        Query(description="the elevation's version the map page names; when current, kept"),
    ] = None,
) -> Response:
    dem = dem_source(web)
    if dem is None:
        raise NotFound(
            "the workspace keeps no elevation covariate: import a package holding elevation.tif "
            "to shade the base map"
        )
    problem = check_zxy(z, x, y)
    if problem:
        raise BadRequest(problem)
    tag = hashlib.sha256(repr(("hillshade", dem.version, z, x, y)).encode()).hexdigest()[:24]
    kept = "public, max-age=31536000, immutable" if v == dem.version else "public, no-cache"
    headers = {"ETag": f'"{tag}"', "Cache-Control": kept}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(hillshade_bytes(web, dem, z, x, y), media_type="image/png", headers=headers)


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.mvt",
    summary="A vector tile (Mapbox Vector Tile 2.1) of one of the map's layers",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "the tile (empty: nothing in it)"},
        304: {"description": "unchanged since the copy named by If-None-Match"},
    },
)
def tile(
    request: Request,
    layer: Annotated[str, Path(json_schema_extra={"enum": list(TILE_LAYERS)})],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    user: UserDep,
    web: WebDep,
    v: Annotated[
        str | None,
        Query(
            description="the version of the layer's tiles the map page names; when current, "
            "the tile may be kept by the browser without asking again"
        ),
    ] = None,
) -> Response:
    t = TILE_LAYERS.get(layer)
    if t is None:
        raise NotFound(f"no tile layer {layer!r}; the map's layers are {', '.join(TILE_LAYERS)}")
    if not t.public:
        vis.collection(t.table, user)  # who may read the layer: the OGC API's rule
    problem = check_zxy(z, x, y)
    if problem:
        raise BadRequest(problem)
    version = tile_version(web, t)
    tag = hashlib.sha256(repr((version, z, x, y)).encode()).hexdigest()[:24]
    # a tile asked for by its current version never changes: kept a year without asking again;
    # any other address is revalidated by its ETag on every use
    kept = "private, max-age=31536000, immutable" if v == version else "private, no-cache"
    headers = {"ETag": f'"{tag}"', "Cache-Control": kept}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(tile_bytes(web, t, z, x, y), media_type=MVT, headers=headers)


@router.get(
    "/api/map/decisions",
    summary="Each hazard's main survey decision (its largest part's, latest survey run)",
)
def hazard_decisions(user: UserDep, web: WebDep) -> dict[str, str]:
    vis.collection(vis.SURVEY_PARTS, user)
    return decisions(web)


@router.get(
    "/fonts/{fontstack}/{glyphs}.pbf",
    summary="Glyphs of 256 characters for the map's labels (signed distance fields)",
    response_class=Response,
    responses={200: {"content": {"application/x-protobuf": {}}}},
)
def glyphs(
    fontstack: Annotated[str, Path(description=f"one of {', '.join(FONT_STACKS)}")],
    glyphs: Annotated[str, Path(description="the range, e.g. 0-255 or 256-511")],
) -> Response:
    m = re.fullmatch(r"(\d{1,5})-(\d{1,5})", glyphs)
    start = int(m.group(1)) if m else -1
    if m is None or start % 256 or int(m.group(2)) != start + 255 or start > 65280:
        raise BadRequest(
            f"glyph range {glyphs!r}: expected START-END, 256 characters from a multiple of 256 (e.g. 0-255)"
        )
    if font_path(fontstack) is None:
        raise NotFound(f"no font {fontstack!r}; the map's fonts are {', '.join(FONT_STACKS)}")
    return Response(
        glyph_range(fontstack, start),
        media_type="application/x-protobuf",
        headers={"Cache-Control": "public, max-age=604800"},
    )


@functools.lru_cache(maxsize=4)
def _mbtiles(path: str) -> MBTiles:
    return open_mbtiles(path)


def local_basemap() -> MBTiles | PMTiles | None:
    """The base map file of the setting ``web_basemap_mbtiles`` or ``web_basemap_pmtiles``,
    checked once; ``None`` if neither is set."""
    mbtiles = str(settings.get("web_basemap_mbtiles"))
    pmtiles = str(settings.get("web_basemap_pmtiles"))
    if mbtiles and pmtiles:
        raise UsageError(
            f"web_basemap_mbtiles ({mbtiles}) and web_basemap_pmtiles ({pmtiles}) are both set: "
            "the map draws one local base map, set one of them"
        )
    if pmtiles:
        return open_pmtiles(pmtiles)
    return _mbtiles(mbtiles) if mbtiles else None


@router.get(
    "/basemap/{z}/{x}/{y}",
    summary="A tile of the local base map (the file of web_basemap_mbtiles or web_basemap_pmtiles)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}},
)
def basemap_tile(
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    base = local_basemap()
    if base is None:
        raise NotFound("no local base map (settings web_basemap_mbtiles, web_basemap_pmtiles)")
    problem = check_zxy(z, x, y)
    if problem:
        raise BadRequest(problem)
    data = base.tile(z, x, y)
    if data is None:
        raise NotFound(f"the base map has no tile {z}/{x}/{y}")
    return Response(
        data, media_type=base.media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
