"""Search depth as evidence: land searched to 13 cm says nothing about a shell at 60 cm."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio.features
import shapely

from landrelease.errors import UsageError
from landrelease.evidence.depth import (
    depth_profile,
    search_depth_cm,
    search_reach,
    shallow_words,
)
from landrelease.io import import_package, validate_package
from landrelease.risk import compute_risk
from landrelease.store import Workspace
from landrelease.survey.decisions import SurveyRule, decide
from tests.evidence_world import training_on
from tests.helpers import LAT0, LON0, activity, feature, point, square, write_fc

CRS = "EPSG:32638"


def _processed(depths: list[float | None], types: list[str] | None = None) -> gpd.GeoDataFrame:
    n = len(depths)
    return gpd.GeoDataFrame(
        {
            "activity_id": [f"A{i}" for i in range(n)],
            "type": types or ["clearance"] * n,
            "hazard_id": None,
            "end": None,
            "searched_share": [None] * n,
            "depth_cm": depths,
        },
        geometry=[shapely.box(2_000 * i, 0, 2_000 * i + 1_000, 1_000) for i in range(n)],
        crs=CRS,
    )


def _findings(rows: list[tuple[str, str, float | None]]) -> gpd.GeoDataFrame:
    """(activity, device, depth) per finding, placed far from everything."""
    return gpd.GeoDataFrame(
        {
            "finding_id": [f"F{i}" for i in range(len(rows))],
            "device": [d for _, d, _ in rows],
            "activity_id": [a for a, _, _ in rows],
            "date": None,
            "depth_cm": [z for _, _, z in rows],
        },
        geometry=[shapely.Point(50_000, 50_000)] * len(rows),
        crs=CRS,
    )


def test_reach_is_the_share_of_the_devices_found_at_or_above_the_depth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the prior, the profile is the findings' own depths, each kind in the proportion
    the searches found it; a finding of an activity that is not a search is not in it."""
    monkeypatch.setenv("LANDRELEASE_RISK_DEPTH_PRIOR_FINDS", "0")
    processed = _processed([5.0, 40.0])
    findings = _findings(
        [
            *[("A1", "AP", z) for z in (4.0, 8.0, 12.0, 16.0)],
            *[("A1", "UXO", z) for z in (10.0, 60.0, None, None)],
            ("EOD-1", "UXO", 90.0),  # an EOD spot task's: not a search to a depth
        ]
    )
    profile = depth_profile(processed, findings)
    assert (profile.found, profile.recorded) == (8, 6)
    assert profile.kinds == ("AP", "UXO")
    np.testing.assert_allclose(profile.mix, [0.5, 0.5])
    # AP at or above 13 cm: 3 of 4; UXO: 1 of 2 recorded → 0.5 × 0.75 + 0.5 × 0.5
    np.testing.assert_allclose(profile.reach(np.array([13.0, 16.0, 60.0])), [0.625, 0.75, 1.0])
    np.testing.assert_allclose(search_reach(processed, findings), [0.125, 0.75])


def test_findings_without_depth_fall_back_to_the_national_depth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No depth recorded: devices spread evenly down to the national depth (20 cm), so a search to
    13 cm reaches 65 % of them; activities without a depth searched to the national depth."""
    processed = _processed([13.0, None, 30.0])
    findings = _findings([("A0", "AP", None), ("A1", "AT", None)])
    np.testing.assert_allclose(search_depth_cm(processed), [13.0, 20.0, 30.0])
    np.testing.assert_allclose(search_reach(processed, findings), [0.65, 1.0, 1.0])
    monkeypatch.setenv("LANDRELEASE_RISK_NATIONAL_DEPTH_CM", "26")
    np.testing.assert_allclose(search_depth_cm(processed), [13.0, 26.0, 30.0])
    np.testing.assert_allclose(search_reach(processed, findings), [0.5, 1.0, 1.0])
    # the prior's pseudo-findings join the recorded depths: 4 AP at 2 cm, 10 pseudo-findings
    findings = _findings([("A0", "AP", 2.0)] * 4)
    monkeypatch.delenv("LANDRELEASE_RISK_NATIONAL_DEPTH_CM")
    np.testing.assert_allclose(
        search_reach(processed, findings)[0], 1 - 10 * (1 - 13 / 20) / 14, rtol=1e-12
    )
    monkeypatch.setenv("LANDRELEASE_RISK_NATIONAL_DEPTH_CM", "0")
    with pytest.raises(UsageError, match="risk_national_depth_cm = 0: the national clearance"):
        search_reach(processed, findings)


def test_every_search_as_deep_as_every_device_reaches_exactly_all() -> None:
    """The generated scenario's case: the map and the decisions stay byte-identical."""
    processed = _processed([20.0, None])
    findings = _findings([("A0", "AP", 0.0), ("A0", "UXO", 20.0), ("A1", "AT", None)])
    reach = search_reach(processed, findings)
    assert reach.tolist() == [1.0, 1.0]


