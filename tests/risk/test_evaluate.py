"""Scoring against the ground truth: every device still in the ground is counted once."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
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


def test_the_maps_total_splits_into_cells_with_a_device_and_devices_per_such_cell() -> None:
    hazard = shapely.box(1000, 1900, 1100, 2000)  # 5 × 5 cells of 20 m
    hazards = gpd.GeoDataFrame({"hazard_id": ["HZ-1"]}, geometry=[hazard], crs=GRID.crs)
    parts = gpd.GeoDataFrame(
        {"hazard_id": ["HZ-1"], "decision": ["clearance"]}, geometry=[hazard], crs=GRID.crs
    )
    # three devices in one cell, one in another: two cells with a device, two devices each
    truth = np.array([[1010.0, 1990.0]] * 3 + [[1050.0, 1950.0]])
    probability = np.zeros(GRID.shape, dtype=np.float32)
    probability[:5, :5] = 0.2  # Σ p = 25 × 0.2 = 5 cells with a device: 2.5 × the truth's 2
    expected = probability * 3.0  # Σ λ ÷ Σ p = 3 devices per such cell: 1.5 × the truth's 2
    expected[9, 9] = 100.0  # outside the hazard: not counted
    ev = evaluate(
        grid=GRID,
        probability=probability,
        hazards=hazards,
        parts=parts,
        truth_xy=truth,
        expected=expected,
    )
    t = ev.totals
    assert t["expected_in_hazards"] == pytest.approx(15.0)
    assert t["hits_ratio"] == pytest.approx(2.5)
    assert t["per_find_ratio"] == pytest.approx(1.5)
    assert t["total_ratio"] == pytest.approx(15.0 / 4) == t["hits_ratio"] * t["per_find_ratio"]
    assert set(ev.table()["measure"]) >= {"total_ratio", "hits_ratio", "per_find_ratio"}
    # without the expected devices, or without a true device, no ratio is claimed
    assert (
        evaluate(
            grid=GRID, probability=probability, hazards=hazards, parts=parts, truth_xy=truth
        ).totals
        == {}
    )
    empty = evaluate(
        grid=GRID,
        probability=probability,
        hazards=hazards,
        parts=parts,
        truth_xy=np.empty((0, 2)),
        expected=expected,
    ).totals
    assert np.isnan(empty["total_ratio"]) and np.isnan(empty["hits_ratio"])
