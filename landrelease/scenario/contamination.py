"""The five contamination processes: each puts devices in the ground by its own rule.

1. :func:`defensive_belts` — rows of AP and AT mines along the line of contact;
2. :func:`position_clusters` — rings around strongpoints, lines in front of trenches;
3. :func:`withdrawal_nuisance` — roads and houses mined in the November 2020 withdrawal;
4. :func:`battle_uxo` — UXO, cluster submunitions and abandoned ordnance of the fighting;
5. :func:`background` — isolated items anywhere.

Each returns a :class:`Devices` (a struct of arrays) for the whole world; the
orchestrator keeps the window's share. No per-device Python loop: groups of
devices (rows, rings, strikes) are expanded with ``np.repeat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import shapely
from numpy.typing import NDArray

from landrelease.domain import vocab
from landrelease.scenario.geography import Districts
from landrelease.scenario.geometry import (
    F64,
    I64,
    Frame,
    Grid,
    choice_index,
    polyline_distance,
    rng_for,
    sample_along,
)
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.military import BeltLayout, Positions
from landrelease.scenario.parameters import (
    PROCESSES,
    BackgroundParams,
    BattleParams,
    BeltParams,
    NuisanceParams,
    Parameters,
    PositionParams,
)
from landrelease.scenario.settlements import Settlements

DEVICE = {name: np.int8(i) for i, name in enumerate(vocab.DEVICES)}
PROCESS = {name: np.int8(i) for i, name in enumerate(PROCESSES)}
IMPROVISED = "improvised device"
Table = tuple[tuple[str, float], ...]


def model_names(p: Parameters) -> tuple[str, ...]:
    """Every device model the generator can place, in a fixed order (the model codes)."""
    names: list[str] = []
    for table in (
        p.belts.ap_models,
        p.belts.at_models,
        p.battle.uxo_models_cluster,
        p.battle.uxo_models_shell,
        p.battle.axo_models,
    ):
        names += [n for n, _ in table if n not in names]
    return (*names, IMPROVISED)


@dataclass(frozen=True)
class Devices:
    """Devices as columns: one entry per device in the ground."""

    x: F64
    y: F64
    device: NDArray[np.int8]
    """Index into ``vocab.DEVICES``."""
    process: NDArray[np.int8]
    """Index into ``parameters.PROCESSES``."""
    model: NDArray[np.int16]
    """Index into :func:`model_names`."""
    depth_cm: NDArray[np.float32]
    group: NDArray[np.int32]
    """Minefield or position the device belongs to (−1: none)."""
    laid_year: NDArray[np.int16]

    def __len__(self) -> int:
        return len(self.x)

    def take(self, idx: NDArray[np.integer] | NDArray[np.bool_]) -> Devices:
        return Devices(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[Devices]) -> Devices:
        return Devices(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Devices)}
        )


@dataclass(frozen=True)
class Catalogue:
    """How each device type is drawn: its model table and its depth range."""

    names: tuple[str, ...]
    models: dict[str, Table]
    depth_cm: dict[str, tuple[float, float]]

    @classmethod
    def of(cls, p: Parameters) -> Catalogue:
        b, w = p.belts, p.battle
        return cls(
            names=model_names(p),
            models={
                "AP": b.ap_models,
                "AT": b.at_models,
                "UXO": w.uxo_models_shell,
                "AXO": w.axo_models,
                "IED": ((IMPROVISED, 1.0),),
            },
            depth_cm={"AP": b.ap_depth_cm, "AT": b.at_depth_cm, "AXO": w.axo_depth_cm},
        )

    def draw_models(self, rng: np.random.Generator, table: Table, n: int) -> NDArray[np.int16]:
        codes = np.array([self.names.index(m) for m, _ in table], np.int16)
        return codes[choice_index(rng, [wt for _, wt in table], n)]


def _ragged_arange(counts: NDArray[np.integer]) -> I64:
    """0..n−1 for each count, concatenated (the index of an item within its group)."""
    counts = np.asarray(counts, np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(int(counts.sum()), dtype=np.int64) - starts


def _devices(
    rng: np.random.Generator,
    cat: Catalogue,
    x: F64,
    y: F64,
    kind: NDArray[np.str_] | str,
    process: str,
    group: NDArray[np.integer] | int,
    year: NDArray[np.integer] | int,
    *,
    depth_cm: dict[str, tuple[float, float]] | None = None,
    models: dict[str, Table] | None = None,
) -> Devices:
    """Devices of the given types at points, with models and depths drawn per type
    (``depth_cm`` and ``models`` override the catalogue's)."""
    n = len(x)
    kinds = np.broadcast_to(np.asarray(kind, dtype=str), (n,))
    depths = {**cat.depth_cm, **(depth_cm or {})}
    tables = {**cat.models, **(models or {})}
    device = np.zeros(n, np.int8)
    model = np.zeros(n, np.int16)
    depth = np.zeros(n, np.float32)
    for k in vocab.DEVICES:
        m = kinds == k
        if m.any():
            device[m] = DEVICE[k]
            model[m] = cat.draw_models(rng, tables[k], int(m.sum()))
            depth[m] = rng.uniform(*depths[k], int(m.sum()))
    return Devices(
        x=np.asarray(x, float),
        y=np.asarray(y, float),
        device=device,
        process=np.full(n, PROCESS[process], np.int8),
        model=model,
        depth_cm=depth,
        group=np.broadcast_to(np.asarray(group, np.int32), (n,)).copy(),
        laid_year=np.broadcast_to(np.asarray(year, np.int16), (n,)).copy(),
    )


def _in_discs(rng: np.random.Generator, radius_m: F64 | float, n: int) -> tuple[F64, F64]:
    """Offsets uniform in discs of the given radii."""
    r = np.asarray(radius_m, float) * np.sqrt(rng.random(n))
    t = rng.uniform(0, 2 * np.pi, n)
    return r * np.cos(t), r * np.sin(t)


def _along(
    rng: np.random.Generator,
    lines: NDArray[np.object_],
    start_m: F64,
    spacing_m: F64,
    count: I64,
    jitter: float,
) -> tuple[F64, F64, I64]:
    """Points every ``spacing_m`` along each line from ``start_m`` (with jitter): x, y, line.
    An empty line (a trench's front offset to nothing) gives no points."""
    owner = np.repeat(np.arange(len(lines)), count)
    k = _ragged_arange(count)
    dist = start_m[owner] + (k + rng.uniform(-jitter, jitter, len(owner))) * spacing_m[owner]
    points = shapely.line_interpolate_point(lines[owner], dist)
    keep = ~shapely.is_empty(points)
    return shapely.get_x(points[keep]), shapely.get_y(points[keep]), owner[keep]


# --- 1. defensive belts -------------------------------------------------------------


def defensive_belts(
    seed: int, layout: BeltLayout, frame: Frame, sign: int, p: BeltParams, cat: Catalogue
) -> Devices:
    """Rows of AP and AT mines, minefield by minefield, along both sides' belt lines.

    AP mines ``ap_spacing_m`` apart within a row, rows ``row_spacing_m`` apart, AT rows in
    the middle of mixed fields; rows start and end irregularly, some stop early, a few
    mines were never laid.
    """
    rng = rng_for(seed, "belts")
    n_rows = layout.n_ap_rows + layout.n_at_rows
    mf = np.repeat(np.arange(len(layout)), n_rows)
    k = _ragged_arange(n_rows)
    first = layout.at_first_row[mf]
    at_only = layout.n_ap_rows[mf] == 0
    is_at = at_only | (
        (layout.n_at_rows[mf] > 0) & (k >= first) & (k < first + layout.n_at_rows[mf])
    )
    spacing = np.where(is_at, layout.at_spacing_m[mf], layout.ap_spacing_m[mf])
    b = layout.s0[mf] + rng.uniform(-p.row_end_jitter_m, p.row_end_jitter_m, len(mf))
    e = layout.s1[mf] + rng.uniform(-p.row_end_jitter_m, p.row_end_jitter_m, len(mf))
    stop = rng.random(len(mf)) < p.unfinished_row_probability
    e = np.where(stop, b + (e - b) * rng.uniform(*p.unfinished_row_length, len(mf)), e)
    count = np.maximum(np.floor((e - b) / spacing).astype(np.int64) + 1, 1)
    row = np.repeat(np.arange(len(mf)), count)
    j = _ragged_arange(count)
    n = len(row)
    s = b[row] + (j + rng.uniform(-p.along_jitter_m, p.along_jitter_m, n)) * spacing[row]
    m = mf[row]
    lateral = (
        layout.offset_at(m, s)
        + k[row] * layout.row_spacing_m[m]
        + rng.normal(0, p.across_jitter_m, n)
    )
    x, y = frame.at(s, layout.side[m] * sign * lateral)
    kind = np.where(is_at[row], "AT", "AP")
    d = _devices(rng, cat, x, y, kind, "belt", m, layout.laid_year[m])
    return d.take(rng.random(n) >= p.missing_probability)


# --- 2. strongpoints, trenches, bases, checkpoints -----------------------------------


def position_clusters(
    seed: int, pos: Positions, group_offset: int, p: PositionParams, cat: Catalogue
) -> Devices:
    """Protective mines around positions: rings round strongpoints, artillery positions and
    bases, a line in front of trenches, a few devices at checkpoints.
    ``group`` = ``group_offset`` + position."""
    rng = rng_for(seed, "positions-mines")
    n = len(pos)
    old = pos.period == "1994-2020"
    p_ring = np.where(
        pos.kind == "firing_position",
        p.firing_mined,
        np.where(old, np.where(pos.side > 0, *p.strongpoint_mined), p.war_position_mined),
    )
    draws = rng.random(n)
    year = np.where(old, rng.integers(p.laid_years[0], p.laid_years[1] + 1, n), 2020)
    mined = _MinedPositions(pos, year, group_offset, cat)
    sp = np.flatnonzero(np.isin(pos.kind, ["strongpoint", "firing_position"]) & (draws < p_ring))
    tr = np.flatnonzero((pos.kind == "trench") & (draws < p.trench_mined))
    bs = np.flatnonzero((pos.kind == "base") & (draws < p.base_mined))
    return Devices.concat(
        [
            *_rings(rng, mined, sp, p),
            _trench_fronts(rng, mined, tr, p),
            _base_perimeters(rng, mined, bs, p),
            _at_checkpoints(rng, mined, np.flatnonzero(pos.kind == "checkpoint"), p),
        ]
    )


@dataclass(frozen=True)
class _MinedPositions:
    """The positions being mined, the year each was mined and how devices are drawn."""

    pos: Positions
    year: I64
    group_offset: int
    cat: Catalogue

    def devices(
        self, rng: np.random.Generator, x: F64, y: F64, kind: NDArray[np.str_] | str, gi: I64
    ) -> Devices:
        """Devices at (x, y) belonging to positions ``gi``."""
        return _devices(
            rng, self.cat, x, y, kind, "position", self.group_offset + gi, self.year[gi]
        )


def _rings(
    rng: np.random.Generator, mined: _MinedPositions, sp: I64, p: PositionParams
) -> tuple[Devices, Devices]:
    """AP rings around strongpoints and artillery positions ``sp``, AT on the approaches."""
    pos = mined.pos
    ring = pos.radius_m[sp] + rng.uniform(*p.ring_extra_m, len(sp))
    cnt = np.maximum(
        (2 * np.pi * ring / rng.uniform(*p.ring_ap_spacing_m, len(sp))).astype(np.int64),
        p.ring_min_mines,
    )
    owner = np.repeat(np.arange(len(sp)), cnt)
    k = _ragged_arange(cnt)
    m = len(owner)
    theta = 2 * np.pi * (k + rng.uniform(-p.along_jitter, p.along_jitter, m)) / cnt[owner]
    theta += rng.uniform(0, 2 * np.pi, len(sp))[owner]
    r = ring[owner] + rng.normal(0, p.ring_jitter_m, m)
    gi = sp[owner]
    ap = mined.devices(rng, pos.x[gi] + r * np.cos(theta), pos.y[gi] + r * np.sin(theta), "AP", gi)
    owner = np.repeat(
        np.arange(len(sp)), rng.integers(p.ring_at_count[0], p.ring_at_count[1] + 1, len(sp))
    )
    m = len(owner)
    theta = rng.uniform(0, 2 * np.pi, m)
    r = ring[owner] + rng.uniform(*p.ring_at_extra_m, m)
    gi = sp[owner]
    at = mined.devices(rng, pos.x[gi] + r * np.cos(theta), pos.y[gi] + r * np.sin(theta), "AT", gi)
    return ap, at


def _trench_fronts(
    rng: np.random.Generator, mined: _MinedPositions, tr: I64, p: PositionParams
) -> Devices:
    """A line of AP mines in front of trenches ``tr``, along part of their length."""
    pos = mined.pos
    front = np.asarray(
        shapely.offset_curve(
            pos.geoms[tr], pos.facing[tr] * rng.uniform(*p.trench_front_m, len(tr))
        ),
        dtype=object,
    )
    length = shapely.length(front) if len(tr) else np.zeros(0)
    spacing = rng.uniform(*p.trench_ap_spacing_m, len(tr))
    start = rng.uniform(0, 1 - p.trench_coverage, len(tr)) * length
    cnt = np.maximum((p.trench_coverage * length / spacing).astype(np.int64), 1)
    x, y, owner = _along(rng, front, start, spacing, cnt, p.along_jitter)
    jx, jy = rng.normal(0, p.trench_jitter_m, (2, len(owner)))
    return mined.devices(rng, x + jx, y + jy, "AP", tr[owner])


def _base_perimeters(
    rng: np.random.Generator, mined: _MinedPositions, bs: I64, p: PositionParams
) -> Devices:
    """AP mines along the perimeter of garrison bases ``bs``."""
    pos = mined.pos
    perimeter = np.asarray(
        shapely.get_exterior_ring(
            shapely.buffer(pos.geoms[bs], p.base_ring_offset_m, join_style="mitre")
        ),
        dtype=object,
    )
    length = shapely.length(perimeter) if len(bs) else np.zeros(0)
    spacing = rng.uniform(*p.base_ap_spacing_m, len(bs))
    cnt = np.maximum((length / spacing).astype(np.int64), 1)
    x, y, owner = _along(rng, perimeter, spacing / 2, spacing, cnt, 0.0)
    jx, jy = rng.normal(0, p.base_jitter_m, (2, len(owner)))
    return mined.devices(rng, x + jx, y + jy, "AP", bs[owner])


def _at_checkpoints(
    rng: np.random.Generator, mined: _MinedPositions, ck: I64, p: PositionParams
) -> Devices:
    """A few AP or AT devices at each checkpoint ``ck``."""
    pos = mined.pos
    owner = np.repeat(
        ck, rng.integers(p.checkpoint_devices[0], p.checkpoint_devices[1] + 1, len(ck))
    )
    dx, dy = _in_discs(rng, p.checkpoint_radius_m, len(owner))
    kind = np.where(rng.random(len(owner)) < p.checkpoint_at_share, "AT", "AP")
    return mined.devices(rng, pos.x[owner] + dx, pos.y[owner] + dy, kind, owner)


# --- 3. nuisance mining during the withdrawal --------------------------------------


def withdrawal_nuisance(
    seed: int,
    roads: Infrastructure,
    settlements: Settlements,
    districts: Districts,
    withdrawal: tuple[str, ...],
    p: NuisanceParams,
    cat: Catalogue,
) -> Devices:
    """Mines and booby traps left on roads and in houses of the districts handed over or
    abandoned in November 2020."""
    rng = rng_for(seed, "nuisance")
    wd = np.array([districts.index(d) for d in withdrawal])
    mid = shapely.get_coordinates(shapely.line_interpolate_point(roads.geoms, 0.5, normalized=True))
    in_wd = np.isin(districts.of(mid[:, 0], mid[:, 1]), wd)
    rate = np.where(roads.trunk, p.sites_per_trunk_road_km, p.sites_per_road_km) / 1000.0 * in_wd
    sx, sy, _ = sample_along(roads.geoms, rate, rng)
    ns = len(sx)
    counts = np.column_stack(
        [
            rng.integers(p.at_per_site[0], p.at_per_site[1] + 1, ns),
            rng.integers(p.ap_per_site[0], p.ap_per_site[1] + 1, ns),
            (rng.random(ns) < p.ied_site_probability).astype(np.int64),
        ]
    ).ravel()
    owner = np.repeat(np.repeat(np.arange(ns), 3), counts)
    kind = np.repeat(np.tile(np.array(["AT", "AP", "IED"], dtype=object), ns), counts)
    dx, dy = _in_discs(rng, p.site_radius_m, len(owner))
    depth = dict(p.depth_cm)
    on_roads = _devices(
        rng, cat, sx[owner] + dx, sy[owner] + dy, kind, "nuisance", -1, p.laid_year, depth_cm=depth
    )
    # booby traps in houses
    trapped = np.flatnonzero(
        np.isin(settlements.district, wd)
        & (rng.random(len(settlements)) < p.settlement_probability)
    )
    cnt = rng.poisson(
        p.settlement_devices_per_sqrt_person * np.sqrt(settlements.population_before[trapped])
    )
    owner = np.repeat(trapped, cnt)
    dx, dy = _in_discs(rng, settlements.builtup_m[owner], len(owner))
    kind = np.array([k for k, _ in p.settlement_mix], dtype=object)[
        choice_index(rng, [w for _, w in p.settlement_mix], len(owner))
    ]
    in_houses = _devices(
        rng,
        cat,
        settlements.x[owner] + dx,
        settlements.y[owner] + dy,
        kind,
        "nuisance",
        -1,
        p.laid_year,
        depth_cm=dict.fromkeys(vocab.DEVICES, p.booby_trap_depth_cm),
    )
    return Devices.concat([on_roads, in_houses])


# --- 4. the fighting: UXO, submunitions, abandoned ordnance ----------------------------


def battle_intensity(
    grid: Grid,
    land_mask: NDArray[np.bool_],
    loc: F64,
    war_lines: list[F64],
    towns_xy: F64,
    other_towns_xy: F64,
    p: BattleParams,
) -> F64:
    """Relative density of strikes per cell: the 2020 fronts, the line of contact, the
    towns fought over (and, less, the other towns), plus a thin floor."""
    gx, gy = grid.centres()
    x, y = gx[land_mask], gy[land_mask]
    w = np.full(len(x), p.floor_weight)
    for line in war_lines:
        w += p.weight_war_lines * np.exp(-polyline_distance(x, y, line) / p.war_line_scale_m)
    w += p.weight_loc * np.exp(-polyline_distance(x, y, loc) / p.loc_scale_m)
    for weight, xy in ((p.weight_towns, towns_xy), (p.weight_other_towns, other_towns_xy)):
        for tx, ty in xy:
            w += weight * np.exp(-((x - tx) ** 2 + (y - ty) ** 2) / (2 * p.town_sigma_m**2))
    out = np.zeros(grid.shape)
    out[land_mask] = w
    return out


def battle_uxo(
    seed: int, grid: Grid, intensity: F64, pos: Positions, p: BattleParams, cat: Catalogue
) -> Devices:
    """Strikes drawn from the intensity surface: cluster munitions leave dozens of
    submunitions in an elliptical footprint, shells one or two duds; some positions left
    caches of abandoned ordnance (AXO)."""
    rng = rng_for(seed, "battle")
    mean_duds = p.cluster_share * p.cluster_duds_mean + (1 - p.cluster_share) * (
        1 + p.shell_duds_extra_mean
    )
    n_strikes = int(rng.poisson(p.uxo_total / mean_duds))
    flat = intensity.ravel()
    cx, cy = grid.cell_xy(rng.choice(len(flat), size=n_strikes, p=flat / flat.sum()))
    cx = cx + rng.uniform(-0.5, 0.5, n_strikes) * grid.cell_m
    cy = cy + rng.uniform(-0.5, 0.5, n_strikes) * grid.cell_m
    cluster = rng.random(n_strikes) < p.cluster_share
    duds = np.where(
        cluster,
        np.maximum(rng.poisson(p.cluster_duds_mean, n_strikes), 1),
        1 + rng.poisson(p.shell_duds_extra_mean, n_strikes),
    )
    a = rng.uniform(*p.cluster_footprint_m, n_strikes)
    b = a * rng.uniform(*p.cluster_aspect, n_strikes)
    rot = rng.uniform(0, np.pi, n_strikes)
    owner = np.repeat(np.arange(n_strikes), duds)
    m = len(owner)
    cl = cluster[owner]
    r, th = np.sqrt(rng.random(m)), rng.uniform(0, 2 * np.pi, m)
    ex, ey = a[owner] * r * np.cos(th), b[owner] * r * np.sin(th)
    cr, sr = np.cos(rot[owner]), np.sin(rot[owner])
    dx = np.where(cl, ex * cr - ey * sr, rng.normal(0, p.shell_spread_m, m))
    dy = np.where(cl, ex * sr + ey * cr, rng.normal(0, p.shell_spread_m, m))
    uxo = _devices(
        rng,
        cat,
        cx[owner] + dx,
        cy[owner] + dy,
        "UXO",
        "battle",
        -1,
        2020,
        depth_cm={"UXO": (0.0, 0.0)},
    )
    uxo.model[cl] = cat.draw_models(rng, p.uxo_models_cluster, int(cl.sum()))
    uxo.depth_cm[:] = np.where(
        cl,
        rng.uniform(*p.submunition_depth_cm, m),
        np.minimum(rng.exponential(p.shell_depth_mean_cm, m), p.max_depth_cm),
    )
    # abandoned ordnance at positions
    cache = np.flatnonzero(
        np.isin(pos.kind, ["firing_position", "strongpoint", "base"])
        & (rng.random(len(pos)) < p.axo_position_probability)
    )
    owner = np.repeat(cache, rng.integers(p.axo_items[0], p.axo_items[1] + 1, len(cache)))
    jx, jy = rng.normal(0, p.axo_spread_m, (2, len(owner)))
    axo = _devices(rng, cat, pos.x[owner] + jx, pos.y[owner] + jy, "AXO", "battle", -1, 2020)
    return Devices.concat([uxo, axo])


# --- 5. background -----------------------------------------------------------------


def background(
    seed: int,
    bounds: tuple[float, float, float, float],
    p: BackgroundParams,
    battle: BattleParams,
    cat: Catalogue,
) -> Devices:
    """Isolated items spread evenly over the bounds (the caller drops those off the land)."""
    rng = rng_for(seed, "background")
    box_km2 = (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]) / 1e6
    n = int(rng.poisson(p.per_km2 * box_km2))
    x = rng.uniform(bounds[0], bounds[2], n)
    y = rng.uniform(bounds[1], bounds[3], n)
    kind = np.array([k for k, _ in p.mix], dtype=object)[
        choice_index(rng, [w for _, w in p.mix], n)
    ]
    year = rng.integers(p.years[0], p.years[1] + 1, n)
    d = _devices(
        rng,
        cat,
        x,
        y,
        kind,
        "background",
        -1,
        year,
        depth_cm=dict.fromkeys(vocab.DEVICES, p.depth_cm),
    )
    uxo = kind == "UXO"
    d.depth_cm[uxo] = np.minimum(
        rng.exponential(battle.shell_depth_mean_cm, int(uxo.sum())), battle.max_depth_cm
    )
    return d


