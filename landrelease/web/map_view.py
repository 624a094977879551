"""What the map page is given before it asks for tiles: its layers, colours, legend and extent.

:func:`map_config` is written into the page as JSON (no extra request): the layers this
user may read with their record counts, where the hazards lie, and every colour and label
of the legend — hazard status and survey decision from :mod:`landrelease.domain.styles`
(the colours the GeoPackages' QGIS styles use too), the plan's classes, and the risk
surface's ramp sampled from the same colour map and log scale as its image.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from landrelease import settings
from landrelease.domain.styles import (
    BOUNDARY_COLOUR,
    DECISION_STYLE,
    INFRASTRUCTURE_COLOURS,
    LAND_USE_COLOURS,
    STATUS_STYLE,
)
from landrelease.domain.vocab import LAND_USE_KINDS
from landrelease.web import visible as vis
from landrelease.web.api.risk_image import RISK_SCALE_MIN, latest_raster
from landrelease.web.api.tiles import (
    cut_by_database,
    dem_source,
    hillshade_bytes,
    hillshade_config,
    local_basemap,
    tile_bytes,
    tile_source,
    tile_version,
)
from landrelease.web.auth import ANONYMOUS, User
from landrelease.web.context import Web
from landrelease.web.glyphs import glyph_range
from landrelease.web.tiles import MAX_LAT, PUBLIC_BASE_KINDS, TILE_LAYERS

PLAN_STYLE: tuple[tuple[str, str, str], ...] = (
    ("done", "done by then", "#1a9850"),
    ("in_work", "in work", "#fdae61"),
    ("later", "planned later", "#fee08b"),
    ("not_planned", "not in the plan", "#bdbdbd"),
    ("released", "already released", "#006837"),
)
"""Value, label and colour of each class of the plan-by-quarter view."""

BASE_STYLE: tuple[tuple[str, str, str], ...] = (
    ("road", "road", INFRASTRUCTURE_COLOURS["road"]),
    ("water", "river, canal", INFRASTRUCTURE_COLOURS["water"]),
    ("power_line", "power line", INFRASTRUCTURE_COLOURS["power_line"]),
    ("farmland", "farmland", INFRASTRUCTURE_COLOURS["farmland"]),
    ("building", "school, hospital, cemetery", INFRASTRUCTURE_COLOURS["school"]),
)
"""The base map drawn from the workspace's infrastructure layer: kind, label, colour (the
colours of the layer's QGIS style)."""

LAND_USE_WORDS = {
    "cultivated": "cultivated (fields, orchards)",
    "built": "built on (houses, yards)",
    "grazed": "grazed (pasture)",
    "road": "road",
    "track": "track",
}
"""What the legend says of each kind of land in use."""
LAND_USE_KIND_WORDS = {
    "cultivated": "Cultivated",
    "built": "Built on",
    "grazed": "Grazed",
    "road": "Used as a road",
    "track": "Used as a track",
}
"""How a record of land in use starts in field words, on the map's popup and the hazard page."""
LAND_USE_SOURCE_WORDS = {
    "imagery": "imagery",
    "field_visit": "field visit",
    "testimony": "testimony",
    "record": "official record",
}
"""Where a record of land in use comes from, in field words."""

LAND_USE_STYLE: tuple[tuple[str, str, str], ...] = tuple(
    (kind, LAND_USE_WORDS[kind], colour)
    for kind, colour in zip(LAND_USE_KINDS, LAND_USE_COLOURS, strict=True)
)
"""Land in use by kind: value, label, colour (muted; the colours of the layer's QGIS style)."""

SITE_STYLE: tuple[tuple[str, str, str], ...] = (
    ("to_search", "site to search", "#ffffff"),
    ("clear", "searched, nothing found", "#1a9850"),
    ("found", "searched, devices found", "#d73027"),
)
"""Confirmation sites by what the teams found: value, label, colour (the green of the sites'
QGIS style for searched and clear)."""

LABEL_FONT = "DejaVu Sans"
"""The font stack of the map's labels (map.js's FONT)."""


def warm_glyphs() -> None:
    """Make the glyphs of the labels' first characters in the background (once per process)."""
    if glyph_range.cache_info().currsize == 0:
        threading.Thread(target=glyph_range, args=(LABEL_FONT, 0), daemon=True).start()


