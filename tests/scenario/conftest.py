"""Scenarios generated once per test session and shared (small scale; district once)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from landrelease.scenario import ScenarioResult, generate
from landrelease.scenario.generated import Scenario
from landrelease.scenario.pipeline import build

SmallFactory = Callable[[int], ScenarioResult]


@pytest.fixture(scope="session")
def small_scenario(tmp_path_factory: pytest.TempPathFactory) -> SmallFactory:
    """``small_scenario(seed)``: the small package of that seed, generated once."""
    made: dict[int, ScenarioResult] = {}

    def get(seed: int) -> ScenarioResult:
        if seed not in made:
            made[seed] = generate(
                seed=seed, scale="small", out=tmp_path_factory.mktemp(f"small{seed}") / "pkg"
            )
        return made[seed]

    return get


@pytest.fixture(scope="session")
def small(small_scenario: SmallFactory) -> ScenarioResult:
    return small_scenario(1)


@pytest.fixture(scope="session")
def district() -> Scenario:
    """The district window of seed 1, in memory (the one district run of the suite)."""
    return build(seed=1, scale="district")


Reader = Callable[[Path, str], list[dict[str, Any]]]


def read_features(package: Path, layer: str) -> list[dict[str, Any]]:
    """The features of a GeoJSON layer of a package."""
    data = json.loads((package / f"{layer}.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return list(data["features"])


@pytest.fixture(scope="session")
def features() -> Reader:
    """``features(package, layer)``: the features of a GeoJSON layer."""
    return read_features
