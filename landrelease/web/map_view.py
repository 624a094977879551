"""What the map page is given before it asks for tiles: its layers, colours, legend and extent.

:func:`map_config` is written into the page as JSON (no extra request): the layers this
user may read with their record counts, where the hazards lie, and every colour and label
of the legend — hazard status and survey decision from :mod:`landrelease.domain.styles`
(the colours the GeoPackages' QGIS styles use too), the plan's classes, and the risk
surface's ramp sampled from the same colour map and log scale as its image.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from landrelease import settings
from landrelease.domain.styles import DECISION_STYLE, STATUS_STYLE
from landrelease.store import Workspace
from landrelease.web import visible as vis
from landrelease.web.api.risk_image import RISK_SCALE_MIN, latest_raster
from landrelease.web.api.tiles import local_basemap
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.glyphs import glyph_range
from landrelease.web.tiles import TILE_LAYERS

PLAN_STYLE: tuple[tuple[str, str, str], ...] = (
    ("done", "done by then", "#1a9850"),
    ("in_work", "in work", "#fdae61"),
    ("later", "planned later", "#fee08b"),
    ("not_planned", "not in the plan", "#bdbdbd"),
    ("released", "already released", "#006837"),
)
"""Value, label and colour of each class of the plan-by-quarter view."""

BASE_STYLE: tuple[tuple[str, str, str], ...] = (
    ("road", "road", "#6f6354"),
    ("water", "river, canal", "#5b9bd5"),
    ("power_line", "power line", "#9e9e9e"),
    ("farmland", "farmland", "#dfe8c8"),
    ("building", "school, hospital, cemetery", "#c8c0b4"),
)
"""The base map drawn from the workspace's infrastructure layer: kind, label, colour."""

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


def map_config(ws: Workspace, cache: LayerCache, user: User) -> dict[str, Any]:
    """The layers ``user`` may read (with counts), the hazards' extent, the legend, and whether
    there is a risk surface (drawn, and fetched, only when switched on)."""
    readable = {c.id for c in vis.readable_collections(user)}
    stored = cache.get(None, "layer_counts", ws.counts)
    counts: dict[str, int] = {}
    for name, t in TILE_LAYERS.items():
        if t.table in readable:
            counts[name] = (
                len(vis.visible_frame(ws, t.table, user, cache))
                if t.table == vis.SURVEY_PARTS
                else stored.get(t.table, 0)
            )
    bounds = None
    if "hazards" in readable:
        box = vis.visible_frame(ws, "hazards", user, cache).geometry.total_bounds
        bounds = [float(v) for v in box] if np.isfinite(box).all() else None
    return {
        "layers": counts,
        "bounds": bounds,
        "detail_zoom": int(settings.get("web_tiles_detail_zoom")),
        "basemap_url": str(settings.get("web_basemap_url")),
        "basemap_local": _local_basemap(),
        "status": _style(STATUS_STYLE),
        "decision": _style(DECISION_STYLE),
        "plan": _style(PLAN_STYLE),
        "base": _style(BASE_STYLE),
        "risk_ramp": risk_ramp(),
        "risk": latest_raster(ws) is not None,
        "font": LABEL_FONT,
    }
