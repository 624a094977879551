"""The confirmation sample of cancelled land: its size, its test, its sites, and the job that
reads what the teams found."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from landrelease import pipeline
from landrelease.errors import DataError, UsageError
from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.survey import SurveyRule, read_parts, read_stored_sites
from landrelease.survey.confirm import (
    ConfirmationRule,
    accept_max,
    confirmation_status,
    confirmation_verdict,
    plan_confirmation,
    sample_size,
)
from landrelease.survey.decisions import confirmed_parts
from landrelease.survey.store import SITE_LAYER, read_sites
from tests.store.test_workspace import _ogrinfo

RULE = ConfirmationRule()


def _parts(bounds: tuple[float, float] = (100.0, 300.0)) -> gpd.GeoDataFrame:
    """Two cancelled squares (1 km² and 4 km²) and a surveyed one, in metres."""
    return gpd.GeoDataFrame(
        {
            "part_id": ["H1/CA", "H2/CA", "H2/TE"],
            "hazard_id": ["H1", "H2", "H2"],
            "decision": ["cancel", "cancel", "technical_survey"],
            "area_m2": [1e6, 4e6, 1e6],
            "expected_devices": [1.0, 3.0, 40.0],
            "p_any_device": [0.6, 0.9, 1.0],
            "devices_per_ha": [0.01, 0.0075, 0.4],
            "devices_bound": [bounds[0], bounds[1], np.nan],
            "evidence": ["e1", "e2", "e3"],
            "confidence": ["c1", "c2", "c3"],
        },
        geometry=[
            shapely.box(0, 0, 1000, 1000),
            shapely.box(2000, 0, 4000, 2000),
            shapely.box(4000, 0, 5000, 1000),
        ],
        crs="EPSG:32638",
    )


def test_the_sample_expects_the_set_devices_if_the_land_held_its_bound() -> None:
    # 5 km² said to hold at most 400 devices: 8 found at 90 % detection needs
    # 5e6 · 8 / (400 · 0.9 · 400 m²) = 277.8 sites
    assert sample_size(5e6, 400.0, RULE) == 278
    # a tighter bound asks for more sites, up to a tenth of the land (1,250 sites of 400 m²)
    assert sample_size(5e6, 100.0, RULE) == 1112
    assert sample_size(5e6, 40.0, RULE) == 1250
    assert sample_size(5e6, 0.0, RULE) == 1250
    assert accept_max(8.0, 0.1) == 12  # P(Poisson(8) > 12) = 0.064 ≤ 0.1 < P(> 11)
    assert stats.poisson.sf(12, 8.0) <= 0.1 < stats.poisson.sf(11, 8.0)


@given(
    area=st.floats(1e3, 1e9),
    bound=st.floats(0.0, 1e6),
    more=st.floats(1.0, 100.0),
    m=st.floats(0.5, 50.0),
)
def test_a_looser_bound_never_asks_for_more_sites(
    area: float, bound: float, more: float, m: float
) -> None:
    rule = ConfirmationRule(expected_devices=m)
    n, looser = sample_size(area, bound, rule), sample_size(area, bound * more, rule)
    assert 1 <= looser <= n <= max(1, int(rule.max_share * area / rule.site_m**2))
    if bound > 0 and n < int(rule.max_share * area / rule.site_m**2):
        # uncapped: the sample expects at least m devices if the land held its bound
        assert n * rule.site_m**2 / area * bound * rule.detection >= m * (1 - 1e-9)


def test_land_holding_its_bound_passes_and_three_times_it_fails() -> None:
    """The test's two errors, by simulation of what teams find (devices one per site)."""
    rng = np.random.default_rng(1)
    c = accept_max(RULE.expected_devices, RULE.alpha)
    at_bound = rng.poisson(RULE.expected_devices, 20_000)
    three_times = rng.poisson(3 * RULE.expected_devices, 20_000)
    assert (at_bound > c).mean() <= RULE.alpha
    assert (three_times > c).mean() >= 0.99


