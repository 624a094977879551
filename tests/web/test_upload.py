"""Evidence packages uploaded through the browser form and the API."""

from __future__ import annotations

import asyncio
import html
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from landrelease.web import upload
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
    # the nonce is rotated at login: the token of a page shown after it
    return client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]


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
    assert "refused" in r.text and "0 written: the import was refused, nothing changed" in r.text
    assert "Inserted" not in r.text  # HZ-8 was good, but nothing was written
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
    refused = {"package": ("p.zip", _zip(_hazard("HZ-7", "SHA"), _hazard("HZ-6", "bogus")))}
    r = client.post("/api/packages", files=refused, headers=token(client, "admin"))
    assert not r.json()["committed"]
    assert r.json()["refused_note"] == "0 written: the import was refused, nothing changed"
    assert r.json()["totals"]["inserted"] == 0
    assert all(layer["written"]["inserted"] == 0 for layer in r.json()["layers"])


class CountingApp:
    """The app, counting the bytes of request bodies it reads."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.read = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            self.read += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


BOUNDARY = "lrboundary"
CHUNK = 64 * 1024


def _multipart(size: int) -> Iterator[bytes]:
    """A multipart body with one ``size``-byte package, streamed (no Content-Length)."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="package"; filename="big.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    for _ in range(size // CHUNK):
        yield b"\0" * CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def counting(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> CountingApp:
    """The app behind a byte counter, uploads limited to 1 MiB, the file sizes written kept."""
    monkeypatch.setenv("LANDRELEASE_WEB_UPLOAD_MAX_MB", "1")
    app = CountingApp(client.app)
    app.written = []  # type: ignore[attr-defined]
    close = upload.Upload.close

    def spy(self: upload.Upload) -> None:
        app.written.append(self.size)  # type: ignore[attr-defined]
        close(self)

    monkeypatch.setattr(upload.Upload, "close", spy)
    return app


def test_an_upload_without_the_right_is_refused_before_its_body_is_read(
    client: TestClient, counting: CountingApp
) -> None:
    body = b"\0" * (8 * 1024 * 1024)
    files = {"package": ("big.zip", body, "application/zip")}
    with TestClient(counting) as c:
        r = c.post("/api/packages", files=files)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = c.post("/api/packages", files=files, headers=token(client, "ana"))
        assert r.status_code == 403
        c.cookies.clear()
        r = c.post("/forms/upload", files=files)
        assert r.status_code == 401
    assert counting.read == 0
    assert counting.written == []  # type: ignore[attr-defined]


def test_an_oversize_upload_is_refused_from_its_length_or_as_soon_as_it_passes_the_limit(
    client: TestClient, counting: CountingApp
) -> None:
    limit = 1024 * 1024
    admin = token(client, "admin")
    with TestClient(counting) as c:
        # Content-Length says so: refused before the body is read
        files = {"package": ("big.zip", b"\0" * (3 * limit), "application/zip")}
        r = c.post("/api/packages", files=files, headers=admin)
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "content_too_large"
        assert (
            "larger than 1 MiB" in r.json()["detail"] and "web_upload_max_mb" in r.json()["detail"]
        )
        assert counting.read == 0
    # streamed without a length, as a server receives it: reading stops once past the limit
    headers = {**admin, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    status, read = asyncio.run(_stream(client.app, "/api/packages", headers, _multipart(4 * limit)))
    assert status == 413
    assert read <= limit + upload.ENVELOPE_BYTES + CHUNK
    assert counting.written and max(counting.written) <= limit  # type: ignore[attr-defined]


async def _stream(
    app: Any, path: str, headers: dict[str, str], chunks: Iterator[bytes]
) -> tuple[int, int]:
    """POST ``chunks`` to ``app`` one ASGI message each, as a server would; the status and
    the bytes the app read."""
    read = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return status, read


def test_a_package_within_the_limit_is_streamed_and_imported(
    client: TestClient, counting: CountingApp
) -> None:
    with TestClient(counting) as c:
        body = b"".join(_multipart(0)).replace(
            b"\r\n\r\n\r\n", b"\r\n\r\n" + _zip(_hazard("HZ-7", "SHA")) + b"\r\n"
        )
        headers = {
            **token(client, "im"),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        }
        r = c.post("/api/packages", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["inserted"] == 1 and counting.read == len(body)


def _upload_formats(tmp_path: Any) -> list[tuple[str, bytes]]:
    """One file in each format `landrelease import` reads, each with one new record."""
    import geopandas as gpd
    import shapely
    from openpyxl import Workbook

    from tests.io.test_submissions import kobo_accidents, odk_hazards

    def fc(hid: str) -> bytes:
        return json.dumps({"type": "FeatureCollection", "features": [_hazard(hid, "SHA")]}).encode()

    wkt = shapely.geometry.shape(_hazard("X", "SHA")["geometry"]).wkt
    header = ["hazard_id", "classification", "status", "district", "reported", "wkt"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Hazards"  # a sheet's name in another case is read as its layer
    sheet.append(header)
    sheet.append(["HZ-X1", "SHA", "Active", "Aghdam", "2023-03-01", wkt])
    xlsx = io.BytesIO()
    book.save(xlsx)
    frame = gpd.GeoDataFrame.from_features([_hazard("HZ-G1", "CHA")], crs="EPSG:4326")
    frame["device_types"] = "AP"
    frame.to_file(tmp_path / "pkg.gpkg", layer="hazards", driver="GPKG")
    return [
        ("hazards.geojson", fc("HZ-J1")),
        ("Hazards.GeoJSON", fc("HZ-J2")),
        ("package.zip", _zip(_hazard("HZ-Z1", "SHA"))),
        ("pkg.gpkg", (tmp_path / "pkg.gpkg").read_bytes()),
        ("workbook.xlsx", xlsx.getvalue()),
        (
            "hazards.csv",
            f'{",".join(header)}\nHZ-C1,SHA,active,Aghdam,2023-03-01,"{wkt}"\n'.encode(),
        ),
        ("kobo_accidents.xlsx", kobo_accidents(tmp_path).read_bytes()),
        ("hazard_report.csv", odk_hazards(tmp_path / "odk").read_bytes()),
    ]


def test_the_upload_takes_every_format_the_command_line_takes(
    client: TestClient, tmp_path: Any
) -> None:
    auth = token(client, "im")
    for name, body in _upload_formats(tmp_path):
        r = client.post(
            "/api/packages",
            files={"package": (name, body, "application/octet-stream")},
            headers=auth,
        )
        assert r.status_code == 200, (name, r.text)
        result = r.json()
        assert result["committed"] and result["totals"]["inserted"] >= 1, (name, result)
    ids = _hazard_ids(client)
    assert {"HZ-J1", "HZ-J2", "HZ-Z1", "HZ-G1", "HZ-X1", "HZ-C1", "HZ-0042"} <= ids
    # a format the importer does not read is refused by name, with what is accepted
    r = client.post(
        "/api/packages", files={"package": ("notes.docx", b"PK", "application/zip")}, headers=auth
    )
    assert r.status_code == 400 and "notes.docx: not a format this imports" in r.text
    assert "KoboToolbox" in r.text


def test_the_upload_form_offers_every_format_and_the_ignore_unknown_choice(
    client: TestClient,
) -> None:
    csrf = _login(client, "im")
    page = client.get("/upload").text
    assert 'accept=".zip,.gpkg,.xlsx,.csv,.geojson,.json,.kml"' in page
    assert 'name="ignore_unknown"' in page
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "pkg/hazards.geojson",
            json.dumps({"type": "FeatureCollection", "features": [_hazard("HZ-U1", "SHA")]}),
        )
        z.writestr("pkg/photos.txt", "not a layer")
    files = {"package": ("with extra.zip", buf.getvalue(), "application/zip")}
    r = client.post("/forms/upload", files=files, data={"csrf_token": csrf})
    assert r.status_code == 422 and "photos.txt" in r.text and "--ignore-unknown" in r.text
    assert "HZ-U1" not in _hazard_ids(client)
    r = client.post("/forms/upload", files=files, data={"csrf_token": csrf, "ignore_unknown": "1"})
    assert r.status_code == 200, r.text
    assert "photos.txt" in r.text and "HZ-U1" in _hazard_ids(client)


def test_an_uploaded_workbook_with_an_unknown_sheet_is_refused_unless_asked(
    client: TestClient,
) -> None:
    import shapely
    from openpyxl import Workbook

    csrf = _login(client, "im")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "hazards"
    sheet.append(["hazard_id", "classification", "status", "district", "reported", "wkt"])
    wkt = shapely.geometry.shape(_hazard("X", "SHA")["geometry"]).wkt
    sheet.append(["HZ-S1", "SHA", "active", "Aghdam", "2023-03-01", wkt])
    book.create_sheet("instructions")  # the template's own sheet: skipped without a word
    book.create_sheet("Mine clearance 2024")  # rows there would be lost unnoticed
    body = io.BytesIO()
    book.save(body)
    files = {"package": ("book.xlsx", body.getvalue(), "application/octet-stream")}
    r = client.post("/forms/upload", files=files, data={"csrf_token": csrf})
    text = html.unescape(r.text)
    assert r.status_code == 422, r.text
    assert "book.xlsx:Mine clearance 2024" in text and "book.xlsx:instructions" not in text
    assert "not read: the sheet's name is not a layer" in text and "--ignore-unknown" in text
    assert "HZ-S1" not in _hazard_ids(client)
    data = {"csrf_token": csrf, "ignore_unknown": "1"}
    r = client.post("/forms/upload", files=files, data=data)
    assert r.status_code == 200, r.text
    assert "Mine clearance 2024" in html.unescape(r.text) and "HZ-S1" in _hazard_ids(client)
