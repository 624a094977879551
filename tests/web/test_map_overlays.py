"""Map overlays: the latest risk surface as a PNG with its bounds, settlements' readiness."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from landrelease.store import runs
from tests.helpers import LAT0, LON0


def _risk_tif(path: Path) -> Path:
    """A probability surface in UTM 38N over the test hazards, NaN in one corner."""
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    x0, y0 = Transformer.from_crs(4326, 32638, always_xy=True).transform(LON0 - 0.01, LAT0 + 0.03)
    prob = np.linspace(0, 1, 60 * 80, dtype="float32").reshape(60, 80)
    prob[:5, :5] = np.nan
    profile = {
        "driver": "GTiff",
        "width": 80,
        "height": 60,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32638",
        "transform": from_origin(x0, y0, 100, 100),
        "nodata": float("nan"),
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(prob, 1)
    return path


def test_risk_overlay_skips_gracefully_then_serves_the_latest_run(
    client: TestClient, tmp_path: Path
) -> None:
    assert client.get("/api/risk.json").json() == {"run_id": None, "bounds": None, "image": None}
    assert client.get("/api/risk.png").status_code == 404
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    tif = _risk_tif(tmp_path / "risk.tif")
    with ws.begin() as conn:
        runs.add_run(conn, "risk", {"model": "evidence", "raster": str(tif)})
    r = client.get("/api/risk.json")
    assert r.status_code == 200, r.text
    (s, w), (n, e) = r.json()["bounds"]
    assert s < LAT0 < n and w < LON0 < e
    png = client.get(r.json()["image"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    img = np.asarray(Image.open(io.BytesIO(png.content)))
    assert img.shape[2] == 4
    alpha = img[..., 3]
    assert (alpha == 0).any() and (alpha > 0).any()  # transparent outside hazards, drawn inside
    assert 0 < (alpha > 0).mean() < 0.9


def test_readiness_for_the_settlement_popups(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import landrelease.planning

    assert client.get("/api/readiness").json() == {}  # no plan yet
    frame = pd.DataFrame(
        {
            "settlement_id": ["ST-1"],
            "name": ["Aghdam"],
            "plan_date": ["2027-06-30"],
            "p10": ["2027-03-31"],
            "p50": ["2027-06-30"],
            "p90": [None],
        }
    )
    monkeypatch.setattr(landrelease.planning, "read_readiness", lambda ws: frame)
    client.app.state.cache.clear()  # type: ignore[attr-defined]
    got = client.get("/api/readiness").json()
    assert got == {
        "ST-1": {"plan_date": "2027-06-30", "p10": "2027-03-31", "p50": "2027-06-30", "p90": None}
    }
    assert "/api/readiness" in client.get("/static/map.js").text
