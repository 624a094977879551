"""A small workspace with users of every role, a survey run and drafts of two organisations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from landrelease.io import import_package
from landrelease.store import Workspace, tables
from landrelease.survey.store import store_survey
from landrelease.web import create_app
from landrelease.web.auth import add_user
from tests.helpers import LAT0, LON0, feature, square

PASSWORD = "correct horse battery"
USERS = {
    "admin": ("administrator", None),
    "im": ("information_manager", None),
    "ana": ("analyst", None),
    "opa": ("operator", "OrgA"),
    "opb": ("operator", "OrgB"),
    "donor": ("donor", None),
}


def _add_drafts(package: Path) -> None:
    path = package / "activities.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    for aid, org, status in (("ACT-A", "OrgA", "draft"), ("ACT-B", "OrgB", "draft")):
        fc["features"].append(
            feature(
                {
                    "activity_id": aid,
                    "type": "TS",
                    "hazard_id": "HZ-2",
                    "start": "2024-01-01",
                    "end": "2024-01-20",
                    "outcome": "reduced",
                    "organisation": org,
                    "status": status,
                },
                square(LON0 + 0.041, LAT0 + 0.001, 0.003),
            )
        )
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")


def _survey(ws: Workspace) -> None:
    parts = gpd.GeoDataFrame(
        {
            "part_id": ["HZ-0/1", "HZ-0/2", "HZ-1/1"],
            "hazard_id": ["HZ-0", "HZ-0", "HZ-1"],
            "decision": ["clearance", "cancel", "technical_survey"],
            "area_m2": [400_000.0, 600_000.0, 1_000_000.0],
            "expected_devices": [3.0, 0.01, 0.4],
            "p_any_device": [0.95, 0.01, 0.3],
            "devices_per_ha": [0.075, 0.0, 0.004],
            "devices_bound": [float("nan"), 0.04, float("nan")],
            "evidence": ["3 findings within 200 m", "no evidence within 1 km", "testimony"],
            "confidence": ["high", "high", "medium"],
        },
        geometry=[
            shapely.box(LON0, LAT0, LON0 + 0.004, LAT0 + 0.01),
            shapely.box(LON0 + 0.004, LAT0, LON0 + 0.01, LAT0 + 0.01),
            shapely.box(LON0 + 0.02, LAT0, LON0 + 0.03, LAT0 + 0.01),
        ],
        crs="EPSG:4326",
    )
    parts["geometry"] = shapely.multipolygons([[g] for g in parts.geometry])
    # the confirmation sample over the cancelled part: one site searched and clear, one to search
    sites = gpd.GeoDataFrame(
        {
            "sample_id": ["s1", "s1"],
            "site_id": [1, 2],
            "part_id": ["HZ-0/2", "HZ-0/2"],
            "hazard_id": ["HZ-0", "HZ-0"],
            "searched": [True, False],
            "devices_found": [0, 0],
        },
        geometry=shapely.points([(LON0 + 0.006, LAT0 + 0.002), (LON0 + 0.008, LAT0 + 0.007)]),
        crs="EPSG:4326",
    )
    result = SimpleNamespace(
        parts=parts, rule=SimpleNamespace(max_residual=0.0), summary={}, sites=sites
    )
    store_survey(ws, result, risk_run_id=None, actor="tester")  # type: ignore[arg-type]


@pytest.fixture
def web_target(workspace: Workspace, package: Path) -> str:
    """The workspace's target, filled with the test package, a survey run and the users."""
    _add_drafts(package)
    assert import_package(workspace, package, actor="tester").committed
    _survey(workspace)
    for name, (role, org) in USERS.items():
        add_user(workspace, name, password=PASSWORD, role=role, organisation=org, actor="tester")
    return workspace.target


@pytest.fixture
def client(web_target: str) -> Iterator[TestClient]:
    app = create_app(web_target)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.workspace.close()


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (production keeps argon2-cffi's defaults)."""
    import argon2

    from landrelease.web import auth

    monkeypatch.setattr(
        auth, "_HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def app_workspace(client: TestClient) -> Workspace:
    """The workspace the test client's app serves."""
    ws: Workspace = client.app.state.workspace  # type: ignore[attr-defined]
    return ws


def row_count(client: TestClient, table: str) -> int:
    """Rows in ``table`` of the app's workspace (to show that nothing was written)."""
    with app_workspace(client).engine.connect() as conn:
        return tables.count_where(conn, table)