def _training(processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame):  # type: ignore[no-untyped-def]
    ts, _, grid = training_on(
        processed,
        findings,
        searched_weights=search_reach(processed, findings),
        finding_points=list(findings.geometry),
        hazard=shapely.box(0, 0, 3_000, 1_000),
        extent=(-100, -100, 3_100, 1_100),
    )
    x, _ = grid.centres(ts.rows, ts.cols)
    return ts, x


def test_a_shallow_clean_cell_counts_the_share_of_the_devices_its_depth_reached() -> None:
    """Two clearances found nothing, one to 5 cm, one to 30 cm; the devices found elsewhere lay
    at 2–18 cm (none recorded for some): the shallow clean cells weigh the reach of 5 cm, and with
    lanes the lanes' share times it."""
    depths = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
    findings = _findings([("A9", "AP", z) for z in depths])
    processed = pd.concat(
        [
            _processed([5.0, 30.0]),
            _processed([None], types=["TS"]).assign(
                activity_id="A9", geometry=[shapely.box(9_000, 9_000, 9_100, 9_100)]
            ),
        ],
        ignore_index=True,
    )
    processed = gpd.GeoDataFrame(processed, geometry="geometry", crs=CRS)
    reach5 = 1 - (7 + 10 * (1 - 5 / 20)) / (9 + 10)  # 7 of 9 found deeper, and 75 % of the prior
    np.testing.assert_allclose(search_reach(processed, findings), [reach5, 1.0, 1.0])
    ts, x = _training(processed, findings)
    assert (ts.y == 0).all()
    shallow = x < 1_000
    assert shallow.sum() == 400 and (~shallow).sum() == 400
    np.testing.assert_allclose(ts.weight[shallow], reach5)
    np.testing.assert_allclose(ts.weight[~shallow], 1.0)
    np.testing.assert_allclose(ts.share[shallow], reach5)
    # the same shallow search in lanes over 15 % of the land
    processed.loc[0, "searched_share"] = 0.15
    ts, x = _training(processed, findings)
    np.testing.assert_allclose(ts.weight[x < 1_000], 0.15 * reach5)


def test_the_decisions_say_where_a_search_over_or_near_a_part_was_shallow() -> None:
    processed = _processed([13.0, 20.0, 8.0])  # boxes at x 0–1000, 2000–3000, 4000–5000
    findings = _findings([("A1", "AP", 16.0)] * 30 + [("A1", "AP", 6.0)] * 10)
    clean = np.array([True, False, False])
    parts = np.array(
        [
            shapely.box(500, 500, 2_500, 700),  # over A0 (13 cm, clean) and A1 (20 cm)
            shapely.box(2_500, 0, 2_600, 100),  # over A1 only, which reached all; A0 1.5 km away
            shapely.box(3_700, 0, 3_800, 100),  # 200 m from A2 (8 cm, found devices)
            shapely.box(1_000, 0, 1_500, 100),  # touches A0 along its edge only
        ],
        dtype=object,
    )
    words = shallow_words(parts, processed, findings, clean, within_m=500)
    # 13 cm: 30 of the 40 found lay deeper, and 35 % of the 10 pseudo-findings of the prior
    deeper13 = (30 + 10 * 0.35) / 50
    deeper8 = (30 + 10 * 0.6) / 50
    tail = "of the devices found by technical survey and clearance lay deeper"
    assert words == [
        f"searched clean only to 13 cm (A0); {100 * deeper13:.0f} % {tail}",
        "",
        f"searched only to 8 cm (A2, 200 m away); {100 * deeper8:.0f} % {tail}",
        f"searched clean only to 13 cm (A0, 0 m away); {100 * deeper13:.0f} % {tail}",
    ]
    assert words[0].startswith("searched clean only to 13 cm (A0); 67 %")
    # of two shallow searches near a part, the one that left more devices deeper
    words = shallow_words(parts, processed, findings, clean, within_m=2_000)
    assert words[1] == f"searched only to 8 cm (A2, 1,400 m away); {100 * deeper8:.0f} % {tail}"


