"""A metric grid over the region, cut into tiles with a halo for neighbourhood operations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from affine import Affine

from landrelease.errors import UsageError

BYTES_PER_CELL = 4 * 4
"""Output bands (probability, expected devices) plus masks held for the whole grid, in bytes."""


@dataclass(frozen=True)
class Tile:
    """A window of the grid: rows/cols of the core, plus a halo on each side."""

    row0: int
    col0: int
    nrows: int
    ncols: int
    halo: int

    @property
    def core(self) -> tuple[slice, slice]:
        """The core's slices inside the haloed window."""
        return slice(self.halo, self.halo + self.nrows), slice(self.halo, self.halo + self.ncols)

    @property
    def window(self) -> tuple[slice, slice]:
        """The core's slices inside the whole grid."""
        return slice(self.row0, self.row0 + self.nrows), slice(self.col0, self.col0 + self.ncols)


@dataclass(frozen=True)
class Grid:
    """Square cells of ``cell_m`` metres in a metric CRS; row 0 is the northern edge."""

    crs: str
    x0: float
    y0: float
    """Upper-left corner (west, north) in metres."""
    cell_m: float
    nx: int
    ny: int

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], *, crs: str, cell_m: float, max_cells: int
    ) -> Grid:
        """The grid of ``cell_m`` cells covering ``bounds`` (minx, miny, maxx, maxy), snapped to whole cells."""
        if cell_m <= 0:
            raise UsageError(f"cell size must be positive, got {cell_m} m")
        minx, miny, maxx, maxy = bounds
        x0 = math.floor(minx / cell_m) * cell_m
        y1 = math.ceil(maxy / cell_m) * cell_m
        nx = max(1, math.ceil((maxx - x0) / cell_m))
        ny = max(1, math.ceil((y1 - miny) / cell_m))
        if nx * ny > max_cells:
            need_gb = nx * ny * BYTES_PER_CELL / 1e9
            raise UsageError(
                f"a {cell_m:g} m grid over this region has {nx:,} × {ny:,} = {nx * ny:,} cells and would need "
                f"about {need_gb:.1f} GB; the limit is {max_cells:,} cells (setting risk_max_cells). "
                f"Use a cell size of at least {math.ceil(cell_m * math.sqrt(nx * ny / max_cells))} m."
            )
        return cls(crs, float(x0), float(y1), float(cell_m), nx, ny)

    @property
    def transform(self) -> Affine:
        return Affine(self.cell_m, 0.0, self.x0, 0.0, -self.cell_m, self.y0)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def cell_area_m2(self) -> float:
        return self.cell_m * self.cell_m

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0 - self.ny * self.cell_m, self.x0 + self.nx * self.cell_m, self.y0)

    def window_transform(self, tile: Tile) -> Affine:
        """Transform of the haloed window of ``tile``."""
        return Affine(
            self.cell_m,
            0.0,
            self.x0 + (tile.col0 - tile.halo) * self.cell_m,
            0.0,
            -self.cell_m,
            self.y0 - (tile.row0 - tile.halo) * self.cell_m,
        )

    def window_bounds(self, tile: Tile) -> tuple[float, float, float, float]:
        t = self.window_transform(tile)
        w = tile.ncols + 2 * tile.halo
        h = tile.nrows + 2 * tile.halo
        return (t.c, t.f - h * self.cell_m, t.c + w * self.cell_m, t.f)

    def tiles(self, *, size: int, halo: int) -> Iterator[Tile]:
        """Tiles of at most ``size`` × ``size`` cells covering the grid, row by row."""
        for r in range(0, self.ny, size):
            for c in range(0, self.nx, size):
                yield Tile(r, c, min(size, self.ny - r), min(size, self.nx - c), halo)

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points (may fall outside the grid)."""
        col = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype(np.int64)
        row = np.floor((self.y0 - np.asarray(y)) / self.cell_m).astype(np.int64)
        return row, col

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.x0 + (cols + 0.5) * self.cell_m, self.y0 - (rows + 0.5) * self.cell_m


def crop(tile: Tile, mask: np.ndarray) -> tuple[Tile, tuple[slice, slice]] | None:
    """The smallest sub-tile holding every true cell of ``mask`` (the tile's core), and its slices in ``mask``."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return Tile(tile.row0 + r0, tile.col0 + c0, r1 - r0, c1 - c0, tile.halo), (
        slice(r0, r1),
        slice(c0, c1),
    )
