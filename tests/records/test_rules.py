"""The release rules as pure functions: every refusal carries its numbers."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from landrelease.errors import Severity
from landrelease.records.rules import (
    accreditation_flags,
    check_release,
    hazard_after,
    release_claims,
)

HAZARD = shapely.box(0, 0, 1000, 1000)  # 100 ha, metres
NONE_RELEASED = pd.DataFrame(columns=["activity_id", "method", "released_on", "geometry"])


def check(
    geom: shapely.Geometry,
    *,
    claims=None,
    outcome="cleared",
    kind="clearance",
    released=None,
    strict=True,
):
    return check_release(
        activity_id="A",
        activity_type=kind,
        outcome=outcome,
        claims=claims,
        activity_geom=geom,
        hazard_id="H",
        hazard_geom=HAZARD,
        released=NONE_RELEASED if released is None else released,
        tolerance_share=0.01,
        strict=strict,
    )


def test_an_activity_inside_its_hazard_books_its_area() -> None:
    c = check(shapely.box(0, 0, 500, 400))
    assert not c.issues
    assert [(b.method, b.area_m2) for b in c.bookings] == [("cleared", pytest.approx(200_000.0))]


def test_outside_its_hazard_is_refused_with_the_numbers() -> None:
    c = check(shapely.box(900, 0, 1100, 100))  # 20,000 m², half outside
    (issue,) = c.errors
    assert (
        "10,000 m² (50.0 %) of the activity's area lie outside hazard H (1,000,000 m²)"
        in issue.problem
    )
    assert "at most 200 m² outside" in issue.accepted
    assert c.outside_m2 == pytest.approx(10_000.0)


def test_a_sliver_within_the_tolerance_passes() -> None:
    c = check(shapely.box(0, -0.5, 1000, 100))  # 100,500 m², 500 outside: 0.5 % < 1 %
    assert not c.errors
    assert c.released_m2 == pytest.approx(100_000.0)  # only the part inside is booked


def test_overlap_with_land_already_released_is_refused_with_who_and_when() -> None:
    before = pd.DataFrame(
        {
            "activity_id": ["CL-1"],
            "method": ["cleared"],
            "released_on": ["2025-03-01"],
            "geometry": [shapely.box(0, 0, 100, 100)],
        }
    )
    c = check(shapely.box(50, 0, 250, 100), released=before)
    (issue,) = c.errors
    assert (
        "5,000 m² (25.0 %) overlap land already released: 5,000 m² cleared by CL-1 (ended 2025-03-01)"
        in issue.problem
    )


def test_lenient_mode_trims_the_overlap_and_warns() -> None:
    before = pd.DataFrame(
        {
            "activity_id": ["CL-1"],
            "method": ["cleared"],
            "released_on": ["2025-03-01"],
            "geometry": [shapely.box(0, 0, 100, 100)],
        }
    )
    c = check(shapely.box(50, 0, 250, 100), released=before, strict=False)
    assert not c.errors and c.issues[0].severity is Severity.WARNING
    assert c.released_m2 == pytest.approx(15_000.0)


def test_claiming_more_than_the_polygon_is_refused() -> None:
    c = check(shapely.box(0, 0, 100, 100), claims={"cleared": 12_000.0})
    (issue,) = c.errors
    assert (
        "claims 12,000 m² released (12,000 m² cleared) but its polygon is 10,000 m²: 2,000 m² more than it holds"
        in issue.problem
    )


def test_claims_split_by_method_are_booked_as_claimed() -> None:
    c = check(
        shapely.box(0, 0, 100, 100),
        kind="TS",
        outcome="reduced",
        claims={"reduced": 7_000.0, "cleared": 3_000.0},
    )
    assert not c.issues
    assert {b.method: b.area_m2 for b in c.bookings} == {"reduced": 7_000.0, "cleared": 3_000.0}


def test_a_method_the_activity_type_cannot_use_is_refused() -> None:
    c = check(
        shapely.box(0, 0, 100, 100), kind="NTS", outcome="cancelled", claims={"cleared": 100.0}
    )
    assert "a NTS cannot release land by cleared" in c.errors[0].problem
    c = check(shapely.box(0, 0, 100, 100), kind="NTS", outcome="cleared")
    assert "a NTS cannot release land by cleared" in c.errors[0].problem


def test_release_claims_come_from_extra_properties() -> None:
    assert release_claims({"area_cleared_m2": "1500", "other": 1}) == {"cleared": 1500.0}
    assert release_claims({"other": 1}) is None
    assert release_claims(None) is None


@pytest.mark.parametrize(
    ("status", "released", "outcome", "expected"),
    [
        ("active", 100.0, "reduced", ("worked_on", "SHA", 900.0, False)),
        ("active", 995.0, "cleared", ("closed", "SHA", 5.0, True)),  # 0.5 % left: closes
        ("worked_on", 1000.0, "cleared", ("closed", "SHA", 0.0, True)),
        ("closed", 10.0, "reduced", ("closed", "SHA", 990.0, False)),  # statuses never go back
        ("active", 0.0, "confirmed", ("worked_on", "CHA", 1000.0, False)),
    ],
)
def test_the_hazard_follows(status: str, released: float, outcome: str, expected: tuple) -> None:
    s = hazard_after(
        status=status,
        classification="SHA",
        area_m2=1000.0,
        released_m2=released,
        outcome=outcome,
        closure_share=0.01,
    )
    assert (s.status, s.classification, s.remaining_m2, s.closed) == expected


ORGS = pd.DataFrame(
    {
        "organisation_id": ["ORG-1"],
        "name": ["Safe Ground"],
        "accredited_methods": [["NTS", "TS"]],
        "accredited_assets": [["manual", "dog"]],
        "accreditation_expires": ["2025-06-30"],
    }
)


def test_accreditation_flags_method_assets_and_dates() -> None:
    ok = {
        "organisation": "safe ground",
        "type": "TS",
        "asset": ["manual"],
        "start": "2025-01-01",
        "end": "2025-02-01",
    }
    assert accreditation_flags(ok, ORGS) == []
    flags = accreditation_flags(
        {**ok, "type": "clearance", "asset": "machine", "end": "2025-07-15"}, ORGS
    )
    assert flags == [
        "safe ground is not accredited for clearance (accredited for: NTS, TS)",
        "safe ground is not accredited for machine assets (accredited: manual, dog)",
        "safe ground's accreditation expired on 2025-06-30, before the activity's end (2025-07-15)",
    ]
    assert accreditation_flags({**ok, "organisation": "Unknown NGO"}, ORGS) == [
        "Unknown NGO is not in the register of accredited organisations"
    ]
    assert accreditation_flags({**ok, "organisation": None}, ORGS)[0].startswith(
        "no organisation named"
    )
