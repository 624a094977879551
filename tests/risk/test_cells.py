"""The one rule for the cells of a hazard, shared by the risk map, the survey and the evaluation."""

from __future__ import annotations

import numpy as np
import rasterio.features
import shapely

from landrelease.evidence.grid import Grid, HazardCells

GRID = Grid("EPSG:32638", 1000.0, 2000.0, 20.0, 12, 10)
"""12 × 10 cells of 20 m; cell (row, col) has its centre at (1010 + 20 col, 1990 − 20 row)."""


def _box(x: float, y: float, w: float, h: float) -> shapely.Geometry:
    return shapely.box(x, y, x + w, y + h)


def _whole_grid(geoms: np.ndarray, grid: Grid) -> np.ndarray:
    """The rule burnt over the whole grid at once (as the survey did before it was tiled)."""
    hid = rasterio.features.rasterize(
        ((g, i + 1) for i, g in enumerate(geoms)),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
    )
    missing = np.setdiff1d(np.arange(1, len(geoms) + 1), np.unique(hid))
    if len(missing):
        touched = rasterio.features.rasterize(
            ((geoms[i - 1], int(i)) for i in missing),
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
            dtype="int32",
            all_touched=True,
        )
        hid = np.where((hid == 0) & (touched > 0), touched, hid)
    return hid


def test_a_hazard_smaller_than_a_cell_takes_the_cell_it_lies_in() -> None:
    tiny = _box(1042.0, 1942.0, 4.9, 4.9)  # 24 m² inside cell (row 2, col 2), off its centre
    cells = HazardCells(np.array([tiny]), GRID)
    assert cells.small.tolist() == [True]
    rows, cols, ids = cells.cells()
    assert (rows.tolist(), cols.tolist(), ids.tolist()) == ([2], [2], [1])


def test_a_thin_strip_between_cell_centres_takes_the_cells_it_touches() -> None:
    strip = _box(1022.0, 1972.0, 150.0, 5.0)  # 750 m², yet no cell centre inside
    cells = HazardCells(np.array([strip]), GRID)
    assert cells.small.tolist() == [True]
    rows, cols, _ = cells.cells()
    assert set(rows.tolist()) == {1} and cols.min() == 1 and cols.max() == 8


def test_where_hazards_overlap_the_later_one_holds_the_cells() -> None:
    first = _box(1000.0, 1800.0, 100.0, 100.0)
    second = _box(1050.0, 1800.0, 100.0, 100.0)
    cells = HazardCells(np.array([first, second]), GRID)
    hid = np.zeros(GRID.shape, dtype=np.int32)
    rows, cols, ids = cells.cells()
    hid[rows, cols] = ids
    assert hid[7, 3] == 2 and hid[7, 1] == 1  # centre (1070, 1850) lies in both


def test_a_small_hazard_beneath_a_larger_one_holds_no_cell_centre() -> None:
    large = _box(1000.0, 1800.0, 100.0, 100.0)
    tiny_under = _box(1042.0, 1842.0, 4.9, 4.9)
    tiny_over = _box(1046.0, 1846.0, 8.0, 8.0)  # holds the centre (1050, 1850) over the large one
    cells = HazardCells(np.array([large, tiny_under, tiny_over]), GRID)
    assert cells.small.tolist() == [False, True, False]


def test_tiles_give_the_same_cells_as_the_whole_grid() -> None:
    rng = np.random.default_rng(5)
    geoms = [
        _box(1000 + rng.uniform(0, 200), 1800 + rng.uniform(0, 180), *rng.uniform(3, 90, 2))
        for _ in range(40)
    ]
    geoms.append(shapely.Polygon([(1003, 1803), (1233, 1991), (1236, 1988), (1006, 1800)]))
    geoms_arr = np.array(geoms, dtype=object)
    cells = HazardCells(geoms_arr, GRID)
    assert cells.small.any() and not cells.small.all()
    whole = _whole_grid(geoms_arr, GRID)
    r, c = np.nonzero(whole)
    for size in (1, 3, 5, 1024):
        rows, cols, ids = cells.cells(tile_cells=size)
        np.testing.assert_array_equal(rows, r)
        np.testing.assert_array_equal(cols, c)
        np.testing.assert_array_equal(ids, whole[r, c])
