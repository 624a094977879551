"""The military skeleton of the world: the front's frame, positions and belt layout.

Both sides held the 1994–2020 line of contact with strongpoints, trenches and
minefield belts; artillery stood behind; garrisons sat near the towns; the
2020 war left positions along its successive fronts. Devices are placed later
(``contamination``); this module only decides where the works were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from landrelease.scenario.geometry import (
    F64,
    I64,
    Frame,
    Geoms,
    choice_index,
    metric_coords,
    rectangles,
    resample,
    rng_for,
)
from landrelease.scenario.parameters import BeltParams, Geography, PositionParams

ARMENIAN, AZERBAIJANI = 1, -1


def loc_frame(geo: Geography, land: BaseGeometry) -> tuple[Frame, int]:
    """The line of contact resampled every 10 m, and the sign of the normal pointing to the
    side held by Armenian forces 1994–2020 (the regained side)."""
    frame = resample(metric_coords(geo.line_of_contact), step_m=10.0, smooth_m=1500.0)
    s = np.linspace(0, frame.length_m, 41)[1:-1]
    x, y = frame.at(s, 5000.0)
    inside = shapely.contains_xy(land, x, y).mean()
    return frame, (1 if inside > 0.5 else -1)


@dataclass(frozen=True)
class Positions:
    """Former military positions (the truth the imagery tries to see)."""

    ids: NDArray[np.object_]
    kind: NDArray[np.object_]
    side: I64
    period: NDArray[np.object_]
    geoms: Geoms
    x: F64
    y: F64
    radius_m: F64
    facing: I64
    """For trenches: the side of the line (+1 left, −1 right) that faces the enemy."""

    def __len__(self) -> int:
        return len(self.x)

    def take(self, idx: NDArray[np.integer] | NDArray[np.bool_]) -> Positions:
        return Positions(**{k: v[idx] for k, v in self.__dict__.items()})


def _runs(
    rng: np.random.Generator, total_m: float, length: tuple[float, float], gap: tuple[float, float]
) -> tuple[F64, F64]:
    """Consecutive (start, end) runs along [0, total]: lengths and gaps uniform."""
    n = int(total_m / (length[0] + gap[0])) + 2
    ln = rng.uniform(*length, n)
    gp = rng.uniform(*gap, n)
    start = np.cumsum(np.concatenate([[rng.uniform(0, gap[1])], (ln + gp)[:-1]]))
    end = start + ln
    keep = start < total_m
    return start[keep], np.minimum(end[keep], total_m)


class _Works:
    """Positions collected kind by kind, in the order they are laid out."""

    def __init__(self) -> None:
        self.kinds: list[NDArray[np.object_]] = []
        self.sides: list[I64] = []
        self.periods: list[NDArray[np.object_]] = []
        self.geoms: list[Geoms] = []
        self.radii: list[F64] = []
        self.facing: list[I64] = []

    def put(
        self, g: Geoms, kind: str, side: int | I64, period: str, radius: F64, face: int | I64 = 0
    ) -> None:
        """Add positions of one kind; ``side``, ``radius`` and ``face`` per position or shared."""
        n = len(g)
        self.facing.append(np.broadcast_to(np.asarray(face, np.int64), (n,)).copy())
        self.geoms.append(np.asarray(g, dtype=object))
        self.kinds.append(np.full(n, kind, dtype=object))
        self.sides.append(np.broadcast_to(np.asarray(side, np.int64), (n,)).copy())
        self.periods.append(np.full(n, period, dtype=object))
        self.radii.append(np.broadcast_to(np.asarray(radius, float), (n,)).copy())

    def on(self, land: BaseGeometry) -> Positions:
        """The positions whose centre lies on ``land``, numbered in the order laid out."""
        g = np.concatenate(self.geoms)
        centre = shapely.get_coordinates(shapely.point_on_surface(g))
        on_land = shapely.contains_xy(land, centre[:, 0], centre[:, 1])
        n = int(on_land.sum())
        return Positions(
            ids=np.array([f"POS-{i + 1:05d}" for i in range(n)], dtype=object),
            kind=np.concatenate(self.kinds)[on_land],
            side=np.concatenate(self.sides)[on_land],
            period=np.concatenate(self.periods)[on_land],
            geoms=g[on_land],
            x=centre[on_land, 0],
            y=centre[on_land, 1],
            radius_m=np.concatenate(self.radii)[on_land],
            facing=np.concatenate(self.facing)[on_land],
        )


def layout_positions(
    seed: int,
    frame: Frame,
    sign: int,
    land: BaseGeometry,
    towns_xy: F64,
    war_lines: list[F64],
    trunk_roads: Geoms,
    geo: Geography,
    p: PositionParams,
) -> Positions:
    """Where the positions were: along the line of contact, behind it, near towns, on the 2020 fronts."""
    rng = rng_for(seed, "positions")
    works = _Works()
    for side in (ARMENIAN, AZERBAIJANI):
        _line_of_contact(works, rng, frame, side, side * sign, p)
    _artillery(works, rng, frame, sign, p)
    _garrisons(works, rng, towns_xy, p)
    for coords in war_lines:
        _war_front(works, rng, coords, p)
    _checkpoints(works, rng, trunk_roads, p)
    return works.on(land)


def _line_of_contact(
    works: _Works,
    rng: np.random.Generator,
    frame: Frame,
    side: int,
    sgn: int,
    p: PositionParams,
) -> None:
    """One side's strongpoints and trenches along the 1994–2020 line of contact;
    ``sgn`` is the direction of that side's ground from the line."""
    length_m = frame.length_m
    gaps = rng.uniform(*p.strongpoint_spacing_m, int(length_m / p.strongpoint_spacing_m[0]) + 2)
    s = np.cumsum(gaps)
    s = s[s < length_m]
    off = rng.uniform(*p.strongpoint_offset_m, len(s))
    x, y = frame.at(s, sgn * off)
    r = rng.uniform(*p.strongpoint_radius_m, len(s))
    works.put(shapely.points(x, y), "strongpoint", side, "1994-2020", r)
    # trenches: runs parallel to the line, meandering a little
    a, b = _runs(rng, length_m, p.trench_length_m, p.trench_gap_m)
    lines = []
    for s0, s1 in zip(a, b, strict=True):
        ss = np.arange(s0, s1 + 1e-9, p.trench_vertex_m)
        if len(ss) < 2:
            ss = np.array([s0, s1])
        base = rng.uniform(*p.trench_offset_m)
        wave = rng.uniform(*p.trench_meander_wavelength_m)
        wob = base + p.trench_meander_m * np.sin(ss / wave + rng.uniform(0, 2 * np.pi))
        tx, ty = frame.at(ss, sgn * wob)
        lines.append(shapely.LineString(np.column_stack([tx, ty])))
    works.put(
        np.array(lines, dtype=object),
        "trench",
        side,
        "1994-2020",
        np.full(len(lines), p.trench_radius_m),
        -sgn,
    )


