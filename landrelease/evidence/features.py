"""Evidence layers on the metric grid: distances, kernel densities and coverages, tile by tile.

Every feature is declared once in :data:`FEATURES` with its unit, the direction
in which it can only raise or lower the risk (used as a monotone constraint)
and the words a field officer reads in an explanation.

Far-reaching layers would need huge tile halos at fine resolution, so each
distance is computed twice: exactly on the fine grid within ``near_m`` of a
feature (a halo of ``near_m``), and on a coarse grid over the whole region
beyond that. Densities are Gaussian kernels on the coarse grid, interpolated
to the fine cells. No per-cell Python loop anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage
from scipy.stats import rankdata

from landrelease import settings
from landrelease.evidence.grid import Grid, HazardCells, Tile
from landrelease.evidence.sources import EvidenceSet, Shapes


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str
    """``distance`` (m, capped), ``density`` (weight per km²), ``cover`` (0–1 inside polygons) or
    ``rate`` (devices found per hectare searched nearby, against the programme's average)."""
    group: str
    scale_m: float
    """The cap of a distance, or the σ of a density kernel (m)."""
    monotone: int
    """+1: more of it can only raise the risk; −1: can only lower it; 0: no constraint."""
    words: str
    unit: str


FEATURES: tuple[Feature, ...] = (
    Feature(
        "dist_incident",
        "distance",
        "incidents",
        5000,
        -1,
        "distance to the nearest recorded incident",
        "m",
    ),
    Feature(
        "dens_incident",
        "density",
        "incidents",
        400,
        +1,
        "recent, severe incidents nearby",
        "weighted incidents/km²",
    ),
    Feature(
        "dist_finding",
        "distance",
        "findings",
        5000,
        -1,
        "distance to devices found by earlier survey or clearance",
        "m",
    ),
    Feature(
        "dist_clean",
        "distance",
        "searched_clean",
        5000,
        +1,
        "distance to land searched by technical survey or clearance that found nothing",
        "m",
    ),
    Feature(
        "rate_found",
        "rate",
        "searched",
        1500,
        +1,
        "devices found per hectare searched nearby, against the programme's average",
        "log₂ of the ratio",
    ),
    Feature(
        "cover_record",
        "cover",
        "records",
        0,
        +1,
        "inside a minefield record, weighted by how reliable its source proved",
        "reliability 0–1",
    ),
    Feature(
        "dist_record",
        "distance",
        "records",
        3000,
        -1,
        "distance to the nearest minefield record",
        "m",
    ),
    Feature(
        "dist_defensive",
        "distance",
        "positions_defensive",
        3000,
        -1,
        "distance to former trenches, strongpoints and firing positions",
        "m",
    ),
    Feature(
        "dist_position",
        "distance",
        "positions_other",
        3000,
        -1,
        "distance to former checkpoints and bases",
        "m",
    ),
    Feature(
        "dist_front_long",
        "distance",
        "front_long",
        10000,
        -1,
        "distance to the long-held line of contact",
        "m",
    ),
    Feature(
        "dist_front_recent",
        "distance",
        "front_recent",
        5000,
        -1,
        "distance to the short-lived front lines of the last war",
        "m",
    ),
    Feature(
        "dens_testimony",
        "density",
        "testimony_suspected",
        300,
        +1,
        "witnesses who suspect explosive ordnance here",
        "statements/km²",
    ),
    Feature(
        "dens_clear_testimony",
        "density",
        "testimony_clear",
        300,
        -1,
        "witnesses who say the land is used safely",
        "statements/km²",
    ),
    Feature("dist_road", "distance", "roads", 3000, 0, "distance to a road", "m"),
    Feature(
        "dist_settlement", "distance", "settlements", 10000, 0, "distance to a settlement", "m"
    ),
    Feature("cover_cha", "cover", "cha", 0, +1, "inside a confirmed hazardous area", "0/1"),
    Feature("cover_sha", "cover", "sha", 0, 0, "inside a suspected hazardous area", "0/1"),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
_INDEX = {f.name: i for i, f in enumerate(FEATURES)}


def feature(name: str) -> Feature:
    return FEATURES[_INDEX[name]]


RATE_SHRINK_HA = 25.0
"""Searched hectares of pseudo-evidence at the programme's average: where little land was searched
nearby, the local finding rate stays near the average."""


@dataclass
class CoarseLayers:
    """Whole-region rasters at coarse resolution: far distances, kernel densities and the local
    finding rate (with the kernel-weighted searched hectares and finds it is made of)."""

    transform: Affine
    cell_m: float
    arrays: dict[str, np.ndarray]
    rate_parts: tuple[np.ndarray, np.ndarray, float] | None = None
    """(searched ha, finds) kernel-weighted per coarse cell, and the programme's finds per ha."""
    rate_scale: RateScale | None = None
    """The σ of the local finding rate and how it was chosen."""

    @property
    def rate_sigma_m(self) -> float:
        return self.rate_scale.sigma_m if self.rate_scale else feature("rate_found").scale_m


@dataclass(frozen=True)
class RateScale:
    """The σ of the local finding rate's kernel, chosen on the programme's own searched land."""

    sigma_m: float
    scores: dict[float, float]
    """Mean ROC-AUC over held-out blocks of the rate at each candidate σ (empty: not measured)."""
    reason: str

    def state(self) -> dict[str, object]:
        return {
            "sigma_m": self.sigma_m,
            "scores": {str(k): v for k, v in self.scores.items()},
            "reason": self.reason,
        }


def rate_scales_setting() -> tuple[float, ...]:
    """The candidate σ of the local finding rate (setting ``risk_rate_scales_m``)."""
    from landrelease.errors import UsageError

    raw = str(settings.get("risk_rate_scales_m")).replace(",", " ").split()
    try:
        values = tuple(sorted({float(v) for v in raw}))
    except ValueError:
        values = ()
    if not values or min(values) <= 0:
        raise UsageError(
            f"risk_rate_scales_m={settings.get('risk_rate_scales_m')!r}: give one or more "
            "kernel widths in metres, e.g. '500 1000 1500 2500 4000'"
        )
    return values


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """ROC-AUC (Mann–Whitney, ties counted half); NaN without both classes."""
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _kernel_sum(raster: np.ndarray, sigma_cells: float) -> np.ndarray:
    """Gaussian kernel sums (a mass at distance d counts exp(−d²/2σ²)) of a raster."""
    mass = 2 * np.pi * sigma_cells * sigma_cells
    return np.asarray(ndimage.gaussian_filter(raster, sigma_cells, mode="constant") * mass)


def _kernel_sum_at(
    raster: np.ndarray, sigma_cells: float, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """:func:`_kernel_sum` read at cells (rows, cols); wide kernels on a raster summed into
    blocks of cells (at least four blocks per σ), read back bilinearly: bounded work at any σ."""
    step = max(1, int(sigma_cells // 4))
    if step == 1:
        return _kernel_sum(raster, sigma_cells)[rows, cols]
    ny, nx = raster.shape
    pad = np.zeros((-(-ny // step) * step, -(-nx // step) * step))
    pad[:ny, :nx] = raster
    summed = pad.reshape(pad.shape[0] // step, step, pad.shape[1] // step, step).sum(axis=(1, 3))
    k = _kernel_sum(summed, sigma_cells / step)
    return np.asarray(
        ndimage.map_coordinates(
            k, [(rows + 0.5) / step - 0.5, (cols + 0.5) / step - 0.5], order=1, mode="nearest"
        )
    )


def choose_rate_scale(
    ha: np.ndarray,
    finds: np.ndarray,
    *,
    cell_m: float,
    candidates: Sequence[float],
    block_m: float,
    folds: int,
    seed: int,
    min_found_cells: int = 20,
) -> RateScale:
    """The σ at which the local finding rate best ranks searched land it did not see.

    The searched coarse cells (``ha`` > 0) are split into square blocks of ``block_m``, the
    blocks dealt at random (``seed``) into ``folds`` folds; for each fold the rate is made from
    the other folds' hectares and finds only and read at the fold's cells, a cell counting as
    positive when a device was found in it. The candidate with the highest mean ROC-AUC over
    the folds wins (the smallest σ on a tie). With fewer than ``min_found_cells`` cells with a
    find, or fewer than two blocks, the feature's default σ stays.
    """
    default = feature("rate_found").scale_m
    searched = ha > 0
    rows, cols = np.nonzero(searched)
    y = finds[rows, cols] > 0
    if int(y.sum()) < min_found_cells or len(candidates) == 0:
        return RateScale(default, {}, f"fewer than {min_found_cells} searched cells with a find")
    per_block = max(1, round(block_m / cell_m))
    block = np.unique(
        np.column_stack([rows // per_block, cols // per_block]), axis=0, return_inverse=True
    )[1].ravel()
    n_blocks = int(block.max()) + 1
    if n_blocks < 2:
        return RateScale(default, {}, "searched land within a single block")
    order = np.random.default_rng(seed).permutation(n_blocks)
    fold_of_block = np.empty(n_blocks, dtype=np.int64)
    fold_of_block[order] = np.arange(n_blocks) % min(folds, n_blocks)
    fold = fold_of_block[block]
    scores: dict[float, float] = {}
    for sigma in candidates:
        aucs = []
        for k in np.unique(fold):
            out = fold == k
            ha_k, finds_k = ha.astype(np.float64), finds.astype(np.float64)
            ha_k[rows[out], cols[out]] = 0.0
            finds_k[rows[out], cols[out]] = 0.0
            total = float(ha_k.sum())
            if total <= 0:
                continue
            s = sigma / cell_m
            rate = local_rate(
                _kernel_sum_at(ha_k, s, rows[out], cols[out]),
                _kernel_sum_at(finds_k, s, rows[out], cols[out]),
                float(finds_k.sum()) / total,
            )
            aucs.append(_auc(rate, y[out]))
        scores[float(sigma)] = float(np.nanmean(aucs)) if np.isfinite(aucs).any() else float("nan")
    measured = {k: v for k, v in scores.items() if np.isfinite(v)}
    if not measured:
        return RateScale(default, scores, "no held-out block had both outcomes")
    best = max(measured, key=lambda k: (measured[k], -k))
    return RateScale(
        best, scores, f"best of {len(candidates)} widths on {n_blocks} held-out blocks"
    )


def local_rate(searched_ha: np.ndarray, finds: np.ndarray, average: float) -> np.ndarray:
    """log₂ of the local finds per searched hectare against ``average``, shrunk towards it by
    :data:`RATE_SHRINK_HA` hectares of pseudo-evidence."""
    if average <= 0:
        return np.zeros(np.shape(searched_ha), dtype=np.float32)
    rate = (np.maximum(finds, 0) + RATE_SHRINK_HA * average) / (
        np.maximum(searched_ha, 0) + RATE_SHRINK_HA
    )
    return np.log2(rate / average).astype(np.float32)


def _burn(
    shapes: Shapes,
    shape: tuple[int, int],
    transform: Affine,
    *,
    values: bool = False,
    touched: bool = True,
) -> np.ndarray:
    """Rasterise geometries: points into their cell, lines and polygons into every touched cell."""
    out = np.zeros(shape, dtype=np.float32)
    if not len(shapes):
        return out
    kinds = shapely.get_type_id(shapes.geoms)
    pts = kinds == 0
    if pts.any():
        inv = ~transform
        x, y = shapely.get_x(shapes.geoms[pts]), shapely.get_y(shapes.geoms[pts])
        col, row = inv @ (x, y)
        col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
        ok = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
        w = shapes.weight[pts][ok] if values else np.ones(ok.sum())
        np.maximum.at(out, (row[ok], col[ok]), w.astype(np.float32))
    rest = ~pts
    if rest.any():
        geoms, w = shapes.geoms[rest], shapes.weight[rest]
        order = np.argsort(w, kind="stable")  # the largest value is drawn last and wins
        burnt = rasterio.features.rasterize(
            ((g, float(v) if values else 1.0) for g, v in zip(geoms[order], w[order], strict=True)),
            out_shape=shape,
            transform=transform,
            fill=0.0,
            all_touched=touched and not values,
            dtype="float32",
        )
        out = np.maximum(out, burnt)
    return out


def coarse_layers(
    evidence: EvidenceSet,
    grid: Grid,
    *,
    near_m: float,
    distances: bool = True,
    rate_sigma_m: float | None = None,
) -> CoarseLayers:
    """Coarse rasters for every distance and density feature, with a margin for evidence just outside.

    ``distances=False`` computes the densities only: all that :func:`point_features` needs to
    explain decisions from a stored map. The local finding rate is made at ``rate_sigma_m``
    (a stored map's), or at the σ :func:`choose_rate_scale` picks among the setting
    ``risk_rate_scales_m`` on held-out blocks of ``risk_block_m``."""
    sigmas = [f.scale_m for f in FEATURES if f.kind == "density"]
    cell = max(grid.cell_m, min(near_m / 4, min(sigmas) / 2))
    margin = max(f.scale_m for f in FEATURES if f.kind == "distance")
    minx, miny, maxx, maxy = grid.bounds
    x0 = math.floor((minx - margin) / cell) * cell
    y1 = math.ceil((maxy + margin) / cell) * cell
    nx = math.ceil((maxx + margin - x0) / cell)
    ny = math.ceil((y1 - (miny - margin)) / cell)
    transform = Affine(cell, 0, x0, 0, -cell, y1)
    arrays: dict[str, np.ndarray] = {}
    for f in FEATURES:
        shapes = evidence.group(f.group)
        if f.kind == "distance" and distances:
            present = _burn(shapes, (ny, nx), transform) > 0
            arrays[f.name] = (
                ndimage.distance_transform_edt(~present, sampling=cell).astype(np.float32)
                if present.any()
                else np.full((ny, nx), np.inf, dtype=np.float32)
            )
        elif f.kind == "density":
            counts = np.zeros((ny, nx), dtype=np.float64)
            if len(shapes):
                x, y = shapes.points
                col, row = ~transform @ (x, y)
                col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
                ok = (row >= 0) & (row < ny) & (col >= 0) & (col < nx)
                np.add.at(counts, (row[ok], col[ok]), shapes.weight[ok])
            per_km2 = (
                ndimage.gaussian_filter(counts, f.scale_m / cell, mode="constant")
                / (cell * cell)
                * 1e6
            )
            arrays[f.name] = per_km2.astype(np.float32)
    rate_parts, rate_scale = None, None
    rate = [f for f in FEATURES if f.kind == "rate"]
    if rate:
        f = rate[0]
        searched = _burn(evidence.group(f.group), (ny, nx), transform, values=True, touched=False)
        finds = np.zeros((ny, nx), dtype=np.float64)
        found = evidence.group("findings")
        if len(found):
            x, y = found.points
            col, row = ~transform @ (x, y)
            col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
            ok = (row >= 0) & (row < ny) & (col >= 0) & (col < nx)
            np.add.at(finds, (row[ok], col[ok]), 1.0)
        ha = searched.astype(np.float64) * cell * cell / 1e4
        total_ha = float(ha.sum())
        average = float(finds.sum()) / total_ha if total_ha > 0 else 0.0
        if rate_sigma_m is not None:
            rate_scale = RateScale(float(rate_sigma_m), {}, "as the stored map made it")
        else:
            rate_scale = choose_rate_scale(
                ha,
                finds,
                cell_m=cell,
                candidates=rate_scales_setting(),
                block_m=float(settings.get("risk_block_m")),
                folds=int(settings.get("risk_folds")),
                seed=int(settings.get("risk_seed")),
            )
        sigma = rate_scale.sigma_m / cell
        # kernel sums (a mass at distance d counts exp(−d²/2σ²)), not kernel averages
        k_ha = _kernel_sum(ha, sigma)
        k_finds = _kernel_sum(finds, sigma)
        arrays[f.name] = local_rate(k_ha, k_finds, average)
        rate_parts = (k_ha.astype(np.float32), k_finds.astype(np.float32), average)
    return CoarseLayers(transform, cell, arrays, rate_parts, rate_scale)


def halo_cells(grid: Grid, *, near_m: float) -> int:
    return math.ceil(near_m / grid.cell_m)


def _sample(coarse: CoarseLayers, name: str, grid: Grid, tile: Tile) -> np.ndarray:
    """Bilinear values of a coarse layer at the centres of the tile's core cells."""
    rows = np.arange(tile.row0, tile.row0 + tile.nrows)
    cols = np.arange(tile.col0, tile.col0 + tile.ncols)
    xs = grid.x0 + (cols + 0.5) * grid.cell_m
    ys = grid.y0 - (rows + 0.5) * grid.cell_m
    cc = (xs - coarse.transform.c) / coarse.cell_m - 0.5
    rr = (coarse.transform.f - ys) / coarse.cell_m - 0.5
    arr = coarse.arrays[name]
    if np.isinf(arr).all():
        return np.full((tile.nrows, tile.ncols), np.inf, dtype=np.float32)
    r2, c2 = np.meshgrid(rr, cc, indexing="ij")
    return ndimage.map_coordinates(
        np.where(np.isinf(arr), 1e9, arr), [r2, c2], order=1, mode="nearest"
    ).astype(np.float32)


class TileComputer:
    """Computes every feature for any tile of a grid: pure given the evidence and coarse layers."""

    def __init__(
        self, evidence: EvidenceSet, grid: Grid, coarse: CoarseLayers, *, near_m: float
    ) -> None:
        self.evidence = evidence
        self.grid = grid
        self.coarse = coarse
        self.near_m = near_m
        self.trees = {
            name: shapely.STRtree(shapes.geoms)
            for name, shapes in evidence.groups.items()
            if len(shapes)
        }
        self.hazard_cells = HazardCells(evidence.hazards.geometry.values.to_numpy(), grid)
        """Which cells belong to which hazard (the one rule the map and the survey share)."""
        self.processed_tree = shapely.STRtree(evidence.processed.geometry.values.to_numpy())

    def _clip(
        self, group: str, bounds: tuple[float, float, float, float], pad: float = 0.0
    ) -> Shapes:
        shapes = self.evidence.group(group)
        tree = self.trees.get(group)
        if tree is None:
            return Shapes.empty()
        minx, miny, maxx, maxy = bounds
        idx = tree.query(shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad))
        return Shapes(shapes.geoms[idx], shapes.weight[idx])

    def compute(self, tile: Tile) -> np.ndarray:
        """Features of the tile's core cells: float32 array (n_features, nrows, ncols)."""
        g = self.grid
        out = np.empty((len(FEATURES), tile.nrows, tile.ncols), dtype=np.float32)
        win_t = g.window_transform(tile)
        win_shape = (tile.nrows + 2 * tile.halo, tile.ncols + 2 * tile.halo)
        win_bounds = g.window_bounds(tile)
        core = tile.core
        core_tile = Tile(tile.row0, tile.col0, tile.nrows, tile.ncols, 0)
        core_t = g.window_transform(core_tile)
        for i, f in enumerate(FEATURES):
            if f.kind in ("density", "rate"):
                out[i] = _sample(self.coarse, f.name, g, tile)
            elif f.kind == "cover":
                shapes = self._clip(f.group, g.window_bounds(core_tile))
                out[i] = _burn(shapes, (tile.nrows, tile.ncols), core_t, values=True)
            else:
                far = _sample(self.coarse, f.name, g, tile)
                shapes = self._clip(f.group, win_bounds)
                if len(shapes):
                    present = _burn(shapes, win_shape, win_t) > 0
                    near = (
                        ndimage.distance_transform_edt(~present, sampling=g.cell_m)[core]
                        if present.any()
                        else None
                    )
                else:
                    near = None
                if near is None:
                    d = np.maximum(far, self.near_m)
                else:
                    d = np.where(near < self.near_m, near, np.maximum(far, self.near_m))
                out[i] = np.minimum(d, f.scale_m)
        return out


def point_features(computer: TileComputer, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Features at arbitrary points (metric CRS), exact distances: (n, n_features) float32.

    Used to explain decisions at sample cells; agrees with the tiled rasters to
    within a cell's size.
    """
    pts = shapely.points(x, y)
    out = np.empty((len(pts), len(FEATURES)), dtype=np.float32)
    coarse = computer.coarse
    cc = (x - coarse.transform.c) / coarse.cell_m - 0.5
    rr = (coarse.transform.f - y) / coarse.cell_m - 0.5
    for i, f in enumerate(FEATURES):
        shapes = computer.evidence.group(f.group)
        tree = computer.trees.get(f.group)
        if f.kind in ("density", "rate"):
            out[:, i] = ndimage.map_coordinates(
                coarse.arrays[f.name], [rr, cc], order=1, mode="nearest"
            )
        elif tree is None:
            out[:, i] = 0.0 if f.kind == "cover" else f.scale_m
        elif f.kind == "cover":
            p_idx, g_idx = tree.query(pts, predicate="intersects")
            v = np.zeros(len(pts))
            np.maximum.at(v, p_idx, shapes.weight[g_idx])
            out[:, i] = v
        else:
            p_idx, g_idx = tree.query_nearest(pts, max_distance=f.scale_m, all_matches=False)
            d = np.full(len(pts), f.scale_m)
            d[p_idx] = shapely.distance(pts[p_idx], shapes.geoms[g_idx])
            out[:, i] = np.minimum(d, f.scale_m)
    return out
