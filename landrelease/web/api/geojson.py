"""The OGC API's features: query parameters, GeoJSON features, and an index per collection.

:class:`FeatureIndex` answers ``bbox`` and ``datetime`` queries over features encoded
once; :func:`to_feature` turns a record into a GeoJSON feature (unknown properties
beside the layer's fields, areas also in hectares).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landrelease.domain.dates import day_problem
from landrelease.store import Workspace, gis_views
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.errors import BadRequest
from landrelease.web.labels import plain
from landrelease.web.visible import (
    RUN_COLLECTIONS,
    SURVEY_PARTS,
    Collection,
    visibility,
    visible_frame,
)

# -- query parameters ----------------------------------------------------------------------


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` (or the 3-D form with 6 numbers) in WGS84 degrees."""
    if text is None or text == "":
        return None
    try:
        nums = [float(x) for x in text.split(",")]
    except ValueError:
        raise BadRequest(f"bbox={text!r}: expected minx,miny,maxx,maxy as numbers") from None
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or not all(math.isfinite(n) for n in nums):
        raise BadRequest(f"bbox={text!r}: expected four numbers minx,miny,maxx,maxy")
    minx, miny, maxx, maxy = nums
    if minx > maxx or miny > maxy:
        raise BadRequest(f"bbox={text!r}: minimum greater than maximum")
    return minx, miny, maxx, maxy


def _instant(text: str) -> str | None:
    """A date or date-time of ISO 8601; one whose day does not exist (2023-02-30T10:00Z) is
    refused naming the day, as every date a user gives."""
    if text in ("", ".."):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) and (problem := day_problem(text[:10])):
        raise BadRequest(f"datetime: {problem}")
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"datetime: {text!r} is not an ISO 8601 date or date-time (e.g. 2023-05-01)"
        ) from None
    return text


def parse_datetime(text: str | None) -> tuple[str | None, str | None] | None:
    """``instant`` or ``start/end`` with ``..`` for an open end, as (start, end) ISO texts."""
    if text is None or text == "":
        return None
    if "/" in text:
        a, _, b = text.partition("/")
        start, end = _instant(a), _instant(b)
        if start is None and end is None:
            raise BadRequest("datetime: an interval needs at least one end")
        return start, end
    instant = _instant(text)
    return instant, instant


class FeatureIndex:
    """A collection's visible features encoded once, with a spatial index and date keys.

    Built on the first request after a change (cached per visibility), it answers a
    ``bbox``/``datetime`` query with an STRtree lookup and a few numpy comparisons, and
    a page with a join of ready-made GeoJSON bytes: no per-request GeoJSON encoding.
    """

    def __init__(self, frame: gpd.GeoDataFrame, c: Collection) -> None:
        dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
        self.size = len(frame)
        self.encoded = [dumps(f).encode() for f in features(frame, c)]
        self.positions = {str(v): i for i, v in enumerate(frame[c.id_field].to_numpy(dtype=object))}
        """Position of each feature by its id (the last one wins, as ids are unique)."""
        geoms = np.asarray(frame.geometry.values, dtype=object)
        self.tree = shapely.STRtree(geoms)
        centres = shapely.centroid(geoms)
        self.x, self.y = shapely.get_x(centres), shapely.get_y(centres)
        """Each feature's centroid (NaN without a geometry), for counts on a grid."""
        self.dates: np.ndarray | None = None
        self.width = 10 if c.date_is_day else None
        if c.date_field is not None:
            width = self.width
            keys = [_date_key(v, width) for v in frame[c.date_field].to_numpy(dtype=object)]
            self.dates = np.array([k or "" for k in keys], dtype=str)

    def select(
        self,
        bbox: tuple[float, float, float, float] | None,
        interval: tuple[str | None, str | None] | None,
    ) -> np.ndarray:
        """Positions (in the collection's order) of the features matching both filters."""
        if bbox is None:
            rows = np.arange(self.size)
        else:
            rows = np.sort(self.tree.query(shapely.box(*bbox), predicate="intersects"))
        if interval is not None and self.dates is not None and len(rows):
            keys = self.dates[rows]
            keep = keys != ""
            start, end = (None if x is None else x[: self.width] for x in interval)
            if start is not None:
                keep &= keys >= start
            if end is not None:  # an end given as a day includes that whole day
                keep &= keys.astype(f"<U{max(len(end), 1)}") <= end
            rows = rows[keep]
        return rows

    def page(self, rows: np.ndarray) -> bytes:
        return b",".join(self.encoded[int(i)] for i in rows)