def _artillery(
    works: _Works, rng: np.random.Generator, frame: Frame, sign: int, p: PositionParams
) -> None:
    """Firing positions behind the line, on the regained side."""
    length_m = frame.length_m
    s = np.arange(rng.uniform(0, p.firing_spacing_m), length_m, p.firing_spacing_m)
    s = s + rng.uniform(-p.firing_jitter_m, p.firing_jitter_m, len(s))
    x, y = frame.at(np.clip(s, 0, length_m), sign * rng.uniform(*p.firing_depth_m, len(s)))
    works.put(
        shapely.points(x, y),
        "firing_position",
        ARMENIAN,
        "1994-2020",
        np.full(len(s), p.firing_radius_m),
    )


def _garrisons(works: _Works, rng: np.random.Generator, towns_xy: F64, p: PositionParams) -> None:
    """A rectangular base near each town."""
    n = len(towns_xy)
    ang = rng.uniform(0, 2 * np.pi, n)
    dist = rng.uniform(*p.base_distance_m, n)
    size = rng.uniform(*p.base_size_m, (n, 2)) / 2
    bases = rectangles(
        towns_xy[:, 0] + dist * np.cos(ang),
        towns_xy[:, 1] + dist * np.sin(ang),
        size[:, 0],
        size[:, 1],
        rng.uniform(0, np.pi, n),
    )
    works.put(bases, "base", ARMENIAN, "1994-2020", size.max(axis=1))


def _war_front(works: _Works, rng: np.random.Generator, coords: F64, p: PositionParams) -> None:
    """One 2020 front: both sides dug in along it, alternately, with firing positions,
    strongpoints and short trenches."""
    fr = resample(coords, step_m=10.0, smooth_m=500.0)
    s = np.arange(
        rng.uniform(0, p.war_position_spacing_m), fr.length_m, p.war_position_spacing_m / 2
    )
    wside = np.where(np.arange(len(s)) % 2 == 0, 1, -1)
    off = wside * rng.uniform(*p.war_position_offset_m, len(s))
    x, y = fr.at(s, off)
    kinds_here = np.array([k for k, _ in p.war_position_mix], dtype=object)
    k = kinds_here[choice_index(rng, [w for _, w in p.war_position_mix], len(s))]
    fp = k == "firing_position"
    works.put(
        shapely.points(x[fp], y[fp]),
        "firing_position",
        wside[fp],
        "2020",
        np.full(fp.sum(), p.firing_radius_m),
    )
    sp = k == "strongpoint"
    works.put(
        shapely.points(x[sp], y[sp]),
        "strongpoint",
        wside[sp],
        "2020",
        rng.uniform(*p.war_strongpoint_radius_m, sp.sum()),
    )
    tr = k == "trench"
    lines = []
    for si, oi in zip(s[tr], off[tr], strict=True):
        half = rng.uniform(*p.war_trench_half_length_m, 2)
        ss = np.linspace(si - half[0], si + half[1], 8)
        tx, ty = fr.at(ss, oi)
        lines.append(shapely.LineString(np.column_stack([tx, ty])))
    works.put(
        np.array(lines, dtype=object),
        "trench",
        wside[tr],
        "2020",
        np.full(len(lines), p.trench_radius_m),
        -np.sign(off[tr]).astype(np.int64),
    )


