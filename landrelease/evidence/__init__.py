"""Evidence on a metric grid: what the workspace knows, as distances, densities and coverages."""

from landrelease.evidence.features import (
    FEATURE_NAMES,
    FEATURES,
    Feature,
    TileComputer,
    coarse_layers,
)
from landrelease.evidence.grid import Grid, Tile
from landrelease.evidence.reliability import source_reliability
from landrelease.evidence.sources import EvidenceSet, Shapes, evidence_from_workspace

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "EvidenceSet",
    "Feature",
    "Grid",
    "Shapes",
    "Tile",
    "TileComputer",
    "coarse_layers",
    "evidence_from_workspace",
    "source_reliability",
]
