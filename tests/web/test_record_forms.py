"""Findings and incidents entered in forms, checked with the importer's rules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import LAT0, LON0
from tests.web.test_upload import _login


def _finding_ids(client: TestClient) -> set[str]:
    r = client.get("/collections/findings/items?limit=1000")
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def test_a_finding_form_is_checked_with_the_importers_rules(client: TestClient) -> None:
    csrf = _login(client, "im")
    page = client.get("/records/new/findings")
    assert page.status_code == 200 and 'name="device"' in page.text
    before = _finding_ids(client)
    bad = {
        "csrf_token": csrf,
        "finding_id": "F-NEW",
        "device": "AP",
        "date": "2024-13-45",
        "depth_cm": "-3",
        "lon": str(LON0 + 0.001),
        "lat": str(LAT0 + 0.001),
    }
    assert client.post("/forms/records/findings", data={**bad, "csrf_token": ""}).status_code == 403
    r = client.post("/forms/records/findings", data=bad)
    assert r.status_code == 422, r.text
    assert "Refused" in r.text and "date" in r.text and "2024-13-45" in r.text
    assert "depth_cm" in r.text
    assert _finding_ids(client) == before
    good = {**bad, "date": "2024-02-01", "depth_cm": "12"}
    r = client.post("/forms/records/findings", data=good)
    assert r.status_code == 200, r.text
    assert "Recorded" in r.text
    assert _finding_ids(client) == before | {"F-NEW"}


def test_record_forms_only_for_entitled_roles(client: TestClient) -> None:
    assert client.get("/records/new/incidents").status_code == 401
    _login(client, "ana")
    assert client.get("/records/new/incidents").status_code == 403
    assert "/records/new/findings" not in client.get("/map").text
    assert client.get("/records/new/hazards").status_code == 404
