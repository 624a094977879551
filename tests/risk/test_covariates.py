"""Covariates sampled on the risk grid: exact on known rasters (a tilted plane, a land-cover
checkerboard, a population grid), in another CRS than the grid's, NaN outside; the hillshade
lights slopes facing the sun; the risk hook is off by default."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import CRS

from landrelease.evidence.covariates import CovariateSampler, hillshade, slope_deg
from landrelease.evidence.grid import Grid, Tile
from landrelease.store import Workspace
from landrelease.store.covariates import CovariateRaster

UTM = "EPSG:32638"
X0, Y0 = 600_000.0, 4_400_000.0  # north-west corner of the test rasters (UTM 38N)


def _raster(name: str, values: np.ndarray, cell: float, *, kind: str = "continuous", crs: str = UTM, nodata: float | None = None, x0: float = X0, y0: float = Y0) -> CovariateRaster:  # fmt: skip
    return CovariateRaster(
        name,
        kind,
        "",
        CRS.from_user_input(crs).to_wkt(),
        (cell, 0, x0, 0, -cell, y0),
        values,
        nodata,
    )


def plane(cell: float = 100.0, n: int = 50) -> CovariateRaster:
    """Elevation rising 0.1 m per metre eastwards and 0.05 m per metre southwards."""
    r, c = np.mgrid[0:n, 0:n]
    x = (c + 0.5) * cell
    y = (r + 0.5) * cell
    return _raster("elevation", (500 + 0.1 * x + 0.05 * y).astype(np.float32), cell)


def test_elevation_and_slope_of_a_tilted_plane_are_exact_at_any_point() -> None:
    sampler = CovariateSampler({"elevation": plane()}, crs=UTM)
    x = X0 + np.array([250.0, 1234.0, 4020.0])
    y = Y0 - np.array([250.0, 3001.0, 777.0])
    got = sampler.sample(x, y)
    assert set(got) == {"elevation_m", "slope_deg"}
    np.testing.assert_allclose(
        got["elevation_m"], 500 + 0.1 * (x - X0) + 0.05 * (Y0 - y), rtol=1e-6
    )
    np.testing.assert_allclose(
        got["slope_deg"], math.degrees(math.atan(math.hypot(0.1, 0.05))), rtol=1e-5
    )
    outside = sampler.sample(
        np.array([X0 - 500.0, X0 + 9000.0]), np.array([Y0 - 100.0, Y0 - 100.0])
    )
    assert np.isnan(outside["elevation_m"]).all() and np.isnan(outside["slope_deg"]).all()


def test_a_raster_in_degrees_is_sampled_on_a_metric_grid_with_its_slope_in_metres() -> None:
    # 0.001° cells near 39.7° N: a plane rising 50 m per cell eastwards
    n, cell = 40, 0.001
    values = np.tile(np.arange(n, dtype=np.float32) * 50.0, (n, 1))
    r = _raster("elevation", values, cell, crs="EPSG:4326", x0=46.70, y0=39.72)
    sampler = CovariateSampler({"elevation": r}, crs=UTM)
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", UTM, always_xy=True).transform(46.7205, 39.7005)
    got = sampler.sample(np.array([x]), np.array([y]))
    assert got["elevation_m"][0] == pytest.approx(20 * 50.0, abs=0.5)  # the centre of column 20
    dx = cell * 111_320.0 * math.cos(math.radians(39.7005))
    assert got["slope_deg"][0] == pytest.approx(math.degrees(math.atan(50.0 / dx)), rel=0.01)


def test_land_cover_at_the_nearest_cell_and_population_per_hectare() -> None:
    lc = np.array([[10, 40], [50, 0]], dtype=np.uint8)
    pop = np.array([[400.0, -1.0], [0.0, 25.0]], dtype=np.float32)
    sampler = CovariateSampler(
        {
            "landcover": _raster("landcover", lc, 1000.0, kind="categorical", nodata=0),
            "population": _raster("population", pop, 1000.0, kind="count", nodata=-1),
        },
        crs=UTM,
    )
    x = X0 + np.array([100.0, 1900.0, 400.0, 1500.0, 2500.0])
    y = Y0 - np.array([100.0, 900.0, 1600.0, 1500.0, 500.0])
    got = sampler.sample(x, y)
    assert got["landcover"].tolist() == [10, 40, 50, 0, 0]  # nodata and outside: 0
    # 1 km cells = 100 ha
    np.testing.assert_allclose(got["population_per_ha"][[0, 2, 3]], [4.0, 0.0, 0.25])
    assert np.isnan(got["population_per_ha"][[1, 4]]).all()  # nodata, outside


def test_tiles_of_the_risk_grid_agree_with_points_and_blocks_change_nothing() -> None:
    grid = Grid(UTM, X0, Y0, 25.0, 200, 200)
    whole = CovariateSampler({"elevation": plane()}, crs=UTM)
    small_blocks = CovariateSampler({"elevation": plane()}, crs=UTM, block=777)
    tile = Tile(30, 40, 64, 50, 0)
    a, b = whole.tile(grid, tile), small_blocks.tile(grid, tile)
    assert a["elevation_m"].shape == (64, 50)
    np.testing.assert_array_equal(a["elevation_m"], b["elevation_m"])
    x, y = grid.centres(np.array([30 + 10]), np.array([40 + 7]))
    assert a["elevation_m"][10, 7] == pytest.approx(whole.sample(x, y)["elevation_m"][0])


def test_hillshade_lights_slopes_facing_the_sun_and_flat_ground_by_its_altitude() -> None:
    flat = np.zeros((5, 5))
    assert hillshade(flat, 30.0, 30.0) == pytest.approx(np.full((5, 5), math.sin(math.radians(45))))
    east_up = np.tile(np.arange(5.0) * 30.0, (5, 1))  # 45° slope rising east: faces west
    west_up = east_up[:, ::-1]  # faces east
    north_up = east_up.T[::-1]  # rising north: faces south
    lit_w, lit_e, lit_s = (hillshade(a, 30.0, 30.0)[2, 2] for a in (east_up, west_up, north_up))
    # sun in the north-west at 45°: a west-facing 45° slope gets cos(45°)·… more than flat
    assert lit_w == pytest.approx(0.5 + 0.5 * math.cos(math.radians(45)), abs=1e-9)
    assert lit_e == pytest.approx(0.5 - 0.5 * math.cos(math.radians(45)), abs=1e-9)
    assert lit_s == pytest.approx(lit_e)
    assert slope_deg(east_up, 30.0, 30.0)[2, 2] == pytest.approx(45.0)


@pytest.mark.usefixtures("coarse_cells")
def test_the_scenarios_rasters_are_read_on_the_risk_grid(scenario_ws: Workspace) -> None:
    from landrelease.evidence import evidence_from_workspace
    from landrelease.store import WorkspaceView

    view = WorkspaceView(scenario_ws)
    evidence = evidence_from_workspace(view)
    g = Grid.covering(evidence.bounds, crs=evidence.crs, cell_m=50.0, max_cells=10**8)
    sampler = CovariateSampler(view.covariates(), crs=g.crs)
    assert view.reads["covariates"] == 1
    assert [f.name for f in sampler.features] == [
        "elevation_m",
        "slope_deg",
        "population_per_ha",
    ]
    tile = Tile(0, 0, min(g.ny, 256), min(g.nx, 256), 0)
    got = sampler.tile(g, tile)
    stored = view.covariates()["elevation"].values
    assert got["elevation_m"].shape == (tile.nrows, tile.ncols)
    assert not np.isnan(got["elevation_m"]).any()  # the scenario's raster covers its window
    assert (
        stored.min() - 1e-3
        <= got["elevation_m"].min()
        <= got["elevation_m"].max()
        <= stored.max() + 1e-3
    )
    assert (got["slope_deg"] >= 0).all() and (got["slope_deg"] < 60).all()
    assert np.nanmin(got["population_per_ha"]) >= 0