def test_sites_lie_in_the_cancelled_parts_in_proportion_to_their_area() -> None:
    parts = _parts()
    sites, terms = plan_confirmation(parts, RULE, seed=4) or (None, None)
    assert sites is not None and terms is not None
    assert len(sites) == terms["sites"] == sample_size(5e6, 400.0, RULE) == 278
    inside = {
        pid: shapely.contains_xy(geom, sites.geometry.x, sites.geometry.y)
        for pid, geom in zip(parts["part_id"], parts.geometry, strict=True)
    }
    for pid in ("H1/CA", "H2/CA"):
        assert (inside[pid] == (sites["part_id"] == pid).to_numpy()).all()
    assert not inside["H2/TE"].any()
    share = (sites["part_id"] == "H2/CA").mean()
    assert 0.72 < share < 0.88  # 4 of 5 km²
    assert terms["expected_if_bound"] == pytest.approx(8.0, rel=0.01)
    assert terms["accept_max"] == 12 and not terms["capped"]
    assert "search 278 sites of 20 m × 20 m (11.1 ha, 2.2% of the 500.0 ha" in terms["text"]
    again, _ = plan_confirmation(parts, RULE, seed=4) or (None, None)
    assert again is not None and again.geometry.equals(sites.geometry)
    assert again["sample_id"].iloc[0] == sites["sample_id"].iloc[0]


def test_no_sample_without_cancelled_land_and_expert_cancellation_is_tested_too() -> None:
    parts = _parts()
    assert plan_confirmation(parts[parts["decision"] != "cancel"], RULE, seed=0) is None
    # cancelled on expert weights (no bound): tested against the devices the map expects
    _, terms = plan_confirmation(_parts((10.0, np.nan)), RULE, seed=0) or (None, None)
    assert terms is not None and terms["against"] == "expected"
    assert terms["devices_bound"] == 4.0 and terms["capped"]  # 1 + 3 expected
    assert "the 4 devices the map expects there (it has no bound: expert weights)" in terms["text"]


def test_a_tight_bound_is_tested_with_the_largest_sample_and_says_so() -> None:
    _, terms = plan_confirmation(_parts((0.1, 0.2)), RULE, seed=0) or (None, None)
    assert terms is not None and terms["capped"]
    assert terms["share_of_cancelled"] == pytest.approx(0.1, rel=0.01)
    assert "the largest sample allowed" in terms["text"]


def test_the_verdict_and_what_it_does_to_the_parts() -> None:
    parts = _parts()
    _, terms = plan_confirmation(parts, RULE, seed=0) or (None, None)
    assert terms is not None
    n = terms["sites"]
    passed = confirmation_verdict(terms, searched=n, found=12)
    assert passed["verdict"] == "passed" and "may be released" in passed["text"]
    assert terms["accept_max"] == 12
    waiting = confirmation_verdict(terms, searched=n - 1, found=3)
    assert waiting["verdict"] == "incomplete" and f"{n - 1:,} of {n:,} sites" in waiting["text"]
    failed = confirmation_verdict(terms, searched=10, found=13)
    assert failed["verdict"] == "failed" and "13 devices found in 10" in failed["text"]
    at_bound = terms["expected_if_bound"] * 10 / n
    assert f"({13 / at_bound:,.1f} times the {at_bound:,.1f} expected there" in failed["text"]
    assert 13 / at_bound >= 2 and "likely too low as well: take them as a floor" in failed["text"]
    # a sample failed near its bound says nothing of the totals it cannot tell
    near = confirmation_verdict(terms, searched=n, found=13)
    assert near["verdict"] == "failed" and "likely too low" not in near["text"]
    assert "cannot tell whether the devices the map expects in all" in near["text"]

    kept = confirmed_parts(parts, passed)
    assert list(kept["decision"]) == list(parts["decision"])
    assert kept.loc[0, "confidence"].startswith("The confirmation sample passed")
    moved = confirmed_parts(parts, failed)
    assert "cancel" not in set(moved["decision"])
    # H2's cancelled land joins its surveyed part: one part per hazard and decision
    assert sorted(moved["part_id"]) == ["H1/TE", "H2/TE"]
    h2 = moved[moved["hazard_id"] == "H2"].iloc[0]
    assert h2["area_m2"] == pytest.approx(5e6) and h2["expected_devices"] == pytest.approx(43.0)
    assert h2["confidence"].startswith("The confirmation sample failed")


