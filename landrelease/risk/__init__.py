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
from landrelease.risk.pipeline import compute_risk, write_geotiff
from landrelease.risk.run import RiskRun
from landrelease.risk.store import (
    RiskMap,
    StaleRiskMapError,
    StoredRiskRun,
    latest_risk_run,
    load_risk_map,
    stale_layers,
    store_risk,
)

__all__ = [
    "MODELS",
    "PATTERNS",
    "BoostedTrees",
    "DistanceBaseline",
    "RiskMap",
    "RiskRun",
    "Scores",
    "StaleRiskMapError",
    "StoredRiskRun",
    "WeightsOfEvidence",
    "area_recall_curve",
    "compute_risk",
    "latest_risk_run",
    "load_risk_map",
    "make_model",
    "released_at_recall",
    "score",
    "stale_layers",
    "store_risk",
    "write_geotiff",
]
