"""What the workspace already knows: searched land, with and without findings, as training cells.

Every cell inside an approved technical-survey or clearance area is a training
cell; it is positive when a device was found in it. Never reads ground truth.

Two features need care, for the same reason. For a searched cell, its own
activity's result is the answer: its distance to earlier findings is measured
to findings of *other* activities only, and its distance to land searched
without a find to the clean land of *other* activities only — the situation of
an unsearched cell, whose own devices are unknown. Otherwise every cell of a
clean activity would sit at 0 m from clean land and the map would learn that
"searched clean" means "clean", which says nothing about the land next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage
from scipy.spatial import cKDTree

from landrelease.evidence.depth import search_reach
from landrelease.evidence.features import FEATURE_NAMES, TileComputer, feature, local_rate
from landrelease.evidence.grid import Grid, Tile, crop
from landrelease.evidence.sources import EvidenceSet, searched_clean, searched_share

BLOCK_KEY = 1_000_003


@dataclass
class TrainingSet:
    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    """Inverse sampling rate: negatives were subsampled, weights restore their share."""
    block: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    searched_cells: int
    positive_cells: int
    found: np.ndarray | None = None
    """Devices found in each cell (``y`` says only whether any was)."""
    activities: int = 0
    """Approved technical surveys and clearances the searched cells come from."""
    share: np.ndarray | None = None
    """Share of each cell's land that was searched (``searched_share`` of its activity)."""

    @property
    def devices(self) -> np.ndarray:
        """Devices in each cell, estimated from those found: found ÷ the share searched (a lane
        across 15 % of a cell finds about 15 % of its devices)."""
        found = self.found if self.found is not None else self.y.astype(float)
        return found / self.share if self.share is not None else found.astype(float)

    @property
    def cell_weight(self) -> np.ndarray:
        """Each cell's weight as a cell, whatever was found in it (the sampling weight alone):
        the weight against which :attr:`devices` are counted."""
        if self.share is None:
            return self.weight
        return np.where(self.y == 0, self.weight / self.share, self.weight)

    def __len__(self) -> int:
        return len(self.y)

    @classmethod
    def empty(cls) -> TrainingSet:
        z = np.array([], dtype=np.int64)
        return cls(
            np.empty((0, len(FEATURE_NAMES)), np.float32),
            z.astype(np.int8),
            z.astype(float),
            z,
            z,
            z,
            0,
            0,
        )