def feature_index(ws: Workspace, cache: LayerCache, c: Collection, user: User) -> FeatureIndex:
    """The collection's features as ``user`` may see them, encoded and indexed (cached)."""
    table = None if c.id in RUN_COLLECTIONS else c.id
    return cache.get(
        table,
        f"index:{c.id}:{visibility(user)}",
        lambda: FeatureIndex(visible_frame(ws, c.id, user, cache), c),
    )


def _date_key(v: Any, width: int | None) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    text = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return text[:width] if width else text


# -- GeoJSON -------------------------------------------------------------------------------


def to_feature(row: dict[str, Any], c: Collection) -> dict[str, Any]:
    geom = row.pop("geometry", None)
    extra = row.pop("extra", None)
    props: dict[str, Any] = {}
    if isinstance(extra, dict):
        props.update({k: plain(v) for k, v in extra.items()})
    props.update({k: plain(v) for k, v in row.items()})
    if "area_m2" in props and props["area_m2"] is not None:
        props["area_ha"] = round(float(props["area_m2"]) / 10_000, 4)
    has_geom = geom is not None and not shapely.is_empty(geom)
    return {
        "type": "Feature",
        "id": str(props.get(c.id_field)),
        "geometry": shapely.geometry.mapping(geom) if has_geom else None,
        "properties": props,
    }


_SINGLE_TO_MULTI = {
    "MULTIPOINT": (0, shapely.MultiPoint),
    "MULTILINESTRING": (1, shapely.MultiLineString),
    "MULTIPOLYGON": (3, shapely.MultiPolygon),
}
"""Declared multi-part type → the one-part type's shapely id and the multi-part class."""
_MULTI_TYPES = {
    v.layer.name: v.geometry_type
    for v in gis_views.layer_views()
    if not v.filtered and (v.geometry_type or "") in _SINGLE_TO_MULTI
}
"""Layers of one kind of geometry that accept its multi-part type: hazards → MULTIPOLYGON."""


def as_declared(geoms: np.ndarray, cid: str) -> np.ndarray:
    """One-part geometries of a multi-part layer as one-part multis (a Polygon hazard as a
    MultiPolygon), so that a client typing the layer from its first page (GDAL, QGIS) meets
    no MultiPolygon in a Polygon layer further on; other layers as they are."""
    declared = _MULTI_TYPES.get(cid if cid != SURVEY_PARTS else "hazards")
    if declared is None or not len(geoms):
        return geoms
    single, multi = _SINGLE_TO_MULTI[declared]
    out = geoms.copy()
    for i in np.flatnonzero(shapely.get_type_id(geoms) == single):
        out[i] = multi([geoms[i]])
    return out


def features(frame: gpd.GeoDataFrame, c: Collection) -> list[dict[str, Any]]:
    gname = frame.geometry.name
    cols = [str(x) for x in frame.columns if x != gname]
    values = [frame[x].to_numpy(dtype=object) for x in cols]
    geoms = as_declared(np.asarray(frame.geometry.values, dtype=object), c.id)
    out = []
    for i in range(len(frame)):
        row = {x: v[i] for x, v in zip(cols, values, strict=True)}
        row["geometry"] = geoms[i]
        out.append(to_feature(row, c))
    return out


def extent(frame: gpd.GeoDataFrame) -> list[float] | None:
    if not len(frame):
        return None
    b = frame.geometry.total_bounds
    return None if not np.isfinite(b).all() else [float(x) for x in b]
