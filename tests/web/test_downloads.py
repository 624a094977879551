"""The downloads page: layers as GeoJSON and GeoPackage, the whole package, reports."""

from __future__ import annotations

from pathlib import Path

import pyogrio
from fastapi.testclient import TestClient

from tests.web.conftest import token


def test_layer_downloads_open_with_pyogrio(client: TestClient, tmp_path: Path) -> None:
    page = client.get("/downloads")
    assert page.status_code == 200
    assert "/downloads/layers/hazards.gpkg" in page.text
    assert "/downloads/layers/incidents.gpkg" not in page.text  # not public
    for fmt in ("gpkg", "geojson"):
        r = client.get(f"/downloads/layers/hazards.{fmt}")
        assert r.status_code == 200, r.text
        assert "attachment" in r.headers["content-disposition"]
        path = tmp_path / f"hazards.{fmt}"
        path.write_bytes(r.content)
        frame = pyogrio.read_dataframe(path)
        assert len(frame) == 3 and set(frame["hazard_id"]) == {"HZ-0", "HZ-1", "HZ-2"}
    assert client.get("/downloads/layers/incidents.gpkg").status_code == 401


def test_personal_data_only_for_entitled_roles(client: TestClient, tmp_path: Path) -> None:
    from landrelease.domain import layer_by_name

    personal = {f.name for f in layer_by_name("incidents").fields if f.personal}
    assert personal
    for who, entitled in (("donor", False), ("ana", True)):
        r = client.get("/downloads/layers/incidents.gpkg", headers=token(client, who))
        assert r.status_code == 200, r.text
        path = tmp_path / f"incidents-{who}.gpkg"
        path.write_bytes(r.content)
        cols = set(pyogrio.read_info(path)["fields"])
        assert bool(cols & personal) is entitled, (who, cols & personal)
    # operators see their own drafts only, in downloads too
    r = client.get("/downloads/layers/activities.geojson", headers=token(client, "opa"))
    assert "ACT-A" in r.text and "ACT-B" not in r.text
    # the whole package: roles that see every record
    assert client.get("/downloads/package.gpkg", headers=token(client, "opa")).status_code == 403
    r = client.get("/downloads/package.gpkg", headers=token(client, "im"))
    assert r.status_code == 200
    path = tmp_path / "all.gpkg"
    path.write_bytes(r.content)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"hazards", "activities", "incidents"} <= layers


def test_monthly_report_download(client: TestClient) -> None:
    im = token(client, "im")
    page = client.get("/downloads", headers=im)
    assert "monthly-" in page.text
    month = page.text.split("/downloads/reports/monthly-")[1][:7]
    r = client.get(f"/downloads/reports/monthly-{month}.xlsx", headers=im)
    assert r.status_code == 200, r.text
    assert r.content[:2] == b"PK"  # an XLSX workbook (a zip)
    assert client.get(f"/downloads/reports/monthly-{month}.xlsx").status_code == 401
    assert client.get("/downloads/reports/monthly-20x4-01.xlsx", headers=im).status_code == 400
