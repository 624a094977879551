"""Each evidence process has the error rates it documents (within sampling tolerance)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial import cKDTree

from landrelease.scenario import evidence as ev
from landrelease.scenario.contamination import Devices, minefields
from landrelease.scenario.generated import Scenario
from landrelease.scenario.geography import SCALES, window_for
from landrelease.scenario.geometry import rng_for
from landrelease.scenario.parameters import DEFAULT
from landrelease.scenario.world import World, build_world, world_devices


def tolerance(p: float, n: int, z: float = 3.5) -> float:
    """z standard errors of a share ``p`` measured on ``n`` records."""
    return z * math.sqrt(p * (1 - p) / max(n, 1))


@pytest.fixture(scope="module")
def region() -> tuple[World, Devices]:
    """The whole world of a seed (no history: the evidence functions only)."""
    w = build_world(1, DEFAULT)
    return w, world_devices(w)


def test_mine_maps_cover_five_percent_and_a_quarter_are_accurate(
    region: tuple[World, Devices],
) -> None:
    w, dev = region
    window = window_for(SCALES["region"], w.land, DEFAULT.geography)
    mf = minefields(dev, DEFAULT.maps.outline_margin_m)
    rec = ev.handed_over_maps(
        window,
        mf,
        w.group_side(),
        w.group_kind(),
        w.belts,
        w.frame,
        w.sign,
        w.districts,
        DEFAULT.geography,
        DEFAULT.maps,
        rng_for(w.seed, "maps-test"),
    )
    sheet = DEFAULT.maps.sheet_m**2
    assert abs(rec.sheet_area_m2 / window.land_area_m2 - 0.05) <= sheet / window.land_area_m2
    outline = ~rec.row
    measured = ev.measured_accuracy(rec, dev, DEFAULT.maps.accurate_min_share)[outline]
    n = int(outline.sum())
    assert n > 200
    assert abs(measured.mean() - 0.25) < tolerance(0.25, n) + 0.02
    # the measurement agrees with what each record truly is
    klass = rec.accuracy[outline]
    assert measured[klass == "accurate"].mean() > 0.9
    assert measured[klass != "accurate"].mean() < 0.1
    counts = Counter(klass)
    for k, share in DEFAULT.maps.accuracy:
        assert abs(counts[k] / n - share) < tolerance(share, n)


def test_imagery_detects_positions_at_the_documented_rates(region: tuple[World, Devices]) -> None:
    w, _ = region
    pos = w.positions
    window = window_for(SCALES["region"], w.land, DEFAULT.geography)
    p = replace(DEFAULT.imagery, testimony_probability=0.0)
    seen = ev.seen_positions(
        window, pos, np.zeros(len(pos), bool), p, rng_for(w.seed, "imagery-test")
    )
    detected = np.zeros(len(pos), bool)
    detected[seen.truth[seen.truth >= 0]] = True
    for kind, rate in p.detection:
        mine = pos.kind == kind
        if mine.sum() >= 20:
            assert abs(detected[mine].mean() - rate) < tolerance(rate, int(mine.sum())), kind
    fp = (seen.truth < 0).mean()
    assert abs(fp - p.false_positive_share) < tolerance(p.false_positive_share, len(seen.truth))


def test_witnesses_are_wrong_at_the_documented_rates(district: Scenario) -> None:
    s, dev = district.statements, district.devices
    p = DEFAULT.testimony
    told = s.incident < 0
    d, _ = cKDTree(np.column_stack([dev.x, dev.y])).query(np.column_stack([s.x[told], s.y[told]]))
    said = s.statement[told] == "suspected"
    contaminated = d <= p.contaminated_radius_m
    clean = d >= p.clean_radius_m
    assert (contaminated | clean).all()  # every place is one or the other, by construction
    n_c, n_k = int(contaminated.sum()), int(clean.sum())
    assert n_c > 200 and n_k > 200
    assert abs((~said[contaminated]).mean() - p.false_negative) < tolerance(p.false_negative, n_c)
    assert abs(said[clean].mean() - p.false_positive) < tolerance(p.false_positive, n_k)
    assert abs(n_c / (n_c + n_k) - p.contaminated_share) < tolerance(
        p.contaminated_share, n_c + n_k
    )


def test_incidents_follow_the_activity_mix_and_hit_distinct_devices() -> None:
    rng = np.random.default_rng(5)
    n = 40_000
    dev = Devices(
        x=rng.uniform(0, 1e4, n),
        y=rng.uniform(0, 1e4, n),
        device=rng.integers(0, 3, n).astype(np.int8),
        process=np.zeros(n, np.int8),
        model=np.zeros(n, np.int16),
        depth_cm=np.zeros(n, np.float32),
        group=np.full(n, -1, np.int32),
        laid_year=np.full(n, 2000, np.int16),
    )
    weights = {a: rng.random(n) for a in ev.ACTIVITIES}
    p = replace(DEFAULT.incidents, incidents_per_exposure=0.2)
    inc = ev.civilian_incidents(dev, weights, p, rng_for(5, "incidents-test"))
    m = len(inc)
    assert m > 2000
    assert len(np.unique(inc.device_index)) == m
    counts = Counter(inc.activity)
    for activity, share in p.activity_mix:
        assert abs(counts[activity] / m - share) < tolerance(share, m), activity
    victims = [v for vs in inc.victims for v in vs]
    killed = sum(v["outcome"] == "killed" for v in victims) / len(victims)
    assert 0.1 < killed < 0.3  # seeds: 70 killed of 388
    assert abs(sum(v["age"] < 18 for v in victims) / len(victims) - p.child_share) < 0.02