def training_set(
    evidence: EvidenceSet,
    grid: Grid,
    computer: TileComputer,
    *,
    tiles: list[Tile],
    block_m: float,
    max_negatives: int,
    seed: int,
    progress: Callable[[float], None] | None = None,
) -> TrainingSet:
    """Features and labels of searched cells, negatives subsampled to ``max_negatives``."""
    proc = evidence.processed
    if not len(proc):
        return TrainingSet.empty()
    geoms = proc.geometry.values.to_numpy()
    tree = shapely.STRtree(geoms)
    found = evidence.findings.geometry.values.to_numpy()
    fx = shapely.get_x(found) if len(found) else np.array([])
    fy = shapely.get_y(found) if len(found) else np.array([])
    f_cells = grid.cell_of(fx, fy)
    parts: list[tuple[np.ndarray, ...]] = []
    share = searched_share(proc) * search_reach(proc, evidence.findings)  # lanes × depth
    todo = [t for t in tiles if len(tree.query(shapely.box(*grid.window_bounds(_core(t)))))]
    for k, tile in enumerate(todo):
        part = _tile_cells(tile, grid, computer, geoms, tree, f_cells, share)
        if part is not None:
            parts.append(part)
        if progress:
            progress((k + 1) / len(todo))
    if not parts:
        return TrainingSet.empty()
    X, y, found, rows, cols, activity = (np.concatenate(p) for p in zip(*parts, strict=True))
    n_activities = len(np.unique(activity))
    X = X.astype(np.float32)
    searched, positives = len(y), int(y.sum())
    keep, weight = _subsample(y, max_negatives, seed)
    # a cell searched over a share s of its land (technical survey in lanes) and found clean is
    # a weak negative: a device there would have been found with chance about s, so the cell
    # counts s of a cell searched in full (positives count whole: what was found is there);
    # s is the lanes' share times the share of the devices the search's depth reached
    cell_share = share[activity]
    weight = np.where(y == 0, weight * cell_share, weight)
    X, y, found, rows, cols = X[keep], y[keep], found[keep], rows[keep], cols[keep]
    activity, weight, cell_share = activity[keep], weight[keep], cell_share[keep]
    if len(fx):
        X[:, FEATURE_NAMES.index("dist_finding")] = _distance_to_other_activities(
            grid, rows, cols, activity, evidence, fx, fy, cap=feature("dist_finding").scale_m
        )
    clean = searched_clean(proc, evidence.findings)
    if clean.any():
        col = FEATURE_NAMES.index("dist_clean")
        X[:, col] = _distance_to_other_clean(
            grid, rows, cols, activity, geoms, clean, X[:, col], cap=feature("dist_clean").scale_m
        )
    if computer.coarse.rate_parts is not None:
        X[:, FEATURE_NAMES.index("rate_found")] = _rate_without_own(
            computer, rows, cols, activity, evidence
        )
    bcells = max(1, round(block_m / grid.cell_m))
    block = (rows // bcells) * BLOCK_KEY + cols // bcells
    return TrainingSet(
        X,
        y,
        weight,
        block,
        rows,
        cols,
        searched,
        positives,
        found,
        activities=n_activities,
        share=cell_share,
    )


def _core(tile: Tile) -> Tile:
    return Tile(tile.row0, tile.col0, tile.nrows, tile.ncols, 0)


def _tile_cells(
    tile: Tile,
    grid: Grid,
    computer: TileComputer,
    geoms: np.ndarray,
    tree: shapely.STRtree,
    f_cells: tuple[np.ndarray, np.ndarray],
    share: np.ndarray,
) -> tuple[np.ndarray, ...] | None:
    """The searched cells of one tile: features, labels, devices found, rows, columns, activity
    index (where activities overlap, the one that searched the largest share of its land: a
    clearance after a technical survey)."""
    core = _core(tile)
    idx = tree.query(shapely.box(*grid.window_bounds(core)))
    idx = idx[np.argsort(share[idx], kind="stable")]  # drawn last wins
    act = rasterio.features.rasterize(
        ((geoms[i], int(i) + 1) for i in idx),
        out_shape=(tile.nrows, tile.ncols),
        transform=grid.window_transform(core),
        fill=0,
        dtype="int32",
    )
    cropped = crop(tile, act > 0)
    if cropped is None:
        return None
    # features only for the bounding box of the searched cells: far less than the whole tile
    sub, (rs, cs) = cropped
    act_sub = act[rs, cs]
    r, c = np.nonzero(act_sub)
    count = np.zeros(act_sub.shape, dtype=np.int32)
    f_row, f_col = f_cells
    inside = (
        (f_row >= sub.row0)
        & (f_row < sub.row0 + sub.nrows)
        & (f_col >= sub.col0)
        & (f_col < sub.col0 + sub.ncols)
    )
    np.add.at(count, (f_row[inside] - sub.row0, f_col[inside] - sub.col0), 1)
    feats = computer.compute(sub)
    n = count[r, c]
    return (
        feats[:, r, c].T,
        (n > 0).astype(np.int8),
        n,
        r + sub.row0,
        c + sub.col0,
        act_sub[r, c] - 1,
    )


def _subsample(y: np.ndarray, max_negatives: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Which cells to keep (every positive, negatives drawn at random) and their weights."""
    rng = np.random.default_rng(seed)
    neg = np.flatnonzero(y == 0)
    keep = np.flatnonzero(y == 1)
    weight = np.ones(len(y))
    if len(neg) > max_negatives:
        chosen = np.sort(rng.choice(neg, size=max_negatives, replace=False))
        weight[chosen] = len(neg) / max_negatives
        keep = np.sort(np.concatenate([keep, chosen]))
    else:
        keep = np.sort(np.concatenate([keep, neg]))
    return keep, weight


def _distance_to_other_activities(
    grid: Grid,
    rows: np.ndarray,
    cols: np.ndarray,
    activity: np.ndarray,
    evidence: EvidenceSet,
    fx: np.ndarray,
    fy: np.ndarray,
    *,
    cap: float,
) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest finding not made by the cell's own activity."""
    ids = evidence.processed["activity_id"].to_numpy()
    index_of = {a: i for i, a in enumerate(ids)}
    f_act = np.array([index_of.get(a, -1) for a in evidence.findings["activity_id"].to_numpy()])
    tree = cKDTree(np.column_stack([fx, fy]))
    x, y = grid.centres(rows, cols)
    k = min(64, len(fx))
    out = np.full(len(rows), cap, dtype=np.float32)
    step = 50_000  # bounded memory: the k nearest findings of 50,000 cells at a time
    for start in range(0, len(rows), step):
        part = slice(start, start + step)
        dist, nn = tree.query(np.column_stack([x[part], y[part]]), k=k, distance_upper_bound=cap)
        if k == 1:
            dist, nn = dist[:, None], nn[:, None]
        valid = nn < len(fx)
        other = valid & (f_act[np.where(valid, nn, 0)] != activity[part, None])
        first = np.where(other.any(axis=1), other.argmax(axis=1), -1)
        has = np.flatnonzero(first >= 0)
        out[start + has] = np.minimum(dist[has, first[has]], cap)
    return out


def _distance_to_other_clean(
    grid: Grid,
    rows: np.ndarray,
    cols: np.ndarray,
    activity: np.ndarray,
    geoms: np.ndarray,
    clean: np.ndarray,
    current: np.ndarray,
    *,
    cap: float,
) -> np.ndarray:
    """Distance (m) from each cell of a clean activity to the clean land of the *other* activities.

    Cells of activities with finds keep ``current`` (their own land is not clean land). Per
    clean activity, the boundaries of the clean areas within ``cap`` of it, densified to the
    grid's cell, go into one k-d tree that its cells query: bounded work per activity, no
    per-cell loop. A cell inside an overlapping clean area gets the distance to its edge.
    """
    out = current.astype(np.float32).copy()
    own_clean = clean[activity]
    if not own_clean.any():
        return out
    clean_idx = np.flatnonzero(clean)
    tree = shapely.STRtree(geoms[clean_idx])
    rings = shapely.segmentize(shapely.boundary(geoms[clean_idx]), grid.cell_m)
    coords, owner = shapely.get_coordinates(rings, return_index=True)
    starts = np.searchsorted(owner, np.arange(len(clean_idx) + 1))
    x, y = grid.centres(rows, cols)
    order = np.flatnonzero(own_clean)
    order = order[np.argsort(activity[order], kind="stable")]
    acts, first = np.unique(activity[order], return_index=True)
    bounds = np.r_[first, len(order)]
    for k, a in enumerate(acts):
        cells = order[bounds[k] : bounds[k + 1]]
        near = tree.query(geoms[a], predicate="dwithin", distance=cap)
        near = near[clean_idx[near] != a]
        if not len(near):
            out[cells] = cap
            continue
        pts = np.concatenate([coords[starts[j] : starts[j + 1]] for j in near])
        d, _ = cKDTree(pts).query(np.column_stack([x[cells], y[cells]]), k=1)
        out[cells] = np.minimum(d, cap)
    return out


def _rate_without_own(
    computer: TileComputer,
    rows: np.ndarray,
    cols: np.ndarray,
    activity: np.ndarray,
    evidence: EvidenceSet,
) -> np.ndarray:
    """The local finding rate at each training cell with its own activity's hectares and finds
    taken out, through the same Gaussian kernel as the rate raster: the activity's area as the
    centres of the coarse cells it covers (its centroid when it covers none), its finds as
    points. Work per activity, vectorised over its cells."""
    coarse = computer.coarse
    assert coarse.rate_parts is not None
    k_ha, k_finds, average = coarse.rate_parts
    x, y = computer.grid.centres(rows, cols)
    cc = (x - coarse.transform.c) / coarse.cell_m - 0.5
    rr = (coarse.transform.f - y) / coarse.cell_m - 0.5
    ha = ndimage.map_coordinates(k_ha, [rr, cc], order=1, mode="nearest").astype(np.float64)
    finds = ndimage.map_coordinates(k_finds, [rr, cc], order=1, mode="nearest").astype(np.float64)
    geoms = evidence.processed.geometry.values.to_numpy()
    f_act = evidence.findings["activity_id"].to_numpy()
    f_geoms = evidence.findings.geometry.values.to_numpy()
    f_xy = np.column_stack([shapely.get_x(f_geoms), shapely.get_y(f_geoms)]).reshape(-1, 2)
    ids = evidence.processed["activity_id"].to_numpy()
    reach = evidence.group("searched").weight  # the hectares the rate raster counted (depth)
    two_s2 = 2 * coarse.rate_sigma_m**2
    cell, cell_ha = coarse.cell_m, coarse.cell_m**2 / 1e4
    order = np.argsort(activity, kind="stable")
    acts, first = np.unique(activity[order], return_index=True)
    bounds = np.r_[first, len(order)]
    for k, a in enumerate(acts):
        idx = order[bounds[k] : bounds[k + 1]]
        mass_xy, mass = _coverage_points(geoms[a], coarse.transform, cell, cell_ha)
        mass = mass * reach[a]
        own_f = f_xy[f_act == ids[a]]
        # the kernel sums at the activity's own coarse-cell centres (the kernel changes by under
        # 1 % across a coarse cell), then each training cell takes its nearest centre's
        own_ha = np.zeros(len(mass_xy))
        own_finds = np.zeros(len(mass_xy))
        for rows_ in np.array_split(np.arange(len(mass_xy)), max(1, len(mass_xy) // 2_000)):
            at = mass_xy[rows_, None, :]  # bounded memory: 2,000 centres at a time
            own_ha[rows_] = np.exp(-((at - mass_xy[None]) ** 2).sum(axis=2) / two_s2) @ mass
            if len(own_f):
                own_finds[rows_] = np.exp(-((at - own_f[None]) ** 2).sum(axis=2) / two_s2).sum(1)
        _, near = cKDTree(mass_xy).query(np.column_stack([x[idx], y[idx]]), k=1)
        ha[idx] -= own_ha[near]
        finds[idx] -= own_finds[near]
    return local_rate(ha, finds, average)


def _coverage_points(
    geom: shapely.Geometry, transform: Affine, cell: float, cell_ha: float
) -> tuple[np.ndarray, np.ndarray]:
    """The centres of the coarse cells whose centre ``geom`` covers, each a cell's hectares (the
    centroid with the whole area when it covers no centre)."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    c0 = np.floor((minx - transform.c) / cell)
    c1 = np.ceil((maxx - transform.c) / cell)
    r0 = np.floor((transform.f - maxy) / cell)
    r1 = np.ceil((transform.f - miny) / cell)
    cx = transform.c + (np.arange(c0, c1 + 1) + 0.5) * cell
    cy = transform.f - (np.arange(r0, r1 + 1) + 0.5) * cell
    gx, gy = np.meshgrid(cx, cy)
    inside = shapely.contains_xy(geom, gx.ravel(), gy.ravel())
    if not inside.any():
        c = shapely.centroid(geom)
        return np.array([[shapely.get_x(c), shapely.get_y(c)]]), np.array(
            [shapely.area(geom) / 1e4]
        )
    pts = np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
    return pts, np.full(len(pts), cell_ha)
