"""The small map of a settlement's page and of a hazard's page (``static/small_map.js``).

:func:`small_map` is written into the page as JSON (no extra request): where to look (the
bounds), what to draw over the tiles the site already serves (``/tiles/{layer}/...``) — the
settlement and the circle of ``settlement_radius_m`` around it, or the hazard itself and the
land in use inside it (:func:`land_use_inside`, for those who may read that layer) — which
hazards to pick out (those that block the settlement, or the one hazard) and the colours of
the legend, the same as the big map's (:mod:`landrelease.web.map_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease.domain.styles import BOUNDARY_COLOUR, STATUS_STYLE
from landrelease.store.crs import area_m2
from landrelease.web.auth import User
from landrelease.web.map_view import (
    BASE_STYLE,
    LABEL_FONT,
    LAND_USE_KIND_WORDS,
    LAND_USE_SOURCE_WORDS,
    LAND_USE_STYLE,
)
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


def land_use_words(kind: str, years: float, observed: Any, source: Any, confidence: Any) -> str:
    """One record of land in use as a field officer reads it: "Cultivated for 4 years (observed
    2025-06-01, imagery, high confidence)"."""
    how = []
    if observed is not None and not pd.isna(observed):
        how.append(
            "observed "
            + str(observed.isoformat() if hasattr(observed, "isoformat") else observed)[:10]
        )
    if isinstance(source, str) and source:
        how.append(LAND_USE_SOURCE_WORDS.get(source, source.replace("_", " ")))
    if isinstance(confidence, str) and confidence:
        how.append(f"{confidence} confidence")
    head = LAND_USE_KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())
    span = f"{years:g} year" + ("" if years == 1 else "s")
    return f"{head} for {span}" + (f" ({', '.join(how)})" if how else "")


LAND_USE_LISTED = 3
"""Up to this many records of land in use are named in the hazard page's evidence sentence;
more are summed by kind, each record folded below."""


def land_use_by_kind(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of :func:`land_use_inside` summed by kind, the most hectares first: the
    kind in field words ("grazed"), how many records and their hectares inside the hazard."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        kind = out.setdefault(
            r["kind"],
            {
                "words": LAND_USE_KIND_WORDS.get(r["kind"], r["kind"].replace("_", " ")).lower(),
                "records": 0,
                "area_ha": 0.0,
            },
        )
        kind["records"] += 1
        kind["area_ha"] += r["area_ha"]
    return sorted(out.values(), key=lambda k: -k["area_ha"])


def land_use_inside(
    land_use: gpd.GeoDataFrame, hazard: Any, metric_crs: Callable[[], str]
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """The land in use inside ``hazard`` (EPSG:4326): each record cut to the hazard, as focus
    features (``role`` ``land_use`` and the record's ``kind``) and as lines for the page (code,
    words, hectares inside the hazard), largest first. ``metric_crs`` is asked for only when
    some land in use lies inside."""
    empty = gpd.GeoDataFrame({"role": [], "kind": []}, geometry=[], crs="EPSG:4326")
    if not len(land_use):
        return empty, []
    geoms = land_use.geometry.to_numpy()
    inside = shapely.intersects(geoms, hazard)
    if not inside.any():
        return empty, []
    rec = land_use[inside]
    cut = shapely.intersection(geoms[inside], hazard)
    ha = area_m2(cut, metric_crs()) / 10_000
    keep = ha > 0
    rec, cut, ha = rec[keep], cut[keep], ha[keep]
    order = np.argsort(-ha, kind="stable")
    rows = [
        {
            "land_use_id": str(r["land_use_id"]),
            "kind": str(r["kind"]),
            "words": land_use_words(
                str(r["kind"]),
                float(r["years_in_use"]),
                r.get("observed"),
                r.get("source"),
                r.get("confidence"),
            ),
            "area_ha": float(ha[i]),
        }
        for i, r in ((int(i), rec.iloc[int(i)]) for i in order)
    ]
    focus = gpd.GeoDataFrame(
        {"role": ["land_use"] * len(rec), "kind": rec["kind"].astype(str).to_numpy()},
        geometry=list(cut),
        crs="EPSG:4326",
    )
    return focus, rows


def land_use_legend(kinds: set[str]) -> list[dict[str, str]]:
    """The small map's legend entries of the kinds of land in use it draws."""
    return [
        {"kind": "fill", "colour": colour, "label": f"land in use: {label}"}
        for value, label, colour in LAND_USE_STYLE
        if value in kinds
    ]


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
        "land_use": [{"value": v, "label": label, "colour": c} for v, label, c in LAND_USE_STYLE],
        "font": LABEL_FONT,
        "boundary": BOUNDARY_COLOUR,
        "caption": caption,
        "legend": legend,
    }
