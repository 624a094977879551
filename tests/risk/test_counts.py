"""Devices per cell with a find, from the evidence of land cleared in full."""

from __future__ import annotations

import numpy as np

from landrelease.evidence.features import FEATURE_NAMES, FEATURES
from landrelease.risk.counts import MIN_CELLS, cleared_with_finds, crossfit_counts, fit_counts
from landrelease.risk.errors import residual_errors


def _cells(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells near a defensive position hold belts (6 devices per find), others single items."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 3000, size=(n, len(FEATURE_NAMES))).astype(np.float32)
    near = X[:, FEATURE_NAMES.index("dist_defensive")] < 500
    found = np.where(near, 1 + rng.poisson(5, n), 1).astype(float)
    return X, np.ones(n, np.int8), found


def test_belts_hold_more_devices_per_find_than_stray_items() -> None:
    X, y, found = _cells(3000)
    model = fit_counts(X, y, found, np.ones(len(y)), seed=0)
    assert model is not None
    mu = model.predict(X)
    near = X[:, FEATURE_NAMES.index("dist_defensive")] < 500
    assert 5.0 < mu[near].mean() < 7.0 and 0.99 <= mu[~near].mean() < 1.5
    assert (mu >= 1).all()


def test_a_programme_whose_every_find_is_one_device_gets_one_device_per_find() -> None:
    """No cell held a second device (RELand's cells record one mine each): nothing to learn,
    one device per cell with a find, and the cross-fitted counts too — not a fitting error."""
    X, y, _ = _cells(400)
    single = np.ones(len(y))
    model = fit_counts(X, y, single, None, seed=0)
    assert model is not None
    np.testing.assert_array_equal(model.predict(X[:5]), np.ones(5))
    held = crossfit_counts(X, y, single, None, np.arange(len(y)) % 4, seed=0)
    assert held is not None
    np.testing.assert_array_equal(held, np.ones(len(y)))


def test_only_land_cleared_in_full_teaches_counts() -> None:
    """A lane across 15 % of a cell finds some of its devices: such cells are not counted."""
    y = np.array([1, 1, 0, 1], np.int8)
    share = np.array([1.0, 0.15, 1.0, 0.999])
    np.testing.assert_array_equal(cleared_with_finds(y, share), [True, False, False, True])
    X, y3, found = _cells(MIN_CELLS - 1)
    assert fit_counts(X, y3, found, None, seed=0) is None


def test_held_out_counts_come_from_models_that_did_not_see_the_fold() -> None:
    X, y, found = _cells(2000)
    fold = np.arange(2000) % 4
    per_find = crossfit_counts(X, y, found, None, fold, seed=0)
    assert per_find is not None and per_find.shape == (2000,)
    again = crossfit_counts(X, y, found, None, fold, seed=0)
    np.testing.assert_array_equal(per_find, again)  # seeded
    # the ladder expects p × devices per find instead of −ln(1 − p)
    p = np.full(2000, 0.999)  # every cell here held a device
    errors = residual_errors(p, found, np.ones(2000), fold, per_find=per_find, seed=0)
    assert errors is not None
    assert errors.expected_raw == np.sum(p * per_find)
    assert 0.9 < errors.count_scale < 1.2  # the counts already explain what was found


def test_the_constraints_follow_the_risk_model() -> None:
    assert {f.monotone for f in FEATURES} <= {-1, 0, 1}