# --- minefield outlines ---------------------------------------------------------------


@dataclass(frozen=True)
class Minefields:
    """The true extent of each minefield group present: what an accurate map would draw."""

    group: I64
    outline: NDArray[np.object_]
    count: I64
    n_ap: I64
    n_at: I64
    laid_year: I64


def minefields(devices: Devices, margin_m: float) -> Minefields:
    """Convex outline (plus a margin) and composition of every group with devices."""
    has = devices.group >= 0
    groups, inv, count = np.unique(
        devices.group[has].astype(np.int64), return_inverse=True, return_counts=True
    )
    order = np.argsort(inv, kind="stable")
    xy = np.column_stack([devices.x[has], devices.y[has]])[order]
    pts = shapely.multipoints(xy, indices=inv[order]) if len(groups) else np.zeros(0, dtype=object)
    outline = shapely.buffer(shapely.convex_hull(pts), margin_m, quad_segs=4)
    dev = devices.device[has]
    n_ap = np.bincount(inv, weights=dev == DEVICE["AP"], minlength=len(groups)).astype(np.int64)
    n_at = np.bincount(inv, weights=dev == DEVICE["AT"], minlength=len(groups)).astype(np.int64)
    year = np.zeros(len(groups), np.int64)
    year[inv] = devices.laid_year[has]
    return Minefields(
        groups, np.asarray(outline, dtype=object), count.astype(np.int64), n_ap, n_at, year
    )
