"""Scoring against the ground truth: every device still in the ground is counted once."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from landrelease.evidence.grid import Grid
from landrelease.survey.evaluate import evaluate

GRID = Grid("EPSG:32638", 1000.0, 2000.0, 20.0, 12, 10)
"""12 × 10 cells of 20 m: x from 1,000 to 1,240, y from 1,800 to 2,000."""


def test_devices_outside_any_hazard_include_those_beyond_the_map() -> None:
    hazards = gpd.GeoDataFrame(
        {"hazard_id": ["HZ-1"]}, geometry=[shapely.box(1000, 1900, 1100, 2000)], crs=GRID.crs
    )
    parts = gpd.GeoDataFrame(
        {"hazard_id": ["HZ-1"], "decision": ["clearance"]},
        geometry=[hazards.geometry.iloc[0]],
        crs=GRID.crs,
    )
    truth = np.array(
        [
            [1010.0, 1990.0],  # in the hazard
            [1050.0, 1950.0],  # in the hazard
            [1200.0, 1850.0],  # on the map, outside the hazard
            [5000.0, 5000.0],  # beyond the map: still outside any hazard
        ]
    )
    ev = evaluate(
        grid=GRID,
        probability=np.full(GRID.shape, 0.5, dtype=np.float32),
        hazards=hazards,
        parts=parts,
        truth_xy=truth,
    )
    assert (ev.devices_in_hazards, ev.devices_outside_hazards) == (2, 2)
    assert ev.devices_in_hazards + ev.devices_outside_hazards == len(truth)
