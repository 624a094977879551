"""How good a risk map is, in the terms of land release.

Besides ROC-AUC, PR-AUC and the Brier score, the **area–recall curve**: rank
cells from least to most risky and release them in that order; the curve gives,
for each share of area released, the share of devices left in the released
land. **Released at 99 % recall** is the share of suspected area that can be
released while the land kept for technical survey and clearance still holds
99 % of the devices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    roc_auc: float
    pr_auc: float
    brier: float
    released_at_99: float
    """Share of the area releasable while keeping 99 % of devices in worked land."""
    n: int
    positives: float
    reference_brier: float = float("nan")
    """The Brier score of giving every cell the (weighted) share of cells with a device: a map
    whose probabilities mean anything scores below it."""

    def as_dict(self) -> dict[str, float]:
        return {
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "released_at_99": self.released_at_99,
            "cells": float(self.n),
            "positives": self.positives,
        }


def area_recall_curve(
    risk: np.ndarray, devices: np.ndarray, area: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(share of area released, share of devices kept in worked land), releasing the least risky first."""
    area = np.ones(len(risk)) if area is None else area
    order = np.argsort(risk, kind="stable")
    released_area = np.concatenate([[0.0], np.cumsum(area[order])]) / max(area.sum(), 1e-12)
    released_devices = np.concatenate([[0.0], np.cumsum(devices[order])]) / max(
        devices.sum(), 1e-12
    )
    return released_area, 1.0 - released_devices


def released_at_recall(
    risk: np.ndarray, devices: np.ndarray, area: np.ndarray | None = None, *, recall: float = 0.99
) -> float:
    """Largest share of area releasable (least risky first) while ≥ ``recall`` of devices stay in worked land."""
    if devices.sum() <= 0:
        return float("nan")
    released, kept = area_recall_curve(risk, devices, area)
    ok = kept >= recall - 1e-12
    return float(released[ok].max())


def score(
    risk: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    devices: np.ndarray | None = None,
) -> Scores:
    """Scores of probabilities ``risk`` against labels ``y`` (1: the cell holds a device)."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    w = np.ones(len(y)) if weight is None else weight
    both = len(np.unique(y)) == 2
    share = float(np.sum(y * w) / np.sum(w)) if np.sum(w) > 0 else float("nan")
    return Scores(
        roc_auc=float(roc_auc_score(y, risk, sample_weight=w)) if both else float("nan"),
        pr_auc=float(average_precision_score(y, risk, sample_weight=w)) if both else float("nan"),
        brier=float(brier_score_loss(y, np.clip(risk, 0, 1), sample_weight=w)),
        released_at_99=released_at_recall(risk, (y if devices is None else devices) * w, w),
        n=len(y),
        positives=float((y * w).sum()),
        reference_brier=share * (1 - share),
    )


BASELINE_IN_WORLDS = "ranked the true devices at ROC-AUC 0.58–0.70 and expected 0.02–0.26 × them"
"""What the distance baseline did in ten unseen generated worlds (docs/risk.md: choosing the model
by its cross-validated score on searched land was measured and rejected)."""


def baseline_statement(scores: dict[str, Scores], model: str) -> str | None:
    """Why the map keeps ``model`` when the distance baseline ranks held-out searched land better
    (``None`` when it does not, or when the baseline is the model)."""
    own, base = scores.get(model), scores.get("distance")
    if model == "distance" or own is None or base is None or base.roc_auc <= own.roc_auc:
        return None
    return (
        f"The distance baseline ranks held-out searched land better ({base.roc_auc:.3f} against "
        f"{own.roc_auc:.3f}), but searched land does not tell which model carries to the hazards "
        f"nobody has searched: in ten unseen generated worlds the baseline {BASELINE_IN_WORLDS} "
        f"in the active hazards. The {model} model stays; `--model distance` chooses the baseline."
    )
