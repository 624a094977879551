"""Post-clearance inspection by sampling: limiting-quality plans, their statements, sample cells.

The released land of an activity is the *lot*. It is cut into square cells
of ``cell_m2`` (the sampling unit); a cell is *nonconforming* when it still
holds a device. If residual devices lie scattered at random with a density
of ``d`` devices per hectare, a cell holds at least one with probability

    p(d) = 1 − exp(−d · cell_m2 / 10 000)

A limiting-quality plan (ISO 2859-2, procedure A; IMAS 09.20 post-clearance
inspection) fixes the *limiting quality* — the density ``d_LQ`` a lot must
not be accepted at — and the confidence ``C``: a lot at ``d_LQ`` is accepted
with probability at most ``β = 1 − C`` (the consumer's risk). ``n`` cells
are inspected; the lot is accepted when at most ``c`` devices (the
acceptance number, usually 0) are found.

* **hypergeometric** (a lot of N cells, sampled without replacement): at the
  limiting quality the lot holds ``D = ⌈N · p(d_LQ)⌉`` nonconforming cells;
  ``n`` is the smallest size with ``P(X ≤ c | N, D, n) ≤ β``;
* **binomial** (the lot taken as unbounded; exact for Poisson scatter): ``n``
  is the smallest with ``P(X ≤ c | n, p(d_LQ)) ≤ β``; for ``c = 0`` this is
  ``n = ⌈ln β / ln(1 − p)⌉``, i.e. a sampled area of ``−ln β / d_LQ`` hectares.

After the inspection, the statement "C confident that fewer than X devices
per hectare remain" uses the exact upper confidence bound of the same model
(Poisson/Garwood for binomial, the hypergeometric bound on D otherwise).
Every function here is pure; :mod:`landrelease.quality.inspection` stores
plans and results. The maths is documented in ``docs/quality.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.special import gammaln

M2_PER_HA = 10_000.0
METHODS = ("hypergeometric", "binomial")
EPS = 1e-12
"""Slack for floating-point sums at an exact boundary (e.g. P = 0.05 exactly)."""


def cell_probability(density_per_ha: float, cell_m2: float) -> float:
    """Probability that a cell holds at least one device at a random scatter of this density."""
    return float(-np.expm1(-density_per_ha * cell_m2 / M2_PER_HA))


def _log_comb(n: float, k: float) -> float:
    return float(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def binomial_cdf(c: int, n: int, p: float) -> float:
    """P(X ≤ c) for X ~ Binomial(n, p), summed in log space."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 1.0 if c >= n else 0.0
    k = np.arange(0, min(c, n) + 1, dtype=float)
    terms = (
        gammaln(n + 1)
        - gammaln(k + 1)
        - gammaln(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    return float(min(1.0, np.exp(terms).sum()))


def hypergeometric_cdf(c: int, lot: int, defective: int, n: int) -> float:
    """P(X ≤ c) for X the nonconforming cells in a sample of ``n`` from ``lot`` holding ``defective``."""
    lo = max(0, n - (lot - defective))
    hi = min(c, defective, n)
    if hi < lo:
        return 0.0
    k = np.arange(lo, hi + 1, dtype=float)
    terms = (
        gammaln(defective + 1)
        - gammaln(k + 1)
        - gammaln(defective - k + 1)
        + gammaln(lot - defective + 1)
        - gammaln(n - k + 1)
        - gammaln(lot - defective - n + k + 1)
        - _log_comb(lot, n)
    )
    return float(min(1.0, np.exp(terms).sum()))


def _smallest(accept: Callable[[int], bool], lo: int, hi: int) -> int:
    """Smallest n in [lo, hi] with accept(n) ≤ β, for accept decreasing in n (binary search)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if accept(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def binomial_sample_size(p: float, confidence: float, acceptance_number: int = 0) -> int:
    """Smallest n with P(X ≤ c | n, p) ≤ 1 − confidence."""
    _check(confidence, acceptance_number)
    if not 0 < p < 1:
        raise ValueError(f"the limiting fraction must lie strictly between 0 and 1, not {p}")
    beta = 1.0 - confidence
    if acceptance_number == 0:
        n = math.ceil(math.log(beta) / math.log1p(-p))
        # guard against rounding at an exact boundary
        return n - 1 if n > 1 and (1 - p) ** (n - 1) <= beta + EPS else n
    hi = max(1, math.ceil(math.log(beta) / math.log1p(-p)))
    while binomial_cdf(acceptance_number, hi, p) > beta:
        hi *= 2
    return _smallest(lambda n: binomial_cdf(acceptance_number, n, p) <= beta + EPS, 0, hi)


def hypergeometric_sample_size(
    lot: int, defective: int, confidence: float, acceptance_number: int = 0
) -> int:
    """Smallest n ≤ lot with P(X ≤ c | lot, defective, n) ≤ 1 − confidence.

    Raises ``ValueError`` when no sample can do it (``defective ≤ c``: even
    inspecting every cell finds no more than the acceptance number).
    """
    _check(confidence, acceptance_number)
    if not 0 < defective <= lot:
        raise ValueError(f"nonconforming cells must be from 1 to the lot's {lot}, not {defective}")
    if defective <= acceptance_number:
        raise ValueError(
            f"a lot with {defective} nonconforming cell(s) is accepted with acceptance number "
            f"{acceptance_number} even when every cell is inspected"
        )
    beta = 1.0 - confidence
    return _smallest(
        lambda n: hypergeometric_cdf(acceptance_number, lot, defective, n) <= beta + EPS, 0, lot
    )


def _check(confidence: float, acceptance_number: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence}")
    if acceptance_number < 0:
        raise ValueError(f"the acceptance number cannot be negative ({acceptance_number})")


@dataclass(frozen=True)
class SamplingPlan:
    """A limiting-quality sampling plan for one lot."""

    method: str
    lot_cells: int
    cell_m2: float
    lot_area_m2: float
    limiting_density_per_ha: float
    confidence: float
    acceptance_number: int
    sample_cells: int
    limiting_fraction: float
    """p(d_LQ): the share of cells holding a device at the limiting quality."""
    limiting_defective: int | None
    """D: nonconforming cells in the lot at the limiting quality (hypergeometric)."""
    consumer_risk: float
    """P(accept) of a lot at the limiting quality under this plan (≤ 1 − confidence)."""

    @property
    def sample_area_m2(self) -> float:
        return self.sample_cells * self.cell_m2

    @property
    def sampling_fraction(self) -> float:
        return self.sample_cells / self.lot_cells if self.lot_cells else 1.0

    def acceptance_probability(self, density_per_ha: float) -> float:
        """The operating characteristic: P(accept) of a lot with this residual density."""
        p = cell_probability(density_per_ha, self.cell_m2)
        if self.method == "binomial":
            return binomial_cdf(self.acceptance_number, self.sample_cells, p)
        defective = min(self.lot_cells, round(self.lot_cells * p))
        if defective == 0:
            return 1.0
        return hypergeometric_cdf(
            self.acceptance_number, self.lot_cells, defective, self.sample_cells
        )


def make_plan(
    *,
    lot_cells: int,
    cell_m2: float,
    limiting_density_per_ha: float,
    confidence: float,
    acceptance_number: int = 0,
    method: str = "hypergeometric",
    lot_area_m2: float | None = None,
) -> SamplingPlan:
    """The limiting-quality plan for a lot of ``lot_cells`` cells of ``cell_m2``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use {' or '.join(METHODS)}")
    if lot_cells < 1:
        raise ValueError("the lot holds no cell")
    if limiting_density_per_ha <= 0:
        raise ValueError(
            f"the limiting density must be above 0 devices/ha, not {limiting_density_per_ha}"
        )
    if cell_m2 <= 0:
        raise ValueError(f"the cell size must be above 0 m², not {cell_m2}")
    p = cell_probability(limiting_density_per_ha, cell_m2)
    defective: int | None = None
    if method == "binomial":
        n = binomial_sample_size(p, confidence, acceptance_number)
        if n > lot_cells:
            raise ValueError(
                f"the binomial plan needs {n:,} cells but the lot holds {lot_cells:,}: under random "
                "scatter a lot this small may hold no device even at the limiting density; use the "
                "hypergeometric method (finite lot)"
            )
        risk = binomial_cdf(acceptance_number, n, p)
    else:
        defective = max(1, min(lot_cells, math.ceil(lot_cells * p - 1e-9)))
        n = hypergeometric_sample_size(lot_cells, defective, confidence, acceptance_number)
        risk = hypergeometric_cdf(acceptance_number, lot_cells, defective, n)
    return SamplingPlan(
        method=method,
        lot_cells=lot_cells,
        cell_m2=cell_m2,
        lot_area_m2=float(lot_area_m2 if lot_area_m2 is not None else lot_cells * cell_m2),
        limiting_density_per_ha=limiting_density_per_ha,
        confidence=confidence,
        acceptance_number=acceptance_number,
        sample_cells=n,
        limiting_fraction=p,
        limiting_defective=defective,
        consumer_risk=risk,
    )


def poisson_upper_mean(found: int, confidence: float) -> float:
    """Exact (Garwood) upper confidence limit of a Poisson mean after observing ``found``.

    The λ with P(X ≤ found | λ) = 1 − confidence; for ``found = 0`` it is −ln(1 − confidence).
    """
    from scipy.stats import chi2

    return float(chi2.ppf(confidence, 2 * (found + 1)) / 2.0)


def density_upper_bound(
    *,
    found: int,
    inspected_cells: int,
    cell_m2: float,
    confidence: float,
    method: str,
    lot_cells: int,
) -> float:
    """Devices per hectare that, with the given confidence, the lot holds fewer of.

    binomial: the Poisson bound on the inspected area. hypergeometric: the
    smallest number of nonconforming cells D_U with P(X ≤ found | N, D_U, n) ≤ 1 − C,
    converted to a density with the same scatter model: d = −ln(1 − D_U / N) / cell.
    """
    if inspected_cells <= 0:
        return math.inf
    if method == "binomial":
        return poisson_upper_mean(found, confidence) / (inspected_cells * cell_m2 / M2_PER_HA)
    beta = 1.0 - confidence
    n = min(inspected_cells, lot_cells)
    if found >= n:
        return math.inf
    d_u = _smallest(
        lambda d: hypergeometric_cdf(found, lot_cells, d, n) <= beta + EPS, found + 1, lot_cells
    )
    if hypergeometric_cdf(found, lot_cells, d_u, n) > beta + EPS:
        return math.inf
    share = d_u / lot_cells
    if share >= 1:
        return math.inf
    return float(-math.log1p(-share) / cell_m2 * M2_PER_HA)


def lot_cells(lot_metric: shapely.Geometry, cell_m2: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres (x, y) of the square cells of ``cell_m2`` whose centre lies in the lot (metric CRS)."""
    side = math.sqrt(cell_m2)
    minx, miny, maxx, maxy = lot_metric.bounds
    x0, y0 = math.floor(minx / side) * side, math.floor(miny / side) * side
    xs = x0 + side * (np.arange(math.ceil((maxx - x0) / side)) + 0.5)
    ys = y0 + side * (np.arange(math.ceil((maxy - y0) / side)) + 0.5)
    cx, cy = np.meshgrid(xs, ys)
    cx, cy = cx.ravel(), cy.ravel()
    shapely.prepare(lot_metric)
    inside = shapely.contains_xy(lot_metric, cx, cy)
    return cx[inside], cy[inside]


def cell_squares(x: np.ndarray, y: np.ndarray, cell_m2: float) -> np.ndarray:
    """The square cells of ``cell_m2`` around the given centres."""
    h = math.sqrt(cell_m2) / 2
    return np.asarray(shapely.box(x - h, y - h, x + h, y + h), dtype=object)


def draw_sample(n_cells: int, size: int, *, seed: int) -> np.ndarray:
    """Indices of ``size`` cells drawn at random without replacement (sorted), reproducibly."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_cells, size=min(size, n_cells), replace=False))