def _checkpoints(
    works: _Works, rng: np.random.Generator, trunk_roads: Geoms, p: PositionParams
) -> None:
    """Checkpoints on the trunk roads, a Poisson number per road by its length."""
    length = shapely.length(trunk_roads)
    nck = rng.poisson(length / 1000.0 * p.checkpoint_per_road_km)
    idx = np.repeat(np.arange(len(trunk_roads)), nck)
    pts = shapely.line_interpolate_point(
        trunk_roads[idx], rng.uniform(0, 1, len(idx)) * length[idx]
    )
    works.put(
        np.asarray(pts, dtype=object),
        "checkpoint",
        ARMENIAN,
        "1994-2020",
        np.full(len(idx), p.checkpoint_size_m),
    )


@dataclass(frozen=True)
class BeltLayout:
    """The minefields of the defensive belts: where each one runs and how it is built."""

    side: I64
    line: I64
    s0: F64
    s1: F64
    """Arc-length extent along the line of contact, metres."""
    offset_m: F64
    """Distance of the first row from the line of contact."""
    wave_amp_m: F64
    wave_len_m: F64
    wave_phase: F64
    n_ap_rows: I64
    n_at_rows: I64
    at_first_row: I64
    """Index of the first AT row (AT rows sit in the middle of mixed fields)."""
    row_spacing_m: F64
    ap_spacing_m: F64
    at_spacing_m: F64
    laid_year: I64

    def __len__(self) -> int:
        return len(self.s0)

    def offset_at(self, i: I64, s_m: F64) -> F64:
        """Offset of minefield ``i``'s first row at arc length ``s_m`` (the belt meanders)."""
        return self.offset_m[i] + self.wave_amp_m[i] * np.sin(
            2 * np.pi * s_m / self.wave_len_m[i] + self.wave_phase[i]
        )


def layout_belts(seed: int, frame: Frame, p: BeltParams) -> BeltLayout:
    """Minefields along both sides' belt lines, with gaps and irregular construction."""
    rng = rng_for(seed, "belt-layout")
    length_m = frame.length_m
    cols: dict[str, list[NDArray[np.generic]]] = {k: [] for k in BeltLayout.__dataclass_fields__}
    for side in (ARMENIAN, AZERBAIJANI):
        for line in range(p.lines_per_side):
            n = int(length_m / (p.minefield_length_m[0] + 20)) + 2
            ln = rng.uniform(*p.minefield_length_m, n)
            big = rng.random(n) < p.big_gap_probability
            gp = np.where(big, rng.uniform(*p.big_gap_m, n), rng.exponential(p.gap_mean_m, n))
            s0 = np.cumsum(np.concatenate([[rng.uniform(0, 300)], (ln + gp)[:-1]]))
            s1 = s0 + ln
            keep = s1 < length_m
            if line > 0:
                keep &= s0 > p.mountain_thinning_m
            s0, s1 = s0[keep], s1[keep]
            m = len(s0)
            comp = rng.choice(len(p.composition), m, p=np.array([c[1] for c in p.composition]))
            kind = np.array([c[0] for c in p.composition])[comp]
            ap = np.where(kind == "AT", 0, rng.integers(p.ap_rows[0], p.ap_rows[1] + 1, m))
            at = np.where(kind == "AP", 0, rng.integers(p.at_rows[0], p.at_rows[1] + 1, m))
            lo, hi = p.line_offset_m[line]
            # one wave per belt line, shared by its minefields, so the belt stays continuous
            amp = np.full(m, rng.uniform(0.5, 1.0) * p.offset_wave_m)
            wl = np.full(m, rng.uniform(*p.offset_wavelength_m))
            ph = np.full(m, rng.uniform(0, 2 * np.pi))
            cols["side"].append(np.full(m, side))
            cols["line"].append(np.full(m, line))
            cols["s0"].append(s0)
            cols["s1"].append(s1)
            cols["offset_m"].append(rng.uniform(lo, hi, m))
            cols["wave_amp_m"].append(amp)
            cols["wave_len_m"].append(wl)
            cols["wave_phase"].append(ph)
            cols["n_ap_rows"].append(ap)
            cols["n_at_rows"].append(at)
            cols["at_first_row"].append(np.where(ap > 0, (ap + 1) // 2, 0))
            cols["row_spacing_m"].append(rng.uniform(*p.row_spacing_m, m))
            cols["ap_spacing_m"].append(rng.uniform(*p.ap_spacing_m, m))
            cols["at_spacing_m"].append(rng.uniform(*p.at_spacing_m, m))
            cols["laid_year"].append(rng.integers(p.laid_years[0], p.laid_years[1] + 1, m))
    return BeltLayout(**{k: np.concatenate(v) for k, v in cols.items()})
