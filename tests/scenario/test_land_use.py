"""Land in use in the generated world: mostly clean land, some of it still holding devices at a
tunable rate, drawn from its own random stream so that no other layer changes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from landrelease.scenario import ScenarioResult
from landrelease.scenario.generated import Scenario
from landrelease.scenario.geometry import rng_for
from landrelease.scenario.land_use import LandUse, land_in_use
from landrelease.scenario.parameters import DEFAULT, LandUseParams, Parameters
from landrelease.scenario.pipeline import build


@pytest.fixture(scope="module")
def world() -> Scenario:
    return build(seed=1, scale="small")


def _draw(sc: Scenario, p: LandUseParams, seed: int = 1) -> LandUse:
    return land_in_use(
        sc.hazards.geoms,
        sc.devices,
        sc.settlements,
        sc.infrastructure.of_kind("road").geoms,
        p,
        rng_for(seed, "land_use", "small"),
    )


def test_land_in_use_is_drawn_again_the_same_from_the_same_seed(world: Scenario) -> None:
    a, b = _draw(world, DEFAULT.land_use), _draw(world, DEFAULT.land_use)
    assert world.land_use is not None and len(world.land_use) == len(a) > 500
    assert np.array_equal(a.devices, b.devices) and np.array_equal(a.kind, b.kind)
    assert all(x.equals(y) for x, y in zip(a.geoms, world.land_use.geoms, strict=True))
    assert set(a.kind) == {"cultivated", "built", "grazed", "road", "track"}
    assert a.years.min() >= 1 and a.years.max() <= DEFAULT.land_use.max_years


def test_the_error_rate_is_how_often_land_holding_devices_is_used(world: Scenario) -> None:
    """With a ratio of 0 no square in use holds a device; with 1, use says nothing and squares in
    use hold devices as often as the land around them; the default lies between, near 0."""
    never = _draw(world, replace(DEFAULT.land_use, contaminated_ratio=0.0))
    blind = _draw(world, replace(DEFAULT.land_use, contaminated_ratio=1.0))
    default = _draw(world, DEFAULT.land_use)
    assert len(never) > 0 and (never.devices == 0).all()
    held = {
        name: float((d.devices > 0).mean()) for name, d in (("blind", blind), ("default", default))
    }
    assert 0.0 < held["default"] < 0.5 * held["blind"]
    assert held["blind"] > 0.2  # land near settlements is not clean: use is what tells
    # the same uniform draws decide use: a square used with the ratio 1 includes every other
    clean = {g.wkt for g, d in zip(default.geoms, default.devices, strict=True) if d == 0}
    assert clean <= {g.wkt for g in blind.geoms}


def test_land_in_use_does_not_change_any_other_layer(
    world: Scenario, small: ScenarioResult
) -> None:
    other = build(
        seed=1,
        scale="small",
        params=Parameters(land_use=replace(DEFAULT.land_use, contaminated_ratio=1.0)),
    )
    assert other.land_use is not None and world.land_use is not None
    assert len(other.land_use) != len(world.land_use)
    assert np.array_equal(other.history.activities.ids, world.history.activities.ids)
    assert all(x.equals(y) for x, y in zip(other.hazards.geoms, world.hazards.geoms, strict=True))
    assert np.array_equal(other.history.findings.device_index, world.history.findings.device_index)
    assert np.array_equal(other.incidents.date, world.incidents.date)


def test_the_package_has_land_in_use_and_the_truth_what_it_held(small: ScenarioResult) -> None:
    out = Path(small.out)
    written = json.loads((out / "land_use.geojson").read_text(encoding="utf-8"))["features"]
    truth = json.loads((out / "truth" / "land_use.geojson").read_text(encoding="utf-8"))["features"]
    assert small.counts["land_use"] == len(written) == len(truth) > 500
    assert [f["properties"]["land_use_id"] for f in written] == [
        f["properties"]["land_use_id"] for f in truth
    ]
    assert "devices" not in written[0]["properties"]
    devices = np.array([f["properties"]["devices"] for f in truth])
    assert 0 < (devices > 0).mean() < 0.2