@pytest.mark.parametrize("bad", [-5, "deep"])
def test_a_bad_depth_is_refused_naming_record_field_value_and_what_is_accepted(
    tmp_path: Path, bad: object
) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    act = activity("CL-1", "clearance", "H-1", "cleared", "2022-01-01", "2022-02-01")
    write_fc(folder / "activities.geojson", [feature(act | {"depth_cm": bad}, square(LON0, LAT0))])
    fd = {"finding_id": "FD-1", "device": "AP", "date": "2022-01-02", "activity_id": "CL-1"}
    write_fc(folder / "findings.geojson", [feature(fd | {"depth_cm": bad}, point(LON0, LAT0))])
    report = validate_package(folder)
    assert [str(e) for e in report.issues if e.field == "depth_cm"] == [
        f"activities.geojson: CL-1: depth_cm = {bad!r}: not a number in range "
        "(accepted: a number ≥ 0 [cm])",
        f"findings.geojson: FD-1: depth_cm = {bad!r}: not a number in range "
        "(accepted: a number ≥ 0 [cm])",
    ]


@pytest.fixture(scope="module")
def shallow_and_deep(
    scenario_dir: Path, scenario_ws: Workspace, tmp_path_factory: pytest.TempPathFactory
):  # type: ignore[no-untyped-def]
    """The small scenario twice: as generated (every search to the national 20 cm, as deep as
    every device found), and with the searches of its western half recorded at 5 cm."""
    folder = tmp_path_factory.mktemp("depth") / "pkg"
    shutil.copytree(scenario_dir, folder)
    acts = gpd.read_file(scenario_dir / "activities.geojson").to_crs(CRS)
    searched = acts[acts["type"].isin(["TS", "clearance"])]
    x = searched.geometry.centroid.x
    west = set(searched["activity_id"][x < x.median()])
    east = set(searched["activity_id"][x >= x.median()])
    doc = json.loads((folder / "activities.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["activity_id"] in west:
            f["properties"]["depth_cm"] = 5.0
    (folder / "activities.geojson").write_text(json.dumps(doc), encoding="utf-8")
    ws = Workspace.create(str(folder.parent / "shallow.gpkg"), actor="test")
    assert import_package(ws, folder, repair=True).committed
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDRELEASE_RISK_CELL_M", "50")
        mp.setenv("LANDRELEASE_RISK_MAX_TRAINING_CELLS", "40000")
        mp.setenv("LANDRELEASE_RISK_FOLDS", "3")
        base, shallow = compute_risk(scenario_ws), compute_risk(ws)
    ws.close()
    return base, shallow, west, east


def test_land_searched_shallow_is_less_clean_than_land_searched_deep(shallow_and_deep) -> None:  # type: ignore[no-untyped-def]
    """Same devices found, same places: the western searches recorded at 5 cm (reaching 44 % of
    the devices found) make their land riskier on the map, the eastern ones barely move."""
    base, shallow, west, east = shallow_and_deep
    processed = shallow.evidence.processed
    reach = search_reach(processed, shallow.evidence.findings)
    is_west = processed["activity_id"].isin(west).to_numpy()
    np.testing.assert_allclose(reach[is_west], 0.4357, atol=5e-4)
    assert (reach[~is_west] == 1.0).all()
    said = [w for w in shallow.warnings if "searched less deep" in w]
    assert len(said) == 1 and not any("searched less deep" in w for w in base.warnings)
    assert said[0].startswith(f"{int(is_west.sum())} of the {len(processed)} technical surveys")
    assert ", to 5 cm, reached 44 % of them): their land counts as searched clean only" in said[0]
    g = base.grid

    def cells(ids: set[str]) -> np.ndarray:
        geoms = processed.geometry[processed["activity_id"].isin(ids)]
        return (
            rasterio.features.rasterize(
                ((geom, 1) for geom in geoms),
                out_shape=g.shape,
                transform=g.transform,
                fill=0,
                dtype="uint8",
            )
            > 0
        )

    rise = {}
    for name, ids in (("west", west), ("east", east)):
        m = cells(ids)
        rise[name] = float(np.nanmean(shallow.probability[m]) / np.nanmean(base.probability[m]))
    # measured: west ×1.14, east ×1.04 (the model refitted on the weaker negatives)
    assert rise["west"] > 1.10, rise
    assert rise["east"] < 1.07, rise
    assert rise["west"] - rise["east"] > 0.07, rise


def test_decisions_over_shallow_land_say_how_shallow(shallow_and_deep) -> None:  # type: ignore[no-untyped-def]
    base, shallow, west, _ = shallow_and_deep
    rule = SurveyRule.from_settings()
    said = decide(shallow, rule).parts["evidence"]
    over = said[said.str.contains("searched only to 5 cm")]
    assert len(over) > 0
    assert over.str.contains(
        r"; searched only to 5 cm \((?:"
        + "|".join(sorted(west))
        + r")(?:, [\d,]+ m away)?\); 56 % of the devices found "
        "by technical survey and clearance lay deeper$"
    ).all()
    assert not decide(base, rule).parts["evidence"].str.contains("searched only to").any()
