"""The downloads page: every layer as GeoJSON, GeoPackage and CSV, the whole package, every report."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from markupsafe import escape
from PIL import Image

from landrelease.domain import LAYERS
from landrelease.io import import_package, validate_package
from landrelease.reports import (
    Report,
    casualty_report,
    donor_report,
    monthly_report,
    settlement_report,
)
from landrelease.store import Workspace
from landrelease.web import downloads as dl
from landrelease.web.auth import Role, User
from landrelease.web.cache import LayerCache
from tests.web.conftest import token

OGRINFO = shutil.which("ogrinfo")
PDFTOPPM = shutil.which("pdftoppm")
IN_CI = os.environ.get("CI", "").lower() == "true"
PERSONAL = {f.name for layer in LAYERS for f in layer.fields if f.personal}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv; charset=utf-8",
}
REPORT_MEDIA = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": XLSX,
    "csv": "application/zip",
}


def _tool(path: str | None, name: str, package: str) -> str:
    if path is None:
        if IN_CI:
            pytest.fail(
                f"{name} missing: under CI=true this test must run (apt-get install {package})"
            )
        pytest.skip(f"{name} missing (apt-get install {package})")
    return path


def _links(page: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"]+)"', page)))


def _fields(content: bytes, fmt: str, tmp_path: Path) -> set[str]:
    """The field names of a downloaded layer file."""
    if fmt == "csv":
        return set(next(csv.reader(io.StringIO(content.decode("utf-8")))))
    if fmt == "geojson":
        fc = json.loads(content)
        return {k for f in fc["features"] for k in f["properties"]}
    path = tmp_path / "layer.gpkg"
    path.write_bytes(content)
    return set(pyogrio.read_info(path)["fields"])


def test_layer_downloads_in_every_format(client: TestClient, tmp_path: Path) -> None:
    page = client.get("/downloads")
    assert page.status_code == 200
    for fmt in ("geojson", "gpkg", "csv"):
        assert f"/downloads/layers/hazards.{fmt}" in page.text
    assert "/downloads/layers/incidents." not in page.text  # not public
    assert "/downloads/layers/funding." not in page.text
    geoms = {}
    for fmt in ("gpkg", "geojson", "csv"):
        r = client.get(f"/downloads/layers/hazards.{fmt}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == MEDIA[fmt]
        assert r.headers["content-disposition"] == f'attachment; filename="hazards.{fmt}"'
        if fmt == "csv":
            frame = pd.read_csv(io.BytesIO(r.content), dtype=str)
            shapes = shapely.from_wkt(frame["wkt"].to_numpy())
        else:
            path = tmp_path / f"hazards.{fmt}"
            path.write_bytes(r.content)
            frame = pyogrio.read_dataframe(path)
            shapes = frame.geometry.to_numpy()
        assert list(frame["hazard_id"]) == ["HZ-0", "HZ-1", "HZ-2"]
        geoms[fmt] = shapes
    # the CSV's WKT carries the very coordinates of the GeoPackage (no rounding)
    assert shapely.equals_exact(geoms["csv"], geoms["gpkg"], tolerance=0).all()
    assert client.get("/downloads/layers/incidents.csv").status_code == 401
    assert client.get("/downloads/layers/funding.csv").status_code == 401
    # tables without geometry: CSV and GeoPackage, not GeoJSON
    im = token(client, "im")
    r = client.get("/downloads/layers/funding.csv", headers=im)
    assert r.status_code == 200
    funding = pd.read_csv(io.BytesIO(r.content))
    assert "wkt" not in funding.columns and funding["amount_usd"].sum() == 12_900_000
    r = client.get("/downloads/layers/funding.geojson", headers=im)
    assert r.status_code == 400
    assert r.json()["detail"] == "funding has no geometry: choose csv or gpkg, not 'geojson'"
    r = client.get("/downloads/layers/hazards.shp", headers=im)
    assert r.status_code == 400 and "'shp'; choose geojson, gpkg or csv" in r.json()["detail"]
    r = client.get("/downloads/layers/mines.csv", headers=im)
    assert r.status_code == 404 and "no layer 'mines'; choose hazards," in r.json()["detail"]


def test_csv_downloads_import_again(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    """Every layer's CSV is a package the importer takes: importing the CSVs into an empty
    workspace gives back the same records (the same files to download), and into the
    workspace they came from changes nothing."""
    im = token(client, "im")
    page = client.get("/downloads", headers=im).text
    links = [u for u in _links(page, "/downloads/layers/") if u.endswith(".csv")]
    names = [u.rsplit("/", 1)[1][: -len(".csv")] for u in links]
    assert set(names) == {layer.name for layer in LAYERS} | {"survey_parts", "confirmation_sites"}
    folder = tmp_path / "csv-package"
    folder.mkdir()
    for name, url in zip(names, links, strict=True):
        if name in ("survey_parts", "confirmation_sites"):
            continue  # the survey's decisions and sample are results, not layers of the contract
        r = client.get(url, headers=im)
        assert r.status_code == 200, r.text
        (folder / f"{name}.csv").write_bytes(r.content)
    check = validate_package(folder)
    assert check.log.errors == 0, [str(i) for i in check.issues][:5]

    copy = Workspace.create(str(tmp_path / "copy.gpkg"), actor="tester")
    try:
        report = import_package(copy, folder, actor="tester")
        assert report.committed and report.log.errors == 0
        user = User("im", Role.INFORMATION_MANAGER)
        a, b = LayerCache(workspace), LayerCache(copy)
        for layer in LAYERS:
            fmt = "geojson" if layer.spatial else "csv"
            original = dl.layer_file(workspace, a, user, layer.name, fmt)
            again = dl.layer_file(copy, b, user, layer.name, fmt)
            assert again == original, layer.name
            n = len(workspace.read_layer(layer.name))
            assert report.totals().inserted >= n
    finally:
        copy.close()
    back = import_package(workspace, folder, actor="tester")
    totals = back.totals()
    assert back.committed and (totals.inserted, totals.updated) == (0, 0)
    assert totals.unchanged == sum(len(workspace.read_layer(x.name)) for x in LAYERS)


@pytest.mark.gdal
def test_geopackage_downloads_open_with_ogrinfo(client: TestClient, tmp_path: Path) -> None:
    ogrinfo = _tool(OGRINFO, "ogrinfo", "gdal-bin")
    im = token(client, "im")
    page = client.get("/downloads", headers=im).text
    links = [u for u in _links(page, "/downloads/") if u.endswith(".gpkg")]
    # every layer, the survey decisions, their confirmation sites and the whole package
    assert "/downloads/package.gpkg" in links and len(links) == len(LAYERS) + 3
    for url in links:
        r = client.get(url, headers=im)
        assert r.status_code == 200, (url, r.text)
        path = tmp_path / url.rsplit("/", 1)[1]
        path.write_bytes(r.content)
        out = subprocess.run(
            [ogrinfo, "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, (url, out.stderr)
        layers = re.findall(r"^Layer name: (\w+)", out.stdout, flags=re.M)
        counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)", out.stdout, flags=re.M)]
        assert layers and len(counts) == len(layers), out.stdout
        for name, n in zip(layers, counts, strict=True):
            assert n == pyogrio.read_info(path, layer=name)["features"], (url, name)
        if url == "/downloads/layers/hazards.gpkg":
            assert counts == [3]
        if url == "/downloads/layers/confirmation_sites.gpkg":
            assert counts == [2] and "Geometry: Point" in out.stdout
        if url == "/downloads/package.gpkg":
            assert {"hazards", "activities", "incidents", "funding"} <= set(layers)


def test_personal_data_only_for_entitled_roles(client: TestClient, tmp_path: Path) -> None:
    assert {"victims"} == PERSONAL
    for who in ("donor", "opa"):
        auth = token(client, who)
        links = _links(client.get("/downloads", headers=auth).text, "/downloads/layers/")
        # and the survey's decisions and confirmation sites
        spatial = sum(layer.spatial for layer in LAYERS) + 2
        assert len(links) == 3 * spatial + 2 * (len(LAYERS) + 2 - spatial)
        for url in links:
            r = client.get(url, headers=auth)
            assert r.status_code == 200, (who, url, r.text)
            fmt = url.rsplit(".", 1)[1]
            fields = _fields(r.content, fmt, tmp_path)
            assert not fields & PERSONAL, (who, url, fields & PERSONAL)
            if url.startswith("/downloads/layers/incidents."):
                assert {"incident_id", "killed", "injured"} <= fields
            if who == "opa":  # an operator never gets another organisation's drafts
                assert b"ACT-B" not in r.content, url
                if url.startswith("/downloads/layers/activities."):
                    assert b"ACT-A" in r.content and b"ACT-1" in r.content
    ana = token(client, "ana")
    for fmt in ("gpkg", "geojson", "csv"):
        r = client.get(f"/downloads/layers/incidents.{fmt}", headers=ana)
        assert "victims" in _fields(r.content, fmt, tmp_path)
        r = client.get(f"/downloads/layers/activities.{fmt}", headers=ana)
        assert b"ACT-A" in r.content and b"ACT-B" in r.content
    # the whole package: roles that see every record
    assert client.get("/downloads/package.gpkg", headers=token(client, "opa")).status_code == 403
    r = client.get("/downloads/package.gpkg", headers=token(client, "im"))
    assert r.status_code == 200
    path = tmp_path / "all.gpkg"
    path.write_bytes(r.content)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"hazards", "activities", "incidents"} <= layers


# -- reports -------------------------------------------------------------------------------


def _expected(ws: Workspace, kind: str, param: str) -> Report:
    """The report as the command line builds it (aggregates, no figures)."""
    if kind == "monthly":
        return monthly_report(ws, month=param, figures=False)
    if kind == "donor":
        start, end = dl.donor_period(param)
        return donor_report(ws, start=start, end=end, figures=False)
    if kind == "settlement":
        return settlement_report(ws, name=param, figures=False)
    return casualty_report(ws, year=int(param), user="im", figures=False)


def _pdf_page_one(content: bytes, tmp_path: Path) -> Image.Image:
    pdftoppm = _tool(PDFTOPPM, "pdftoppm", "poppler-utils")
    tmp_path.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    out = subprocess.run(
        [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    (png,) = tmp_path.glob("page*.png")
    return Image.open(png).convert("L")


def _check_report(kind: str, fmt: str, r: Any, report: Report, tmp_path: Path) -> None:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == REPORT_MEDIA[fmt]
    name = f"{report.name}-csv.zip" if fmt == "csv" else f"{report.name}.{fmt}"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert report.has_data and report.headline
    if fmt == "pdf":
        assert r.content.startswith(b"%PDF-")
        page = _pdf_page_one(r.content, tmp_path)
        assert page.width > 100 and page.height > 100
        dark = sum(page.histogram()[:128]) / (page.width * page.height)
        assert 0.002 < dark < 0.5, (kind, dark)  # text on a white page, not a blank one
    elif fmt == "html":
        text = r.content.decode("utf-8")
        assert f"<title>{escape(report.title)}" in text
        for line in report.headline:
            assert str(escape(line)) in text, line
    elif fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
        summary = [row[0] for row in wb["summary"].iter_rows(values_only=True) if row]
        assert summary[:2] == [f"{report.programme.title} · {report.kind} report", report.title]
        for line in report.headline:
            assert line in summary, line
        for t in report.tables():
            rows = list(wb[t.key].iter_rows(values_only=True))
            assert list(rows[1][: len(t.columns)]) == [c.label for c in t.columns]
            assert len([x for x in rows[2:] if x and x[0] is not None]) >= len(t.rows)
            for got, want in zip(rows[2:], t.rows, strict=False):
                numbers = [
                    (g, w) for g, w in zip(got, want, strict=False) if isinstance(w, int | float)
                ]
                assert all(g == pytest.approx(w) for g, w in numbers), (t.key, got, want)
    else:
        z = zipfile.ZipFile(io.BytesIO(r.content))
        root = f"{report.name}-csv"
        assert set(z.namelist()) == {f"{root}/{t.key}.csv" for t in report.tables()} | {
            f"{root}/summary.txt"
        }  # the tables stay plain: the programme is named in summary.txt
        summary = z.read(f"{root}/summary.txt").decode("utf-8")
        assert all(line in summary for line in report.headline)
        for t in report.tables():
            rows = list(csv.reader(io.StringIO(z.read(f"{root}/{t.key}.csv").decode("utf-8"))))
            assert rows[0] == [c.label for c in t.columns]
            assert len(rows) - 1 == len(t.rows) + (t.total is not None)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_every_report_in_every_format(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    im = token(client, "im")
    page = client.get("/downloads", headers=im).text
    links = _links(page, "/downloads/reports/")
    months = sorted(set(re.findall(r"/monthly-(\d{4}-\d{2})\.pdf", page)), reverse=True)
    assert months == ["2024-03", "2024-02", "2024-01", "2022-06", "2022-05", "2021-07"]
    for fmt in REPORT_MEDIA:
        assert f"/downloads/reports/monthly-2024-03.{fmt}" in links
        assert f"/downloads/reports/donor-2023-04-01_2024-03-31.{fmt}" in links  # last 12 months
        assert f"/downloads/reports/donor-2022.{fmt}" in links
        assert f"/downloads/reports/settlement-ST-1.{fmt}" in links
        assert f"/downloads/reports/settlement-ST-2.{fmt}" in links
        assert f"/downloads/reports/casualties-2021.{fmt}" in links
    for kind, param, figure in (
        (
            "monthly",
            "2022-05",
            "Teams destroyed 1 anti-tank mine, 1 anti-personnel mine and 1 UXO.",
        ),
        ("donor", "2022", "1 QA/QC visit; no non-conformity open."),
        ("settlement", "ST-1", "Aghdam (66,000 people planned to return)"),
        ("casualties", "2021", "1 incident killed 1 and injured 2 people: 3 civilians"),
    ):
        report = _expected(workspace, kind, param)
        assert figure in "\n".join(report.headline)  # checked in every format below
        for fmt in REPORT_MEDIA:
            r = client.get(f"/downloads/reports/{kind}-{param}.{fmt}", headers=im)
            _check_report(kind, fmt, r, report, tmp_path / f"{kind}-{fmt}")


def test_reports_for_every_logged_in_role_aggregates_only(
    client: TestClient, workspace: Workspace
) -> None:
    cache = client.app.state.cache  # type: ignore[attr-defined]
    for who in ("donor", "opa", "ana"):
        auth = token(client, who)
        page = client.get("/downloads", headers=auth).text
        assert "/downloads/reports/casualties-2021.csv" in page
        for url in (
            "/downloads/reports/monthly-2022-05.html",
            "/downloads/reports/donor-2022-01-01_2022-12-31.csv",
            "/downloads/reports/settlement-ST-1.html",
            "/downloads/reports/casualties-2021.csv",
        ):
            r = client.get(url, headers=auth)
            assert r.status_code == 200, (who, url, r.text)
            text = _text(r.content)
            assert "ACT-B" not in text and "OrgB" not in text  # no one's drafts in an aggregate
            assert "personal data: restricted" not in text
    # the casualty report never holds victims' personal data on the web, even for roles entitled
    # to it: there is no way to ask for it
    im = token(client, "im")
    plain = client.get("/downloads/reports/casualties-2021.csv", headers=im)
    hits = cache.hits
    asked = client.get(
        "/downloads/reports/casualties-2021.csv?include_personal_data=true", headers=im
    )
    assert asked.content == plain.content and cache.hits > hits  # the same file, from the cache
    names = zipfile.ZipFile(io.BytesIO(plain.content)).namelist()
    assert "casualties-2021-csv/victims.csv" not in names and len(names) > 3
    html = client.get("/downloads/reports/casualties-2021.html", headers=im).text
    assert "No victim&#39;s personal data is shown" in html and "Victims (personal data" not in html
    # the report names its workspace, not the server's path or database host
    assert workspace.display not in html and dl.workspace_name(workspace.display) in html
    # anonymous visitors get the public layers, no report
    page = client.get("/downloads").text
    assert "/downloads/reports/" not in page and "Log in" in page
    for url in (
        "/downloads/reports/monthly-2022-05.pdf",
        "/downloads/reports/donor-2022.xlsx",
        "/downloads/reports/settlement-ST-1.html",
        "/downloads/reports/casualties-2021.csv",
        "/downloads/reports/casualties-1999.doc",
    ):
        r = client.get(url)
        assert r.status_code == 401, url
        assert r.json() == {
            "code": "unauthorized",
            "status": 401,
            "detail": "log in to download reports",
        }


def _text(content: bytes) -> str:
    if content.startswith(b"PK"):
        z = zipfile.ZipFile(io.BytesIO(content))
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    return content.decode("utf-8")


def test_reports_follow_writes_through_the_app(client: TestClient) -> None:
    """Cached on the workspace's change stamp: an approval shows in the reports at once."""
    im = token(client, "im")
    first = client.get("/downloads/reports/donor-2023.xlsx", headers=im)
    assert first.status_code == 404  # nothing dated in 2023 yet
    assert "years with records: 2024, 2022, 2021" in first.json()["detail"]
    r = client.post("/api/activities/ACT-2/approve", headers=im, json={"accept_flags": True})
    assert r.status_code == 200, r.text
    hectares = r.json()["released_m2"] / 10_000
    assert "/downloads/reports/monthly-2023-09.pdf" in client.get("/downloads", headers=im).text
    r = client.get("/downloads/reports/monthly-2023-09.csv", headers=im)
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    summary = z.read("monthly-2023-09-csv/summary.txt").decode("utf-8")
    assert f"{hectares:,.1f} ha" in summary, summary
    assert client.get("/downloads/reports/donor-2023.xlsx", headers=im).status_code == 200


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        (
            "monthly-2019-05.pdf",
            404,
            "no records dated in 2019-05; months with records (latest first): 2024-03, 2024-02, 2024-01, 2022-06, 2022-05, 2021-07",
        ),
        ("monthly-2022-13.pdf", 400, "month 2022-13 is not a month: a year has 12 months"),
        ("monthly-May.pdf", 400, "month 'May' is not a month: give it as YYYY-MM"),
        ("monthly-2022-05.doc", 400, "unknown report format 'doc'; choose pdf, html, xlsx or csv"),
        ("monthly-2022-05.", 404, ""),
        (
            "donor-1999.pdf",
            404,
            "no records dated from 1999-01-01 to 1999-12-31; years with records: 2024, 2022, 2021",
        ),
        (
            "donor-2024-01-01_2024-06-31.pdf",
            400,
            "last day 2024-06-31 is not a date: June 2024 has 30 days",
        ),
        (
            "donor-2022-01-01_2021-12-31.pdf",
            400,
            "it ends (2021-12-31) before it starts (2022-01-01)",
        ),
        (
            "donor-2022-02-30_2022-12-31.pdf",
            400,
            "first day 2022-02-30 is not a date: February 2022 has 28 days",
        ),
        ("donor-22.pdf", 400, "expected a year YYYY or FROM_TO as YYYY-MM-DD_YYYY-MM-DD"),
        (
            "donor-2022.pdf?donor=Norway",
            404,
            "no funding source 'Norway'; choose national or Japan",
        ),
        ("settlement-ST-9.pdf", 404, "no settlement 'ST-9'; choose ST-1 or ST-2"),
        ("settlement-Aghdam.pdf", 404, "no settlement 'Aghdam'; choose ST-1 or ST-2"),
        ("settlement-%00%FF.pdf", 404, "no settlement"),
        ("casualties-2020.pdf", 404, "no incident recorded in 2020; years with incidents: 2021"),
        ("casualties-twenty.html", 400, "year 'twenty': expected YYYY, e.g. 2024"),
        ("casualties-2021.xls", 400, "unknown report format 'xls'"),
        ("weekly-2022-05.pdf", 404, ""),
        ("monthly-" + "9" * 5000 + ".pdf", 400, "give it as YYYY-MM"),
    ],
)
def test_report_errors_name_the_value_and_what_is_accepted(
    client: TestClient, url: str, status: int, detail: str
) -> None:
    r = client.get(f"/downloads/reports/{url}", headers=token(client, "donor"))
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == status and body["code"] in ("bad_request", "not_found")
    assert detail in body["detail"]


