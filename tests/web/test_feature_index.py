"""The feature index answers bbox and datetime queries exactly as a plain scan would."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landrelease.web import visible
from landrelease.web.api import geojson as ft

RNG = np.random.default_rng(7)
N = 300
POINTS = gpd.GeoDataFrame(
    {
        "finding_id": [f"FD-{i}" for i in range(N)],
        "device": RNG.choice(["AP", "AT", "UXO"], N),
        "date": [
            None if i % 17 == 0 else f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            for i in range(N)
        ],
    },
    geometry=shapely.points(RNG.uniform(46, 47, N), RNG.uniform(39, 40, N)),
    crs="EPSG:4326",
)
FINDINGS = visible.COLLECTIONS["findings"]
INDEX = ft.FeatureIndex(POINTS, FINDINGS)

coord = st.floats(45.9, 47.1, allow_nan=False)
lat = st.floats(38.9, 40.1, allow_nan=False)
day = st.dates(min_value=__import__("datetime").date(2009, 1, 1)).map(lambda d: d.isoformat())


def _scan(bbox: tuple[float, float, float, float] | None, start: str | None, end: str | None):
    keep = []
    for i, row in POINTS.iterrows():
        if bbox is not None and not shapely.intersects(row.geometry, shapely.box(*bbox)):
            continue
        if start is not None or end is not None:
            d = row["date"]
            if not isinstance(d, str) or (start and d < start) or (end and d[: len(end)] > end):
                continue
        keep.append(i)
    return keep


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.none(), st.tuples(coord, lat, coord, lat)),
    st.one_of(st.none(), day),
    st.one_of(st.none(), day, st.just("2015-06")),
)
def test_index_matches_a_scan(bbox, start, end) -> None:  # type: ignore[no-untyped-def]
    if bbox is not None:
        bbox = (min(bbox[0], bbox[2]), min(bbox[1], bbox[3]), max(bbox[0], bbox[2]),
                max(bbox[1], bbox[3]))  # fmt: skip
    interval = None if start is None and end is None else (start, end)
    got = INDEX.select(bbox, interval).tolist()
    assert got == _scan(bbox, start, end)


def test_pages_are_the_features_geojson() -> None:
    rows = INDEX.select(None, None)[:5]
    feats = json.loads(b"[" + INDEX.page(rows) + b"]")
    assert [f["id"] for f in feats] == ["FD-0", "FD-1", "FD-2", "FD-3", "FD-4"]
    assert feats[1]["geometry"]["type"] == "Point"
    assert feats[1]["properties"]["date"] == POINTS["date"][1]
