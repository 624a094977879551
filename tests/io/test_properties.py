"""Property-based tests of the value rules and of lossless round trips."""

from __future__ import annotations

import datetime as dt
import json
import string
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landrelease.domain import layer_by_name
from landrelease.io import export_package, import_package
from landrelease.io.values import CONVERTERS
from landrelease.store import Workspace
from tests.helpers import LAT0, LON0, feature, square, write_fc

DATE = layer_by_name("hazards").field("reported")
KILLED = layer_by_name("incidents").field("killed")
CLASS = layer_by_name("hazards").field("classification")
assert DATE and KILLED and CLASS


def convert(field, values):  # type: ignore[no-untyped-def]
    converted = CONVERTERS[field.kind](pd.Series(values, dtype=object), field)
    return list(converted.values), list(converted.bad)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_date_is_accepted_as_written(d: dt.date) -> None:
    out, bad = convert(DATE, [d.isoformat(), d])
    assert out == [d.isoformat(), d.isoformat()]
    assert bad == [False, False]


@given(st.text(alphabet=string.digits + "-/. T:", max_size=12))
def test_a_date_is_accepted_only_if_it_is_a_real_calendar_date(text: str) -> None:
    _, [bad] = convert(DATE, [text])
    assert bad == (not _one_real_date(text.strip()))


def _one_real_date(text: str) -> bool:
    """Whether ``text`` names one calendar date: year first (``-``, ``/`` or ``.``), or year
    last with day and month readable one way only (or both ways alike)."""
    readings = set()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%m.%d.%Y"):
        try:
            readings.add(dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    year_first = text[:4].isdigit() and len(text) == 10
    year_last = (
        text[-4:].isdigit() and len(text.split(text[-5])[0]) <= 2 if len(text) > 5 else False
    )
    return len(readings) == 1 and (year_first or year_last)


@given(
    st.one_of(
        st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=6), st.booleans()
    )
)
def test_counts_must_be_whole_and_not_negative(value: object) -> None:
    [out], [bad] = convert(KILLED, [value])
    if not bad:
        assert isinstance(out, int) and out >= 0
        assert float(str(value).strip()) == out


@given(st.text(max_size=8))
def test_enum_accepts_exactly_its_choices(value: str) -> None:
    _, [bad] = convert(CLASS, [value])
    assert bad == (value.strip() not in ("SHA", "CHA"))


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53 - 1), 2**53 - 1),  # JSON's exact integers; beyond them the importer refuses
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    # any text a UTF-8 file can hold (lone surrogates cannot be written at all)
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
extras = st.dictionaries(
    st.text(string.ascii_lowercase + "_", min_size=3, max_size=10).filter(
        lambda k: k not in layer_by_name("hazards").field_names
    ),
    json_values,
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extras, st.floats(min_value=-0.5, max_value=0.5, allow_nan=False))
def test_unknown_properties_survive_export_and_import(extra: dict, shift: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pkg").mkdir()
        props = {"hazard_id": "H-1", "classification": "SHA", "status": "active", **extra}
        write_fc(
            root / "pkg" / "hazards.geojson",
            [feature(props, square(LON0 + shift, LAT0 + shift / 3))],
        )
        ws = Workspace.create(str(root / "a.gpkg"))
        assert import_package(ws, root / "pkg").ok
        export_package(ws, root / "out")
        again = Workspace.create(str(root / "b.gpkg"))
        assert import_package(again, root / "out").ok
        a, b = ws.read_layer("hazards"), again.read_layer("hazards")
        expected = {k: v for k, v in extra.items() if v is not None}
        assert a["extra"].iloc[0] == b["extra"].iloc[0] == expected
        assert a.geometry.iloc[0].equals_exact(b.geometry.iloc[0], tolerance=0)
        assert import_package(ws, root / "out").totals().unchanged == 1
        exported = json.loads((root / "out" / "hazards.geojson").read_text())
        assert exported["features"][0]["properties"]["hazard_id"] == "H-1"
        ws.close()
        again.close()
