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

from landrelease.store import Workspace, WorkspaceView, runs

MAX_PIXELS = 1024
CLOSED_STATUSES = ("closed",)


@dataclass(frozen=True)
class RiskImage:
    run_id: int
    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]
    """((south, west), (north, east)), as Leaflet's imageOverlay takes them."""


def latest_raster(source: Workspace | WorkspaceView) -> tuple[int, Path] | None:
    """The latest risk run with a GeoTIFF that still exists, if any."""
    with WorkspaceView.of(source).ws.engine.connect() as conn:
        found = runs.list_runs(conn, "risk")  # newest first
    for run in found:
        if run.get("raster") and Path(str(run["raster"])).is_file():
            return int(run["fid"]), Path(str(run["raster"]))
    return None


RISK_SCALE_MIN = 1e-4
"""The risk image's colours run on a log scale from this probability (palest) to 1 (darkest)."""


def render(source: Workspace | WorkspaceView) -> RiskImage | None:
    """The latest risk surface as a PNG with its EPSG:4326 bounds; ``None`` without a risk run."""
    import rasterio
    from matplotlib import colormaps
    from PIL import Image
    from rasterio.features import geometry_mask
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    view = WorkspaceView.of(source)
    found = latest_raster(view)
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
    hazards = view.layer("hazards")
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
