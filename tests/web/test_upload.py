"""Evidence packages uploaded through the browser form and the API."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import LAT0, LON0, feature, square
from tests.web.conftest import PASSWORD, token


def _hazard(hid: str, classification: str) -> dict[str, Any]:
    return feature(
        {
            "hazard_id": hid,
            "classification": classification,
            "status": "active",
            "district": "Aghdam",
            "reported": "2023-03-01",
            "device_types": ["AP"],
        },
        square(LON0 + 0.2, LAT0 + 0.2),
    )


def _zip(*features: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        fc = {"type": "FeatureCollection", "features": list(features)}
        z.writestr("pkg/hazards.geojson", json.dumps(fc))
    return buf.getvalue()


def _login(client: TestClient, username: str) -> str:
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": "/upload"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf


def _hazard_ids(client: TestClient) -> set[str]:
    r = client.get("/collections/hazards/items?limit=1000")
    return {f["id"] for f in r.json()["features"]}


def test_a_package_with_one_bad_record_shows_its_error_and_writes_nothing(
    client: TestClient,
) -> None:
    before = _hazard_ids(client)
    csrf = _login(client, "im")
    form = client.get("/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    body = _zip(_hazard("HZ-8", "SHA"), _hazard("HZ-9", "bogus"))
    files = {"package": ("new hazards.zip", body, "application/zip")}
    # the form needs its CSRF token
    assert client.post("/forms/upload", files=files).status_code == 403
    r = client.post("/forms/upload", files=files, data={"csrf_token": csrf})
    assert r.status_code == 422, r.text
    assert "refused" in r.text and "nothing was written" in r.text
    assert "HZ-9" in r.text and "classification" in r.text and "bogus" in r.text
    assert "CHA" in r.text  # what is accepted
    assert _hazard_ids(client) == before
    # corrected, it is imported and counted
    r = client.post(
        "/forms/upload",
        files={"package": ("fixed.zip", _zip(_hazard("HZ-8", "SHA"), _hazard("HZ-9", "CHA")))},
        data={"csrf_token": csrf},
    )
    assert r.status_code == 200, r.text
    assert "imported" in r.text and "2 inserted" in r.text
    assert _hazard_ids(client) == before | {"HZ-8", "HZ-9"}


def test_only_information_managers_and_administrators_upload(client: TestClient) -> None:
    files = {"package": ("p.zip", _zip(_hazard("HZ-8", "SHA")), "application/zip")}
    assert client.post("/api/packages", files=files).status_code == 401
    for who in ("ana", "opa", "donor"):
        r = client.post("/api/packages", files=files, headers=token(client, who))
        assert r.status_code == 403, who
    r = client.post(
        "/api/packages",
        files={"package": ("p.txt", b"x", "text/plain")},
        headers=token(client, "admin"),
    )
    assert r.status_code == 400
    r = client.post("/api/packages", files=files, headers=token(client, "admin"))
    assert r.status_code == 200, r.text
    assert r.json()["committed"] and r.json()["totals"]["inserted"] == 1