def test_donor_period_form_redirects_to_the_report(client: TestClient) -> None:
    r = client.get(
        "/downloads/reports/donor",
        params={"from": "2022-01-01", "to": "2022-06-30", "donor": "Japan", "format": "xlsx"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        r.headers["location"] == "/downloads/reports/donor-2022-01-01_2022-06-30.xlsx?donor=Japan"
    )
    r = client.get(
        "/downloads/reports/donor",
        params={"from": "2024-01-01", "to": "2024-03-31", "donor": "Japan", "format": "xlsx"},
        headers=token(client, "donor"),
    )
    assert r.status_code == 200, r.text
    assert 'filename="donor-2024-01-01-2024-03-31-japan.xlsx"' in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert [r[0] for r in wb["summary"].iter_rows(max_row=2, values_only=True)][1] == (
        "Donor report for Japan"
    )
    r = client.get("/downloads/reports/donor", params={"from": "2024-01-01"})
    assert r.status_code == 400 and "to" in r.json()["detail"]


def test_an_empty_workspace_downloads_empty_layers_and_lists_no_report(tmp_path: Path) -> None:
    from landrelease.web import create_app
    from landrelease.web.auth import add_user
    from tests.web.conftest import PASSWORD

    target = str(tmp_path / "empty.gpkg")
    with Workspace.create(target, actor="tester") as ws:
        add_user(ws, "im", password=PASSWORD, role="information_manager", actor="tester")
    app = create_app(target)
    try:
        with TestClient(app) as client:
            im = token(client, "im")
            page = client.get("/downloads", headers=im).text
            assert "/downloads/reports/" not in page
            assert "No monthly or donor report yet: the workspace holds no dated records." in page
            links = _links(page, "/downloads/")
            assert len(links) > 40
            for url in links:
                r = client.get(url, headers=im)
                assert r.status_code == 200, (url, r.text)
            header = client.get("/downloads/layers/hazards.csv", headers=im).text
            assert header.startswith("hazard_id,") and header.rstrip().endswith(",wkt")
            r = client.get("/downloads/reports/monthly-2024-01.pdf", headers=im)
            assert r.status_code == 404
            assert r.json()["detail"] == (
                "no records dated in 2024-01; months with records (latest first): "
                "none (import an evidence package first)"
            )
    finally:
        app.state.workspace.close()
