"""Spatial block cross-validation and probability calibration.

Cells are grouped in square blocks (setting ``risk_block_m``) and whole blocks
are held out together: neighbouring cells share evidence, so random cell
splits would flatter any model. Out-of-fold predictions give the scores and
fit a Platt calibration that turns scores into probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from landrelease.risk.models import make_model
from landrelease.risk.training import TrainingSet


@dataclass
class CrossValidation:
    model: str
    oof: np.ndarray
    """Out-of-fold probabilities, one per training cell (their scores are taken once calibrated:
    :func:`crossfit_calibrated`)."""
    folds: int
    fold: np.ndarray
    """The fold each training cell was held out in."""


def cross_validate(
    name: str, ts: TrainingSet, *, folds: int, seed: int, prior: float = 0.03
) -> CrossValidation:
    """Out-of-fold predictions of model ``name`` over spatial blocks."""
    n_groups = len(np.unique(ts.block))
    k = max(2, min(folds, n_groups))
    oof = np.zeros(len(ts), dtype=np.float64)
    fold = np.zeros(len(ts), dtype=np.int64)
    for i, (train, test) in enumerate(GroupKFold(n_splits=k).split(ts.X, ts.y, ts.block)):
        fold[test] = i
        if len(np.unique(ts.y[train])) < 2:
            oof[test] = ts.y[train].mean() if len(train) else prior
            continue
        model = make_model(name, seed=seed, prior=prior).fit(
            ts.X[train], ts.y[train], sample_weight=ts.weight[train]
        )
        oof[test] = model.predict_proba(ts.X[test])[:, 1]
    return CrossValidation(name, oof, k, fold)


class PlattCalibration:
    """A logistic map of out-of-fold log-odds to probabilities: strictly increasing, so rankings stay as they are."""

    def __init__(self, oof: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(C=1e4, max_iter=1000).fit(
            _logit(oof)[:, None], y, sample_weight=weight
        )

    def predict(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_proba(_logit(p)[:, None])[:, 1])


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(q / (1 - q)))


def calibrator(oof: np.ndarray, y: np.ndarray, weight: np.ndarray) -> Any:
    """Platt calibration from out-of-fold scores (isotonic steps would tie cells and blunt the ranking)."""
    if len(np.unique(y)) < 2:
        return None
    return PlattCalibration(oof, y, weight)


def crossfit_calibrated(
    oof: np.ndarray, y: np.ndarray, weight: np.ndarray, fold: np.ndarray
) -> np.ndarray:
    """Calibrated out-of-fold probabilities, each fold calibrated on the *other* folds only:
    probabilities whose errors can be measured honestly (the map itself is calibrated on all)."""
    out = np.asarray(oof, dtype=np.float64).copy()
    for k in np.unique(fold):
        rest = fold != k
        cal = calibrator(oof[rest], y[rest], weight[rest])
        if cal is not None:
            out[fold == k] = cal.predict(oof[fold == k])
    return out
