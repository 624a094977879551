"""The dashboard: aggregate charts as PNG, figures from the records, no personal data."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from landrelease.web.dashboard import casualties_by_activity, devices_by_type


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_dashboard_charts_and_figures(client: TestClient) -> None:
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    assert devices_by_type(ws)["devices"].to_dict() == {"AP": 1, "AT": 1, "UXO": 1}
    assert casualties_by_activity(ws).loc["agriculture"].to_dict() == {"killed": 1, "injured": 2}
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Devices found by type" in page.text
    assert "victims" not in page.text
    for name in ("released_by_month", "devices_by_type", "casualties_by_activity"):
        r = client.get(f"/dashboard/{name}.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        img = Image.open(io.BytesIO(r.content))
        assert img.size == (600, 320)
    assert client.get("/dashboard/nope.png").json()["code"] == "not_found"


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_settlement_page_lists_nearby_hazards_and_decisions(client: TestClient) -> None:
    from landrelease.web.settlement import settlement_view

    view = settlement_view(client.app.state.workspace, "ST-1")  # type: ignore[attr-defined]
    ids = [h["hazard_id"] for h in view.hazards]
    assert sorted(ids) == ["HZ-0", "HZ-1", "HZ-2"]
    assert [h["distance_m"] for h in view.hazards] == sorted(h["distance_m"] for h in view.hazards)
    hz0 = next(h for h in view.hazards if h["hazard_id"] == "HZ-0")
    assert {d["decision"] for d in hz0["decisions"]} == {"clearance", "cancel"}
    assert "/settlements/ST-1" in client.get("/settlements").text
    page = client.get("/settlements/ST-1")
    assert (
        page.status_code == 200 and "HZ-0" in page.text and "no evidence within 1 km" in page.text
    )
    assert client.get("/settlements/NOPE").status_code == 404
