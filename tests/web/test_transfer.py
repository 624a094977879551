"""What travels over a provincial link: compressed responses, static files cached as they may be."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient


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
    vendor = client.get("/static/vendor/leaflet/leaflet.js")
    assert vendor.status_code == 200
    assert vendor.headers["cache-control"] == "public, max-age=604800, immutable"
    assert vendor.headers["content-encoding"] == "gzip"
    own = client.get("/static/map.js")
    assert own.headers["cache-control"] == "no-cache"
    etag = own.headers["etag"]
    again = client.get("/static/map.js", headers={"if-none-match": etag})
    assert again.status_code == 304  # revalidated, not sent again
    # the security headers stay on every response
    assert own.headers["x-content-type-options"] == "nosniff"
