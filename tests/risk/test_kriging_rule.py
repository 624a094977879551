"""The benchmark's kriging rule (decision 0048): its held-out choice is an exact refit, and it
reads only the training cells' outcomes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import decisions_bench as bench


def _cells(n_side: int = 24, seed: int = 0) -> bench.Cells:
    """A square of 1 km cells, mines clustered along one edge."""
    g = np.arange(n_side) * 1000.0
    x, y = (a.ravel() for a in np.meshgrid(g, g))
    rng = np.random.default_rng(seed)
    mine = ((x < 6000) & (y >= 12000) & (rng.random(len(x)) < 0.7)) | (rng.random(len(x)) < 0.05)
    n = len(x)
    return bench.Cells(np.arange(n), x, y, x, y, mine.astype(np.int8), "EPSG:32618")


def test_closed_form_left_out_fold_equals_refit() -> None:
    cells = _cells()
    xy, y = cells.xy, cells.mine.astype(float)
    r = y - y.mean()
    cov = bench._covariance(xy, xy, 4000.0) + np.eye(len(y))
    q = np.linalg.inv(cov)
    out = np.arange(0, len(y), 3)
    rest = np.setdiff1d(np.arange(len(y)), out)
    closed = bench._left_out(q, q @ r, y, out)
    refit = y.mean() + cov[np.ix_(out, rest)] @ np.linalg.solve(
        cov[np.ix_(rest, rest)], y[rest] - y.mean()
    )
    np.testing.assert_allclose(closed, refit, atol=1e-10)


def test_held_out_outcomes_do_not_enter_and_the_mined_edge_ranks_high() -> None:
    cells = _cells()
    test = np.flatnonzero((cells.x >= 16000) | (cells.y >= 16000))
    train = np.setdiff1d(np.arange(len(cells)), test)
    p = bench.kriging(cells, train, test)
    flipped = bench.Cells(
        cells.cell_id, cells.lon, cells.lat, cells.x, cells.y, cells.mine.copy(), cells.crs
    )
    flipped.mine[test] = 1 - flipped.mine[test]
    np.testing.assert_array_equal(p, bench.kriging(flipped, train, test))
    near = test[cells.x[test] < 6000]
    far = test[cells.y[test] < 8000]
    assert p[np.isin(test, near)].mean() > p[np.isin(test, far)].mean()


def test_the_engine_is_read_over_each_labelled_square_as_the_chance_of_any_device() -> None:
    """A label says whether a mine was found anywhere in its 1 km square: the engine on a 250 m
    grid is read at the 16 grid cells the square covers and scored 1 − Π(1 − p)."""
    off = bench.subcell_offsets(1000.0, 250.0)
    np.testing.assert_allclose(off, [-375, -125, 125, 375])
    np.testing.assert_allclose(
        bench.subcell_offsets(1000.0, 300.0), [-333.33, 0, 333.33], atol=0.01
    )
    assert bench.subcell_offsets(1000.0, 2000.0).tolist() == [0.0]
    px, py = bench.subcell_points(np.array([0.0, 5000.0]), np.array([0.0, 0.0]), off)
    assert len(px) == 32 and px[:16].mean() == 0 and px[16:].mean() == 5000
    assert px[:16].min() == -375 and py[:16].max() == 375
    p = np.r_[np.zeros(16), np.full(16, 0.1)]
    np.testing.assert_allclose(bench.any_device(p, 2), [0.0, 1 - 0.9**16])
