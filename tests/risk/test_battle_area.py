"""Battle-area clearance: a surveyed or cleared part becomes a detector sweep only where the
evidence around it says unexploded ordnance, and nothing laid to kill, is what lies there."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landrelease.errors import UsageError
from landrelease.evidence.sources import EvidenceSet, Shapes
from landrelease.survey import BattleAreaRule, SurveyRule
from landrelease.survey.battle_area import battle_area_evidence
from landrelease.survey.decisions import battle_area_parts

CRS = "EPSG:32638"
RULE = BattleAreaRule(radius_m=1000, min_finds=5, uxo_share=0.95, defensive_m=300)


def _evidence(
    devices: Sequence[str | None],
    *,
    records: tuple[shapely.Geometry, ...] = (),
    defensive: tuple[shapely.Geometry, ...] = (),
    front: tuple[shapely.Geometry, ...] = (),
) -> EvidenceSet:
    """Finds in a row 500–600 m east of the origin, of the devices given."""
    finds = gpd.GeoDataFrame(
        {
            "finding_id": [f"F{i}" for i in range(len(devices))],
            "device": list(devices),
            "activity_id": "CL-1",
            "date": None,
        },
        geometry=[shapely.Point(500 + 20 * i, 50) for i in range(len(devices))],
        crs=CRS,
    )
    groups = {}
    if records:
        groups["records"] = Shapes(np.array(records, dtype=object), np.ones(len(records)))
    if defensive:
        groups["positions_defensive"] = Shapes(
            np.array(defensive, dtype=object), np.ones(len(defensive))
        )
    if front:
        groups["front_long"] = Shapes(np.array(front, dtype=object), np.ones(len(front)))
    empty = gpd.GeoDataFrame(geometry=[], crs=CRS)
    return EvidenceSet(
        crs=CRS,
        as_of=None,
        groups=groups,
        hazards=empty,
        processed=empty,
        findings=finds,
        records=empty,
        reliability=pd.DataFrame(),
    )


def _parts(*decisions: str) -> gpd.GeoDataFrame:
    """One hazard's parts: 100 m squares side by side from the origin, one per decision."""
    boxes = [
        shapely.MultiPolygon([shapely.box(100 * i, 0, 100 * (i + 1), 100)])
        for i in range(len(decisions))
    ]
    return gpd.GeoDataFrame(
        {
            "hazard_id": "HZ-1",
            "decision": list(decisions),
            "area_m2": 10_000.0,
            "expected_devices": 1.0,
            "max_probability": 0.2,
            "p_any_device": 0.5,
            "evidence": "the map's words",
        },
        geometry=boxes,
        crs=CRS,
    )


def _eligible(ev: EvidenceSet, rule: BattleAreaRule = RULE) -> bool:
    return bool(battle_area_evidence(_parts("clearance").geometry.values, ev, rule).eligible[0])


def test_only_uxo_around_a_part_makes_it_battle_area_clearance() -> None:
    ev = _evidence(["UXO"] * 5 + ["AXO"])
    parts = battle_area_parts(_parts("technical_survey"), ev, RULE)
    assert parts["decision"].tolist() == ["battle_area_clearance"]
    assert parts["evidence"].iloc[0] == (
        "only UXO found nearby: 6 finds within 1 km, none a mine; no minefield record, "
        "no defensive position, far from the long-held front"
    )


def test_a_mine_among_the_finds_keeps_mine_clearance() -> None:
    assert _eligible(_evidence(["UXO"] * 6))
    assert not _eligible(_evidence(["UXO"] * 6 + ["AP"]))
    assert not _eligible(_evidence(["UXO"] * 6 + ["IED"]))
    # a finding of no known type is not taken for ordnance
    assert not _eligible(_evidence([*["UXO"] * 6, None]))


def test_too_few_finds_say_too_little() -> None:
    assert not _eligible(_evidence(["UXO"] * 4))
    # finds beyond the radius do not count
    assert not _eligible(_evidence(["UXO"] * 6), BattleAreaRule(radius_m=300))


def test_a_minefield_record_or_a_defensive_position_keeps_mine_clearance() -> None:
    uxo = ["UXO"] * 6
    assert not _eligible(_evidence(uxo, records=(shapely.box(90, 90, 200, 200),)))
    assert _eligible(_evidence(uxo, records=(shapely.box(150, 150, 200, 200),)))
    assert not _eligible(_evidence(uxo, defensive=(shapely.Point(350, 50),)))
    assert _eligible(_evidence(uxo, defensive=(shapely.Point(450, 50),)))
    # belt minefields lie along a line of contact held for years
    line = shapely.LineString([(0, 2500), (2000, 2500)])
    assert not _eligible(_evidence(uxo, front=(line,)))
    assert _eligible(_evidence(uxo, front=(line,)), BattleAreaRule(min_finds=5, front_m=2000))


def test_the_default_demands_every_find_uxo_and_ten_of_them() -> None:
    rule = BattleAreaRule()
    assert (rule.min_finds, rule.uxo_share, rule.front_m) == (10, 1.0, 3000.0)
    assert not _eligible(_evidence(["UXO"] * 9), rule)
    assert _eligible(_evidence(["UXO"] * 10), rule)
    assert not _eligible(_evidence(["UXO"] * 19 + ["AP"]), rule)


def test_cancelled_land_stays_cancelled_and_one_part_per_decision() -> None:
    ev = _evidence(["UXO"] * 6)
    parts = battle_area_parts(_parts("cancel", "technical_survey", "clearance"), ev, RULE)
    assert parts["decision"].tolist() == ["cancel", "battle_area_clearance"]
    bac = parts.iloc[1]
    assert bac["area_m2"] == pytest.approx(20_000.0)
    assert bac["expected_devices"] == pytest.approx(2.0)
    assert bac["p_any_device"] == pytest.approx(0.75)
    assert bac.geometry.geom_type == "MultiPolygon"
    assert bac.geometry.area == pytest.approx(20_000.0)
    assert parts["evidence"].iloc[0] == "the map's words"


def test_the_rule_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_SURVEY_BAC_MIN_FINDS", "12")
    assert SurveyRule.from_settings().battle_area.min_finds == 12
    with pytest.raises(UsageError, match="UXO share"):
        BattleAreaRule(uxo_share=0)
