"""Land in use: an optional layer of the evidence package, checked on import like the others;
a bad kind or number of years is refused naming file, record, field, value and what is accepted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from landrelease.domain import layer_by_name
from landrelease.domain.vocab import LAND_USE_KINDS
from landrelease.errors import Severity
from landrelease.io import import_package, validate_package
from landrelease.io.values import CONVERTERS
from landrelease.store import Workspace, WorkspaceView
from tests.helpers import LAT0, LON0, feature, package_with, point, square, write_package

FIELD = {
    "land_use_id": "LU-1",
    "kind": "cultivated",
    "years_in_use": 4,
    "observed": "2024-05-01",
}
LAYER = layer_by_name("land_use")
KIND, YEARS = LAYER.field("kind"), LAYER.field("years_in_use")
assert KIND and YEARS


def _package(tmp_path: Path, *feats: dict) -> Path:
    return package_with(tmp_path, "land_use", *feats)


def test_land_in_use_is_stored_with_its_kind_years_and_date(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = _package(
        tmp_path,
        feature(FIELD | {"source": "field_visit", "confidence": "low"}, square(LON0, LAT0, 0.002)),
        feature(
            FIELD | {"land_use_id": "LU-2", "kind": "Track", "years_in_use": 0.5},
            square(LON0 + 0.01, LAT0, 0.001),
        ),
    )
    report = import_package(workspace, folder)
    assert report.committed, [str(i) for i in report.log.issues(Severity.ERROR)]
    frame = workspace.read_layer("land_use").set_index("land_use_id")
    assert frame.loc[
        "LU-1", ["kind", "years_in_use", "observed", "source", "confidence"]
    ].tolist() == [
        "cultivated",
        4.0,
        "2024-05-01",
        "field_visit",
        "low",
    ]
    assert frame.loc["LU-2", "kind"] == "track"  # matched ignoring case, with a note
    assert frame.loc["LU-2", "years_in_use"] == 0.5


def test_a_package_without_land_in_use_imports(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg", skip=("land_use",))
    assert import_package(workspace, folder).committed
    assert len(workspace.read_layer("land_use")) == 0


def test_bad_land_use_values_are_refused_with_what_is_accepted(tmp_path: Path) -> None:
    folder = _package(
        tmp_path,
        feature(FIELD | {"kind": "ploughed"}, square(LON0, LAT0, 0.002)),
        feature(FIELD | {"land_use_id": "LU-2", "years_in_use": -3}, square(LON0, LAT0, 0.002)),
        feature(FIELD | {"land_use_id": "LU-3", "years_in_use": 250}, square(LON0, LAT0, 0.002)),
        feature({"land_use_id": "LU-4", "kind": "built"}, square(LON0, LAT0, 0.002)),
        feature(FIELD | {"land_use_id": "LU-5", "confidence": "sure"}, square(LON0, LAT0, 0.002)),
        feature(FIELD | {"land_use_id": "LU-6"}, point(LON0, LAT0)),
    )
    issues = validate_package(folder).log.issues(Severity.ERROR)
    by = {(i.record, i.field): i for i in issues}
    kind = by[("LU-1", "kind")]
    assert kind.file == "land_use.geojson" and "ploughed" in kind.value
    assert kind.accepted == "one of cultivated, built, grazed, road, track"
    for record, value in (("LU-2", "-3"), ("LU-3", "250")):
        years = by[(record, "years_in_use")]
        assert value in years.value
        assert years.accepted == "a number from 0 to 100 [years]"
    assert ("LU-4", "years_in_use") in by and ("LU-4", "observed") in by
    assert by[("LU-5", "confidence")].accepted == "one of low, medium, high"
    assert "wrong geometry type Point" in by[("LU-6", "geometry")].problem
    assert len(issues) == 7, [str(i) for i in issues]


def _convert(field, values):  # type: ignore[no-untyped-def]
    out = CONVERTERS[field.kind](pd.Series(values, dtype=object), field)
    return list(out.values), list(out.bad)


@given(st.one_of(st.floats(allow_nan=True), st.integers(-1000, 1000), st.text(max_size=6)))
def test_years_in_use_are_accepted_exactly_from_0_to_100(value: object) -> None:
    [out], [bad] = _convert(YEARS, [value])
    if (isinstance(value, str) and not value.strip()) or value != value:
        assert bad  # blank: the years are required
        return
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    assert bad == (not 0 <= number <= 100)
    if not bad:
        assert out == number


@given(st.one_of(st.sampled_from(LAND_USE_KINDS), st.text(max_size=10)))
def test_kind_accepts_exactly_the_kinds_of_use(value: str) -> None:
    [out], [bad] = _convert(KIND, [value])
    if bad:
        assert value.strip().lower() not in LAND_USE_KINDS
    elif value.strip():
        assert out in LAND_USE_KINDS


def test_a_backtest_does_not_see_land_in_use_observed_after_its_day(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = _package(
        tmp_path,
        feature(FIELD, square(LON0, LAT0, 0.002)),
        feature(
            FIELD | {"land_use_id": "LU-2", "observed": "2025-03-01"}, square(LON0, LAT0, 0.001)
        ),
    )
    assert import_package(workspace, folder).committed
    view = WorkspaceView(workspace)
    assert sorted(view.layer("land_use")["land_use_id"]) == ["LU-1", "LU-2"]
    assert list(view.known_on(dt.date(2024, 12, 31)).layer("land_use")["land_use_id"]) == ["LU-1"]
