"""The land-release loop benchmark's choice of the land to survey (benchmarks/survey_loop_bench.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import survey_loop_bench as bench


def test_the_band_is_the_land_not_cancelled_just_above_the_next_lands_risk() -> None:
    p = np.array([0.001, 0.01, 0.011, 0.03, 0.05, 0.051, 0.2, 0.02])
    cancelled = np.array([True, False, False, False, False, False, False, True])
    # next land in line at 0.01, band up to 5 times that: (0.01, 0.05]
    assert bench.band_cells(p, cancelled, 0.01, 5.0).tolist() == [2, 3, 4]


@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=50),
    st.floats(1e-4, 0.5),
    st.floats(1.01, 20),
    st.integers(0, 2**32 - 1),
)
def test_every_cell_of_the_band_lies_in_it_and_none_is_cancelled(
    ps: list[float], next_p: float, band: float, seed: int
) -> None:
    p = np.array(ps)
    cancelled = np.random.default_rng(seed).random(len(p)) < 0.3
    got = bench.band_cells(p, cancelled, next_p, band)
    inside = (p > next_p) & (p <= band * next_p) & ~cancelled
    assert set(got.tolist()) == set(np.flatnonzero(inside).tolist())
