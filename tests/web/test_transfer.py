"""What travels over a provincial link: compressed responses, static files cached as they may be."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landrelease.web.assets import ASSETS, Assets, accepted_encoding


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_json_is_compressed_for_clients_that_accept_it(client: TestClient) -> None:
    plain = client.get(
        "/collections/hazards/items?limit=1000", headers={"accept-encoding": "identity"}
    )
    zipped = client.get(
        "/collections/hazards/items?limit=1000", headers={"accept-encoding": "gzip"}
    )
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()  # the client library decodes it: the same features
    size = len(gzip.compress(plain.content, compresslevel=6))
    assert size < len(plain.content) / 2
    assert zipped.headers["cache-control"] == "no-store"  # records are never kept by the browser


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_static_files_are_cached_as_long_as_they_may_be(client: TestClient) -> None:
    page = client.get("/dashboard").text
    named = dict(re.findall(r'"/static/([^"?]+)\?v=([0-9a-f]{12})"', page))
    assert {"style.css", "vendor/chartjs/chart.umd.min.js", "dashboard.js"} <= set(named), named
    for path, version in named.items():
        kept = client.get(f"/static/{path}?v={version}")
        assert kept.status_code == 200, path
        assert kept.headers["cache-control"] == "public, max-age=31536000, immutable", path
        assert kept.headers["content-encoding"] == "br", path  # the client takes brotli
        assert kept.headers["vary"] == "Accept-Encoding", path
    # without its version (or with an old one) a file is revalidated on each use
    own = client.get("/static/map.js")
    assert own.headers["cache-control"] == "no-cache"
    assert client.get("/static/map.js?v=000000000000").headers["cache-control"] == "no-cache"
    etag = own.headers["etag"]
    again = client.get("/static/map.js", headers={"if-none-match": etag})
    assert again.status_code == 304  # revalidated, not sent again
    plain = client.get("/static/map.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] != etag
    # the security headers stay on every response
    assert own.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/vendor/maplibre/maplibre-gl.mjs.br").status_code == 404


def test_a_script_names_the_modules_it_imports_by_their_versions(tmp_path: Path) -> None:
    """An edit to an imported module gives its importer a new version too (the browser keeps
    the importer a year: it must not keep importing the old module)."""
    (tmp_path / "lib.js").write_text("export const x = 1;\n")
    (tmp_path / "app.js").write_text(
        'import { x } from "/static/lib.js";\nconsole.log(x, "/static/none.js");\n'
    )
    assets = Assets(tmp_path)
    lib = assets.get("lib.js")
    app = assets.get("app.js")
    assert lib is not None and app is not None
    assert f'"/static/lib.js?v={lib.version}"'.encode() in app.body
    assert b'"/static/none.js"' in app.body  # no such file: left as it is
    (tmp_path / "lib.js").write_text("export const x = 22;\n")
    lib2, app2 = assets.get("lib.js"), assets.get("app.js")
    assert lib2 is not None and app2 is not None
    assert lib2.version != lib.version and app2.version != app.version
    assert f'"/static/lib.js?v={lib2.version}"'.encode() in app2.body


def test_accepted_encodings() -> None:
    assert accepted_encoding("gzip, deflate, br, zstd") == "br"
    assert accepted_encoding("gzip") == "gzip"
    assert accepted_encoding("br;q=0, gzip;q=0.5") == "gzip"
    assert accepted_encoding("identity") is None
    assert accepted_encoding("") is None


def test_modules_that_import_each_other_are_served(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import "/static/b.js";\n')
    (tmp_path / "b.js").write_text('import "/static/a.js";\n')
    assets = Assets(tmp_path)
    a, b = assets.get("a.js"), assets.get("b.js")
    assert a is not None and b is not None
    assert f'"/static/b.js?v={b.version}"'.encode() in a.body
    assert assets.get("a.js") is a  # read once while unchanged


def test_every_vendored_script_and_style_has_its_brotli_copy() -> None:
    """Written by scripts/compress_vendor.py when a library is vendored: a copy missing or
    stale would make a server compress 1 MB at the strongest setting on a first request."""
    found = []
    for file in sorted((ASSETS.root / "vendor").rglob("*")):
        if file.suffix not in (".js", ".mjs", ".css"):
            continue
        asset = ASSETS.get(file.relative_to(ASSETS.root).as_posix())
        assert asset is not None
        assert ASSETS.stored_brotli(asset) is not None, f"{file.name}.br missing or stale"
        found.append(file.name)
    assert {"maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"} <= set(found)
