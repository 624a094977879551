"""Covariates on the metric grid: elevation, slope, land cover and population at any cells.

A :class:`CovariateSampler` holds the workspace's covariate rasters (each on its own grid and
CRS, :mod:`landrelease.store.covariates`) and samples them at points of the metric CRS:
elevation and slope bilinearly, land cover at the nearest cell, population as people per
hectare of the cell holding the point. Points are projected to each raster's CRS with one
vectorised transform per block of at most ``block`` points; no per-cell Python loop.
Cells outside a raster or on its nodata get NaN (land cover: 0).

Slope and the hillshade of the web map come from the same finite differences
(:func:`slope_deg`, :func:`hillshade`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from scipy import ndimage

from landrelease.evidence.grid import Grid, Tile
from landrelease.store.covariates import CovariateRaster

M_PER_DEG_LAT = 110_574.0
"""Metres per degree of latitude (WGS 84, mid-latitudes), for rasters in degrees."""
M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class CovariateFeature:
    name: str
    covariate: str
    """The raster it is sampled from."""
    unit: str
    words: str


COVARIATE_FEATURES: tuple[CovariateFeature, ...] = (
    CovariateFeature("elevation_m", "elevation", "m", "height above sea level"),
    CovariateFeature("slope_deg", "elevation", "°", "steepness of the ground"),
    CovariateFeature("landcover", "landcover", "class code", "land cover (ESA WorldCover class)"),
    CovariateFeature("population_per_ha", "population", "people/ha", "people living there"),
)
"""Every feature a covariate gives, with its unit: what :meth:`CovariateSampler.sample` returns
for the covariates the workspace holds."""


def slope_deg(elevation: np.ndarray, dx_m: float | np.ndarray, dy_m: float) -> np.ndarray:
    """Slope in degrees of a north-up elevation grid with cells ``dx_m`` (per row, or one value)
    × ``dy_m`` metres; central differences inside, one-sided at the edges; NaN stays NaN."""
    gy, gx = np.gradient(elevation.astype(np.float64))
    dx = np.asarray(dx_m, dtype=np.float64).reshape(-1, 1) if np.ndim(dx_m) else float(dx_m)
    return np.degrees(np.arctan(np.hypot(gx / dx, gy / dy_m)))


def hillshade(
    elevation: np.ndarray,
    dx_m: float | np.ndarray,
    dy_m: float,
    *,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    exaggeration: float = 1.0,
) -> np.ndarray:
    """The light a north-up elevation grid reflects from a sun at ``azimuth_deg`` (clockwise
    from north) and ``altitude_deg`` above the horizon: 0 (in shade) to 1 (facing the sun);
    flat ground gives sin(altitude). The standard formula of GIS hillshades (Burrough)."""
    gy, gx = np.gradient(elevation.astype(np.float64) * exaggeration)
    dx = np.asarray(dx_m, dtype=np.float64).reshape(-1, 1) if np.ndim(dx_m) else float(dx_m)
    # rows run south: the northward gradient is −gy/dy
    dzdx, dzdy = gx / dx, -gy / dy_m
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)  # direction the ground faces, clockwise from north
    zenith = math.radians(90.0 - altitude_deg)
    sun = math.radians(azimuth_deg)
    shade = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(sun - aspect)
    return np.clip(shade, 0.0, 1.0)


def cell_size_m(raster: CovariateRaster) -> tuple[np.ndarray, float]:
    """Width of each row's cells and height of the cells, in metres (rasters in degrees: by
    each row's latitude)."""
    a, _, _, _, e, f = raster.transform
    crs = CRS.from_wkt(raster.crs)
    if crs.is_geographic:
        lat = f + (np.arange(raster.values.shape[0]) + 0.5) * e
        return np.abs(a) * M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat)), abs(e) * M_PER_DEG_LAT
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return np.full(raster.values.shape[0], abs(a) * unit), abs(e) * unit


class CovariateSampler:
    """Samples the workspace's covariates at points of the metric CRS ``crs``."""

    def __init__(
        self, covariates: Mapping[str, CovariateRaster], *, crs: str, block: int = 1_048_576
    ) -> None:
        self.crs = crs
        self.block = block
        self.rasters = dict(covariates)
        self._grids: dict[str, np.ndarray] = {}
        self._transformers: dict[str, Transformer] = {}
        if "elevation" in self.rasters:
            r = self.rasters["elevation"]
            elev = np.where(r.valid(), r.values, np.nan).astype(np.float64)
            dx, dy = cell_size_m(r)
            self._grids["elevation_m"] = elev
            self._grids["slope_deg"] = slope_deg(elev, dx, dy)

    @property
    def features(self) -> tuple[CovariateFeature, ...]:
        """The features the covariates present give, in the order of :data:`COVARIATE_FEATURES`."""
        return tuple(f for f in COVARIATE_FEATURES if f.covariate in self.rasters)

    def _raster_rc(
        self, name: str, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fractional row and column of points in raster ``name``, and whether on it."""
        r = self.rasters[name]
        if name not in self._transformers:
            self._transformers[name] = Transformer.from_crs(self.crs, r.crs, always_xy=True)
        return r.rowcol(*self._transformers[name].transform(x, y))

    def sample(self, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Each covariate feature at the points (metric CRS): float32 arrays by feature name."""
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        out = {f.name: np.empty(len(x), dtype=np.float32) for f in self.features}
        for s in range(0, len(x), self.block):
            part = slice(s, min(len(x), s + self.block))
            for name, values in self._sample_block(x[part], y[part]).items():
                out[name][part] = values
        return out

    def _sample_block(self, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for cov in sorted({f.covariate for f in self.features}):
            r = self.rasters[cov]
            rows, cols, inside = self._raster_rc(cov, x, y)
            h, w = r.values.shape
            if cov == "elevation":
                for name in ("elevation_m", "slope_deg"):
                    v = ndimage.map_coordinates(
                        self._grids[name], [rows, cols], order=1, mode="nearest"
                    )
                    out[name] = np.where(inside, v, np.nan)
                continue
            ri = np.clip(np.rint(rows).astype(np.int64), 0, h - 1)
            ci = np.clip(np.rint(cols).astype(np.int64), 0, w - 1)
            valid = inside & r.valid()[ri, ci]
            if cov == "landcover":
                out["landcover"] = np.where(valid, r.values[ri, ci], 0)
            else:  # population: people per cell of the raster → per hectare
                dx, dy = cell_size_m(r)
                per_ha = r.values[ri, ci] / (dx[ri] * dy / 10_000.0)
                out["population_per_ha"] = np.where(valid, per_ha, np.nan)
        return out

    def tile(self, grid: Grid, tile: Tile) -> dict[str, np.ndarray]:
        """Each covariate feature at the centres of a tile's core cells: (nrows, ncols) arrays."""
        rows, cols = np.mgrid[
            tile.row0 : tile.row0 + tile.nrows, tile.col0 : tile.col0 + tile.ncols
        ]
        x, y = grid.centres(rows.ravel(), cols.ravel())
        return {k: v.reshape(tile.nrows, tile.ncols) for k, v in self.sample(x, y).items()}
