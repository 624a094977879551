"""Land searched in lanes is weaker negative evidence than land cleared in full."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landrelease.evidence.sources import searched_share
from tests.evidence_world import training_on

CRS = "EPSG:32638"


def _training(processed: gpd.GeoDataFrame):  # type: ignore[no-untyped-def]
    findings = gpd.GeoDataFrame(
        {"finding_id": ["F"], "device": "AP", "activity_id": "far", "date": None},
        geometry=[shapely.Point(9_000, 9_000)],
        crs=CRS,
    )
    ts, _, grid = training_on(
        processed,
        findings,
        hazard=shapely.box(0, 0, 3_000, 1_000),
        extent=(-100, -100, 3_100, 1_100),
    )
    x, _ = grid.centres(ts.rows, ts.cols)
    return ts, x


def test_a_clean_cell_counts_the_share_of_its_land_that_was_searched() -> None:
    """Technical survey in lanes over 15 % of its land: each clean cell weighs 0.15 of a clean
    cell of clearance; where a clearance followed the survey, the clearance's result stands."""
    processed = gpd.GeoDataFrame(
        {
            "activity_id": ["TS1", "C1", "C2"],
            "type": ["TS", "clearance", "clearance"],
            "hazard_id": None,
            "end": None,
            "searched_share": [0.15, None, 1.0],
        },
        geometry=[
            shapely.box(0, 0, 1_000, 1_000),
            shapely.box(2_000, 0, 3_000, 1_000),
            shapely.box(500, 0, 1_000, 1_000),  # cleared after the survey
        ],
        crs=CRS,
    )
    np.testing.assert_allclose(searched_share(processed), [0.15, 1.0, 1.0])
    ts, x = _training(processed)
    assert (ts.y == 0).all()
    lanes = x < 500
    assert lanes.sum() == 200 and (x > 2_000).sum() == 400
    np.testing.assert_allclose(ts.weight[lanes], 0.15)
    np.testing.assert_allclose(ts.weight[~lanes], 1.0)


def test_without_a_recorded_share_the_national_standard_applies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    processed = gpd.GeoDataFrame(
        {"activity_id": ["TS1", "C1"], "type": ["TS", "clearance"]},
        geometry=[shapely.box(0, 0, 10, 10)] * 2,
        crs=CRS,
    )
    np.testing.assert_allclose(searched_share(processed), [0.15, 1.0])
    monkeypatch.setenv("LANDRELEASE_RISK_TS_SEARCHED_SHARE", "0.3")
    np.testing.assert_allclose(searched_share(processed), [0.3, 1.0])
