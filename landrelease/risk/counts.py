"""How many devices a cell holds when it holds any: learned from land cleared in full.

The probability map says whether a cell holds a device; a belt of mines puts
several in one cell, a stray shell one. Expected devices per cell are
``p × μ(x)``: the probability of any device times the devices found per cell
with a find, learned from the evidence of cells searched in full (clearance;
lanes of technical survey find only some of a cell's devices) by Poisson
boosted trees with the same monotone constraints as the risk model (more
devices where the evidence says more danger). Without enough such cells the
map falls back to ``−ln(1 − p)``, devices falling one by one.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from landrelease.evidence.features import FEATURES

MIN_CELLS = 100
"""Cells cleared in full with a find that the count model needs; fewer: no count model."""
FULL_SEARCH = 0.99
"""A cell counts as searched in full from this share of its land searched."""


class DevicesPerFind:
    """Devices per cell in cells that hold any, from their evidence (always ≥ 1)."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.model_: Any = None

    def fit(self, X: np.ndarray, devices: np.ndarray) -> Self:
        """Learn the devices beyond the first; none anywhere (every find a single device):
        one device per cell with a find, without a model to fit."""
        import lightgbm as lgb

        excess = np.maximum(np.asarray(devices, float) - 1.0, 0.0)
        if not excess.any():
            self.model_ = None
            return self
        self.model_ = lgb.LGBMRegressor(
            objective="poisson",
            n_estimators=200,
            learning_rate=0.05,
            num_leaves=15,
            min_child_samples=30,
            reg_lambda=1.0,
            monotone_constraints=[f.monotone for f in FEATURES],
            monotone_constraints_method="intermediate",
            random_state=self.seed,
            n_jobs=2,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        ).fit(X, excess)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Expected devices in a cell that holds at least one (1 + the learned excess)."""
        if self.model_ is None:
            return np.ones(len(X))
        return 1.0 + np.maximum(np.asarray(self.model_.predict(X), dtype=float), 0.0)


def cleared_with_finds(y: np.ndarray, share: np.ndarray | None) -> np.ndarray:
    """Which training cells teach the count model: a find, and searched in full."""
    full = np.ones(len(y), bool) if share is None else np.asarray(share) >= FULL_SEARCH
    return np.asarray((y == 1) & full)


def fit_counts(
    X: np.ndarray, y: np.ndarray, found: np.ndarray, share: np.ndarray | None, *, seed: int
) -> DevicesPerFind | None:
    """The count model from the cells cleared in full with a find (``None``: too few)."""
    use = cleared_with_finds(y, share)
    if use.sum() < MIN_CELLS:
        return None
    return DevicesPerFind(seed=seed).fit(X[use], found[use])


def crossfit_counts(
    X: np.ndarray,
    y: np.ndarray,
    found: np.ndarray,
    share: np.ndarray | None,
    fold: np.ndarray,
    *,
    seed: int,
) -> np.ndarray | None:
    """Each training cell's devices per find from a count model that did not see its fold
    (the held-out errors must not flatter the counts); ``None`` when a fold lacks cells."""
    out = np.ones(len(y))
    for k in np.unique(fold):
        rest = fold != k
        model = fit_counts(
            X[rest], y[rest], found[rest], None if share is None else share[rest], seed=seed
        )
        if model is None:
            return None
        out[fold == k] = model.predict(X[fold == k])
    return out
