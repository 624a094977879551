"""The scenario's covariate rasters: the seed's relief (the manifest's, at 50 m), every
returned settler counted once, and a package that imports them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from scipy import ndimage

from landrelease.io import import_package
from landrelease.scenario import ScenarioResult
from landrelease.scenario.covariates import MAX_SIDE
from landrelease.scenario.parameters import METRIC_CRS
from landrelease.store import Workspace


def test_elevation_is_the_relief_of_the_manifest_and_population_counts_the_settlers(
    small: ScenarioResult, tmp_path: Path
) -> None:
    manifest = json.loads((small.out / "scenario.json").read_text())
    with rasterio.open(small.out / "elevation.tif") as src:
        elev = src.read(1)
        assert src.crs.to_string() == METRIC_CRS and src.res == (50.0, 50.0)
        assert max(src.shape) <= MAX_SIDE + 1
        coarse = manifest["elevation"]
        # the manifest's relief at 1 km cell centres, read bilinearly from the 50 m raster
        x0, y1 = coarse["origin_m"]
        rows, cols = np.mgrid[0 : coarse["shape"][0], 0 : coarse["shape"][1]]
        xs = x0 + (cols + 0.5) * coarse["cell_m"]
        ys = y1 - (rows + 0.5) * coarse["cell_m"]
        t = src.transform  # fractional row and column, cell centres at whole numbers
        r = (t.f - ys.ravel()) / -t.e - 0.5
        c = (xs.ravel() - t.c) / t.a - 0.5
        inside = (r >= 0) & (c >= 0) & (r <= src.height - 1) & (c <= src.width - 1)
        assert inside.sum() > 300
        got = ndimage.map_coordinates(elev.astype(float), [r[inside], c[inside]], order=1)
        want = np.asarray(coarse["elevation_m"], float).ravel()[inside]
        error = np.abs(got - want)
        assert np.median(error) < 0.5 and error.max() < 2.0  # the manifest: whole metres
    settlements = json.loads((small.out / "settlements.geojson").read_text())["features"]
    returned = sum(f["properties"].get("population_returned") or 0 for f in settlements)
    with rasterio.open(small.out / "population.tif") as src:
        assert src.read(1).sum() == returned > 0

    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    report = import_package(ws, small.out, actor="tester")
    ws.close()
    assert report.committed and not report.log.errors
    assert report.covariates == {"elevation": "inserted", "population": "inserted"}
