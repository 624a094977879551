"""A small scenario, imported once per test session, to run the risk engine on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from landrelease.io import import_package
from landrelease.store import Workspace


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from landrelease.scenario import generate

    out = tmp_path_factory.mktemp("scenario") / "small"
    generate(region="karabakh", seed=3, scale="small", out=out)
    return out


@pytest.fixture(scope="session")
def scenario_ws(
    scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    ws = Workspace.create(str(tmp_path_factory.mktemp("ws") / "scenario.gpkg"), actor="test")
    report = import_package(ws, scenario_dir, repair=True)
    assert report.committed, [str(i) for i in report.issues[:5]]
    yield ws
    ws.close()


@pytest.fixture
def coarse_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """50 m cells and few training cells: the same code, quicker."""
    monkeypatch.setenv("LANDRELEASE_RISK_CELL_M", "50")
    monkeypatch.setenv("LANDRELEASE_RISK_MAX_TRAINING_CELLS", "40000")
    monkeypatch.setenv("LANDRELEASE_RISK_FOLDS", "3")
