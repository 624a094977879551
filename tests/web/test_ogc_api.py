"""OGC API – Features over both backends: collections, items, paging, bbox, datetime, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import LAT0, LON0
from tests.web.conftest import token


def test_landing_conformance_and_collections(client: TestClient) -> None:
    landing = client.get("/", headers={"Accept": "application/json"}).json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"conformance", "data", "service-desc"} <= rels
    conf = client.get("/conformance").json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in conf) and any(
        c.endswith("/conf/geojson") for c in conf
    )
    ids = {
        c["id"]
        for c in client.get("/collections", headers=token(client, "im")).json()["collections"]
    }
    assert {"hazards", "incidents", "findings", "settlements", "survey_parts"} <= ids
    hz = client.get("/collections/hazards").json()
    assert hz["extent"]["spatial"]["bbox"][0][0] == LON0
    assert any(link["rel"] == "items" for link in hz["links"])
    assert "text/html" in client.get("/", headers={"Accept": "text/html"}).headers["content-type"]


def test_items_are_geojson_with_paging(client: TestClient) -> None:
    r = client.get("/collections/hazards/items", params={"limit": 2})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    page = r.json()
    assert page["type"] == "FeatureCollection"
    assert (page["numberMatched"], page["numberReturned"]) == (3, 2)
    assert [f["id"] for f in page["features"]] == ["HZ-0", "HZ-1"]
    first = page["features"][0]
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert first["properties"]["status"] == "active"
    assert first["properties"]["local_name"] == "field 0"  # unknown properties kept
    assert 80 < first["properties"]["area_ha"] < 110  # a 1 km square, ~95 ha at 40° N
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    page2 = client.get(nxt).json()
    assert [f["id"] for f in page2["features"]] == ["HZ-2"]
    assert not any(link["rel"] == "next" for link in page2["links"])


def test_bbox_and_datetime_filters(client: TestClient) -> None:
    # only the first square (HZ-0 spans LON0..LON0+0.01)
    bbox = f"{LON0 - 0.001},{LAT0 - 0.001},{LON0 + 0.005},{LAT0 + 0.005}"
    ids = [
        f["id"]
        for f in client.get("/collections/hazards/items", params={"bbox": bbox}).json()["features"]
    ]
    assert ids == ["HZ-0"]
    far = client.get("/collections/hazards/items", params={"bbox": "0,0,1,1"}).json()
    assert far["numberMatched"] == 0 and far["features"] == []

    # hazards reported 2021-03-01, -02, -03
    def reported(dt: str) -> list[str]:
        r = client.get("/collections/hazards/items", params={"datetime": dt})
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["features"]]

    assert reported("2021-03-02") == ["HZ-1"]
    assert reported("2021-03-02/..") == ["HZ-1", "HZ-2"]
    assert reported("../2021-03-02") == ["HZ-0", "HZ-1"]
    assert reported("2021-03-01T00:00:00Z/2021-03-01T23:59:59Z") == ["HZ-0"]
    assert reported("2022-01-01/2022-12-31") == []


def test_one_item_and_survey_parts(client: TestClient) -> None:
    hz = client.get("/collections/hazards/items/HZ-1").json()
    assert hz["id"] == "HZ-1" and hz["properties"]["hazard_id"] == "HZ-1"
    parts = client.get("/collections/survey_parts/items").json()["features"]
    assert {p["properties"]["decision"] for p in parts} == {
        "clearance",
        "cancel",
        "technical_survey",
    }
    assert parts[0]["geometry"]["type"] == "MultiPolygon"
    assert parts[0]["properties"]["evidence"] == "3 findings within 200 m"


def test_errors_are_one_json_shape(client: TestClient) -> None:
    cases = [
        ("/collections/nope/items", 404, "not_found"),
        ("/collections/hazards/items/HZ-404", 404, "not_found"),
        ("/collections/hazards/items?bbox=1,2,3", 400, "bad_request"),
        ("/collections/hazards/items?bbox=5,0,1,1", 400, "bad_request"),
        ("/collections/hazards/items?datetime=yesterday", 400, "bad_request"),
        ("/collections/hazards/items?limit=0", 400, "bad_request"),
        ("/no/such/page", 404, "not_found"),
        ("/collections/incidents/items", 401, "unauthorized"),
    ]
    for url, status, code in cases:
        r = client.get(url)
        assert r.status_code == status, (url, r.text)
        body = r.json()
        assert body["code"] == code and body["status"] == status and body["detail"], url


def test_a_datetime_naming_no_day_is_refused_saying_why(client: TestClient) -> None:
    cases = {
        "2023-02-30": "datetime: 2023-02-30 is not a date: February 2023 has 28 days",
        "2023-01-01/2023-04-31T12:00:00Z": "datetime: 2023-04-31 is not a date: April 2023 has 30 days",
        "../2023-13-01": "datetime: 2023-13-01 is not a date: a year has 12 months (01 to 12)",
    }
    for value, detail in cases.items():
        r = client.get("/collections/hazards/items", params={"datetime": value})
        assert r.status_code == 400, (value, r.text)
        assert r.json()["detail"] == detail
    r = client.get("/collections/hazards/items", params={"datetime": "2023-02-28T10:00:00Z"})
    assert r.status_code == 200, r.text


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/collections/{collection_id}/items" in spec["paths"]
    params = {
        p["name"] for p in spec["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    }
    assert {"limit", "offset", "bbox", "datetime"} <= params
    assert "/api/activities/{activity_id}/approve" in spec["paths"]


def test_the_collections_are_every_layer_each_role_may_read(client: TestClient) -> None:
    from landrelease.domain import LAYERS
    from landrelease.web.auth import ANONYMOUS
    from landrelease.web.downloads import downloadable_layers
    from landrelease.web.visible import PUBLIC_COLLECTIONS, readable_collections

    def listed(headers: dict[str, str] | None = None) -> list[str]:
        r = client.get("/collections", headers=headers or {})
        return [c["id"] for c in r.json()["collections"]]

    # anonymous: the public layers of the role table (docs/web.md), nothing more
    assert sorted(listed()) == sorted(PUBLIC_COLLECTIONS)
    assert client.get("/collections/funding/items").status_code == 401
    # logged in, whatever the role: every layer of the registry, the survey decisions and the
    # sites of their confirmation sample
    every = {layer.name for layer in LAYERS} | {"survey_parts", "confirmation_sites"}
    for user in ("donor", "opa", "ana"):
        assert set(listed(token(client, user))) == every, user
    # the downloads page offers the same layers as the API lists, to everyone
    assert [d.id for d in downloadable_layers(ANONYMOUS)] == [
        c.id for c in readable_collections(ANONYMOUS)
    ]
    # a table is a collection of features without geometry, readable by GDAL and QGIS
    headers = token(client, "donor")
    funding = client.get("/collections/funding/items", headers=headers).json()
    assert funding["numberMatched"] == 3
    assert all(f["geometry"] is None for f in funding["features"])
    assert {"source", "amount_usd"} <= set(funding["features"][0]["properties"])
    assert "extent" not in client.get("/collections/funding", headers=headers).json()
