"""The one rule for the metric CRS, and projections to and from it.

Records are stored in EPSG:4326; areas and distances are measured in a
projected CRS in metres. A workspace keeps its metric CRS in
``workspace_meta`` (``landrelease init --metric-crs``, else chosen on the
first import). Where none is stored, the rule takes the UTM zone of the
data's extent — the same rule the first import applies — so every part of the
system measures in the same CRS and no country's zone is assumed anywhere.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from landrelease.errors import UsageError

STORED_CRS = "EPSG:4326"


def utm_crs_for(lon: float, lat: float) -> str:
    """The UTM zone's EPSG code for a point (EPSG:326zz north, 327zz south)."""
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def metric_crs_rule(stored: str | None, bounds: Any = None) -> str | None:
    """The metric CRS: the stored one, else the UTM zone of the centre of ``bounds``
    (lon/lat: minx, miny, maxx, maxy), else ``None`` (no data to measure)."""
    if stored:
        return stored
    if bounds is None:
        return None
    b = np.asarray(bounds, dtype=float)
    if b.shape != (4,) or not np.isfinite(b).all():
        return None
    return utm_crs_for((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def check_metric_crs(crs: str) -> None:
    """Refuse a CRS that is unknown or not projected, with what would be accepted."""
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise UsageError(
            f"unknown CRS {crs!r}; give an EPSG code of a projected CRS in metres, such as the "
            "UTM zone of your country (EPSG:326zz north of the equator, EPSG:327zz south)"
        ) from None
    if not parsed.is_projected:
        raise UsageError(
            f"{crs} is not a metric (projected) CRS; give one such as the UTM zone of your country "
            "(EPSG:326zz north of the equator, EPSG:327zz south)"
        )


def project(geoms: Any, crs: str) -> np.ndarray:
    """Geometries from EPSG:4326 to a metric CRS."""
    tr = pyproj.Transformer.from_crs(STORED_CRS, crs, always_xy=True)
    arr = np.asarray(geoms, dtype=object)
    return np.asarray(
        shapely.transform(arr, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )


def unproject(geoms: Any, crs: str) -> np.ndarray:
    """Geometries from a metric CRS back to EPSG:4326."""
    tr = pyproj.Transformer.from_crs(crs, STORED_CRS, always_xy=True)
    arr = np.asarray(geoms, dtype=object)
    return np.asarray(
        shapely.transform(arr, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )


def area_m2(geoms: np.ndarray, metric_crs: str) -> np.ndarray:
    """Areas in m², computed in the given metric CRS."""
    return np.asarray(shapely.area(project(geoms, metric_crs)), dtype=float)


def to_metric(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """The frame projected to the metric CRS (distances and areas in metres)."""
    if frame.crs is None:
        frame = frame.set_crs(STORED_CRS)
    if not len(frame):
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=frame.crs)).to_crs(crs)
    return frame.to_crs(crs)
