"""The field, simulated: teams search the confirmation sites of a generated world.

A generated world knows where every device lies (``truth/items.parquet``), so its demo and
its benchmarks can do what a programme's teams do with the sites the decisions draw: search
each square site by technical survey and report the devices found. Each device still in the
ground inside a site is found with the scenario's technical-survey detection probability for
its kind (:attr:`~landrelease.scenario.parameters.HistoryParams.ts_detection`), seeded.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from landrelease.domain import vocab
from landrelease.scenario.parameters import HistoryParams


def search_sites(
    sites: gpd.GeoDataFrame,
    truth: Path,
    *,
    site_m: float,
    seed: int,
    history: HistoryParams | None = None,
) -> gpd.GeoDataFrame:
    """``sites`` (points, any CRS) with ``searched`` set and ``devices_found`` counted from the
    world's devices still in the ground inside each ``site_m`` square."""
    p = history or HistoryParams()
    items = gpd.read_parquet(
        Path(truth) / "items.parquet", columns=["device", "cleared", "geometry"]
    )
    items = items[~items["cleared"].astype(bool)]
    metric = sites.estimate_utm_crs()
    centres = sites.to_crs(metric).geometry
    boxes = shapely.box(
        centres.x - site_m / 2,
        centres.y - site_m / 2,
        centres.x + site_m / 2,
        centres.y + site_m / 2,
    )
    pts = items.to_crs(metric).geometry.values.to_numpy()
    tree = shapely.STRtree(pts)
    site_idx, item_idx = tree.query(boxes, predicate="contains")
    kind = items["device"].map({k: i for i, k in enumerate(vocab.DEVICES)}).to_numpy()
    detect = np.asarray(p.ts_detection)[kind[item_idx]]
    hit = np.random.default_rng(seed).random(len(item_idx)) < detect
    out = sites.copy()
    out["searched"] = True
    out["devices_found"] = np.bincount(site_idx[hit], minlength=len(sites)).astype(np.int64)
    return out
