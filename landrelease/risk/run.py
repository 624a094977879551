"""A risk map computed in memory, with everything that went into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from landrelease.evidence.features import TileComputer
from landrelease.evidence.grid import Grid
from landrelease.evidence.sources import EvidenceSet
from landrelease.risk.errors import ResidualErrors
from landrelease.risk.landuse import LandUseEffect
from landrelease.risk.metrics import Scores
from landrelease.risk.models import WeightsOfEvidence
from landrelease.risk.shift import Representativeness


@dataclass
class RiskRun:
    """A computed risk map and what went into it."""

    grid: Grid
    model: str
    fallback: bool
    probability: np.ndarray
    """P(at least one device) per cell; NaN outside the hazards and searched land."""
    expected: np.ndarray
    """Expected devices per cell, λ = −ln(1 − p) (Poisson) times the count scale measured on
    held-out blocks (devices found per device expected: clusters hold several)."""
    hazard_stats: pd.DataFrame
    """Per active hazard: hazard_id, area_m2, cells, expected_devices, mean_probability,
    max_probability, p_any_device — over the hazard's cells
    (:class:`~landrelease.evidence.grid.HazardCells`, the rule the survey uses too)."""
    scores: dict[str, Scores]
    training: dict[str, int]
    reliability: pd.DataFrame
    evidence: EvidenceSet
    fitted: Any
    """The fitted model (its ``contributions`` explain decisions)."""
    explainer: WeightsOfEvidence
    """A weights-of-evidence model fitted on the same cells, for explanations in words."""
    errors: ResidualErrors | None = None
    """Out-of-sample errors on held-out spatial blocks (``None``: not measured), behind every bound."""
    representativeness: Representativeness | None = None
    """How unlike the searched land the active hazards are (``None``: not measured)."""
    land_use: LandUseEffect | None = None
    """The equivalent searched share of each kind of land in use, measured on searched land
    (``None``: no land in use, or no searched land to measure it on)."""
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    computer: TileComputer | None = None
