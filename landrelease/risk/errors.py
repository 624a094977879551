"""How wrong the map is on land it did not learn from: the out-of-sample errors behind every bound.

Cross-validation over spatial blocks gives each searched cell a probability
from a model that never saw its block; the calibration is cross-fitted too
(each fold's probabilities calibrated on the other folds). For a ladder of
probability thresholds this module sums, over the held-out cells at or below
each threshold, the devices the map expected there (λ = −ln(1 − p) per cell)
and the devices found there, and bounds their ratio from above at ``level`` (default 90 %):
the larger of a block bootstrap (whole blocks resampled, as they were held
out) and the Poisson (Garwood) upper limit of the count found. Nothing here
ever uses a prediction for a cell from a model that learned from it.

Each cancelled part states the devices the map expects there times that factor: its bound.

The recall rule bounds a share, not a count: of all the devices, how many are left in the land
it would cancel. A map that is too low everywhere is too low in both, so the rule takes, per
rung, the ratio found/expected at or below the threshold *relative* to found/expected over all
held-out cells, bounded from above in the same block bootstrap (``relative_ratio``): how far the
share of the devices in land up to that risk may exceed the share the map gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

LADDER = 40
"""Thresholds in the ladder (quantiles of the held-out probabilities)."""


@dataclass(frozen=True)
class ResidualErrors:
    """Out-of-sample errors of a map at a ladder of probability thresholds (ascending)."""

    thresholds: np.ndarray
    expected: np.ndarray
    """Devices expected in held-out cells at or below each threshold (Σ λ, weighted)."""
    found: np.ndarray
    """Devices found in held-out cells at or below each threshold (weighted)."""
    upper_ratio: np.ndarray
    """Upper bound (at ``level``) of found/expected at or below each threshold."""
    total_ratio_low: float
    """Lower bound (at ``level``) of found/expected over all held-out cells: how far the map's
    total may overstate the devices (below 1) — the target is kept against the lower total."""
    level: float
    blocks: int
    scale: np.ndarray | None = None
    """Devices found per device expected in the held-out cells of each rung (λ = −ln(1 − p)
    counts as if devices fell one by one, where minefield belts put several in a cell):
    non-decreasing with risk and never below 1; the map's expected devices are multiplied by
    it, and the ladder is relative to the scaled expectation."""

    def scale_at(self, p: np.ndarray) -> np.ndarray:
        """The count scale of each probability's rung (1 without one)."""
        if self.scale is None:
            return np.ones(np.shape(p))
        k = np.searchsorted(self.thresholds, np.asarray(p, dtype=float), side="left")
        return np.asarray(self.scale[np.minimum(k, len(self.thresholds) - 1)])

    @property
    def count_scale(self) -> float:
        """Devices found per device λ expected, over all held-out cells."""
        return float(self.found[-1] / self.expected_raw) if self.expected_raw > 0 else 1.0

    expected_raw: float = 0.0
    """Σ λ over all held-out cells, before the count scale."""
    cells: np.ndarray | None = None
    """Held-out cells (weighted: the cells they stand for) at or below each threshold."""
    blocks_at: np.ndarray | None = None
    """Spatial blocks with held-out cells at or below each threshold."""
    blocks_found: np.ndarray | None = None
    """Of those, the blocks where devices were found at or below each threshold."""
    relative_ratio: np.ndarray | None = None
    """Upper bound (at ``relative_level``) of found/expected at or below each threshold over
    found/expected in all held-out cells, taken in each bootstrap resample: how far the share of
    the devices in land up to that risk may exceed the share the map expects there; never below
    1. ``None``: a run kept before it (the rule then bounds the count and the total apart)."""
    relative_level: float | None = None
    """The level of ``relative_ratio`` (``None``: ``level``)."""

    def rung(self, p: np.ndarray | float) -> np.ndarray:
        """The ladder's rung of each probability: the smallest threshold at or above it (beyond
        the ladder: the last one)."""
        k = np.searchsorted(self.thresholds, np.asarray(p, dtype=float), side="left")
        return np.minimum(k, len(self.thresholds) - 1)

    def factor(self, p: np.ndarray | float) -> np.ndarray:
        """The bound's multiplier for land cancelled up to probability ``p``: the ratio at its
        rung."""
        return np.asarray(self.upper_ratio[self.rung(p)])

    def rule_factor(self, p: np.ndarray | float) -> np.ndarray:
        """The recall rule's multiplier for land cancelled up to probability ``p``: the relative
        ratio at its rung (a ladder kept without it: the absolute ratio, as :meth:`factor`)."""
        ratio = self.upper_ratio if self.relative_ratio is None else self.relative_ratio
        return np.asarray(ratio[self.rung(p)])

    def cancellable(self, p_sorted: np.ndarray, cum: np.ndarray, allowed: float) -> int:
        """How many of the cells, least risky first (``p_sorted``, with ``cum`` their running
        expected devices), the recall rule may cancel: the most whose bound keeps within
        ``allowed`` devices of the map's expectation (the target's share of its total, before
        :attr:`total_factor`). A wider rung of held-out land can bound more tightly than a
        narrow one, so this is the last cell that keeps it, not the first that breaks it."""
        ok = self.rule_factor(p_sorted) * cum <= allowed * self.total_factor
        return int(np.flatnonzero(ok)[-1]) + 1 if ok.any() else 0

    @property
    def total_factor(self) -> float:
        """What the recall rule multiplies the map's total by: 1 with the relative ladder (the
        ratio bounds the share itself); without it, the total's lower bound (at most 1)."""
        return 1.0 if self.relative_ratio is not None else min(1.0, self.total_ratio_low)

    @property
    def rule_level(self) -> float:
        """The confidence of the recall rule's factor."""
        if self.relative_ratio is not None and self.relative_level is not None:
            return self.relative_level
        return self.level

    def state(self) -> dict[str, Any]:
        """Plain JSON values, kept with a stored risk run."""
        return {
            "thresholds": [float(v) for v in self.thresholds],
            "expected": [float(v) for v in self.expected],
            "found": [float(v) for v in self.found],
            "upper_ratio": [float(v) for v in self.upper_ratio],
            "total_ratio_low": float(self.total_ratio_low),
            "level": float(self.level),
            "blocks": int(self.blocks),
            "scale": None if self.scale is None else [float(v) for v in self.scale],
            "expected_raw": float(self.expected_raw),
            **{
                name: None if value is None else [float(v) for v in value]
                for name, value in (
                    ("cells", self.cells),
                    ("blocks_at", self.blocks_at),
                    ("blocks_found", self.blocks_found),
                    ("relative_ratio", self.relative_ratio),
                )
            },
            "relative_level": self.relative_level,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ResidualErrors:
        return cls(
            thresholds=np.asarray(state["thresholds"], dtype=float),
            expected=np.asarray(state["expected"], dtype=float),
            found=np.asarray(state["found"], dtype=float),
            upper_ratio=np.asarray(state["upper_ratio"], dtype=float),
            total_ratio_low=float(state["total_ratio_low"]),
            level=float(state["level"]),
            blocks=int(state["blocks"]),
            scale=None if state.get("scale") is None else np.asarray(state["scale"], dtype=float),
            expected_raw=float(state.get("expected_raw", 0.0)),
            **{
                name: None if state.get(name) is None else np.asarray(state[name], dtype=float)
                for name in ("cells", "blocks_at", "blocks_found", "relative_ratio")
            },
            relative_level=None
            if state.get("relative_level") is None
            else float(state["relative_level"]),
        )


def garwood_upper(found: np.ndarray | float, level: float) -> np.ndarray:
    """One-sided upper limit of a Poisson mean after observing ``found`` events (2.30 for none at 90 %)."""
    k = np.asarray(found, dtype=float)
    return np.asarray(stats.chi2.ppf(level, 2 * (np.floor(k) + 1)) / 2)


def share_upper(found: np.ndarray, total: float, level: float) -> np.ndarray:
    """One-sided upper limit (Clopper–Pearson) of the share of all ``total`` devices that fell
    in a part holding ``found`` of them (counts rounded down, as :func:`garwood_upper`)."""
    k = np.floor(np.asarray(found, dtype=float))
    rest = float(total) - k
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = stats.beta.ppf(level, k + 1, np.where(rest > 0, rest, 1.0))
    return np.asarray(np.where(rest > 0, upper, 1.0))


def residual_errors(
    p: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    block: np.ndarray,
    *,
    level: float = 0.9,
    boot: int = 400,
    seed: int = 0,
    per_find: np.ndarray | None = None,
    relative_level: float | None = None,
) -> ResidualErrors | None:
    """The out-of-sample error ladder from held-out probabilities ``p`` (``None`` without any).

    ``p`` must come from models that did not see each cell's block (cross-validation); ``y``
    is the number of devices found in each cell, ``weight`` restores subsampled negatives, ``block`` names
    each cell's spatial block (resampled whole by the bootstrap). ``per_find``: each cell's
    devices per cell with a find, from a count model that did not see its block (the map then
    expects ``p × per_find`` devices; without it ``−ln(1 − p)``). ``relative_level``: the
    level of the recall rule's relative ladder (``None``: ``level``).
    """
    if not len(p):
        return None
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1 - 1e-12)
    thresholds = np.unique(np.quantile(p, np.linspace(0, 1, LADDER + 1)[1:]))
    step = np.searchsorted(thresholds, p, side="left")  # the first threshold at or above p
    _, b = np.unique(block, return_inverse=True)
    nb, nk = int(b.max()) + 1, len(thresholds)
    lam = -np.log1p(-p) if per_find is None else p * np.asarray(per_find, dtype=float)
    scale = count_scale(lam, y, weight, step, nk)
    exp_bk = np.zeros((nb, nk))
    fnd_bk = np.zeros((nb, nk))
    np.add.at(exp_bk, (b, step), weight * lam * scale[step])
    np.add.at(fnd_bk, (b, step), weight * y)
    cell_bk = np.zeros((nb, nk))
    np.add.at(cell_bk, (b, step), weight)
    exp_bk, fnd_bk, cell_bk = exp_bk.cumsum(axis=1), fnd_bk.cumsum(axis=1), cell_bk.cumsum(axis=1)
    expected, found = exp_bk.sum(axis=0), fnd_bk.sum(axis=0)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(nb, np.full(nb, 1 / nb), size=boot).astype(float)
    e_star, f_star = draws @ exp_bk, draws @ fnd_bk
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_star = np.where(e_star > 0, f_star / e_star, np.inf)
        poisson = np.where(expected > 0, garwood_upper(found, level) / expected, np.inf)
    # order statistics, not interpolated between them: a resample with no expectation is +inf,
    # and interpolating towards it would give inf − inf = NaN instead of an unbounded ratio
    # never below 1: held-out land that held fewer devices than expected does not make the
    # rule bolder than the map's own expectation — unsearched land is not searched land
    upper = np.maximum(
        np.maximum(np.quantile(ratio_star, level, axis=0, method="higher"), poisson), 1.0
    )
    total_low = (
        float(np.quantile(ratio_star[:, -1], 1 - level, method="lower"))
        if expected[-1] > 0
        else 1.0
    )
    rel_level = level if relative_level is None else float(relative_level)
    relative = relative_upper(e_star, f_star, expected, found, rel_level)
    return ResidualErrors(
        thresholds=thresholds,
        expected=expected,
        found=found,
        upper_ratio=upper,
        total_ratio_low=total_low,
        level=level,
        blocks=nb,
        scale=scale,
        expected_raw=float((weight * lam).sum()),
        cells=cell_bk.sum(axis=0),
        blocks_at=(cell_bk > 0).sum(axis=0).astype(float),
        blocks_found=(fnd_bk > 0).sum(axis=0).astype(float),
        relative_ratio=relative,
        relative_level=rel_level,
    )


