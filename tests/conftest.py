"""Shared fixtures: packages, workspaces on both backends, the PostGIS test server.

``make test`` starts a throw-away PostGIS server and passes its URL in
``LANDRELEASE_TEST_PG``. Without it the PostGIS tests are skipped with one
line; under ``CI=true`` that is a failure, so CI always tests both backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from landrelease.store import Workspace
from tests.helpers import write_package

# CI explores the same examples every run (reproducible); locally hypothesis keeps searching.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    hypothesis_settings.load_profile("ci")

PG_URL = os.environ.get("LANDRELEASE_TEST_PG")
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_MISSING = "PostGIS not available (make test starts one; needs root and postgresql-15-postgis-3)"


def require_postgis() -> str:
    if PG_URL:
        return PG_URL
    if IN_CI:
        pytest.fail(f"{PG_MISSING}: under CI=true the PostGIS tests must run")
    pytest.skip(PG_MISSING)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database with PostGIS enabled, cloned for each test (fast)."""
    url = require_postgis()
    import psycopg

    name = f"lr_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(_with_db(url, name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    yield name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _with_db(url: str, db: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + db


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh, empty PostGIS database for one test."""
    import psycopg

    url = require_postgis()
    name = f"lr_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    yield _with_db(url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def ws_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new workspace goes: a GeoPackage file, then a PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "workspace.gpkg")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def workspace(ws_target: str) -> Iterator[Workspace]:
    ws = Workspace.create(ws_target, actor="tester")
    yield ws
    ws.close()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_package(tmp_path / "pkg")