def risk_ramp(steps: int = 5) -> list[dict[str, Any]]:
    """The risk image's colours at ``steps`` probabilities, log-spaced from the palest to 1."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["YlOrRd"]
    shades = np.linspace(0.0, 1.0, steps)
    lowest = np.log10(RISK_SCALE_MIN)
    return [
        {"p": float(10 ** (lowest * (1 - s))), "colour": to_hex(cmap(float(s)))} for s in shades
    ]


def _local_basemap() -> dict[str, Any] | None:
    base = local_basemap()
    if base is None:
        return None
    return {"tiles": "/basemap/{z}/{x}/{y}", "minzoom": base.minzoom, "maxzoom": base.maxzoom}


def _style(rows: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
    return [{"value": v, "label": label, "colour": colour} for v, label, colour in rows]


def map_config(web: Web, user: User) -> dict[str, Any]:
    """The layers ``user`` may read (with counts), the hazards' extent, the legend, and whether
    there is a risk surface (drawn, and fetched, only when switched on)."""
    ws, cache = web.ws, web.cache
    readable = {c.id for c in vis.readable_collections(user)}
    stored = cache.get(None, "layer_counts", ws.counts)
    counts: dict[str, int] = {}
    for name, t in TILE_LAYERS.items():
        part = t.public and t.name != t.table  # the public part of a layer (the base map)
        if t.public and (t.table not in readable or not part):  # a public layer: boundaries
            frame = vis.layer_frame(ws, t.table, personal=False, cache=cache)
            count = int(frame["kind"].isin(t.kinds).sum()) if t.kinds else len(frame)
            if count or part:
                counts[name] = count
        elif t.public:
            continue  # the whole layer is readable: the map draws from it
        elif t.table in readable:
            counts[name] = (
                len(vis.visible_frame(ws, t.table, user, cache))
                if t.table in vis.RUN_COLLECTIONS
                else stored.get(t.table, 0)
            )
    bounds = None
    if "hazards" in readable:
        box = vis.visible_frame(ws, "hazards", user, cache).geometry.total_bounds
        bounds = [float(v) for v in box] if np.isfinite(box).all() else None
    return {
        "layers": counts,
        "tile_versions": {name: tile_version(web, TILE_LAYERS[name]) for name in counts},
        "bounds": bounds,
        "detail_zoom": int(settings.get("web_tiles_detail_zoom")),
        "basemap_url": str(settings.get("web_basemap_url")),
        "basemap_local": _local_basemap(),
        "hillshade": hillshade_config(web),
        "status": _style(STATUS_STYLE),
        "decision": _style(DECISION_STYLE),
        "plan": _style(PLAN_STYLE),
        "base": _style(BASE_STYLE),
        "land_use": _style(LAND_USE_STYLE),
        "site": _style(SITE_STYLE),
        "land_use_words": {"kinds": LAND_USE_KIND_WORDS, "sources": LAND_USE_SOURCE_WORDS},
        "boundary": BOUNDARY_COLOUR,
        "base_shown": [
            kind
            for kind, _, _ in BASE_STYLE
            if "infrastructure" in readable or kind in PUBLIC_BASE_KINDS
        ],
        "risk_ramp": risk_ramp(),
        "risk": latest_raster(ws) is not None,
        "font": LABEL_FONT,
    }


FIRST_VIEW_LAYERS = ("hazards", "infrastructure", "base", "settlements", "boundaries")
"""The tile layers the map draws when it opens (the others are off until switched on;
``base`` is the base map of visitors who are not logged in)."""


def tiles_over(bounds: Sequence[float], zoom: int) -> list[tuple[int, int, int]]:
    """Every tile address from zoom 0 to ``zoom`` that covers ``bounds`` (west, south, east,
    north in degrees), lowest zooms first."""
    west, south, east, north = bounds
    out = []
    for z in range(zoom + 1):
        n = 1 << z
        x0, y0 = _tile_xy(west, north, n)
        x1, y1 = _tile_xy(east, south, n)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def _tile_xy(lon: float, lat: float, n: int) -> tuple[int, int]:
    lat_r = math.radians(max(-MAX_LAT, min(MAX_LAT, lat)))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.log(math.tan(lat_r) + 1.0 / math.cos(lat_r)) / math.pi) / 2.0 * n
    return min(n - 1, max(0, int(x))), min(n - 1, max(0, int(y)))


def warm(web: Web) -> dict[str, float]:
    """Make ahead what the map's first view asks for, so that it is drawn without waiting for
    the server: the page's counts and extent, every layer ready to be cut (GeoPackage), and the
    first view's tiles (and the hillshade's, with an elevation) from zoom 0 to
    ``web_tiles_warm_zoom`` over the hazards. Returns the seconds each part took."""
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    glyph_range(LABEL_FONT, 0)
    web.cache.get(None, "layer_counts", web.ws.counts)
    hazards = vis.visible_frame(web.ws, "hazards", ANONYMOUS, web.cache)
    took["page"] = time.perf_counter() - t0
    if not len(hazards):
        return took
    if not cut_by_database(web):  # PostGIS cuts tiles itself, from its own index
        for t in TILE_LAYERS.values():
            t0 = time.perf_counter()
            tile_source(web, t)
            took[f"source {t.name}"] = time.perf_counter() - t0
    zoom = int(settings.get("web_tiles_warm_zoom"))
    box = [float(v) for v in hazards.geometry.total_bounds]
    t0 = time.perf_counter()
    addresses = tiles_over(box, zoom)
    for name in FIRST_VIEW_LAYERS:
        for z, x, y in addresses:
            tile_bytes(web, TILE_LAYERS[name], z, x, y)
    took[f"{len(addresses) * len(FIRST_VIEW_LAYERS)} tiles to zoom {zoom}"] = (
        time.perf_counter() - t0
    )
    dem = dem_source(web)
    if dem is not None:  # the relief under the same view
        t0 = time.perf_counter()
        for z, x, y in addresses:
            hillshade_bytes(web, dem, z, x, y)
        took[f"{len(addresses)} hillshade tiles to zoom {zoom}"] = time.perf_counter() - t0
    return took


def warm_in_background(web: Web) -> threading.Thread:
    """:func:`warm` in a thread of its own (a server starts answering at once)."""
    thread = threading.Thread(target=warm, args=(web,), name="warm-map", daemon=True)
    thread.start()
    return thread
