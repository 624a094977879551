"""The sampling maths against published values and independent computations (scipy.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy import stats
from scipy.optimize import brentq

from landrelease.quality.sampling import (
    binomial_cdf,
    binomial_sample_size,
    cell_probability,
    cell_squares,
    density_upper_bound,
    draw_sample,
    hypergeometric_cdf,
    hypergeometric_sample_size,
    lot_cells,
    make_plan,
    poisson_upper_mean,
)


@pytest.mark.parametrize(
    ("p", "confidence", "n"),
    [
        # the "success run" sample sizes of zero-acceptance plans, as published in validation and
        # reliability tables: n = ln(1 − C) / ln(1 − p), rounded up
        (0.05, 0.95, 59),
        (0.01, 0.95, 299),
        (0.10, 0.95, 29),
        (0.05, 0.99, 90),
        (0.01, 0.99, 459),
        (0.10, 0.90, 22),
    ],
)
def test_zero_acceptance_binomial_sample_sizes_match_published_tables(
    p: float, confidence: float, n: int
) -> None:
    assert binomial_sample_size(p, confidence) == n


@pytest.mark.parametrize("p", [0.2, 0.05, 0.01, 0.003, 0.0005])
@pytest.mark.parametrize("c", [0, 1, 2, 4])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_binomial_sample_size_is_the_smallest_that_holds_by_scipy(
    p: float, c: int, confidence: float
) -> None:
    n = binomial_sample_size(p, confidence, c)
    beta = 1 - confidence
    assert stats.binom.cdf(c, n, p) <= beta + 1e-12
    assert stats.binom.cdf(c, n - 1, p) > beta


@pytest.mark.parametrize(
    ("lot", "defective"),
    [(20, 1), (100, 5), (250, 3), (500, 1), (1000, 10), (5000, 50), (10_000, 100), (40_000, 7)],
)
@pytest.mark.parametrize("c", [0, 1, 3])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_hypergeometric_sample_size_is_the_smallest_that_holds_by_scipy(
    lot: int, defective: int, c: int, confidence: float
) -> None:
    if defective <= c:
        with pytest.raises(ValueError, match="even when every cell is inspected"):
            hypergeometric_sample_size(lot, defective, confidence, c)
        return
    n = hypergeometric_sample_size(lot, defective, confidence, c)
    beta = 1 - confidence
    assert stats.hypergeom.cdf(c, lot, defective, n) <= beta + 1e-12
    assert stats.hypergeom.cdf(c, lot, defective, n - 1) > beta + 1e-12


def test_the_exact_boundary_is_not_lost_to_rounding() -> None:
    # P(X = 0) = (500 − 475) / 500 = 0.05 exactly: 475 cells suffice
    assert hypergeometric_sample_size(500, 1, 0.95) == 475


def test_cdfs_agree_with_scipy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        lot = int(rng.integers(2, 5000))
        d = int(rng.integers(1, lot + 1))
        n = int(rng.integers(0, lot + 1))
        c = int(rng.integers(0, 6))
        assert hypergeometric_cdf(c, lot, d, n) == pytest.approx(
            stats.hypergeom.cdf(c, lot, d, n), abs=1e-9
        )
        p = float(rng.uniform(1e-4, 0.5))
        assert binomial_cdf(c, n, p) == pytest.approx(stats.binom.cdf(c, n, p), abs=1e-9)


def test_with_zero_acceptance_the_binomial_plan_samples_minus_ln_beta_over_d_hectares() -> None:
    # Poisson scatter: P(no device in a hectares) = exp(−d·a) ≤ β  ⇔  a ≥ −ln β / d
    plan = make_plan(
        lot_cells=10**6,
        cell_m2=100,
        limiting_density_per_ha=1.0,
        confidence=0.95,
        method="binomial",
    )
    assert plan.sample_area_m2 / 10_000 == pytest.approx(-math.log(0.05), abs=0.01)
    assert plan.sample_cells == 300


def test_a_plan_rejects_a_lot_at_the_limiting_quality_with_the_confidence() -> None:
    for method in ("hypergeometric", "binomial"):
        for lot in (350, 1515, 40_000):
            plan = make_plan(
                lot_cells=lot,
                cell_m2=100,
                limiting_density_per_ha=2.0,
                confidence=0.95,
                method=method,
            )
            assert plan.consumer_risk <= 0.05 + 1e-12
            assert plan.acceptance_probability(2.0) <= 0.05 + 1e-9
            # the operating characteristic falls as the residual density rises
            oc = [plan.acceptance_probability(d) for d in (0.05, 0.5, 2.0, 8.0)]
            assert oc == sorted(oc, reverse=True)
            assert plan.sample_cells <= lot


def test_a_finite_lot_needs_no_more_than_the_binomial_sample() -> None:
    for lot in (400, 2000, 20_000):
        h = make_plan(lot_cells=lot, cell_m2=100, limiting_density_per_ha=1.0, confidence=0.95)
        b = make_plan(
            lot_cells=lot,
            cell_m2=100,
            limiting_density_per_ha=1.0,
            confidence=0.95,
            method="binomial",
        )
        assert h.sample_cells <= b.sample_cells


@pytest.mark.parametrize(
    ("found", "upper"),
    # exact (Garwood) one-sided 95 % upper limits of a Poisson mean, as tabulated
    [(0, 2.996), (1, 4.744), (2, 6.296), (3, 7.754), (4, 9.154), (10, 16.962)],
)
def test_poisson_upper_limits_match_published_values(found: int, upper: float) -> None:
    assert poisson_upper_mean(found, 0.95) == pytest.approx(upper, abs=1e-3)
    # and independently: the λ with P(X ≤ found | λ) = 0.05
    root = brentq(lambda lam: stats.poisson.cdf(found, lam) - 0.05, 1e-9, 100)
    assert poisson_upper_mean(found, 0.95) == pytest.approx(root, rel=1e-9)


def test_after_an_accepted_inspection_the_bound_is_the_limiting_quality() -> None:
    plan = make_plan(
        lot_cells=10**6,
        cell_m2=100,
        limiting_density_per_ha=1.0,
        confidence=0.95,
        method="binomial",
    )
    b = density_upper_bound(
        found=0,
        inspected_cells=plan.sample_cells,
        cell_m2=100,
        confidence=0.95,
        method="binomial",
        lot_cells=plan.lot_cells,
    )
    assert b == pytest.approx(1.0, rel=0.01) and b <= 1.0
    h = make_plan(lot_cells=1515, cell_m2=100, limiting_density_per_ha=1.0, confidence=0.95)
    bh = density_upper_bound(
        found=0,
        inspected_cells=h.sample_cells,
        cell_m2=100,
        confidence=0.95,
        method="hypergeometric",
        lot_cells=1515,
    )
    # D_U = 16 nonconforming cells of 1,515: −ln(1 − 16/1515) / 100 m² = 1.06 per ha
    assert bh == pytest.approx(-math.log1p(-16 / 1515) / 100 * 10_000, rel=1e-9)
    assert stats.hypergeom.cdf(0, 1515, 16, h.sample_cells) <= 0.05
    assert stats.hypergeom.cdf(0, 1515, 15, h.sample_cells) > 0.05
    # less area inspected: a weaker statement
    weaker = density_upper_bound(
        found=0,
        inspected_cells=h.sample_cells // 2,
        cell_m2=100,
        confidence=0.95,
        method="hypergeometric",
        lot_cells=1515,
    )
    assert weaker > bh


def test_cell_probability_is_poisson() -> None:
    assert cell_probability(1.0, 100) == pytest.approx(1 - math.exp(-0.01))
    assert cell_probability(0.0, 100) == 0.0


def test_lot_cells_cover_the_lot() -> None:
    lot = shapely.Polygon([(0, 0), (1000, 0), (1000, 500), (0, 1000)])  # 750,000 m²
    x, y = lot_cells(lot, 100.0)
    assert len(x) * 100 == pytest.approx(lot.area, rel=0.01)
    cells = cell_squares(x, y, 100.0)
    assert np.all(shapely.contains(lot, shapely.centroid(cells)))
    assert set(np.round(shapely.area(cells), 6)) == {100.0}


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 42, 2020])
def test_samples_are_reproducible_and_distinct(seed: int) -> None:
    a = draw_sample(5000, 300, seed=seed)
    assert np.array_equal(a, draw_sample(5000, 300, seed=seed))
    assert len(set(a.tolist())) == 300 and a.min() >= 0 and a.max() < 5000
    assert not np.array_equal(a, draw_sample(5000, 300, seed=seed + 1))
    assert len(draw_sample(10, 300, seed=seed)) == 10  # never more than the lot


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="confidence"):
        make_plan(lot_cells=10, cell_m2=100, limiting_density_per_ha=1, confidence=1.0)
    with pytest.raises(ValueError, match="limiting density"):
        make_plan(lot_cells=10, cell_m2=100, limiting_density_per_ha=0, confidence=0.95)
    with pytest.raises(ValueError, match="binomial plan needs 300 cells but the lot holds 100"):
        make_plan(
            lot_cells=100,
            cell_m2=100,
            limiting_density_per_ha=1,
            confidence=0.95,
            method="binomial",
        )
    with pytest.raises(ValueError, match="unknown method"):
        make_plan(
            lot_cells=10, cell_m2=100, limiting_density_per_ha=1, confidence=0.95, method="magic"
        )
