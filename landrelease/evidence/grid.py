"""A metric grid over the region, cut into tiles with a halo for neighbourhood operations, and the
one rule that says which cells belong to which hazard (:class:`HazardCells`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
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


class HazardCells:
    """Which cells of the grid belong to which hazard: the one rule of the risk map, the survey
    and the evaluation.

    * A cell belongs to the hazard that holds its centre; where hazards overlap, to the later
      one in the register's order.
    * A hazard that holds no cell centre at all (one smaller than a cell, or a thin strip)
      takes the cells it touches that no hazard holds by their centre; among several such
      hazards touching one cell, the later one.

    So a 24 m² hazard gets the cell it lies in, and its expected devices are counted the same
    way in the per-hazard figures of the map and in the survey's parts. (Only a small hazard
    whose every touched cell is held by a larger one gets no cell.) Cells are found tile by
    tile (:meth:`tile`), never over the whole region at once.
    """

    def __init__(self, geoms: np.ndarray, grid: Grid) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        self.grid = grid
        self.tree = shapely.STRtree(self.geoms)
        self.small = ~self._holds_a_centre()
        """True for the hazards that hold no cell centre and so take the cells they touch."""

    def __len__(self) -> int:
        return len(self.geoms)

    def tile(self, tile: Tile) -> np.ndarray:
        """Hazard index + 1 for every cell of the tile's core (0: no hazard), int32."""
        core = Tile(tile.row0, tile.col0, tile.nrows, tile.ncols, 0)
        shape = (tile.nrows, tile.ncols)
        transform = self.grid.window_transform(core)
        idx = np.sort(self.tree.query(shapely.box(*self.grid.window_bounds(core))))
        hid = self._burn(idx, shape, transform, all_touched=False)
        small = idx[self.small[idx]]
        if len(small):
            touched = self._burn(small, shape, transform, all_touched=True)
            hid = np.where((hid == 0) & (touched > 0), touched, hid)
        return hid

    def cells(self, *, tile_cells: int = 1024) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every hazard cell of the grid, found tile by tile: rows, columns and hazard index + 1,
        in row-major order (as ``numpy.nonzero`` of a whole-grid array would give them)."""
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for tile in self.grid.tiles(size=tile_cells, halo=0):
            hid = self.tile(tile)
            r, c = np.nonzero(hid)
            parts.append(
                ((r + tile.row0).astype(np.int32), (c + tile.col0).astype(np.int32), hid[r, c])
            )
        if not parts:
            z = np.array([], dtype=np.int32)
            return z, z, z
        rows, cols, ids = (np.concatenate(p) for p in zip(*parts, strict=True))
        order = np.lexsort((cols, rows))
        return rows[order], cols[order], ids[order]

    def _burn(
        self, idx: np.ndarray, shape: tuple[int, int], transform: Affine, *, all_touched: bool
    ) -> np.ndarray:
        """Hazards ``idx`` (in that order: later ones win) burnt as index + 1."""
        if not len(idx):
            return np.zeros(shape, np.int32)
        return rasterio.features.rasterize(
            ((self.geoms[i], int(i) + 1) for i in idx),
            out_shape=shape,
            transform=transform,
            fill=0,
            dtype="int32",
            all_touched=all_touched,
        )

    def _holds_a_centre(self) -> np.ndarray:
        """Whether each hazard holds (wins) at least one cell centre.

        Quick for most: the centre of the cell under a point inside the hazard, well inside it
        and in no later hazard. The others are burnt on their own window, with the later
        hazards that reach into it.
        """
        n = len(self.geoms)
        if not n:
            return np.zeros(0, dtype=bool)
        g = self.grid
        inner = shapely.point_on_surface(self.geoms)
        row, col = g.cell_of(shapely.get_x(inner), shapely.get_y(inner))
        cx, cy = g.centres(row, col)
        centres = shapely.points(cx, cy)
        clear = shapely.contains_xy(self.geoms, cx, cy) & (
            shapely.distance(shapely.boundary(self.geoms), centres) > 1e-6 * g.cell_m
        )
        on_grid = (row >= 0) & (row < g.ny) & (col >= 0) & (col < g.nx)
        pt, hz = self.tree.query(centres, predicate="intersects")
        last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last, pt, hz)
        holds = clear & on_grid & (last == np.arange(n))
        for i in np.flatnonzero(~holds):
            holds[i] = self._wins_in_window(int(i))
        return holds

    def _wins_in_window(self, i: int) -> bool:
        g = self.grid
        if self.geoms[i] is None or self.geoms[i].is_empty:
            return False
        minx, miny, maxx, maxy = self.geoms[i].bounds
        r0, c0 = (int(v[0]) for v in g.cell_of(np.array([minx]), np.array([maxy])))
        r1, c1 = (int(v[0]) for v in g.cell_of(np.array([maxx]), np.array([miny])))
        r0, c0 = max(r0, 0), max(c0, 0)
        r1, c1 = min(r1, g.ny - 1), min(c1, g.nx - 1)
        if r1 < r0 or c1 < c0:
            return False
        window = Tile(r0, c0, r1 - r0 + 1, c1 - c0 + 1, 0)
        idx = np.sort(self.tree.query(self.geoms[i]))
        hid = self._burn(
            idx[idx >= i],
            (window.nrows, window.ncols),
            g.window_transform(window),
            all_touched=False,
        )
        return bool((hid == i + 1).any())
