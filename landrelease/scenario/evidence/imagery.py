"""Former positions seen on imagery, known from records or witnesses, plus a few the
imagery invents (``parameters.ImageryParams``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from landrelease.scenario.geography import Window
from landrelease.scenario.geometry import F64, I64, Bool, Geoms, choice_index
from landrelease.scenario.military import Positions
from landrelease.scenario.parameters import ImageryParams


@dataclass(frozen=True)
class SeenPositions:
    ids: NDArray[np.object_]
    kind: NDArray[np.object_]
    source: NDArray[np.object_]
    period: NDArray[np.object_]
    geoms: Geoms
    truth: I64
    """Index of the true position, −1 for an imagery false positive."""


def seen_positions(
    window: Window, pos: Positions, on_sheet: Bool, p: ImageryParams, rng: np.random.Generator
) -> SeenPositions:
    """Positions detected on imagery (per-kind detection probability, small position error),
    plus those only known from records or witnesses, plus imagery false positives."""
    n = len(pos)
    prob = dict(p.detection)
    pdet = np.array([prob[k] for k in pos.kind])
    seen = rng.random(n) < pdet
    told = ~seen & (rng.random(n) < p.testimony_probability)
    record = ~seen & ~told & on_sheet
    keep = seen | told | record
    source = np.where(seen, "imagery", np.where(record, "record", "testimony")).astype(object)
    err = np.where(told, p.testimony_error_m, p.position_error_m)
    dx, dy = rng.normal(0, 1, (2, n)) * err
    moved = _translate(pos.geoms, dx, dy)
    idx = np.flatnonzero(keep)
    n_fp = int(rng.poisson(p.false_positive_share / (1 - p.false_positive_share) * seen.sum()))
    fx, fy = _random_land_points(window, n_fp, rng)
    fkind = np.array([k for k, _ in p.false_positive_kinds], dtype=object)[
        choice_index(rng, [w for _, w in p.false_positive_kinds], n_fp)
    ]
    allg = np.concatenate([moved[idx], np.asarray(shapely.points(fx, fy), dtype=object)])
    m = len(allg)
    return SeenPositions(
        ids=np.array([f"MP-{i + 1:05d}" for i in range(m)], dtype=object),
        kind=np.concatenate([pos.kind[idx], fkind]),
        source=np.concatenate([source[idx], np.full(n_fp, "imagery", dtype=object)]),
        period=np.concatenate([pos.period[idx], np.full(n_fp, "1994-2020", dtype=object)]),
        geoms=allg,
        truth=np.concatenate([idx, np.full(n_fp, -1)]).astype(np.int64),
    )


def _translate(geoms: Geoms, dx: F64, dy: F64) -> Geoms:
    """Move each geometry by its own offset (vectorised over all coordinates)."""
    if not len(geoms):
        return geoms
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    coords = coords + np.column_stack([dx[index], dy[index]])
    copies = shapely.transform(geoms, lambda xy: xy)  # set_coordinates works in place
    return np.asarray(shapely.set_coordinates(copies, coords), dtype=object)


def _random_land_points(window: Window, n: int, rng: np.random.Generator) -> tuple[F64, F64]:
    xmin, ymin, xmax, ymax = window.bounds
    xs: list[F64] = []
    ys: list[F64] = []
    have = 0
    while have < n:
        k = max(2 * (n - have), 16)
        x, y = rng.uniform(xmin, xmax, k), rng.uniform(ymin, ymax, k)
        ok = window.contains(x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    x, y = (
        np.concatenate(xs)[:n] if xs else np.empty(0),
        np.concatenate(ys)[:n] if ys else np.empty(0),
    )
    return x, y
