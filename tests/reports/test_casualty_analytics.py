"""Casualty analytics as pure functions: counts follow the incidents, the density is a true kernel sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from landrelease.analytics import (
    breakdown,
    eore_priorities,
    hotspots,
    kernel_density,
    victims_frame,
)


def incidents(rows: list[dict]) -> pd.DataFrame:
    base = {"device": "AP", "activity": "agriculture", "civilian": True, "victims": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_counts_follow_the_incident_and_details_fill_in() -> None:
    v = victims_frame(
        incidents(
            [
                {
                    "incident_id": "A",
                    "date": "2025-03-02",
                    "killed": 1,
                    "injured": 2,
                    "victims": [{"age": 9, "gender": "female", "outcome": "injured"}],
                },
                {
                    "incident_id": "B",
                    "date": "2025-04-10",
                    "killed": 0,
                    "injured": 1,
                    "activity": "demining",
                    "civilian": False,
                },
            ]
        )
    )
    assert len(v) == 4
    assert v.groupby("outcome").size().to_dict() == {"injured": 3, "killed": 1}
    assert sorted(v["age_group"]) == [
        "child (0–17)",
        "not recorded",
        "not recorded",
        "not recorded",
    ]
    assert v.loc[v["incident_id"] == "B", "group"].tolist() == ["deminer"]
    t = breakdown(v, "group", order=("civilian", "deminer"))
    assert t["total"].tolist() == [3, 1] and t["share_pct"].sum() == pytest.approx(100.0)


def test_the_separable_kernel_equals_the_direct_sum() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1500, 40), rng.normal(0, 900, 40)
    w = rng.integers(1, 4, 40).astype(float)
    d = kernel_density(x, y, w, bandwidth_m=800.0, cell_m=200.0)
    xs, ys = d.centres()
    gx, gy = np.meshgrid(xs, ys)
    direct = (
        (np.exp(-((gx[..., None] - x) ** 2 + (gy[..., None] - y) ** 2) / (2 * 800.0**2)) * w).sum(
            -1
        )
        / (2 * np.pi * 800.0**2)
        * 1e6
    )
    np.testing.assert_allclose(d.values, direct, rtol=1e-10, atol=1e-12)
    # the grid holds (almost) all the mass: casualties per km² × km² per cell
    assert d.values.sum() * (200.0**2 / 1e6) == pytest.approx(w.sum(), rel=1e-3)


def test_hotspots_find_the_two_clusters() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 300, 30), rng.normal(8000, 300, 10)]
    y = np.r_[rng.normal(0, 300, 30), rng.normal(0, 300, 10)]
    w = np.ones(40)
    d = kernel_density(x, y, w, bandwidth_m=600.0, cell_m=100.0)
    h = hotspots(d, x, y, w, crs="EPSG:32638")
    assert len(h) == 2 and h.crs.to_epsg() == 4326
    centres = h.to_crs("EPSG:32638").geometry.centroid
    assert abs(centres.x.iloc[0]) < 300 and abs(centres.x.iloc[1] - 8000) < 300  # densest first
    assert h["peak_per_km2"].iloc[0] > h["peak_per_km2"].iloc[1]
    assert h["casualties"].iloc[0] >= 15  # most of the big cluster lies inside its hotspot


def test_eore_ranks_people_at_risk_less_what_was_delivered() -> None:
    s = pd.DataFrame(
        {
            "settlement_id": ["A", "B", "C"],
            "name": ["A", "B", "C"],
            "district": ["d"] * 3,
            "population_planned": [1000, 1000, 50],
            "population_before": [None] * 3,
        }
    )
    sx, sy = np.array([0.0, 10_000.0, 0.0]), np.array([0.0, 0.0, 200.0])
    d = kernel_density(
        np.array([0.0]),
        np.array([0.0]),
        np.array([5.0]),
        bandwidth_m=1000.0,
        cell_m=100.0,
        bounds=(-5000, -5000, 15_000, 5000),
    )
    hz = np.array([shapely.box(9000, -500, 11_000, 500)], dtype=object)
    sessions = pd.DataFrame(
        {
            "session_id": ["E1"],
            "date": ["2025-01-01"],
            "settlement_id": ["A"],
            "women": [200],
            "men": [200],
            "girls": [50],
            "boys": [50],
        }
    )
    r = eore_priorities(
        s, (sx, sy), density=d, open_hazards_metric=hz, sessions=sessions, radius_m=1500.0
    )
    assert r["settlement_id"].tolist() == ["B", "A", "C"]  # A half covered already; C small
    a = r.set_index("settlement_id").loc["A"]
    assert a["reached"] == 500 and a["coverage_pct"] == pytest.approx(50.0)
    assert r.set_index("settlement_id").loc["B", "open_hazard_ha"] == pytest.approx(200.0)
