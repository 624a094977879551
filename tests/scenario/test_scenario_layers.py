"""Every layer follows the registry: required fields, allowed values, geometry types,
references between layers, and a history that holds together."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from landrelease.domain import LAYERS, FieldKind, Layer, vocab
from landrelease.scenario import ScenarioResult

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SPATIAL = [layer for layer in LAYERS if layer.spatial and layer.name != "qa_visits"]
TABLES = [layer for layer in LAYERS if not layer.spatial]


def check_value(layer: Layer, name: str, value: Any) -> None:
    """Raise AssertionError if ``value`` is not acceptable for the field."""
    f = layer.field(name)
    if f is None:
        return  # an extra property: kept, not checked
    where = f"{layer.name}.{name} = {value!r}"
    k = f.kind
    if k is FieldKind.TEXT:
        assert isinstance(value, str) and (value or not f.required), where
    elif k in (FieldKind.INT, FieldKind.FLOAT):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
        if k is FieldKind.INT:
            assert float(value).is_integer(), where
        assert f.minimum is None or value >= f.minimum, where
        assert f.maximum is None or value <= f.maximum, where
    elif k is FieldKind.BOOL:
        assert isinstance(value, bool), where
    elif k in (FieldKind.DATE, FieldKind.DATETIME):
        assert isinstance(value, str) and DATE.match(value), where
        date.fromisoformat(value)
    elif k is FieldKind.ENUM:
        assert value in f.choices, where
    elif k is FieldKind.ENUM_LIST:
        assert isinstance(value, list) and value and all(v in f.choices for v in value), where
    elif k is FieldKind.ENUM_OR_LIST:
        items = value if isinstance(value, list) else [value]
        assert items and all(v in f.choices for v in items), where
    elif k is FieldKind.TEXT_LIST:
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), where
    elif k is FieldKind.VICTIMS:
        assert isinstance(value, list) and value, where
        for v in value:
            assert set(v) == {"age", "gender", "outcome"}, where
            assert isinstance(v["age"], int) and 0 <= v["age"] <= 120, where
            assert v["gender"] in vocab.GENDERS and v["outcome"] in vocab.VICTIM_OUTCOMES, where


@pytest.mark.parametrize("layer", SPATIAL, ids=lambda layer: layer.name)
def test_geojson_layer_follows_the_registry(small: ScenarioResult, features, layer: Layer) -> None:  # type: ignore[no-untyped-def]
    feats = features(small.out, layer.name)
    assert feats, layer.name
    ids = [f["properties"][layer.id_field] for f in feats]
    assert len(set(ids)) == len(ids), f"{layer.name}: duplicate ids"
    for feat in feats:
        props, geom = feat["properties"], feat["geometry"]
        assert geom["type"] in layer.geometry, (layer.name, geom["type"])
        g = shape(geom)
        assert g.is_valid and not g.is_empty, (layer.name, props[layer.id_field])
        lon0, lat0, lon1, lat1 = g.bounds
        assert lon0 >= 45.9 and lon1 <= 47.6 and lat0 >= 38.8 and lat1 <= 40.45
        for f in layer.required:
            assert f.name in props, (layer.name, f.name)
        for name, value in props.items():
            check_value(layer, name, value)


@pytest.mark.parametrize("layer", TABLES, ids=lambda layer: layer.name)
def test_csv_layer_follows_the_registry(small: ScenarioResult, layer: Layer) -> None:
    with (small.out / layer.filename).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for f in layer.required:
        assert f.name in rows[0], (layer.name, f.name)
    for row in rows:
        for name, text in row.items():
            if text == "":
                continue
            f = layer.field(name)
            value: Any = text
            if f is not None and f.kind in (FieldKind.INT, FieldKind.FLOAT):
                value = float(text)
            elif f is not None and f.kind in (FieldKind.ENUM_LIST, FieldKind.TEXT_LIST):
                value = json.loads(text)
            check_value(layer, name, value)


def test_references_between_layers_hold(small: ScenarioResult, features) -> None:  # type: ignore[no-untyped-def]
    hazards = {f["properties"]["hazard_id"] for f in features(small.out, "hazards")}
    acts = features(small.out, "activities")
    act_ids = {f["properties"]["activity_id"] for f in acts}
    assert {f["properties"]["hazard_id"] for f in acts} <= hazards
    assert {f["properties"]["activity_id"] for f in features(small.out, "findings")} <= act_ids
    settlements = {f["properties"]["settlement_id"] for f in features(small.out, "settlements")}
    assert {
        f["properties"]["settlement_id"] for f in features(small.out, "eore_sessions")
    } <= settlements


def test_activities_tell_a_consistent_history(small: ScenarioResult, features) -> None:  # type: ignore[no-untyped-def]
    outcomes = {
        "NTS": {"cancelled", "confirmed", "none"},
        "TS": {"reduced", "confirmed"},
        "clearance": {"cleared"},
        "EOD_spot": {"cleared"},
    }
    acts = {f["properties"]["activity_id"]: f for f in features(small.out, "activities")}
    statuses = [f["properties"]["status"] for f in acts.values()]
    assert statuses.count("approved") / len(statuses) > 0.8
    for f in acts.values():
        p = f["properties"]
        assert p["outcome"] in outcomes[p["type"]], p
        assert "2020-11-10" <= p["start"] <= p["end"] <= "2026-10-31", p
    found = gpd.read_file(small.out / "findings.geojson")
    done = gpd.read_file(small.out / "activities.geojson").set_index("activity_id")
    act = done.loc[found["activity_id"]]
    assert (act["start"].to_numpy() <= found["date"].to_numpy()).all()
    assert (found["date"].to_numpy() <= act["end"].to_numpy()).all()
    assert act["type"].isin(["TS", "clearance", "EOD_spot"]).all()
    # every finding lies in the area its activity processed
    assert shapely.dwithin(act.geometry.to_numpy(), found.geometry.to_numpy(), 1e-6).all()


def test_hazards_are_mostly_suspected_and_rest_on_evidence(small: ScenarioResult, features) -> None:  # type: ignore[no-untyped-def]
    hz = [f["properties"] for f in features(small.out, "hazards")]
    register = [p for p in hz if "-S" not in p["hazard_id"]]
    assert sum(p["classification"] == "SHA" for p in register) > len(register) / 2
    assert all(p.get("district") for p in hz)
    assert any(p.get("blockages") for p in hz)


def test_incidents_carry_their_victims(small: ScenarioResult, features) -> None:  # type: ignore[no-untyped-def]
    for f in features(small.out, "incidents"):
        p = f["properties"]
        outcomes = [v["outcome"] for v in p["victims"]]
        assert p["killed"] == outcomes.count("killed") and p["injured"] == outcomes.count("injured")
        assert (p["activity"] == "demining") == (not p["civilian"])


def test_scenario_json_records_how(small: ScenarioResult) -> None:
    meta = json.loads((small.out / "scenario.json").read_text())
    assert (meta["seed"], meta["scale"], meta["metric_crs"]) == (1, "small", "EPSG:32638")
    lon0, lat0, lon1, lat1 = meta["bbox"]
    assert 46.8 < lon0 < lon1 < 47.2 and 39.8 < lat0 < lat1 < 40.2
    assert meta["parameters"]["maps"]["coverage"] == 0.05
    assert "timestamp" not in json.dumps(meta).lower()
    assert len(meta["elevation"]["elevation_m"]) == meta["elevation"]["shape"][0]


def test_files_are_plain_text_with_fixed_precision(small: ScenarioResult) -> None:
    text = (small.out / "findings.geojson").read_text(encoding="utf-8")
    first = text.splitlines()[1]
    coords = re.search(r'"coordinates":\[([-\d.]+),([-\d.]+)\]', first)
    assert coords and all(len(c.split(".")[1]) == 6 for c in coords.groups())
    assert Path(small.out / "assets.csv").read_bytes().count(b"\r") == 0


def test_boundaries_are_the_districts_the_hazards_name(district) -> None:  # type: ignore[no-untyped-def]
    """Each district of the window is the area its places are assigned to (nearest seed),
    cut to the land: every hazard lies in the district it names, and the districts tile the
    land without overlap."""
    from landrelease.scenario.package import district_areas

    areas, index = district_areas(district)
    names = [district.world.districts.names[i] for i in index]
    assert {"Aghdam", "Khojavand", "Fuzuli"} <= set(names)
    assert all(g.geom_type == "MultiPolygon" and g.is_valid for g in areas)
    land = district.window.land
    assert abs(sum(g.area for g in areas) - land.area) < 1e-6 * land.area
    assert shapely.union_all(areas).symmetric_difference(land).area < 1e-6 * land.area
    h = district.hazards
    centres = shapely.point_on_surface(h.geoms)  # where the generator reads the district
    inside = np.flatnonzero(shapely.contains_xy(land, *shapely.get_coordinates(centres).T))
    by_name = dict(zip(names, areas, strict=True))
    hits = [shapely.intersects(by_name[h.district[i]], centres[i]) for i in inside]
    assert len(hits) > 500 and np.mean(hits) == 1.0
    again, _ = district_areas(district)  # deterministic
    assert [g.wkb for g in again] == [g.wkb for g in areas]


def test_the_package_carries_its_districts(small: ScenarioResult, features) -> None:  # type: ignore[no-untyped-def]
    found = features(small.out, "boundaries")
    assert [f["properties"] for f in found] == [
        {"boundary_id": "AGD", "name": "Aghdam", "level": "district"}
    ]
    assert found[0]["geometry"]["type"] == "MultiPolygon"
    assert small.counts["boundaries"] == 1