def _write_sites(path: Path, sites: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(sites, path, layer=SITE_LAYER, driver="GPKG")


def test_bad_sites_are_named_by_file_site_and_field_all_at_once(tmp_path: Path) -> None:
    sites, _ = plan_confirmation(_parts(), RULE, seed=0) or (None, None)
    assert sites is not None
    path = tmp_path / "d.gpkg"
    with pytest.raises(UsageError, match="does not exist"):
        read_sites(path)
    pyogrio.write_dataframe(_parts(), path, layer="survey_parts", driver="GPKG")
    with pytest.raises(UsageError, match="no layer 'confirmation_sites'"):
        read_sites(path)
    bad = sites.copy()
    bad["devices_found"] = bad["devices_found"].astype(float)
    bad.loc[0, "devices_found"] = -1.0
    bad.loc[1, "devices_found"] = 2.5
    bad.loc[2, "devices_found"] = 3.0  # found where nobody searched
    _write_sites(path, bad)
    with pytest.raises(DataError) as e:
        read_sites(path)
    said = str(e.value)
    assert f"{path}, layer confirmation_sites, site 1: devices_found is -1.0" in said
    assert "site 2: devices_found is 2.5; accepted: a whole number ≥ 0" in said
    assert "site 3: devices_found is 3 but searched is 0" in said
    assert said.endswith("nothing was recorded")


# --- the job, on a generated world ---------------------------------------------------------


@pytest.fixture
def ws(scenario_dir: Path, ws_target: str, coarse_cells: None) -> Iterator[Workspace]:
    """The generated world's workspace, in a GeoPackage and on PostGIS."""
    with Workspace.create(ws_target, actor="test") as w:
        assert import_package(w, scenario_dir, repair=True).committed
        yield w


def test_teams_confirm_or_overturn_the_cancelled_land(
    ws: Workspace, scenario_dir: Path, tmp_path: Path
) -> None:
    from landrelease.scenario.field import search_sites

    decisions = tmp_path / "decisions.gpkg"
    done = pipeline.map_and_survey(
        ws, SurveyRule.from_settings(), decisions_path=decisions, raster=tmp_path / "r.tif"
    )
    terms = done.result.summary["confirmation"]
    assert terms is not None, "the scenario's decisions cancel land"
    sites = read_sites(decisions)
    assert len(sites) == terms["sites"] and not sites["searched"].any()
    # GDAL opens the layer the teams fill in, with a yes/no field and a whole count
    info = subprocess.run(
        [_ogrinfo(), "-so", str(decisions), SITE_LAYER], capture_output=True, text=True, check=True
    ).stdout
    assert f"Feature Count: {terms['sites']}" in info and "Geometry: Point" in info
    assert "searched: Integer(Boolean)" in info and "devices_found: Integer64" in info
    cancel = read_parts(ws)
    assert (cancel["decision"] == "cancel").any()
    # the workspace keeps the sites with the run, for the map: where, in which part, not searched
    kept_sites = read_stored_sites(ws)
    assert list(kept_sites["site_id"]) == list(sites["site_id"])
    assert set(kept_sites["part_id"]) <= set(cancel.loc[cancel["decision"] == "cancel", "part_id"])
    assert not kept_sites["searched"].any() and (kept_sites.geom_type == "Point").all()
    assert np.allclose(kept_sites.geometry.x, sites.to_crs("EPSG:4326").geometry.x)

    # the teams search every site of the generated world
    searched = search_sites(sites, scenario_dir / "truth", site_m=terms["site_m"], seed=1)
    assert searched["searched"].all()
    _write_sites(decisions, searched)
    found = int(searched["devices_found"].sum())
    ok = pipeline.confirm_decisions(ws, decisions, decisions_path=decisions, actor="officer")
    expect = "failed" if found > terms["accept_max"] else "passed"
    assert ok.verdict["verdict"] == expect and ok.verdict["found"] == found
    kept = ws.query(f"SELECT summary FROM survey_runs WHERE fid = {ok.survey_id}")[0][0]
    kept = json.loads(kept) if isinstance(kept, str) else kept
    if expect == "passed":  # the cancelled land, its bound and the totals stand
        assert kept["by_decision"] == done.result.summary["by_decision"]
    assert ok.confirmed_run == done.survey_id and ok.survey_id == done.survey_id + 1
    assert pyogrio.read_dataframe(decisions, layer=SITE_LAYER)["searched"].all()
    # the new run keeps the sites as the teams searched them; the first run's stay unsearched
    after = read_stored_sites(ws)
    assert after["searched"].all() and int(after["devices_found"].sum()) == found
    assert not read_stored_sites(ws, survey_id=done.survey_id)["searched"].any()

    # the same sample read again (a correction, the rest of the sites) judges the same decisions
    twice = pipeline.confirm_decisions(ws, decisions, actor="officer")
    assert twice.confirmed_run == done.survey_id and twice.verdict == ok.verdict

    # the same decisions draw the same sample; other decisions another, and the old sites no
    # longer count
    again = tmp_path / "again.gpkg"
    redo = pipeline.map_and_survey(
        ws, SurveyRule(target_recall=0.98), decisions_path=again, raster=tmp_path / "r.tif"
    )
    with pytest.raises(UsageError, match="the latest decisions are run"):
        pipeline.confirm_decisions(ws, decisions, actor="officer")

    # a sample whose teams found more than the bound allows sends the land to survey
    fresh = read_sites(again)
    fresh["searched"] = True
    fresh.loc[0, "devices_found"] = redo.result.summary["confirmation"]["accept_max"] + 1
    _write_sites(again, fresh)
    bad = pipeline.confirm_decisions(ws, again, actor="officer")
    assert bad.verdict["verdict"] == "failed"
    latest = read_parts(ws)
    assert "cancel" not in set(latest["decision"])
    assert latest["area_m2"].sum() == pytest.approx(
        read_parts(ws, survey_id=redo.survey_id)["area_m2"].sum()
    )
    row = ws.query(
        "SELECT actor, action, record_id FROM audit_log WHERE action = 'confirm' ORDER BY fid"
    )
    assert [tuple(r) for r in row][-1] == ("officer", "confirm", str(bad.survey_id))
    summary = ws.query(f"SELECT summary FROM survey_runs WHERE fid = {bad.survey_id}")
    assert "confirmation sample failed" in str(summary[0][0])


def test_the_confirm_command_reads_the_sites_and_says_the_verdict(
    ws: Workspace, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from landrelease.cli import app

    decisions = tmp_path / "d.gpkg"
    pipeline.map_and_survey(
        ws, SurveyRule.from_settings(), decisions_path=decisions, raster=tmp_path / "r.tif"
    )
    target = ws.target
    ws.close()
    runner = CliRunner()
    half = read_sites(decisions)
    half.loc[: len(half) // 2, "searched"] = True
    _write_sites(decisions, half)
    out = runner.invoke(app, ["confirm", str(decisions), "-w", target, "--user", "officer"])
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert (
        "The confirmation sample is not complete" in said
        and "Decisions kept as survey run 2" in said
    )
    missing = runner.invoke(app, ["confirm", str(tmp_path / "none.gpkg"), "-w", target])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    assert "does not exist" in missing.output


def test_the_sample_s_status_in_one_sentence() -> None:
    """Awaiting the teams, then each verdict's words as a sentence; nothing without a sample."""
    terms = plan_confirmation(_parts(), RULE, seed=3)
    assert terms is not None
    t = terms[1]
    assert confirmation_status({"confirmation": t}) == (
        f"Cancelled land awaits its confirmation sample: {t['sites']:,} sites "
        f"({t['area_ha']:,.1f} ha) to search by technical survey; the cancellation stands if "
        f"teams find no more than {t['accept_max']:,} devices."
    )
    one = {**t, "sites": 1, "area_ha": 0.04, "accept_max": 1}
    assert confirmation_status({"confirmation": one}) == (
        "Cancelled land awaits its confirmation sample: 1 site (0.04 ha) to search by technical "
        "survey; the cancellation stands if teams find no more than 1 device."
    )
    n, c = t["sites"], t["accept_max"]
    for searched, found, starts in (
        (n, c, "The confirmation sample passed: "),
        (n - 1, 0, "The confirmation sample is not complete: "),
        (n, c + 1, "The confirmation sample failed: "),
    ):
        result = confirmation_verdict(t, searched=searched, found=found)
        status = confirmation_status({"confirmation": t, "confirmation_result": result})
        assert status == f"T{result['text'][1:]}." and status.startswith(starts)
    assert confirmation_status({"confirmation": None, "cancellation_withheld": "x"}) is None
    assert confirmation_status({}) is None


def test_a_hazard_s_sites_in_one_sentence() -> None:
    from landrelease.survey.confirm import sites_text

    assert sites_text(0, 0, 0) == "no confirmation site lies in its cancelled land"
    assert sites_text(1, 0, 0) == "1 confirmation site in its cancelled land, none searched yet"
    assert (
        sites_text(3, 3, 0)
        == "3 confirmation sites in its cancelled land, all searched: nothing found"
    )
    assert (
        sites_text(3, 2, 1)
        == "3 confirmation sites in its cancelled land, 2 searched: 1 device found"
    )
    assert sites_text(1_200, 1_200, 14).endswith("all searched: 14 devices found")
