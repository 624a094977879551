"""How unlike the searched land the active hazards are, on the evidence a field officer reads."""

from __future__ import annotations

import numpy as np

from landrelease.risk.shift import Representativeness, representativeness, sampled


def _pieces(rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    return rng.random((n, len(p))) < p


def test_land_like_the_searched_land_is_alike() -> None:
    rng = np.random.default_rng(1)
    p = np.linspace(0.1, 0.6, 12)
    r = representativeness(_pieces(rng, 6000, p), np.ones(6000), _pieces(rng, 6000, p), seed=0)
    assert r is not None and 0.45 < r.auc < 0.56 and r.unseen_share < 0.05 and not r.unlike
    assert "rest on land like" in r.statement() and r.caveat() == ""


def test_land_with_evidence_never_searched_is_unlike_and_says_so() -> None:
    rng = np.random.default_rng(2)
    searched = _pieces(rng, 6000, np.full(12, 0.2))
    active = _pieces(rng, 6000, np.full(12, 0.2))
    active[:, 0] = True  # e.g. on the old front line: never searched
    searched[:, 0] = False
    r = representativeness(searched, np.ones(6000), active, seed=0)
    assert r is not None and r.auc > 0.95 and r.unseen_share > 0.9 and r.unlike
    assert "extrapolated" in r.caveat() and "extrapolates" in r.statement()
    # measured both ways in generated worlds: the caveat must not promise a direction
    assert "too low or too high" in r.caveat() and "either way" in r.statement()
    assert Representativeness.from_state(r.state()) == r


def test_the_warning_and_each_decision_state_the_same_measure_of_unlike_land() -> None:
    # the share is of active land beyond 99 % of the searched cells, not beyond all of them:
    # the run's warning and the clause each decision carries say so alike
    r = Representativeness(auc=0.92, unseen_share=0.51, active_cells=100, searched_cells=100)
    assert "51% of their land shows evidence beyond that of 99 % of the searched land" in (
        r.statement()
    )
    assert "(told apart at ROC-AUC 0.92; 51% of it beyond that of 99 % of the searched land)" in (
        r.caveat()
    )
    assert "beyond any" not in r.caveat()
    assert (
        "in generated worlds as unlike as this, from about a seventh to more than twice"
        in r.statement()
    )
    # what the benchmark measured of cancelled land in such worlds, and the cautious step
    assert "in 9 of 43 generated worlds as unlike as this" in r.statement().lower()
    assert "so search the sample before the land is released" in r.caveat()


def test_the_sample_of_cells_does_not_depend_on_tiling() -> None:
    rows, cols = np.divmod(np.arange(200 * 300), 300)
    whole = sampled(rows, cols)
    assert 0.03 < whole.mean() < 0.05
    top = sampled(rows[: 100 * 300], cols[: 100 * 300])
    np.testing.assert_array_equal(top, whole[: 100 * 300])
