"""The activity workflow on both backends: only an approved activity changes the hazard register,
every change is in the audit trail, bad releases are refused with their numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landrelease.errors import DataError, UsageError
from landrelease.io import import_package
from landrelease.records import (
    approve_activity,
    book_approved_activities,
    hand_over,
    hazard_balance,
    reject_activity,
    retire_record,
    save_records,
    submit_activity,
)
from landrelease.records.ledger import read_ledger
from landrelease.records.workflow import activity_history, review_queue
from landrelease.store import Workspace, tables
from tests.helpers import LAT0, LON0, feature, square, write_fc, write_package

HZ2 = (LON0 + 0.04, LAT0)  # hazard HZ-2: a 0.01° square, active, CHA


def setup(ws: Workspace, tmp_path: Path) -> None:
    report = import_package(ws, write_package(tmp_path / "pkg"), actor="importer")
    assert report.committed


def add_activity(ws: Workspace, aid: str, geometry: dict[str, Any], **props: Any) -> None:
    record = {
        "activity_id": aid,
        "type": "clearance",
        "hazard_id": "HZ-2",
        "start": "2025-01-05",
        "end": "2025-01-25",
        "outcome": "cleared",
        "organisation": "ANAMA",
        "status": "draft",
        "geometry": geometry,
        **props,
    }
    save_records(ws, "activities", [record], actor="operator")


def audit_rows(ws: Workspace, layer: str, record_id: str) -> list[Any]:
    with ws.engine.connect() as conn:
        trail = tables.read_table(conn, "audit_log", where={"layer": layer, "record_id": record_id})
    cols = ["action", "actor", "before", "after", "note"]
    return [tuple(r) for r in trail[cols].itertuples(index=False)]


def count(ws: Workspace, table: str) -> int:
    with ws.engine.connect() as conn:
        return tables.count_where(conn, table)


def as_dict(v: Any) -> dict[str, Any]:
    return json.loads(v) if isinstance(v, str) else dict(v)


def test_submit_then_approve_books_the_ledger_and_moves_the_hazard(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    add_activity(workspace, "CL-9", square(*HZ2, 0.005))
    hazard_before = hazard_balance(workspace).set_index("hazard_id").loc["HZ-2"]
    assert hazard_before["status"] == "active" and hazard_before["released_m2"] == 0

    sub = submit_activity(workspace, "CL-9", actor="operator")
    assert sub.flags == [] and sub.status_before == "draft"
    assert list(review_queue(workspace)["activity_id"]) == ["ACT-2", "CL-9"]
    result = approve_activity(workspace, "CL-9", actor="manager")

    (booking,) = result.bookings
    assert booking.method == "cleared"
    assert 230_000 < booking.area_m2 < 245_000  # 0.005° × 0.005° near 40° N ≈ 427 m × 556 m
    assert (result.hazard_status_before, result.hazard_status_after) == ("active", "worked_on")
    assert result.remaining_m2 == pytest.approx(
        hazard_before["area_m2"] - booking.area_m2, abs=0.01
    )

    after = hazard_balance(workspace).set_index("hazard_id").loc["HZ-2"]
    assert after["status"] == "worked_on"
    assert after["cleared_m2"] == pytest.approx(booking.area_m2, abs=0.001)
    assert after["remaining_m2"] == pytest.approx(result.remaining_m2, abs=0.01)
    with workspace.engine.connect() as c:
        ledger = read_ledger(c)
    assert list(ledger["activity_id"]) == ["CL-9"] and ledger.iloc[0]["released_on"] == "2025-01-25"

    act = workspace.read_layer("activities", ids=["CL-9"]).iloc[0]
    assert act["status"] == "approved"
    steps = activity_history(workspace, "CL-9")
    assert list(steps["step"]) == ["submitted", "approved"]
    assert list(steps["actor"]) == ["operator", "manager"]

    trail = audit_rows(workspace, "activities", "CL-9")
    assert [r[0] for r in trail] == ["insert", "update", "update"]
    assert (
        as_dict(trail[-1][2])["status"] == "submitted"
        and as_dict(trail[-1][3])["status"] == "approved"
    )
    assert trail[-1][1] == "manager" and trail[-1][4] == "approved"
    hz = audit_rows(workspace, "hazards", "HZ-2")[-1]
    assert as_dict(hz[2])["status"] == "active" and as_dict(hz[3])["status"] == "worked_on"
    assert "CL-9" in hz[4]
    assert audit_rows(workspace, "land_release", "CL-9")[0][0] == "insert"


def test_full_release_closes_the_hazard_with_completion_and_handover(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    add_activity(workspace, "CL-A", square(*HZ2, 0.01), end="2025-02-10")
    submit_activity(workspace, "CL-A", actor="op")
    result = approve_activity(workspace, "CL-A", actor="boss")
    assert result.hazard_status_after == "closed" and result.hazard_closed
    assert result.remaining_m2 == pytest.approx(0.0, abs=1.0)
    bal = hazard_balance(workspace).set_index("hazard_id").loc["HZ-2"]
    assert bal["completed_on"] == "2025-02-10"

    with pytest.raises(UsageError, match="before the hazard's completion"):
        hand_over(workspace, "HZ-2", to="Aghdam municipality", on="2025-01-01", actor="boss")
    done = hand_over(workspace, "HZ-2", to="Aghdam municipality", on="2025-03-01", actor="boss")
    assert done["handed_over_to"] == "Aghdam municipality"
    assert audit_rows(workspace, "hazard_completions", "HZ-2")[-1][4] == "handed over"

    add_activity(workspace, "CL-B", square(*HZ2, 0.002))
    submit_activity(workspace, "CL-B", actor="op")
    with pytest.raises(DataError, match="hazard HZ-2 is closed already"):
        approve_activity(workspace, "CL-B", actor="boss")


def test_bad_releases_are_refused_with_the_numbers_and_change_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    x, y = HZ2
    add_activity(workspace, "OUT", square(x + 0.008, y, 0.004))  # half of it east of the hazard
    flags = submit_activity(workspace, "OUT", actor="op").flags
    assert any("lie outside hazard HZ-2" in f for f in flags)  # flagged at submission already
    audit_before = count(workspace, "audit_log")
    with pytest.raises(DataError) as err:
        approve_activity(workspace, "OUT", actor="boss")
    text = str(err.value)
    assert (
        "cannot approve activity OUT" in text
        and "(50.0 %) of the activity's area lie outside hazard HZ-2" in text
    )
    assert workspace.read_layer("activities", ids=["OUT"]).iloc[0]["status"] == "submitted"
    assert count(workspace, "audit_log") == audit_before
    assert count(workspace, "land_release") == 0

    add_activity(workspace, "FIRST", square(x, y, 0.004))
    submit_activity(workspace, "FIRST", actor="op")
    approve_activity(workspace, "FIRST", actor="boss")
    add_activity(workspace, "SECOND", square(x + 0.002, y, 0.004))  # half over FIRST
    submit_activity(workspace, "SECOND", actor="op")
    with pytest.raises(
        DataError,
        match=r"overlap land already released: [\d,]+ m² cleared by FIRST \(ended 2025-01-25\)",
    ):
        approve_activity(workspace, "SECOND", actor="boss")

    add_activity(workspace, "GREEDY", square(x, y + 0.006, 0.002))
    submit_activity(workspace, "GREEDY", actor="op", claims={"cleared": 100_000.0})
    with pytest.raises(
        DataError,
        match=r"claims 100,000 m² released \(100,000 m² cleared\) but its polygon is [\d,]+ m²",
    ):
        approve_activity(workspace, "GREEDY", actor="boss")


def test_reject_needs_a_reason_and_the_operator_can_resubmit(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    add_activity(workspace, "CL-R", square(*HZ2, 0.003))
    with pytest.raises(UsageError, match="only a submitted activity can be approved"):
        approve_activity(workspace, "CL-R", actor="boss")
    submit_activity(workspace, "CL-R", actor="op")
    with pytest.raises(UsageError, match="needs a reason"):
        reject_activity(workspace, "CL-R", actor="boss", reason="  ")
    rejected = reject_activity(workspace, "CL-R", actor="boss", reason="depth not recorded")
    assert rejected.step == "rejected"
    assert workspace.read_layer("activities", ids=["CL-R"]).iloc[0]["status"] == "rejected"
    assert activity_history(workspace, "CL-R").iloc[-1]["reason"] == "depth not recorded"
    assert "rejected: depth not recorded" in audit_rows(workspace, "activities", "CL-R")[-1][4]
    submit_activity(workspace, "CL-R", actor="op")
    assert approve_activity(workspace, "CL-R", actor="boss").bookings
    with pytest.raises(UsageError, match="is approved"):
        submit_activity(workspace, "CL-R", actor="op")


def test_an_organisation_not_accredited_is_flagged_and_needs_an_override(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    # HALO is accredited for TS and clearance until 2026-06-30
    add_activity(
        workspace,
        "NTS-H",
        square(*HZ2, 0.003),
        type="NTS",
        outcome="cancelled",
        organisation="HALO",
        start="2026-06-01",
        end="2026-07-10",
    )
    flags = submit_activity(workspace, "NTS-H", actor="op").flags
    assert flags == [
        "HALO is not accredited for NTS (accredited for: TS, clearance)",
        "HALO's accreditation expired on 2026-06-30, before the activity's end (2026-07-10)",
    ]
    with pytest.raises(UsageError, match="--accept-flags"):
        approve_activity(workspace, "NTS-H", actor="boss")
    result = approve_activity(workspace, "NTS-H", actor="boss", accept_flags=True)
    assert [b.method for b in result.bookings] == ["cancelled"]
    assert activity_history(workspace, "NTS-H").iloc[-1]["flags"] == flags
    assert "flags accepted" in audit_rows(workspace, "activities", "NTS-H")[-1][4]


def test_the_date_of_information_rule_holds_around_approvals(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    approve_activity(workspace, "ACT-2", actor="boss", accept_flags=True)  # imported as submitted
    assert workspace.read_layer("hazards", ids=["HZ-1"]).iloc[0]["status"] == "worked_on"

    again = import_package(
        workspace, tmp_path / "pkg", actor="importer"
    )  # the operator's older copies
    assert again.committed and again.totals().stale >= 2
    assert workspace.read_layer("hazards", ids=["HZ-1"]).iloc[0]["status"] == "worked_on"
    assert workspace.read_layer("activities", ids=["ACT-2"]).iloc[0]["status"] == "approved"

    later = tmp_path / "later"
    later.mkdir()
    write_fc(
        later / "hazards.geojson",
        [
            feature(
                {
                    "hazard_id": "HZ-1",
                    "classification": "CHA",
                    "status": "active",
                    "date_of_information": "2099-01-01",
                },
                square(LON0 + 0.02, LAT0),
            )
        ],
    )
    assert import_package(workspace, later, actor="importer").totals().updated == 1
    add_activity(workspace, "CL-L", square(LON0 + 0.027, LAT0 + 0.005, 0.002), hazard_id="HZ-1")
    submit_activity(workspace, "CL-L", actor="op")
    result = approve_activity(workspace, "CL-L", actor="boss")
    assert result.bookings and not result.hazard_updated
    assert "later than this approval" in (result.hazard_note or "")
    assert workspace.read_layer("hazards", ids=["HZ-1"]).iloc[0]["status"] == "active"


def test_retired_records_stay_out_of_view_with_their_reason(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    with pytest.raises(UsageError, match="reason"):
        retire_record(workspace, "incidents", "INC-1", actor="im", reason="")
    retire_record(
        workspace, "incidents", "INC-1", actor="im", reason="duplicate of a police report"
    )
    assert not len(workspace.read_layer("incidents"))
    kept = workspace.read_layer("incidents", include_retired=True).iloc[0]
    assert (kept["retired_by"], kept["retired_reason"]) == ("im", "duplicate of a police report")
    action, actor, before, _, note = audit_rows(workspace, "incidents", "INC-1")[-1]
    assert (action, actor, note) == ("retire", "im", "duplicate of a police report")
    assert as_dict(before)["killed"] == 1
    with pytest.raises(UsageError, match="no current record"):
        retire_record(workspace, "incidents", "INC-1", actor="im", reason="again")
    with pytest.raises(UsageError, match="unknown table"):
        retire_record(workspace, "nonsense", "X", actor="im", reason="r")


def test_activities_imported_as_approved_are_booked_once_and_trimmed_where_needed(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    first = book_approved_activities(workspace, actor="im")
    assert (first.activities, first.bookings, first.hazards_updated) == (1, 1, 1)
    assert first.area_by_method_m2["reduced"] > 0 and not first.log.issues()
    again = book_approved_activities(workspace, actor="im")
    assert again.bookings == 0

    extra = tmp_path / "extra"
    extra.mkdir()
    write_fc(
        extra / "activities.geojson",
        [
            feature(
                {
                    "activity_id": "TS-OVER",
                    "type": "TS",
                    "hazard_id": "HZ-0",
                    "start": "2022-06-01",
                    "end": "2022-06-30",
                    "outcome": "reduced",
                    "status": "approved",
                    "organisation": "ANAMA",
                },
                square(LON0 + 0.0025, LAT0, 0.005),  # half over ACT-1's reduced land
            )
        ],
    )
    import_package(workspace, extra, actor="importer")
    trimmed = book_approved_activities(workspace, actor="im")
    (warning,) = trimmed.log.issues()
    assert (
        "overlap land already released" in warning.problem and "reduced by ACT-1" in warning.problem
    )
    total = trimmed.area_by_method_m2["reduced"]
    whole = first.area_by_method_m2["reduced"]
    assert total == pytest.approx(whole / 2, rel=0.02)  # only the new half is booked


def test_records_entered_one_by_one_follow_the_import_rules(
    workspace: Workspace, tmp_path: Path
) -> None:
    setup(workspace, tmp_path)
    with pytest.raises(DataError) as err:
        save_records(
            workspace,
            "eore_sessions",
            [
                {
                    "session_id": "E-9",
                    "date": "2025-02-30",
                    "women": -1,
                    "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
                }
            ],
            actor="x",
        )
    assert "date = '2025-02-30'" in str(err.value) and "women" in str(err.value)
    counts = save_records(
        workspace,
        "eore_sessions",
        [
            {
                "session_id": "E-9",
                "date": "2025-02-03",
                "settlement_id": "ST-2",
                "women": 4,
                "men": 3,
                "girls": 2,
                "boys": 1,
                "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
            }
        ],
        actor="x",
    )
    assert counts.inserted == 1
    assert audit_rows(workspace, "eore_sessions", "E-9")[0][:2] == ("insert", "x")
