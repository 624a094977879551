"""The backtest: fitted on what was known on one day, checked on the activities after it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.store import Workspace, WorkspaceView
from landrelease.survey import latest_backtest
from landrelease.survey.backtest import backtest, default_as_of

pytestmark = pytest.mark.usefixtures("coarse_cells")


def test_a_view_as_of_a_day_shows_only_what_was_known_then(scenario_ws: Workspace) -> None:
    as_of = default_as_of(scenario_ws)
    now = WorkspaceView(scenario_ws)
    then = WorkspaceView(scenario_ws, as_of=as_of)
    day = as_of.isoformat()
    assert now.data_date is not None and then.data_date is not None
    assert then.data_date <= as_of < now.data_date
    assert (then.layer("findings")["date"].astype(str).str[:10] <= day).all()
    assert (then.layer("activities")["end"].dropna().astype(str).str[:10] <= day).all()
    assert (then.ledger()["released_on"].astype(str).str[:10] <= day).all()
    assert len(then.layer("findings")) < len(now.layer("findings"))
    # a hazard closed after the day was open on it
    hz_now = now.layer("hazards")
    doi = hz_now["date_of_information"].astype(str).str[:10]
    later = set(hz_now.loc[(hz_now["status"] == "closed") & (doi > day), "hazard_id"])
    hz = then.layer("hazards").set_index("hazard_id")
    assert later and not (hz.loc[sorted(later & set(hz.index)), "status"] == "closed").any()


def test_the_backtest_counts_what_teams_found_after_the_day(
    scenario_ws: Workspace, tmp_path: Path
) -> None:
    as_of = default_as_of(scenario_ws)
    result = backtest(scenario_ws, as_of, out=tmp_path)
    table = result.activities
    assert len(table) > 0 and (table["end"] > as_of.isoformat()).all()
    findings = WorkspaceView(scenario_ws).layer("findings")
    truth = findings["activity_id"].value_counts()
    assert table["found_devices"].tolist() == [int(truth.get(a, 0)) for a in table["activity_id"]]
    t = result.totals
    covered = table[table["covered_share"] > 0]
    assert t["found_devices"] == int(covered["found_devices"].sum())
    assert t["expected_devices"] == pytest.approx(float(covered["expected_devices"].sum()))
    # technical survey searches lanes: its teams are expected to find that share of the devices
    assert t["expected_found"] == pytest.approx(float(covered["expected_found"].sum()))
    ts = table["type"] == "TS"
    assert ts.any() and (table.loc[ts, "searched_share"] < 1).all()
    assert (table.loc[~ts, "searched_share"] == 1).all()
    assert np.allclose(table["expected_found"], table["expected_devices"] * table["searched_share"])
    assert (table["expected_devices"] >= 0).all() and (table["cancelled_ha"] >= 0).all()
    assert (table["found_in_cancelled"] <= table["found_devices"]).all()
    assert (table["cancelled_ha"] <= table["area_ha"] + 1e-6).all()
    # the map learned from what was searched by then, not after
    assert t["searched_cells"] > 0
    assert pd.read_csv(result.outputs["table (CSV)"]).shape[0] == len(table)
    with Image.open(result.outputs["calibration chart"]) as img:
        assert img.size[0] > 300

    again = backtest(scenario_ws, as_of)
    pd.testing.assert_frame_equal(again.activities, table)


def test_the_command_says_what_it_needs(scenario_ws: Workspace, tmp_path: Path) -> None:
    # the command keeps its result in the workspace: work on a copy of the shared one
    target = tmp_path / "ws.gpkg"
    shutil.copy(scenario_ws.target, target)
    scenario_ws = Workspace.open(str(target))
    runner = CliRunner()
    bad = runner.invoke(app, ["backtest", "-w", scenario_ws.target, "--as-of", "30/06/2025"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    late = (WorkspaceView(scenario_ws).data_date or dt.date.today()) + dt.timedelta(days=1)
    none = runner.invoke(app, ["backtest", "-w", scenario_ws.target, "--as-of", late.isoformat()])
    assert none.exit_code == 2 and "choose an earlier --as-of" in " ".join(none.output.split())
    ok = runner.invoke(app, ["backtest", "-w", scenario_ws.target, "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    said = " ".join(ok.output.split())
    assert (
        "Backtest as of" in said
        and "Devices expected to be found in the land they searched" in said
    )
    kept = latest_backtest(scenario_ws)
    assert kept is not None and kept["as_of"] == default_as_of(scenario_ws).isoformat()
    assert kept["summary"]["verdict"] in ("under", "over", "consistent")
    assert kept["summary"]["found_devices"] >= 0
    scenario_ws.close()
