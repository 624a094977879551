"""The scenario's covariate rasters: ``elevation.tif`` and ``population.tif`` in its package.

Elevation is the seed's relief (:mod:`landrelease.scenario.terrain`: the regional trend, seeded
hills, valleys cut by the rivers) sampled at cell centres; population is each settlement's
returned people in the cell holding it. Both on one north-up grid in the scenario's metric CRS
over the window, with at most :data:`MAX_SIDE` cells a side. Devices do not depend on either:
the generator places them first, from the same relief, and nothing here draws a random number.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from landrelease.scenario.generated import Scenario
from landrelease.scenario.geometry import Grid
from landrelease.scenario.parameters import METRIC_CRS

MAX_SIDE = 800
"""The largest side of a covariate raster (cells): 50 m cells on a small window, coarser beyond."""
MIN_CELL_M = 50.0


def covariate_grid(bounds: tuple[float, float, float, float]) -> Grid:
    """The covariates' grid over ``bounds``: the finest multiple of 50 m keeping to :data:`MAX_SIDE`."""
    side = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    cell = max(MIN_CELL_M, math.ceil(side / MAX_SIDE / MIN_CELL_M) * MIN_CELL_M)
    return Grid.over(bounds, cell)


def write_covariates(sc: Scenario, folder: Path) -> dict[str, int]:
    """Write ``elevation.tif`` and ``population.tif`` into ``folder``; return cells per raster."""
    g = covariate_grid(sc.window.bounds)
    gx, gy = g.centres()
    elevation = np.empty(g.shape, dtype=np.float32)
    rows_per_block = max(1, 65_536 // g.nx)
    for r0 in range(0, g.ny, rows_per_block):  # the relief holds (points × waves) arrays
        r1 = min(g.ny, r0 + rows_per_block)
        h = sc.world.relief.elevation_m(gx[r0:r1].ravel(), gy[r0:r1].ravel())
        elevation[r0:r1] = np.round(h, 1).reshape(r1 - r0, g.nx)
    s = sc.settlements
    population = np.zeros(g.shape, dtype=np.float32)
    col = np.floor((np.asarray(s.x) - g.xmin) / g.cell_m).astype(int)
    row = np.floor((g.ymax - np.asarray(s.y)) / g.cell_m).astype(int)
    inside = (col >= 0) & (col < g.nx) & (row >= 0) & (row < g.ny)
    np.add.at(population, (row[inside], col[inside]), np.asarray(sc.returned, float)[inside])
    transform = Affine(g.cell_m, 0.0, g.xmin, 0.0, -g.cell_m, g.ymax)
    _write(folder / "elevation.tif", elevation, transform, "m")
    _write(folder / "population.tif", population, transform, "people per cell")
    return {"elevation": elevation.size, "population": population.size}


def _write(path: Path, values: np.ndarray, transform: Affine, unit: str) -> None:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=METRIC_CRS,
        transform=transform,
        compress="deflate",
        predictor=3,
        tiled=True,
    ) as dst:
        dst.write(values, 1)
        dst.update_tags(1, units=unit)
