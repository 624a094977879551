"""One suite for every risk model: the estimator conventions and the physics they must respect."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.evidence.features import FEATURE_NAMES, FEATURES
from landrelease.risk.metrics import area_recall_curve, released_at_recall, score
from landrelease.risk.models import MODELS, PATTERNS, WeightsOfEvidence, make_model

IDX = {n: i for i, n in enumerate(FEATURE_NAMES)}


def synthetic(n: int = 6000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cells whose risk falls with the distance to incidents and to the line of contact."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    for i, f in enumerate(FEATURES):
        X[:, i] = rng.uniform(0, f.scale_m, n) if f.kind == "distance" else rng.exponential(1.0, n)
    X[:, IDX["cover_record"]] = (rng.random(n) < 0.05) * 0.8
    X[:, IDX["cover_cha"]] = rng.random(n) < 0.1
    z = (
        -1.5
        - X[:, IDX["dist_incident"]] / 800
        - X[:, IDX["dist_front_long"]] / 3000
        + 2.5 * X[:, IDX["cover_cha"]]
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int8)
    return X, y


@pytest.mark.parametrize("name", sorted(MODELS))
def test_estimator_conventions(name: str) -> None:
    X, y = synthetic()
    model = make_model(name, seed=1)
    assert not [k for k in vars(model) if k.endswith("_")]  # nothing learned before fit
    assert model.fit(X, y) is model
    assert [k for k in vars(model) if k.endswith("_")]
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert model.contributions(X).shape == X.shape


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_models_learn_the_signal(name: str, seed: int) -> None:
    X, y = synthetic(seed=seed)
    Xt, yt = synthetic(seed=seed + 100)
    s = score(make_model(name, seed=seed).fit(X, y).predict_proba(Xt)[:, 1], yt)
    assert s.roc_auc > 0.7


@pytest.mark.parametrize("name", ["boosted", "evidence"])
def test_closer_to_an_incident_never_lowers_the_risk(name: str) -> None:
    X, y = synthetic()
    model = make_model(name).fit(X, y)
    probe = np.repeat(X[:50], 20, axis=0)
    probe[:, IDX["dist_incident"]] = np.tile(np.linspace(5000, 0, 20), 50)
    p = model.predict_proba(probe)[:, 1].reshape(50, 20)
    assert (np.diff(p, axis=1) >= -1e-12).all()


def test_same_seed_same_model() -> None:
    X, y = synthetic()
    a = make_model("boosted", seed=7).fit(X, y).predict_proba(X)
    b = make_model("boosted", seed=7).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_weights_of_evidence_fall_back_to_expert_weights_without_support() -> None:
    X, y = synthetic()
    X[:, IDX["dist_front_long"]] = 9000  # searched land never near the line of contact
    woe = WeightsOfEvidence(support=100).fit(X, y)
    k = [p.name for p in PATTERNS].index("close_front_long")
    assert woe.w_plus_[k] == pytest.approx(PATTERNS[k].expert_w_plus)
    expert = WeightsOfEvidence().expert()
    assert not expert.learned_
    near = X[:5].copy()
    near[:, IDX["dist_front_long"]] = 100
    assert (expert.predict_proba(near)[:, 1] > expert.predict_proba(X[:5])[:, 1]).all()


def test_unknown_model_is_refused() -> None:
    from landrelease.errors import UsageError

    with pytest.raises(UsageError, match="choose one of"):
        make_model("random_forest")


def test_area_recall_curve_and_released_at_recall() -> None:
    risk = np.array([0.9, 0.8, 0.1, 0.05, 0.01])
    devices = np.array([50.0, 49.0, 1.0, 0.0, 0.0])
    released, kept = area_recall_curve(risk, devices)
    np.testing.assert_allclose(released, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(kept, [1, 1, 1, 0.99, 0.5, 0.0])
    assert released_at_recall(risk, devices, recall=0.99) == pytest.approx(0.6)
    assert released_at_recall(risk, devices, recall=1.0) == pytest.approx(0.4)


def test_survey_rule_refuses_impossible_targets_all_at_once() -> None:
    from landrelease.errors import UsageError
    from landrelease.survey import SurveyRule

    with pytest.raises(UsageError, match=r"target recall 1.5 .*; clearance density 0 "):
        SurveyRule(target_recall=1.5, clearance_devices_per_ha=0)
    assert SurveyRule.from_settings().target_recall == 0.99
    assert SurveyRule.from_settings(max_residual=0.05).max_residual == 0.05


def test_the_evidence_model_reads_the_local_finding_rate_in_steps() -> None:
    """Every half doubling of the local finding rate is a step of the evidence: rates that two
    thresholds used to tie are told apart, in order, by the expert weights and by learned ones."""
    rates = np.array([-2.5, -1.7, -1.2, -0.7, -0.2, 0.2, 0.7, 1.2, 1.7, 2.5], dtype=np.float32)
    X = np.zeros((len(rates), len(FEATURES)), dtype=np.float32)
    for i, f in enumerate(FEATURES):
        X[:, i] = f.scale_m if f.kind == "distance" else 0.0
    X[:, IDX["rate_found"]] = rates
    expert = WeightsOfEvidence().expert().decision_function(X)
    assert (np.diff(expert) > 0).all()
    # the steps' expert weights span what the two steps they replaced spanned (+0.9 to −0.8)
    assert expert[-1] - expert[0] == pytest.approx((0.8 + 0.1) - (-0.6 - 0.2))
    # learned: a device's chance doubling with each doubling of the rate
    rng = np.random.default_rng(0)
    train = np.repeat(X, 2000, axis=0)
    train[:, IDX["rate_found"]] = rng.uniform(-3, 3, len(train))
    chance = 0.1 * 2 ** np.clip(train[:, IDX["rate_found"]], -3, 2) / 4
    y = (rng.random(len(train)) < chance).astype(np.int8)
    learned = WeightsOfEvidence().fit(train, y).decision_function(X)
    assert (np.diff(learned) > 0).all()
    assert len({p.name for p in PATTERNS if p.feature == "rate_found"}) == 9


def test_the_console_says_why_a_baseline_that_ranks_searched_land_better_is_not_used() -> None:
    """The demo's table shows the distance baseline above the evidence model on held-out
    searched land; a person reading it is told why the map still uses the evidence model, with
    what the baseline did where the truth was known, and how to choose it."""
    from landrelease.risk.metrics import BASELINE_IN_WORLDS, Scores, baseline_statement

    def scores(auc: float) -> Scores:
        return Scores(auc, 0.3, 0.1, 0.02, 1000, 50.0)

    text = baseline_statement({"evidence": scores(0.757), "distance": scores(0.825)}, "evidence")
    assert text is not None
    assert "(0.825 against 0.757)" in text and BASELINE_IN_WORLDS in text
    assert "`--model distance`" in text
    assert (
        baseline_statement({"evidence": scores(0.83), "distance": scores(0.82)}, "evidence") is None
    )
    assert baseline_statement({"distance": scores(0.82)}, "distance") is None
    assert baseline_statement({"evidence": scores(0.7)}, "evidence") is None
