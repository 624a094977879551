"""What people say: about contaminated and clean places, wrong at known rates, and about
incidents they saw (``parameters.StatementParams``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario.contamination import Devices
from landrelease.scenario.evidence.exposure import weighted_sample
from landrelease.scenario.evidence.incidents import Incidents
from landrelease.scenario.geography import Window
from landrelease.scenario.geometry import F64, I64, Geoms, Grid, choice_index, wobbly_polygons
from landrelease.scenario.parameters import END_DATE, START_DATE, StatementParams
from landrelease.scenario.timeline import Days, clip_days, uniform_days


@dataclass(frozen=True)
class Statements:
    ids: NDArray[np.object_]
    geoms: Geoms
    x: F64
    y: F64
    date: Days
    statement: NDArray[np.object_]
    confidence: NDArray[np.object_]
    informant: NDArray[np.object_]
    contaminated: NDArray[np.object_]
    """Truth: whether the place holds a device (None for a witnessed incident)."""
    incident: I64
    """The incident a witness tells of (−1 for other statements)."""


def statements(
    window: Window,
    devices: Devices,
    people: F64,
    grid: Grid,
    travel_weight: F64,
    incidents: Incidents,
    p: StatementParams,
    rng: np.random.Generator,
) -> Statements:
    """What people say: about contaminated places (wrong at ``false_negative``), about clean
    places (wrong at ``false_positive``), and about incidents they saw."""
    n = int(rng.poisson(p.per_km2 * window.land_area_m2 / 1e6))
    n_c = int(rng.binomial(n, p.contaminated_share)) if len(devices) else 0
    pick = weighted_sample(rng, travel_weight, n_c)
    n_c = len(pick)
    r = p.contaminated_radius_m * np.sqrt(rng.random(n_c))
    t = rng.uniform(0, 2 * np.pi, n_c)
    cx, cy = devices.x[pick] + r * np.cos(t), devices.y[pick] + r * np.sin(t)
    kx, ky = _clean_places(n - n_c, devices, people, grid, window, p.clean_radius_m, rng)
    n_k = len(kx)
    x, y = np.concatenate([cx, kx]), np.concatenate([cy, ky])
    truth = np.concatenate([np.ones(n_c, bool), np.zeros(n_k, bool)])
    said = np.where(
        truth, rng.random(n_c + n_k) >= p.false_negative, rng.random(n_c + n_k) < p.false_positive
    )
    statement = np.where(said, "suspected", "not_suspected").astype(object)
    right = said == truth
    conf = np.where(
        right,
        np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
            choice_index(rng, p.confidence_correct, len(x))
        ],
        np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
            choice_index(rng, p.confidence_wrong, len(x))
        ],
    )
    informant = np.array([k for k, _ in p.informants], dtype=object)[
        choice_index(rng, [w for _, w in p.informants], len(x))
    ]
    dates = uniform_days(rng, p.first_statement, END_DATE, len(x))
    # witnessed incidents
    wi = np.flatnonzero(rng.random(len(incidents)) < p.witnessed_share)
    wx = incidents.x[wi] + rng.normal(0, p.witness_error_m, len(wi))
    wy = incidents.y[wi] + rng.normal(0, p.witness_error_m, len(wi))
    delay = rng.integers(0, p.witness_delay_days, len(wi)).astype("timedelta64[D]")
    wdate = clip_days(incidents.date[wi] + delay, START_DATE, END_DATE)
    wconf = np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
        choice_index(rng, p.witness_confidence, len(wi))
    ]
    winf = np.array([k for k, _ in p.witness_informants], dtype=object)[
        choice_index(rng, [w for _, w in p.witness_informants], len(wi))
    ]
    ax, ay = np.concatenate([x, wx]), np.concatenate([y, wy])
    m = len(ax)
    poly = np.zeros(m, bool)
    poly[: len(x)] = rng.random(len(x)) < p.polygon_share
    geoms = np.asarray(shapely.points(ax, ay), dtype=object)
    if poly.any():
        geoms[poly] = wobbly_polygons(
            ax[poly], ay[poly], rng.uniform(*p.polygon_radius_m, int(poly.sum())), rng, vertices=14
        )
    return Statements(
        ids=np.array([f"T-{i + 1:05d}" for i in range(m)], dtype=object),
        geoms=geoms,
        x=ax,
        y=ay,
        date=np.concatenate([dates, wdate]),
        statement=np.concatenate([statement, np.full(len(wi), "incident_witnessed", dtype=object)]),
        confidence=np.concatenate([conf, wconf]),
        informant=np.concatenate([informant, winf]),
        contaminated=np.concatenate([truth.astype(object), np.full(len(wi), None, dtype=object)]),
        incident=np.concatenate([np.full(len(x), -1, np.int64), wi.astype(np.int64)]),
    )


def _clean_places(
    n: int,
    devices: Devices,
    people: F64,
    grid: Grid,
    window: Window,
    radius_m: float,
    rng: np.random.Generator,
) -> tuple[F64, F64]:
    """Places people talk about that hold no device within ``radius_m``."""
    if n <= 0:
        return np.empty(0), np.empty(0)
    tree = cKDTree(np.column_stack([devices.x, devices.y])) if len(devices) else None
    flat = people.ravel()
    xs: list[F64] = []
    ys: list[F64] = []
    have = 0
    for _ in range(50):
        k = 3 * (n - have) + 16
        cell = rng.choice(len(flat), size=k, p=flat / flat.sum())
        x, y = grid.cell_xy(cell)
        x = x + rng.uniform(-0.5, 0.5, k) * grid.cell_m
        y = y + rng.uniform(-0.5, 0.5, k) * grid.cell_m
        ok = window.contains(x, y)
        if tree is not None:
            d, _ = tree.query(np.column_stack([x, y]), distance_upper_bound=radius_m)
            ok &= ~np.isfinite(d)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
        if have >= n:
            break
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]
