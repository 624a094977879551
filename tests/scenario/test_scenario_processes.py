"""The contamination processes place devices the way they document, and the package passes
the project's own import validation."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landrelease.domain import vocab
from landrelease.scenario import ScenarioResult
from landrelease.scenario.contamination import DEVICE, PROCESS, Devices
from landrelease.scenario.parameters import DEFAULT, PROCESSES
from landrelease.scenario.world import World, build_world, world_devices


@pytest.fixture(scope="module")
def world() -> tuple[World, Devices]:
    w = build_world(4, DEFAULT)
    return w, world_devices(w)


def test_the_world_holds_about_a_million_devices_on_its_land(world: tuple[World, Devices]) -> None:
    w, dev = world
    assert 0.7e6 < len(dev) < 1.7e6
    assert shapely.contains_xy(w.land, dev.x, dev.y).all()
    for name in PROCESSES:
        assert (dev.process == PROCESS[name]).sum() > 1000, name
    assert 7000e6 < w.land.area < 9000e6


def test_belts_are_rows_of_closely_spaced_mines(world: tuple[World, Devices]) -> None:
    _, dev = world
    belt = dev.process == PROCESS["belt"]
    ap = belt & (dev.device == DEVICE["AP"])
    at = belt & (dev.device == DEVICE["AT"])
    assert ap.sum() > 5 * at.sum() > 0
    # AP mines 1–3 m apart within a row: the nearest neighbour of most mines is that close
    from scipy.spatial import cKDTree

    xy = np.column_stack([dev.x[ap], dev.y[ap]])
    sample = np.random.default_rng(0).choice(len(xy), 20_000, replace=False)
    d, _ = cKDTree(xy).query(xy[sample], k=2)
    assert 0.8 < np.median(d[:, 1]) < 3.5
    # a minefield is tens to ~200 m deep (the short side of its bounding rectangle)
    groups = dev.group[belt]
    order = np.argsort(groups, kind="stable")
    g, inv = np.unique(groups[order], return_inverse=True)
    pts = shapely.multipoints(np.column_stack([dev.x[belt], dev.y[belt]])[order], indices=inv)
    rect = shapely.oriented_envelope(pts)
    ring = shapely.get_coordinates(shapely.get_exterior_ring(rect)).reshape(len(g), 5, 2)
    sides = np.hypot(*np.diff(ring[:, :3], axis=1).transpose(2, 0, 1))
    depth = sides.min(axis=1)
    assert np.median(depth) < 120 and np.quantile(depth, 0.99) < 260
    assert np.median(sides.max(axis=1)) > 200


def test_uxo_cluster_around_the_fighting_and_mines_around_the_front(
    world: tuple[World, Devices],
) -> None:
    w, dev = world
    from landrelease.scenario.geometry import polyline_distance

    sample = np.random.default_rng(0).choice(len(dev), 50_000, replace=False)
    d_front = polyline_distance(dev.x[sample], dev.y[sample], w.loc)
    mines = np.isin(dev.device[sample], [DEVICE["AP"], DEVICE["AT"]])
    assert np.median(d_front[mines]) < 2000
    assert np.median(d_front[dev.device[sample] == DEVICE["UXO"]]) > 5000


def test_same_seed_same_world(world: tuple[World, Devices]) -> None:
    _, dev = world
    again = world_devices(build_world(4, DEFAULT))
    for name in ("x", "y", "device", "process", "model", "depth_cm"):
        assert np.array_equal(getattr(dev, name), getattr(again, name)), name
    assert set(np.unique(dev.device)) <= set(range(len(vocab.DEVICES)))


def test_package_passes_import_validation(small: ScenarioResult) -> None:
    io = pytest.importorskip("landrelease.io")
    if not hasattr(io, "validate_package"):
        pytest.skip("landrelease.io.validate_package is not written yet")
    report = io.validate_package(small.out)
    assert report.ok, [str(i) for i in report.issues[:20]]


def test_points_along_lines_skip_an_empty_line() -> None:
    # a trench's front offset to nothing (an empty line) once crashed a world's generation
    from landrelease.scenario.contamination import _along

    lines = np.array(
        [
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString(),
            shapely.LineString([(0, 5), (0, 55)]),
        ],
        dtype=object,
    )
    x, y, owner = _along(
        np.random.default_rng(1),
        lines,
        np.zeros(3),
        np.array([10.0, 10.0, 10.0]),
        np.array([3, 1, 2]),
        0.0,
    )
    assert owner.tolist() == [0, 0, 0, 2, 2]
    np.testing.assert_allclose(x, [0, 10, 20, 0, 0])
    np.testing.assert_allclose(y, [0, 0, 0, 5, 15])
