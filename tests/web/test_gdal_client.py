"""A real OGC API – Features client (Debian's GDAL ``ogrinfo``) reads the server over loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from landrelease.web import create_app
from landrelease.web.server import running

OGRINFO = shutil.which("ogrinfo")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def base_url(web_target: str) -> Iterator[str]:
    if OGRINFO is None:
        if IN_CI:
            pytest.fail(
                "ogrinfo missing: under CI=true the GDAL client test must run (apt-get install gdal-bin)"
            )
        pytest.skip("ogrinfo missing (apt-get install gdal-bin)")
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _ogrinfo(*args: str, bearer: str | None = None) -> str:
    assert OGRINFO is not None
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF"}
    if bearer is not None:  # as QGIS's "API header" authentication sends it
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Bearer {bearer}"
    out = subprocess.run(
        [OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=60, env=env
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.gdal
def test_ogrinfo_lists_collections_and_reads_hazards(base_url: str) -> None:
    listing = _ogrinfo(f"OAPIF:{base_url}")
    for name in ("hazards", "settlements", "survey_parts"):
        assert name in listing
    assert "incidents" not in listing  # anonymous: public collections only
    hazards = _ogrinfo("-al", "-oo", "PAGE_SIZE=2", f"OAPIF:{base_url}/collections/hazards")
    assert "Feature Count: 3" in hazards or hazards.count("OGRFeature(hazards)") == 3
    for hid in ("HZ-0", "HZ-1", "HZ-2"):  # read across pages of 2
        assert f"hazard_id (String) = {hid}" in hazards
    assert "POLYGON" in hazards and "status (String) = active" in hazards


@pytest.mark.gdal
def test_a_client_with_a_token_lists_and_reads_every_layer(base_url: str) -> None:
    import httpx

    from landrelease.domain import LAYERS
    from tests.web.conftest import PASSWORD

    r = httpx.post(f"{base_url}/api/token", json={"username": "donor", "password": PASSWORD})
    bearer = r.json()["access_token"]
    listing = _ogrinfo(f"OAPIF:{base_url}", bearer=bearer)
    listed = {
        line.split(": ", 1)[1].split(" (")[0] for line in listing.splitlines() if ": " in line
    }
    assert {layer.name for layer in LAYERS} | {"survey_parts"} <= listed, listing
    incidents = _ogrinfo("-al", f"OAPIF:{base_url}/collections/incidents", bearer=bearer)
    assert "incident_id (String) = " in incidents
    funding = _ogrinfo("-al", f"OAPIF:{base_url}/collections/funding", bearer=bearer)
    assert "amount_usd" in funding
    assert "Feature Count: 3" in funding or funding.count("OGRFeature(funding)") == 3


@pytest.mark.gdal
def test_hazards_copied_with_ogr2ogr_are_typed_multipolygon_without_warnings(
    base_url: str, tmp_path: Path
) -> None:
    """A client types the layer from its first page: every hazard comes as a MultiPolygon, so
    a MultiPolygon further on never lands in a Polygon layer (GDAL's warning)."""
    out = tmp_path / "hazards.gpkg"
    ogr2ogr = str(Path(OGRINFO or "ogrinfo").with_name("ogr2ogr"))
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "20"}
    args = [ogr2ogr, "-f", "GPKG", str(out), "-oo", "PAGE_SIZE=1"]
    done = subprocess.run(
        [*args, f"OAPIF:{base_url}/collections/hazards"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0 and "is inserted into layer" not in done.stderr, done.stderr
    summary = _ogrinfo("-so", str(out), "hazards")
    assert "Geometry: Multi Polygon" in summary and "Feature Count: 3" in summary


def test_one_part_geometries_are_served_as_their_layers_multi_type() -> None:
    import numpy as np
    import shapely

    from landrelease.web.api.geojson import as_declared

    square, two = shapely.box(0, 0, 1, 1), shapely.MultiPolygon([shapely.box(2, 2, 3, 3)])
    geoms = np.array([square, two, None], dtype=object)
    served = as_declared(geoms, "hazards")
    assert [g.geom_type if g is not None else None for g in served] == [
        "MultiPolygon",
        "MultiPolygon",
        None,
    ]
    assert served[0].equals(square) and served[1] is two
    points = np.array([shapely.Point(1, 2)], dtype=object)
    assert as_declared(points, "findings")[0].geom_type == "Point"  # declared Point: as it is