def relative_upper(
    e_star: np.ndarray, f_star: np.ndarray, expected: np.ndarray, found: np.ndarray, level: float
) -> np.ndarray:
    """Upper bound at ``level`` of each rung's found/expected over found/expected in all cells.

    ``e_star`` and ``f_star`` are the bootstrap resamples (one row each) of the cumulative
    expected and found devices per rung, the last rung being all held-out cells; ``expected``
    and ``found`` the sample's own. Per resample the ratio of ratios — the rung's share of the
    devices found over its share of those expected — is unbounded where the rung expects
    nothing or nothing was found at all; the bound is its order statistic at ``level``, no
    lower than the binomial (Clopper–Pearson) limit of the rung's share of the devices found
    over its share of those expected (what the count alone allows: after none found in a rung,
    its share of all devices may still be up to about 2.30 ÷ the devices found), and never
    below 1.
    """
    f_all, e_all = f_star[:, -1:], e_star[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_star = np.where((e_star > 0) & (f_all > 0), (f_star * e_all) / (e_star * f_all), np.inf)
        share = np.where(
            (expected > 0) & (found[-1] > 0),
            share_upper(found, found[-1], level) * expected[-1] / expected,
            np.inf,
        )
    return np.asarray(
        np.maximum(np.maximum(np.quantile(rel_star, level, axis=0, method="higher"), share), 1.0)
    )


def count_scale(
    lam: np.ndarray, found: np.ndarray, weight: np.ndarray, step: np.ndarray, rungs: int
) -> np.ndarray:
    """Devices found per device expected in each rung, non-decreasing with risk (isotonic,
    weighted by the devices expected) and never below 1."""
    from sklearn.isotonic import IsotonicRegression

    e = np.bincount(step, weights=weight * lam, minlength=rungs)
    f = np.bincount(step, weights=weight * found, minlength=rungs)
    ok = e > 0
    out = np.ones(rungs)
    if ok.sum() >= 2:
        fit = IsotonicRegression(increasing=True).fit(
            np.flatnonzero(ok), f[ok] / e[ok], sample_weight=e[ok]
        )
        out = fit.predict(np.arange(rungs))
    return np.maximum(out, 1.0)
