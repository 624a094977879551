"""The monthly report states the latest recommendation: the bound on cancelled land, or why none."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from landrelease.reports import Records
from landrelease.reports.data import month_period
from landrelease.reports.periodic import build_monthly
from landrelease.reports.render import to_html
from landrelease.reports.sections import recommendations_section
from landrelease.survey.confirm import confirmation_verdict


def _run(**summary: Any) -> SimpleNamespace:
    base = {
        "rule": "keep 99.0% of the expected devices in surveyed or cleared land",
        "hazard_area_ha": 1000.0,
        "share_cancelled": 0.12,
        "bound_level": 0.9,
        "cancellation_withheld": None,
        "by_decision": {
            "cancel": {"parts": 3, "area_ha": 120.0, "expected_devices": 1.5, "devices_bound": 6.2},
            "technical_survey": {"parts": 5, "area_ha": 800.0, "expected_devices": 90.0},
            "clearance": {"parts": 2, "area_ha": 80.0, "expected_devices": 400.0},
        },
    }
    return SimpleNamespace(
        survey={"fid": 7, "run_at": "2026-11-30T10:00:00", "summary": {**base, **summary}}
    )


def test_cancelled_land_is_stated_with_its_bound() -> None:
    sec, line = recommendations_section(_run())  # type: ignore[arg-type]
    assert line == (
        "120.0 ha (12.0% of the hazard area) can be cancelled; 1.5 devices are expected to remain "
        "there, at most 6.2 at 90% confidence from the map's errors on searched land it did not "
        "learn from."
    )
    table = sec.tables[0]
    assert table.key == "recommendations"
    assert [r[0] for r in table.rows] == [
        "cancel (non-technical survey)",
        "technical survey",
        "full clearance",
    ]
    assert table.rows[0][2] == 120.0 and table.rows[0][3] == 0.12
    assert "survey run 7 (2026-11-30)" in table.title


def test_withheld_cancellation_says_why() -> None:
    run = _run(
        cancellation_withheld="no searched land with and without finds to learn from",
        share_cancelled=0.0,
    )
    run.survey["summary"]["by_decision"]["cancel"] = {
        "parts": 0,
        "area_ha": 0.0,
        "expected_devices": 0.0,
        "devices_bound": 0.0,
    }
    sec, line = recommendations_section(run)  # type: ignore[arg-type]
    assert line is not None and line.startswith(
        "No land is recommended for cancellation: no searched land"
    )
    assert "Non-technical and technical survey first." in sec.paragraphs[0]


def test_no_survey_yet() -> None:
    sec, line = recommendations_section(SimpleNamespace(survey=None))  # type: ignore[arg-type]
    assert line is None
    assert "No survey recommendation yet" in sec.paragraphs[0]


def test_what_stops_cancelling_is_in_the_paragraph_not_the_headline() -> None:
    text = (
        "cancelling stops at about 1.3% of the hazard cells; the map's expectation alone would "
        "allow 13.3%"
    )
    sec, line = recommendations_section(  # type: ignore[arg-type]
        _run(cancellation_limit={"cause": "held_out_errors", "text": text})
    )
    assert line is not None and "stops" not in line
    assert (
        "Cancelling stops at about 1.3% of the hazard cells; the map's expectation alone would allow 13.3%."
        in sec.paragraphs[-1]
    )


def test_land_in_use_names_the_parts_it_lowered_and_those_cancelled() -> None:
    """The count comes from the survey summary's ``land_use_parts`` (per decision), as the
    decisions store it and the console prints it."""
    measure = "land in use, measured on searched land: cultivated: … counted as 44 % searched"
    sec, line = recommendations_section(  # type: ignore[arg-type]
        _run(
            land_use=measure,
            land_use_parts={
                "cancel": 4,
                "technical_survey": 9,
                "clearance": 0,
                "battle_area_clearance": 1,
            },
        )
    )
    assert line is not None and "Land in use" not in line  # the headline stays the cancellation
    assert (
        " Land in use (cultivated, built, grazed or travelled land, counted only as far as "
        "searched land in that use shows it to hold) lowered the risk of 14 parts, 4 of them "
        "cancelled. Rule: keep 99.0%" in sec.paragraphs[-1]
    )
    sec, _ = recommendations_section(_run(land_use=measure, land_use_parts={"cancel": 0}))  # type: ignore[arg-type]
    assert "Land in use lowered the risk of no part. Rule:" in sec.paragraphs[-1]
    # a run without land in use (or stored before it was measured) says nothing of it
    for summary in ({}, {"land_use": None, "land_use_parts": {"cancel": 0}}):
        sec, _ = recommendations_section(_run(**summary))  # type: ignore[arg-type]
        assert "Land in use" not in sec.paragraphs[-1]


SAMPLE = {
    "sample_id": "0a1b2c3d4e5f",
    "sites": 1500,
    "site_m": 20.0,
    "area_ha": 60.0,
    "share_of_cancelled": 0.05,
    "cancelled_ha": 1200.0,
    "devices_bound": 6.2,
    "expected_if_bound": 8.0,
    "accept_max": 12,
    "capped": False,
    "text": "before release, search 1,500 sites …",
}
AWAITS = (
    "Cancelled land awaits its confirmation sample: 1,500 sites (60.0 ha) to search by "
    "technical survey; the cancellation stands if teams find no more than 12 devices."
)


def test_the_confirmation_sample_s_status_follows_the_cancellation() -> None:
    sec, line = recommendations_section(_run(confirmation=SAMPLE))  # type: ignore[arg-type]
    assert line is not None and "confirmation" not in line  # the headline stays the cancellation
    assert f"learn from. {AWAITS} Rule: keep 99.0%" in sec.paragraphs[-1]
    done = confirmation_verdict(SAMPLE, searched=1500, found=3)
    sec, _ = recommendations_section(_run(confirmation=SAMPLE, confirmation_result=done))  # type: ignore[arg-type]
    assert "awaits" not in sec.paragraphs[-1]
    assert (
        " The confirmation sample passed: 3 devices found in all 1,500 sites," in sec.paragraphs[-1]
    )
    # a failed sample is already the reason no land is cancelled: said once
    failed = confirmation_verdict(SAMPLE, searched=900, found=20)
    sec, line = recommendations_section(  # type: ignore[arg-type]
        _run(confirmation=SAMPLE, confirmation_result=failed, cancellation_withheld=failed["text"])
    )
    assert line is not None and line.startswith(
        "No land is recommended for cancellation: the confirmation sample failed: 20 devices"
    )
    assert sec.paragraphs[-1].count("confirmation sample failed") == 1
    # a run without a sample (none drawn, or stored before the sample) says nothing of it
    sec, _ = recommendations_section(_run(confirmation=None))  # type: ignore[arg-type]
    assert "confirmation" not in sec.paragraphs[-1]


def test_the_monthly_report_states_the_confirmation_sample(records: Records) -> None:
    survey = _run(confirmation=SAMPLE).survey
    report = build_monthly(
        dataclasses.replace(records, survey=survey), month_period("2026-01"), figures=False
    )
    assert AWAITS in to_html(report)
