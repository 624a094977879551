"""A training set built straight from hand-made evidence, for the risk tests."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease.evidence.features import TileComputer, coarse_layers
from landrelease.evidence.grid import Grid
from landrelease.evidence.sources import EvidenceSet, Shapes
from landrelease.risk.training import TrainingSet, training_set

CRS = "EPSG:32638"


def training_on(
    processed: gpd.GeoDataFrame,
    findings: gpd.GeoDataFrame,
    *,
    searched_weights: np.ndarray | None = None,
    finding_points: list[Any] | None = None,
    hazard: shapely.Geometry,
    extent: tuple[float, float, float, float],
    crs: str = CRS,
) -> tuple[TrainingSet, TileComputer, Grid]:
    """The training set on 50 m cells over `extent`, with one active hazard and the given
    searched land (weights default to 1) and findings (points default to the findings')."""
    boxes = processed.geometry.values.to_numpy()
    points = finding_points if finding_points is not None else list(findings.geometry)
    weights = searched_weights if searched_weights is not None else np.ones(len(boxes))
    ev = EvidenceSet(
        crs=crs,
        as_of=None,
        groups={
            "findings": Shapes(np.array(points, dtype=object), np.ones(len(points))),
            "searched": Shapes(boxes, weights),
        },
        hazards=gpd.GeoDataFrame(
            {"hazard_id": ["H"], "classification": "SHA", "status": "active"},
            geometry=[hazard],
            crs=crs,
        ),
        processed=processed,
        findings=findings,
        records=gpd.GeoDataFrame(geometry=[], crs=crs),
        reliability=pd.DataFrame(),
    )
    grid = Grid.covering(extent, crs=crs, cell_m=50.0, max_cells=10**7)
    computer = TileComputer(ev, grid, coarse_layers(ev, grid, near_m=500), near_m=500)
    ts = training_set(
        ev,
        grid,
        computer,
        tiles=list(grid.tiles(size=1024, halo=10)),
        block_m=2000,
        max_negatives=10**6,
        seed=0,
    )
    return ts, computer, grid
