"""Hillshade tiles of the base map, drawn from the workspace's elevation covariate.

Each 512-pixel Web Mercator tile samples the stored elevation (bilinear, in the raster's own
CRS) at its pixel centres plus a one-pixel margin, shades it with the sun in the north-west
(:func:`landrelease.evidence.covariates.hillshade`, with pixel sizes in metres on the ground)
and is sent as a grey-and-alpha PNG: dark where the ground turns from the sun, light where it
faces it, transparent on flat ground and where there is no elevation; encoded with Pillow,
as the risk overlay is.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from scipy import ndimage

from landrelease.evidence.covariates import M_PER_DEG_LON_EQUATOR, hillshade
from landrelease.store.covariates import CovariateRaster

TILE_PX = 512
"""Pixels along a tile's side: a tile covers four of the usual 256-pixel tiles, so the relief of
a district's first view comes in a handful of requests (the map names this size as its
source's ``tileSize``: its zoom levels are those of 512-pixel tiles)."""
EARTH_RADIUS_M = 6_378_137.0
HALF_WORLD_M = math.pi * EARTH_RADIUS_M
SUN_ALTITUDE_DEG = 45.0
EXAGGERATION = 2.0
"""Vertical exaggeration: hills of the plain read at the zooms of a district."""
PROJECT_STEP = 32
"""Pixels between the points of a tile projected exactly (bilinear between them)."""
EXACT_BELOW_PX_M = 2 * HALF_WORLD_M / 2**8 / TILE_PX
"""Tiles whose pixels are coarser than this (zoom < 8) are projected point by point."""
CONTRAST = 2.5
"""Opacity per unit of light away from that of flat ground (clipped at fully opaque)."""


@dataclass(frozen=True)
class DemSource:
    """The elevation raster ready to be sampled for tiles (built once per change)."""

    raster: CovariateRaster
    filled: np.ndarray
    """Elevation with nodata replaced by the nearest value (a clean bilinear interpolation)."""
    valid: np.ndarray
    """1.0 where the raster holds a value, 0.0 on nodata (interpolated like the elevation)."""
    to_raster: Transformer
    """Web Mercator → the raster's CRS."""
    bounds_lonlat: tuple[float, float, float, float]
    maxzoom: int
    """The zoom whose pixels are about the raster's cells (MapLibre enlarges beyond it)."""

    @property
    def version(self) -> str:
        """Changes with the elevation and with the tiles' size (a browser keeps a tile a year)."""
        return hashlib.sha256(repr((self.raster.content_hash, TILE_PX)).encode()).hexdigest()[:16]

    @classmethod
    def of(cls, raster: CovariateRaster) -> DemSource:
        ok = raster.valid()
        values = raster.values.astype(np.float64)
        if not ok.all():
            idx = ndimage.distance_transform_edt(~ok, return_distances=False, return_indices=True)
            values = values[tuple(idx)]
        to_lonlat = Transformer.from_crs(raster.crs, "EPSG:4326", always_xy=True)
        a, _, c, _, e, f = raster.transform
        h, w = raster.values.shape
        x0, y0, x1, y1 = to_lonlat.transform_bounds(c, f + h * e, c + w * a, f, densify_pts=21)
        # a cell's size in metres, from the span of the raster on the ground
        lat = math.radians((y0 + y1) / 2)
        cell_m = (x1 - x0) * M_PER_DEG_LON_EQUATOR * math.cos(lat) / w
        px_z0 = 2 * HALF_WORLD_M * math.cos(lat) / TILE_PX
        maxzoom = max(0, min(16, math.ceil(math.log2(px_z0 / max(cell_m, 1e-3)))))
        return cls(
            raster=raster,
            filled=values,
            valid=ok.astype(np.float64),
            to_raster=Transformer.from_crs("EPSG:3857", raster.crs, always_xy=True),
            bounds_lonlat=(x0, y0, x1, y1),
            maxzoom=maxzoom,
        )

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The hillshade PNG of tile ``z/x/y`` (fully transparent outside the raster)."""
        size = 2 * HALF_WORLD_M / 2**z
        px = size / TILE_PX
        centres = (np.arange(-1, TILE_PX + 1) + 0.5) * px
        mx = -HALF_WORLD_M + x * size + centres
        my = HALF_WORLD_M - y * size - centres
        rows, cols, inside = self.raster.rowcol(*self.projected(mx, my))
        if not inside.any():
            return png_grey_alpha(
                np.zeros((TILE_PX, TILE_PX), np.uint8), np.zeros((TILE_PX, TILE_PX), np.uint8)
            )
        elev = ndimage.map_coordinates(self.filled, [rows, cols], order=1, mode="nearest")
        valid = ndimage.map_coordinates(self.valid, [rows, cols], order=1, mode="nearest")
        ground = px * np.cos(np.arctan(np.sinh(my / EARTH_RADIUS_M)))  # metres per pixel, by row
        light = hillshade(
            elev,
            ground,
            float(ground.mean()),
            altitude_deg=SUN_ALTITUDE_DEG,
            exaggeration=EXAGGERATION,
        )[1:-1, 1:-1]
        flat = math.sin(math.radians(SUN_ALTITUDE_DEG))
        alpha = np.clip(np.abs(light - flat) * CONTRAST, 0.0, 1.0)
        alpha[~(inside & (valid > 0.99))[1:-1, 1:-1]] = 0.0
        grey = np.where(light < flat, 0.0, 1.0)  # shade in black, light in white
        return png_grey_alpha((grey * 255).astype(np.uint8), np.rint(alpha * 255).astype(np.uint8))

    def projected(self, mx: np.ndarray, my: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The raster-CRS coordinates of the grid ``mx`` × ``my`` (Web Mercator, rows along
        ``my``): projected exactly at every ``PROJECT_STEP``-th pixel and bilinearly between
        them, two small matrix products instead of a quarter-million projections (the two
        projections are smooth: within ``PROJECT_STEP`` pixels of a tile down to zoom
        ``EXACT_BELOW`` their curvature moves a point far less than a hundredth of a pixel,
        which a test checks)."""
        size = len(mx) - 1
        if abs(mx[1] - mx[0]) > EXACT_BELOW_PX_M or size <= PROJECT_STEP:
            return self.to_raster.transform(*np.meshgrid(mx, my))
        knots = np.unique(np.r_[np.arange(0, size, PROJECT_STEP), size])
        cx, cy = self.to_raster.transform(*np.meshgrid(mx[knots], my[knots]))
        w = _linear_weights(knots, size + 1)
        return w @ cx @ w.T, w @ cy @ w.T


def _linear_weights(knots: np.ndarray, n: int) -> np.ndarray:
    """(n, len(knots)) weights of linear interpolation at 0 … n − 1 between the knots."""
    i = np.arange(n)
    k = np.clip(np.searchsorted(knots, i, side="right") - 1, 0, len(knots) - 2)
    t = (i - knots[k]) / (knots[k + 1] - knots[k])
    w = np.zeros((n, len(knots)))
    w[i, k] = 1 - t
    w[i, k + 1] = t
    return w


def png_grey_alpha(grey: np.ndarray, alpha: np.ndarray) -> bytes:
    """An 8-bit grey-and-alpha PNG of two equal (rows, cols) uint8 arrays."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.dstack([grey, alpha]), mode="LA").save(buf, format="PNG")
    return buf.getvalue()
