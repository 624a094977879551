"""The small map of a settlement's page and of a hazard's page (``static/small_map.js``).

:func:`small_map` is written into the page as JSON (no extra request): where to look (the
bounds), what to draw over the tiles the site already serves (``/tiles/{layer}/...``) — the
settlement and the circle of ``settlement_radius_m`` around it, or the hazard itself — which
hazards to pick out (those that block the settlement, or the one hazard) and the colours of
the legend, the same as the big map's (:mod:`landrelease.web.map_view`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from landrelease.domain.styles import BOUNDARY_COLOUR, STATUS_STYLE
from landrelease.web.auth import User
from landrelease.web.map_view import BASE_STYLE, LABEL_FONT
from landrelease.web.tiles import TILE_LAYERS
from landrelease.web.visible import readable_collections

PICKED = "#b2182b"
"""The hazards a small map is about (blocking the settlement, or the page's hazard)."""
OTHER = "#9e9e9e"
"""Every other hazard in view."""
PLACE = "#2166ac"
"""The settlement and its circle."""
DEGREES = 1e-6
"""The focus's coordinates are sent to a millionth of a degree (about 0.1 m)."""
MARGIN = 0.15
"""Share of the focus's width and height added around it."""


def _bounds(geometry: Any) -> list[float]:
    minx, miny, maxx, maxy = (float(v) for v in shapely.bounds(geometry))
    dx, dy = max(maxx - minx, 0.002) * MARGIN, max(maxy - miny, 0.002) * MARGIN
    return [minx - dx, miny - dy, maxx + dx, maxy + dy]


def small_map(
    user: User,
    *,
    focus: gpd.GeoDataFrame,
    picked: list[str],
    caption: str,
    legend: list[dict[str, str]],
) -> dict[str, Any]:
    """What the page's small map draws: ``focus`` (EPSG:4326 features with a ``role``: place,
    circle or hazard) over the tiles ``user`` may read, ``picked`` hazards in red."""
    readable = {c.id for c in readable_collections(user)}
    tiles = [name for name, t in TILE_LAYERS.items() if t.table in readable]
    shapes = focus.to_crs(4326)
    shapes = shapes.set_geometry(shapely.set_precision(shapes.geometry.to_numpy(), DEGREES))
    return {
        "bounds": _bounds(shapely.union_all(shapes.geometry.to_numpy())),
        "tiles": [t for t in tiles if t in ("hazards", "infrastructure")],
        "focus": shapes.__geo_interface__,
        "picked": picked,
        "colours": {"picked": PICKED, "other": OTHER, "place": PLACE},
        "status": [{"value": v, "label": label, "colour": c} for v, label, c in STATUS_STYLE],
        "base": [{"value": v, "label": label, "colour": c} for v, label, c in BASE_STYLE],
        "font": LABEL_FONT,
        "boundary": BOUNDARY_COLOUR,
        "caption": caption,
        "legend": legend,
    }
