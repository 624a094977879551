"""The data-entry forms' fields: labels in words from the layer registry, areas in hectares
converted to the stored m² exactly, date pickers, and the hazard selector's search."""

from __future__ import annotations

import re
from decimal import Decimal

import geopandas as gpd
import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient

from landrelease.domain import LAYERS, FieldKind, layer_by_name
from landrelease.web import entry, qa_form
from landrelease.web.hazard_search import MAX_MATCHES, search_hazards
from landrelease.web.labels import ha_text, m2_from_ha
from landrelease.web.records_form import FORM_LAYERS, field_view, form_fields
from tests.web.conftest import PASSWORD

# -- hectares ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ha", "m2"),
    [
        ("1.1", 11_000.0),
        ("0.035", 350.0),
        ("0.07", 700.0),
        ("0.0001", 1.0),
        ("2.5", 25_000.0),
        ("5", 50_000.0),
        ("0", 0.0),
    ],
)
def test_hectares_become_square_metres_exactly(ha: str, m2: float) -> None:
    assert m2_from_ha(ha) == m2
    assert ha_text(m2) == ha  # and back, as the form shows a stored area


def test_decimal_arithmetic_is_what_makes_the_conversion_exact() -> None:
    # the reason for Decimal: floating point misses these by a rounding step
    assert float("0.035") * 10_000 == 350.00000000000006
    assert m2_from_ha("0.035") == 350.0
    # every area to the hundredth of a m² (a millionth of a hectare) comes back as typed
    for hundredths in range(0, 2_000_000, 7_919):
        text = format(Decimal(hundredths) / Decimal(1_000_000), "f").rstrip("0").rstrip(".")
        text = text or "0"
        assert m2_from_ha(text) == hundredths / 100
        assert ha_text(m2_from_ha(text)) == text


@pytest.mark.parametrize("text", ["1,5", "abc", "", "nan", "inf", "-Infinity", "1 000"])
def test_text_that_is_not_a_decimal_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a (finite )?number"):
        m2_from_ha(text)


def test_an_activity_reports_areas_in_hectares_stored_in_m2() -> None:
    issues: list[dict[str, str]] = []
    areas = entry.claimed_areas(
        {"area_cleared_ha": "1.1", "area_reduced_m2": "2500"}, "CL-1", issues
    )
    assert areas == {"area_cleared_m2": 11_000.0, "area_reduced_m2": 2500.0}
    assert issues == []


def test_a_negative_or_doubled_area_is_refused_on_the_hectare_field() -> None:
    issues: list[dict[str, str]] = []
    form = {"area_cleared_ha": "-1", "area_reduced_ha": "2", "area_reduced_m2": "20000"}
    assert entry.claimed_areas(form, "CL-1", issues) == {}
    by_field = {i["field"]: i for i in issues}
    assert set(by_field) == {"area_cleared_ha", "area_reduced_ha"}
    assert by_field["area_cleared_ha"]["problem"] == "not a number in range"
    assert by_field["area_cleared_ha"]["accepted"] == "a number ≥ 0 [ha]"
    assert by_field["area_reduced_ha"]["problem"] == "the area is given twice"
    assert by_field["area_reduced_ha"]["value"] == "2 ha and 20000 m²"


def test_a_stored_activity_shows_its_areas_in_hectares() -> None:
    import pandas as pd

    row = pd.Series(
        {
            "activity_id": "CL-1",
            "extra": {"area_cleared_m2": 12_345.0, "area_reduced_m2": 50_000, "devices_found": 3},
        }
    )
    values = entry.activity_values(row)
    assert values["area_cleared_ha"] == "1.2345" and values["area_reduced_ha"] == "5"
    assert values["area_cancelled_ha"] == "" and values["devices_found"] == "3"
    assert not any(k.endswith("_m2") for k in values)


def test_the_inspected_area_is_taken_in_hectares() -> None:
    issues: list[dict[str, str]] = []
    assert qa_form.area_inspected_m2({"area_inspected_ha": "0.25"}, "QA-1", issues) == "2500.0"
    assert qa_form.area_inspected_m2({"area_inspected_m2": "300"}, "QA-1", issues) == "300"
    assert issues == []
    assert qa_form.area_inspected_m2({"area_inspected_ha": "x"}, "QA-1", issues) == ""
    assert issues[0]["field"] == "area_inspected_ha"


# -- labels ---------------------------------------------------------------------------------


def _form_field_views() -> list[dict[str, object]]:
    views = [*entry.activity_fields(), *entry.extra_fields(), *qa_form.qa_fields().values()]
    for name in FORM_LAYERS:
        views += form_fields(layer_by_name(name))
    return views


def test_every_field_a_form_shows_is_labelled_in_words() -> None:
    views = _form_field_views()
    assert len(views) > 25
    for v in views:
        label = str(v["label"])
        assert "_" not in label and label[0].isupper(), v
        assert label != v["name"], v
        assert "m²" not in str(v["unit"]), f"{v['name']}: areas are entered in ha"
    areas = {v["name"]: v["unit"] for v in views if "area" in str(v["name"])}
    assert areas == dict.fromkeys(
        ["area_cancelled_ha", "area_reduced_ha", "area_cleared_ha", "area_inspected_ha"], "ha"
    )


