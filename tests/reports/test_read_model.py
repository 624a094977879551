"""Reports read through the read model: a pipeline's view is read once for every report, and
what blocks a settlement is the one rule the map, the planning and the reports share."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from landrelease.reports import load_records, standard_reports
from landrelease.reports.data import radius_m, settlement_hazards
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.view import OPEN_STATUSES
from tests.reports.builder import VICTIM_ADDRESS, VICTIM_NAME


def test_the_standard_reports_read_each_layer_of_the_pipeline_s_view_once(
    programme: Workspace, tmp_path: Path
) -> None:
    view = WorkspaceView(programme)
    view.layer("hazards")  # read by an earlier step of the pipeline
    written = standard_reports(view, tmp_path, user="builder", formats=["xlsx"])
    assert len(written) == 4
    assert view.reads["hazards"] == 1 and view.reads["land_release"] == 1
    assert max(view.reads.values()) == 1, view.reads


def test_personal_data_stays_out_unless_asked_for(programme: Workspace) -> None:
    view = WorkspaceView(programme)
    plain = load_records(view)
    assert "name" not in plain.victim_assistance and "address" not in plain.victim_assistance
    personal = load_records(view, include_personal=True)
    assert list(personal.victim_assistance["name"]) == [VICTIM_NAME]
    assert list(personal.victim_assistance["address"]) == [VICTIM_ADDRESS]
    # victims' ages count by age group (aggregates), so incidents keep them from any view
    without = load_records(WorkspaceView(programme, include_personal=False))
    assert "victims" in without.incidents and "name" not in without.victim_assistance


def test_what_blocks_a_settlement_is_the_read_model_s_rule(programme: Workspace) -> None:
    view = WorkspaceView(programme)
    rec = load_records(view)
    pairs = settlement_hazards(rec, radius_m())
    status = rec.hazards.set_index("hazard_id")["status"]
    open_pairs = pairs[pairs["hazard_id"].map(status).isin(OPEN_STATUSES).to_numpy(dtype=bool)]
    blocking = view.blocking_pairs()
    assert len(blocking) and len(open_pairs) < len(pairs)  # closed hazards nearby too
    pd.testing.assert_frame_equal(
        open_pairs.reset_index(drop=True), blocking.reset_index(drop=True)
    )
