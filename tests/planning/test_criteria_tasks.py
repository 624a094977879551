"""What a hazard blocks (distances in metres) and the tasks it leaves, from survey decisions or the fallback."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landrelease.errors import UsageError
from landrelease.planning.common import PlanningWarning
from landrelease.planning.criteria import (
    Radii,
    casualty_risk,
    farmland_ha,
    infrastructure_units,
    people_shares,
    settlement_links,
)
from landrelease.planning.tasks import (
    Fallback,
    tasks_from_hazards,
    tasks_from_parts,
    without_cancellation,
)

CRS = "EPSG:32638"
RADII = Radii(settlement_m=1500, farmland_m=3000, access_m=5000, road_buffer_m=50, incident_m=1000)


def gdf(rows: list[dict[str, object]], geoms: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=CRS)


def square(x: float, y: float, side: float = 200) -> shapely.Geometry:
    return shapely.box(x, y, x + side, y + side)


SETTLEMENTS = gdf(
    [
        {"settlement_id": "S1", "name": "One", "population_planned": 1000},
        {"settlement_id": "S2", "name": "Two", "population_planned": 3000},
    ],
    [shapely.Point(0, 0), shapely.Point(10_000, 0)],
)


def test_links_follow_blockages_and_distances() -> None:
    infra = gdf(
        [
            {"asset_id": "R1", "kind": "road"},
            {"asset_id": "F1", "kind": "farmland"},
        ],
        [shapely.LineString([(0, 0), (10_000, 0)]), square(2_000, 1_000, 500)],
    )
    hazards = gdf(
        [
            {"hazard_id": "homes", "blockages": ["housing"]},
            {"hazard_id": "homes_far", "blockages": ["housing"]},
            {"hazard_id": "unknown", "blockages": None},
            {"hazard_id": "field", "blockages": ["agriculture"]},
            {"hazard_id": "road", "blockages": ["road"]},
            {"hazard_id": "farm_only", "blockages": ["agriculture"]},
        ],
        [
            square(1_000, 0),  # 1 km from S1
            square(2_000, 200),  # 2 km from S1: homes too far
            square(-1_200, -300),  # no blockages recorded: proximity decides
            square(2_300, 1_100),  # on S1's field (the field is nearest S1)
            square(4_000, -100),  # on the road: 4 km from S1, 6 km from S2
            square(6_000, 3_000),  # agriculture, but no mapped field nearby
        ],
    )
    links = settlement_links(hazards, SETTLEMENTS, infra, radii=RADII)
    got = {(r.hazard_id, r.settlement_id): r.via for r in links.itertuples()}
    assert got == {
        ("homes", "S1"): "homes",
        ("unknown", "S1"): "homes",
        ("field", "S1"): "farmland",
        ("road", "S1"): "road",
    }
    shares = people_shares(links, SETTLEMENTS).set_index("hazard_id")
    # S1 is blocked by four hazards: each holds a quarter of its 1,000 people
    assert shares.loc["homes", "people"] == pytest.approx(250)
    assert shares.loc["homes", "people_blocked"] == 1000
    assert shares.loc["road", "settlements"] == ["S1"]


def test_without_mapped_fields_agriculture_blocks_the_nearest_settlement() -> None:
    hazards = gdf([{"hazard_id": "H", "blockages": ["agriculture"]}], [square(8_000, 500)])
    empty = gdf([], [])
    empty["kind"] = []
    links = settlement_links(hazards, SETTLEMENTS, empty, radii=RADII)
    assert links[["hazard_id", "settlement_id", "via"]].values.tolist() == [["H", "S2", "farmland"]]
    assert farmland_ha(hazards, empty).iloc[0] == pytest.approx(200 * 200 / 1e4)


def test_infrastructure_units_are_shared_among_the_hazards_blocking_them() -> None:
    infra = gdf(
        [{"asset_id": "R", "kind": "road"}, {"asset_id": "S", "kind": "school"}],
        [shapely.LineString([(0, 0), (4_000, 0)]), square(20_000, 0)],
    )
    hazards = gdf(
        [
            {"hazard_id": "A", "blockages": ["road"]},
            {"hazard_id": "B", "blockages": ["road"]},
            {"hazard_id": "C", "blockages": ["infrastructure"]},
            {"hazard_id": "D", "blockages": ["water"]},
        ],
        [square(1_000, -100), square(3_000, -100), square(20_100, 100), square(50_000, 0)],
    )
    units = infrastructure_units(hazards, infra, road_buffer_m=50)
    # a 4 km road blocked by two hazards: 2 units each; a school (5 units) by one; an unmapped
    # water blockage counts 1
    assert units.to_dict() == pytest.approx({"A": 2.0, "B": 2.0, "C": 5.0, "D": 1.0})


def test_casualty_risk_counts_nearby_incidents_per_year_and_people_exposed() -> None:
    hazards = gdf([{"hazard_id": "A"}, {"hazard_id": "B"}], [square(500, 0), square(30_000, 0)])
    incidents = gdf(
        [
            {
                "incident_id": "I1",
                "date": "2021-01-01",
                "killed": 1,
                "injured": 1,
                "civilian": True,
            },
            {
                "incident_id": "I2",
                "date": "2025-01-01",
                "killed": 0,
                "injured": 2,
                "civilian": True,
            },
            {
                "incident_id": "I3",
                "date": "2023-01-01",
                "killed": 0,
                "injured": 5,
                "civilian": False,
            },
        ],
        [shapely.Point(700, 100), shapely.Point(900, 900), shapely.Point(600, 0)],
    )
    risk = casualty_risk(
        hazards,
        incidents,
        SETTLEMENTS,
        pd.Series({"A": 0.5, "B": 1.0}),
        radii=RADII,
        exposure_per_person_year=1e-4,
    ).set_index("hazard_id")
    years = (pd.Timestamp("2025-01-01") - pd.Timestamp("2021-01-01")).days / 365.25
    assert risk.loc["A", "casualties_history_per_year"] == pytest.approx(4 / years)
    assert risk.loc["A", "people_nearby"] == 1000
    assert risk.loc["A", "casualty_risk"] == pytest.approx(4 / years + 0.5 * 1e-4 * 1000)
    assert risk.loc["B", "casualty_risk"] == 0


def test_tasks_from_survey_decisions() -> None:
    hazards = gpd.GeoDataFrame(
        {
            "hazard_id": ["H1", "H2"],
            "status": ["active", "closed"],
            "classification": ["SHA", "CHA"],
        },
        geometry=[square(0, 0), square(5_000, 0)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    parts = gpd.GeoDataFrame(
        {
            "part_id": ["H1/CA", "H1/TE", "H1/CL", "H2/CL"],
            "hazard_id": ["H1", "H1", "H1", "H2"],
            "decision": ["cancel", "technical_survey", "clearance", "clearance"],
            "area_m2": [20_000.0, np.nan, 10_000.0, 40_000.0],
            "expected_devices": [0.1, 2.0, 12.0, 30.0],
            "p_any_device": [0.05, 0.6, 1.0, 1.0],
        },
        geometry=[square(0, 0, 100), square(100, 0, 100), square(0, 100, 100), square(5_000, 0)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    tasks = tasks_from_parts(parts, hazards, metric_crs=CRS)
    assert tasks["task_id"].tolist() == ["H1/CA", "H1/TE", "H1/CL"]  # H2 is closed
    assert tasks["method"].tolist() == ["NTS", "TS", "clearance"]
    assert tasks["area_m2"].tolist() == pytest.approx([20_000, 10_000, 10_000], rel=1e-3)
    assert tasks.crs == CRS
    bad = parts.assign(decision=["cancel", "survey", "clearance", "clearance"])
    with pytest.raises(
        UsageError, match=r"decision = 'survey'.*cancel, technical_survey, clearance"
    ):
        tasks_from_parts(bad, hazards, metric_crs=CRS)


def test_fallback_tasks_split_sha_and_clear_cha_with_a_warning() -> None:
    hazards = gpd.GeoDataFrame(
        {
            "hazard_id": ["S", "C", "X"],
            "status": ["active", "worked_on", "closed"],
            "classification": ["SHA", "CHA", "CHA"],
            "area_m2": [1_000_000.0, 200_000.0, 50_000.0],
        },
        geometry=[square(0, 0, 1000), square(5_000, 0, 447.2), square(9_000, 0)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    fb = Fallback(
        ts_share=0.25,
        clearance_share=0.05,
        p_any_device_sha=0.3,
        p_any_device_cha=0.9,
        devices_per_km2=150,
    )
    with pytest.warns(PlanningWarning, match="no survey decisions.*2 open hazards"):
        tasks = tasks_from_hazards(
            hazards, metric_crs=CRS, fallback=fb, released_m2={"C": 50_000.0}
        )
    t = tasks.set_index("task_id")
    assert t.loc["S/NTS", "area_m2"] == pytest.approx(700_000)
    assert t.loc["S/TS", "area_m2"] == pytest.approx(250_000)
    assert t.loc["S/CL", "area_m2"] == pytest.approx(50_000)
    assert t.loc["C/CL", "area_m2"] == pytest.approx(
        150_000
    )  # 200,000 less 50,000 already released
    assert t.loc["C/CL", "expected_devices"] == pytest.approx(0.9 * 150 * 0.15)
    assert t.loc["S/NTS", "expected_devices"] == 0
    assert "X/CL" not in t.index
    cleared = without_cancellation(tasks)
    assert cleared.set_index("task_id").loc["S/NTS", "method"] == "clearance"
    assert (cleared["method"] != "NTS").all()
    with pytest.raises(UsageError, match="sum to at most 1"):
        Fallback(
            ts_share=0.8,
            clearance_share=0.3,
            p_any_device_sha=0.3,
            p_any_device_cha=0.9,
            devices_per_km2=1,
        )
