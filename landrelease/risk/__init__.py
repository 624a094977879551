"""The risk map: the probability that each cell holds a device, learned from searched land and evidence."""

from landrelease.risk.metrics import Scores, area_recall_curve, released_at_recall, score
from landrelease.risk.models import (
    MODELS,
    PATTERNS,
    BoostedTrees,
    DistanceBaseline,
    WeightsOfEvidence,
    make_model,
)
from landrelease.risk.pipeline import RiskRun, compute_risk, store_risk, write_geotiff

__all__ = [
    "MODELS",
    "PATTERNS",
    "BoostedTrees",
    "DistanceBaseline",
    "RiskRun",
    "Scores",
    "WeightsOfEvidence",
    "area_recall_curve",
    "compute_risk",
    "make_model",
    "released_at_recall",
    "score",
    "store_risk",
    "write_geotiff",
]