def test_labels_come_from_the_layer_registry() -> None:
    activities = layer_by_name("activities")
    start = activities.field("start")
    assert start is not None and field_view(start)["label"] == start.label == "Start date"
    # a field without a label still reads as words
    undeclared = layer_by_name("settlements").field("population_planned")
    assert undeclared is not None and undeclared.title == "Population planned"
    # choices are listed in words, their values stay the vocabulary
    device = layer_by_name("findings").field("device")
    assert device is not None
    assert field_view(device)["choice_labels"]["AP"] == "Anti-personnel mine (AP)"
    # every date is a date picker, every other field a text input (numbers too: the importer
    # must see what was typed to say what is wrong with it)
    for layer in LAYERS:
        for f in layer.fields:
            want = "date" if f.kind is FieldKind.DATE else "text"
            assert field_view(f)["input"] == want, (layer.name, f.name)


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_the_form_pages_show_words_hectares_date_pickers_and_a_map(client: TestClient) -> None:
    _login(client, "im")
    finding = client.get("/records/new/findings").text
    assert re.search(r'<label for="f-date">Date found <abbr class="req"', finding)
    assert '<input type="date" id="f-date" name="date"' in finding
    assert 'aria-describedby="help-device msg-device"' in finding
    assert 'class="form-map" data-draw="point"' in finding and 'name="lon"' in finding
    activity = client.get("/activities/new?hazard_id=HZ-1").text
    assert '<label for="f-area_cleared_ha">Area cleared <span class="unit">(ha)</span>' in activity
    assert "_m2" not in activity and "hazard_id *" not in activity
    assert 'class="form-map" data-draw="activity"' in activity
    # the hazard named in the address is shown in words, and the map is told where it lies
    assert "HZ-1 — SHA, active" in activity
    assert re.search(r'class="hazard-bbox" data-bbox="[-\d.,]+"', activity)
    qa = client.get("/qa").text
    assert "area_inspected_m2" not in qa


# -- the hazard selector's search ---------------------------------------------------------


def _hazards() -> gpd.GeoDataFrame:
    rows = [
        ("HZ-FUZ-0238", "Fuzuli", "CHA", "active", 970_000.0),
        ("HZ-AGD-0238", "Aghdam", "SHA", "active", 80_000.0),
        ("HZ-AGD-1238", "Aghdam", "SHA", "closed", 5_000.0),
        ("HZ-AGD-0001", "Aghdam", "CHA", "worked_on", 12_345.0),
    ]
    return gpd.GeoDataFrame(
        {
            "hazard_id": [r[0] for r in rows],
            "district": [r[1] for r in rows],
            "classification": [r[2] for r in rows],
            "status": [r[3] for r in rows],
            "area_m2": [r[4] for r in rows],
        },
        geometry=[shapely.box(46 + i, 39, 46.01 + i, 39.02) for i in range(len(rows))],
        crs="EPSG:4326",
    )


def test_a_hazard_is_found_by_part_of_its_code_or_its_district() -> None:
    frame = _hazards()
    found = search_hazards(frame, "0238")
    # both open hazards; the closed HZ-AGD-1238 holds "238" but not "0238", and is closed
    assert [h["hazard_id"] for h in found["hazards"]] == ["HZ-AGD-0238", "HZ-FUZ-0238"]
    assert found["total"] == 2
    first = found["hazards"][0]
    assert first["label"] == "HZ-AGD-0238 — SHA, active, 8.00 ha, Aghdam"
    assert first["bbox"] == [47.0, 39.0, 47.01, 39.02]
    # every word must match: a district and part of a code
    assert [h["hazard_id"] for h in search_hazards(frame, "fuzuli 02")["hazards"]] == [
        "HZ-FUZ-0238"
    ]
    # a code starting with what was typed comes first
    assert search_hazards(frame, "hz-agd")["hazards"][0]["hazard_id"] == "HZ-AGD-0001"


def test_closed_hazards_are_offered_only_by_their_exact_code() -> None:
    frame = _hazards()
    assert "HZ-AGD-1238" not in {h["hazard_id"] for h in search_hazards(frame, "238")["hazards"]}
    exact = search_hazards(frame, "hz-agd-1238")["hazards"]
    assert [h["hazard_id"] for h in exact] == ["HZ-AGD-1238"] and exact[0]["status"] == "closed"


def test_the_search_answers_few_and_says_how_many_matched() -> None:
    frame = _hazards()
    few = search_hazards(frame, "hz", limit=1)
    assert len(few["hazards"]) == 1 and few["total"] == 3
    assert search_hazards(frame, "   ")["hazards"] == []
    assert search_hazards(frame, "nothing-like-it") == {
        "query": "nothing-like-it",
        "total": 0,
        "hazards": [],
    }
    assert search_hazards(frame, "hz", limit=10_000)["total"] <= MAX_MATCHES


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_the_search_endpoint_answers_the_form(client: TestClient) -> None:
    _login(client, "opa")
    r = client.get("/api/hazard-search", params={"q": "hz-2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [h["hazard_id"] for h in body["hazards"]] == ["HZ-2"]
    hazard = client.get("/collections/hazards/items/HZ-2").json()
    west, south, east, north = body["hazards"][0]["bbox"]
    shape = shapely.geometry.shape(hazard["geometry"])
    assert (west, south, east, north) == pytest.approx(shape.bounds, abs=1e-6)
    assert client.get("/api/hazard-search", params={"q": "x", "limit": 0}).status_code == 400
