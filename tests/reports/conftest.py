"""A programme built once per module (GeoPackage) for the report tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from landrelease.reports import Records, load_records
from landrelease.store import Workspace
from tests.reports.builder import build


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("programme")
    ws = Workspace.create(str(root / "programme.gpkg"), actor="builder")
    build(ws, root / "package")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def records(programme: Workspace) -> Records:
    return load_records(programme)
