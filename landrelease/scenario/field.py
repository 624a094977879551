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
    items = devices_in_ground(truth)
    metric = sites.estimate_utm_crs()
    centres = sites.to_crs(metric).geometry
    site_idx, _ = search_squares(
        centres.x.to_numpy(),
        centres.y.to_numpy(),
        items.to_crs(metric),
        site_m=site_m,
        rng=np.random.default_rng(seed),
        history=history,
    )
    out = sites.copy()
    out["searched"] = True
    out["devices_found"] = np.bincount(site_idx, minlength=len(sites)).astype(np.int64)
    return out


def devices_in_ground(truth: Path) -> gpd.GeoDataFrame:
    """The world's devices not cleared (device, geometry), in the order ``load_truth`` reads them."""
    items = gpd.read_parquet(
        Path(truth) / "items.parquet", columns=["device", "cleared", "geometry"]
    )
    return items[~items["cleared"].astype(bool)]


def search_squares(
    x: np.ndarray,
    y: np.ndarray,
    items: gpd.GeoDataFrame,
    *,
    site_m: float,
    rng: np.random.Generator,
    history: HistoryParams | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Technical survey of ``site_m`` squares centred at (x, y) over ``items`` (in the same
    metric CRS): each device inside a square found with the scenario's technical-survey
    detection for its kind. Returns, per device found, its square and its row in ``items``."""
    p = history or HistoryParams()
    half = site_m / 2
    boxes = shapely.box(x - half, y - half, x + half, y + half)
    pts = items.geometry.values.to_numpy()
    site_idx, item_idx = shapely.STRtree(pts).query(boxes, predicate="contains")
    kind = items["device"].map({k: i for i, k in enumerate(vocab.DEVICES)}).to_numpy()
    detect = np.asarray(p.ts_detection)[kind[item_idx]]
    hit = rng.random(len(item_idx)) < detect
    return site_idx[hit], item_idx[hit]
