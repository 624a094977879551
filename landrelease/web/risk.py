"""The latest risk surface as an image overlay for the map: a PNG in EPSG:4326 and its bounds.

The GeoTIFF of the latest risk run (``risk_runs.raster``; band 1, probability of
at least one device per cell) is reprojected to EPSG:4326 (at most
:data:`MAX_PIXELS` on a side), coloured with a yellow–red ramp from 0 to 1 and
made transparent where there is no value or outside the hazards not closed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from landrelease.store import Workspace

MAX_PIXELS = 1024
CLOSED_STATUSES = ("closed",)


@dataclass(frozen=True)
class RiskImage:
    run_id: int
    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]
    """((south, west), (north, east)), as Leaflet's imageOverlay takes them."""


def latest_raster(ws: Workspace) -> tuple[int, Path] | None:
    """The latest risk run with a GeoTIFF that still exists, if any."""
    rows = ws.query("SELECT fid, raster FROM risk_runs WHERE raster IS NOT NULL ORDER BY fid DESC")
    for row in rows:
        fid, raster = list(row)
        path = Path(str(raster))
        if path.is_file():
            return int(fid), path
    return None


RISK_SCALE_MIN = 1e-4
"""The risk image's colours run on a log scale from this probability (palest) to 1 (darkest)."""


def render(ws: Workspace) -> RiskImage | None:
    """The latest risk surface as a PNG with its EPSG:4326 bounds; ``None`` without a risk run."""
    import rasterio
    from matplotlib import colormaps
    from PIL import Image
    from rasterio.features import geometry_mask
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    found = latest_raster(ws)
    if found is None:
        return None
    run_id, path = found
    with rasterio.open(path) as src:
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds
        )
        scale = max(width, height) / MAX_PIXELS
        if scale > 1:
            width, height = max(1, int(width / scale)), max(1, int(height / scale))
            transform = transform @ transform.scale(scale, scale)
        out = np.full((height, width), np.nan, dtype="float32")
        reproject(
            source=rasterio.band(src, 1),
            destination=out,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    hazards = ws.read_layer("hazards")
    hazards = hazards[~hazards["status"].isin(CLOSED_STATUSES)]
    geoms = [g for g in hazards.geometry if g is not None and not g.is_empty]
    inside = (
        ~geometry_mask(geoms, out_shape=out.shape, transform=transform, all_touched=True)
        if geoms
        else np.zeros(out.shape, dtype=bool)
    )
    # a log scale: per-cell probabilities span 0.0001 to 1, and most cells are small
    lowest = np.log10(RISK_SCALE_MIN)
    shade = (np.log10(np.clip(np.nan_to_num(out), RISK_SCALE_MIN, 1.0)) - lowest) / -lowest
    rgba = (colormaps["YlOrRd"](shade) * 255).astype("uint8")
    rgba[..., 3] = np.where(np.isfinite(out) & inside, 200, 0)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=True)
    west, north = transform @ (0, 0)
    east, south = transform @ (width, height)
    return RiskImage(run_id, buf.getvalue(), ((south, west), (north, east)))


def readiness(ws: Workspace) -> dict[str, dict[str, str | None]]:
    """Settlement id → plan date and P10/P50/P90 of when it can be ready (empty without a plan)."""
    from landrelease.planning import read_readiness

    try:
        frame = read_readiness(ws)
    except Exception:
        return {}
    out: dict[str, dict[str, str | None]] = {}
    for row in frame.to_dict("records"):
        out[str(row["settlement_id"])] = {
            k: (None if v is None or v != v else str(v)[:10])
            for k, v in ((k, row.get(k)) for k in ("plan_date", "p10", "p50", "p90"))
        }
    return out


def planning_stamp(ws: Workspace) -> str:
    try:
        rows = ws.query("SELECT max(fid) FROM planning_runs")
    except Exception:
        return "none"
    return str(rows[0][0]) if rows else "none"
