"""The ground truth: one point per device, the processes add up, findings and incidents
sit on true devices, and the small window is a piece of the same world as the district."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario import ScenarioResult
from landrelease.scenario.generated import Scenario
from landrelease.scenario.geometry import to_metric
from landrelease.scenario.parameters import PROCESSES


@pytest.fixture(scope="module")
def truth(small: ScenarioResult) -> gpd.GeoDataFrame:
    return gpd.read_parquet(small.out / "truth" / "items.parquet")


def test_truth_is_geoparquet_of_points(truth: gpd.GeoDataFrame) -> None:
    assert truth.crs is not None and truth.crs.to_epsg() == 4326
    assert (truth.geom_type == "Point").all()
    assert set(truth["device"]) <= set(vocab.DEVICES)
    assert set(truth["process"]) == set(PROCESSES)
    assert (truth["cleared"] == (truth["removed_by"] != "")).all()
    assert set(truth["removed_by"]) <= {"", "finding", "incident"}


def test_truth_count_is_the_sum_of_the_processes(
    small: ScenarioResult, truth: gpd.GeoDataFrame, features
) -> None:  # type: ignore[no-untyped-def]
    meta = json.loads((small.out / "scenario.json").read_text())
    by_process = meta["devices_by_process"]
    assert sum(by_process.values()) == len(truth) == small.n_devices == small.counts["truth"]
    assert truth["process"].value_counts().to_dict() == {k: v for k, v in by_process.items() if v}
    text = (small.out / "truth" / "items.geojson").read_text(encoding="utf-8")
    assert text.count('{"type":"Feature"') == len(truth)  # one feature per line


def test_findings_lie_at_true_devices(
    small: ScenarioResult, truth: gpd.GeoDataFrame, features
) -> None:  # type: ignore[no-untyped-def]
    found = truth[truth["removed_by"] == "finding"]
    at = {
        (round(p.x, 6), round(p.y, 6), d)
        for p, d in zip(found.geometry, found["device"], strict=True)
    }
    findings = features(small.out, "findings")
    assert len(findings) == len(found)
    for f in findings:
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat, f["properties"]["device"]) in at


def test_incidents_lie_at_devices_that_went_off(
    small: ScenarioResult, truth: gpd.GeoDataFrame, features
) -> None:  # type: ignore[no-untyped-def]
    gone = truth[truth["removed_by"] == "incident"]
    gx, gy = to_metric(gone.geometry.x.to_numpy(), gone.geometry.y.to_numpy())
    incidents = features(small.out, "incidents")
    assert len(incidents) == len(gone)
    lon = np.array([f["geometry"]["coordinates"][0] for f in incidents])
    lat = np.array([f["geometry"]["coordinates"][1] for f in incidents])
    d, _ = cKDTree(np.column_stack([gx, gy])).query(np.column_stack(to_metric(lon, lat)))
    assert d.max() < 100.0  # reported within ~15 m (σ) of the device


def test_small_window_is_a_piece_of_the_district(
    small: ScenarioResult, truth: gpd.GeoDataFrame, district: Scenario
) -> None:
    """Same world at every scale: the small window's devices are the district's there."""
    from landrelease.scenario.geometry import to_lonlat

    def keys(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.round(lon * 1e6).astype(np.int64) * 10**9 + np.round(lat * 1e6).astype(np.int64)

    dev = district.devices
    here = keys(*to_lonlat(dev.x, dev.y))
    there = keys(truth.geometry.x.to_numpy(), truth.geometry.y.to_numpy())
    assert np.isin(there, here).all()
    assert len(here) > 2 * len(there)
