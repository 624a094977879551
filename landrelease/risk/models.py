"""Risk models with one estimator interface (scikit-learn conventions).

``__init__`` stores parameters, ``fit(X, y, sample_weight)`` returns ``self``,
learned state ends in ``_``, ``predict_proba(X)`` returns an ``(n, 2)`` array
of P(no device), P(at least one device) for each cell, and
``contributions(X)`` returns each feature's push on the log-odds, for
explanations. ``X`` has one column per :data:`~landrelease.evidence.FEATURE_NAMES`.

* :class:`DistanceBaseline` — logistic regression on the log-distance to past
  incidents and findings (the baseline of the RELand study).
* :class:`WeightsOfEvidence` — evidence patterns a field officer can read, each
  with a weight learned from searched land (or an expert weight when there is none).
* :class:`BoostedTrees` — LightGBM with monotone constraints where physics demands
  them (closer to an incident can only raise the risk).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from landrelease.evidence.features import FEATURE_NAMES, FEATURES

_IDX = {n: i for i, n in enumerate(FEATURE_NAMES)}


def _logit(p: np.ndarray | float) -> Any:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _proba(z: np.ndarray) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-z))
    return np.column_stack([1 - p, p])


class DistanceBaseline:
    """P(device) from the log-distance to the nearest incident and the nearest earlier finding."""

    name = "distance"
    columns = ("dist_incident", "dist_finding")

    def __init__(self, *, C: float = 1.0) -> None:
        self.C = C

    def _design(self, X: np.ndarray) -> np.ndarray:
        return np.log1p(X[:, [_IDX[c] for c in self.columns]].astype(np.float64))

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Self:
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(C=self.C, max_iter=500).fit(
            self._design(X), y, sample_weight=sample_weight
        )
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(self._design(X)))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros(X.shape, dtype=np.float64)
        coef = self.model_.coef_[0]
        design = self._design(X)
        for k, c in enumerate(self.columns):
            out[:, _IDX[c]] = coef[k] * (design[:, k] - design[:, k].mean())
        return out


@dataclass(frozen=True)
class Pattern:
    """A yes/no piece of evidence read off one feature."""

    name: str
    feature: str
    above: bool
    threshold: float
    words_yes: str
    words_no: str
    expert_w_plus: float
    """Log-odds weight when present, used without searched land to learn from."""
    expert_w_minus: float
    versus: str | None = None
    """Read the feature's excess over this one (e.g. how much nearer clean land is than a find)."""

    def present(self, X: np.ndarray) -> np.ndarray:
        v = X[:, _IDX[self.feature]]
        if self.versus is not None:
            v = v - X[:, _IDX[self.versus]]
        return v > self.threshold if self.above else v <= self.threshold


def _rate_pattern(
    name: str, threshold: float, ratio: str, expert_w_plus: float, expert_w_minus: float
) -> Pattern:
    """A step of the local finding rate: log₂ of its ratio to the programme's average above
    ``threshold`` (or, below 0, at most ``threshold``)."""
    above = threshold >= 0
    side = "more than" if above else "under"
    return Pattern(
        name,
        "rate_found",
        above,
        threshold,
        f"land searched nearby held {side} {ratio} the programme's average of finds per hectare",
        f"land searched nearby did not hold {side} {ratio} the programme's average of finds",
        expert_w_plus,
        expert_w_minus,
    )


RATE_PATTERNS: tuple[Pattern, ...] = (
    # the local finding rate (finds per hectare searched around the cell, against the
    # programme's average) in steps of half a doubling: a rate is a graded piece of evidence,
    # and two steps alone tied most of the land (docs/decisions/0034); the expert weights of
    # the steps add up to those of the two steps they replace
    _rate_pattern("find_rate_x4", 2.0, "4 ×", 0.2, -0.05),
    _rate_pattern("find_rate_x2_8", 1.5, "2.8 ×", 0.2, -0.05),
    _rate_pattern("high_find_rate", 1.0, "2 ×", 0.2, -0.05),
    _rate_pattern("find_rate_x1_4", 0.5, "1.4 ×", 0.1, -0.05),
    _rate_pattern("find_rate_above_average", 0.0, "1 ×", 0.1, 0.0),
    _rate_pattern("find_rate_under_0_7", -0.5, "0.7 ×", -0.1, 0.0),
    _rate_pattern("find_rate_under_half", -1.0, "0.5 ×", -0.15, 0.05),
    _rate_pattern("low_find_rate", -1.5, "0.35 ×", -0.15, 0.05),
    _rate_pattern("find_rate_under_quarter", -2.0, "0.25 ×", -0.2, 0.0),
)


PATTERNS: tuple[Pattern, ...] = (
    # name, feature, above?, threshold, words when present, words when absent, expert W+, expert W−
    Pattern(
        "near_incident",
        "dist_incident",
        False,
        500,
        "an incident happened within 500 m",
        "no incident within 500 m",
        2.0,
        -0.3,
    ),
    Pattern(
        "incident_2km",
        "dist_incident",
        False,
        2000,
        "an incident happened within 2 km",
        "no incident within 2 km",
        0.7,
        -0.5,
    ),
    Pattern(
        "close_finding",
        "dist_finding",
        False,
        60,
        "devices were found within 60 m",
        "no device found within 60 m",
        2.0,
        -0.2,
    ),
    Pattern(
        "near_finding",
        "dist_finding",
        False,
        250,
        "devices were found within 250 m",
        "no device found within 250 m",
        1.5,
        -0.4,
    ),
    Pattern(
        "finding_1km",
        "dist_finding",
        False,
        1000,
        "devices were found within 1 km",
        "no device found within 1 km",
        0.8,
        -0.8,
    ),
    Pattern(
        "finding_3km",
        "dist_finding",
        False,
        3000,
        "devices were found within 3 km",
        "no device found within 3 km",
        0.5,
        -0.7,
    ),
    # negative evidence: which is nearer, land searched without a find or a find (the
    # nearest-outcome rule), so that clean land speaks only where it outweighs the finds
    Pattern(
        "clean_nearer",
        "dist_clean",
        False,
        0,
        "land searched clean lies nearer than any find",
        "finds lie nearer than any land searched clean",
        -0.7,
        0.3,
        versus="dist_finding",
    ),
    Pattern(
        "clean_much_nearer",
        "dist_clean",
        False,
        -1000,
        "land searched clean lies at least 1 km nearer than any find",
        "no land searched clean 1 km nearer than the finds",
        -0.5,
        0.1,
        versus="dist_finding",
    ),
    *RATE_PATTERNS,
    Pattern(
        "in_reliable_record",
        "cover_record",
        True,
        0.3,
        "inside a minefield record from a source that proved reliable",
        "outside any reliable minefield record",
        2.5,
        -0.2,
    ),
    Pattern(
        "near_record",
        "dist_record",
        False,
        200,
        "within 200 m of a minefield record",
        "more than 200 m from any minefield record",
        1.2,
        -0.3,
    ),
    Pattern(
        "close_defensive",
        "dist_defensive",
        False,
        100,
        "within 100 m of former trenches or strongpoints",
        "no former defensive position within 100 m",
        1.0,
        -0.1,
    ),
    Pattern(
        "near_defensive",
        "dist_defensive",
        False,
        300,
        "within 300 m of former trenches or strongpoints",
        "no former defensive position within 300 m",
        1.0,
        -0.3,
    ),
    Pattern(
        "defensive_1km",
        "dist_defensive",
        False,
        1000,
        "within 1 km of former defensive positions",
        "no former defensive position within 1 km",
        0.5,
        -0.5,
    ),
    Pattern(
        "close_front_long",
        "dist_front_long",
        False,
        500,
        "within 500 m of the long-held line of contact",
        "more than 500 m from the long-held line of contact",
        1.0,
        -0.2,
    ),
    Pattern(
        "near_front_long",
        "dist_front_long",
        False,
        1500,
        "within 1.5 km of the long-held line of contact",
        "more than 1.5 km from the long-held line of contact",
        1.0,
        -0.5,
    ),
    Pattern(
        "front_long_3km",
        "dist_front_long",
        False,
        3000,
        "within 3 km of the long-held line of contact",
        "more than 3 km from the long-held line of contact",
        0.5,
        -0.8,
    ),
    Pattern(
        "near_front_recent",
        "dist_front_recent",
        False,
        1000,
        "within 1 km of a front line of the last war",
        "more than 1 km from the last war's front lines",
        0.8,
        -0.2,
    ),
    Pattern(
        "testimony",
        "dens_testimony",
        True,
        2.0,
        "witnesses suspect explosive ordnance here",
        "no witness suspects this place",
        1.0,
        -0.1,
    ),
    Pattern(
        "clear_testimony",
        "dens_clear_testimony",
        True,
        2.0,
        "witnesses say this land is used safely",
        "no witness has vouched for this land",
        -1.0,
        0.0,
    ),
    Pattern(
        "in_cha",
        "cover_cha",
        True,
        0.5,
        "inside a confirmed hazardous area",
        "not in a confirmed hazardous area",
        1.5,
        0.0,
    ),
)
"""The pieces of evidence a field officer reads; expert weights are log-odds from the literature and field practice
(docs/risk.md), used as they are without searched land and as the prior that learned weights are shrunk towards."""


class WeightsOfEvidence:
    """Prior log-odds plus one weight per piece of evidence present or absent.

    W⁺ = ln P(evidence | device) / P(evidence | no device) and W⁻ likewise for
    its absence, from searched land with add-``smoothing`` counts, then shrunk
    towards the expert weight in proportion to the evidence behind it: a
    weight learned from ``support`` cells with devices counts half. Searched
    land is not a random sample — programmes search near towns and roads
    first, rarely along the old line of contact — so where it says little the
    expert's weight stands. Without searched land, :meth:`expert` uses the
    expert weights alone.
    """

    name = "evidence"

    def __init__(
        self, *, smoothing: float = 0.5, prior: float = 0.03, support: float = 100.0
    ) -> None:
        self.smoothing = smoothing
        self.prior = prior
        self.support = support

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Self:
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        pos, neg = y == 1, y == 0
        n_pos, n_neg = w[pos].sum(), w[neg].sum()
        a = self.smoothing
        self.prior_logit_ = float(_logit((n_pos + a) / (n_pos + n_neg + 2 * a)))
        plus, minus = [], []
        for pat in PATTERNS:
            b = pat.present(X)
            bp, bn = w[pos & b].sum(), w[neg & b].sum()
            learned_plus = np.log(((bp + a) / (n_pos + 2 * a)) / ((bn + a) / (n_neg + 2 * a)))
            learned_minus = np.log(
                ((n_pos - bp + a) / (n_pos + 2 * a)) / ((n_neg - bn + a) / (n_neg + 2 * a))
            )
            trust_plus = bp / (bp + self.support)
            trust_minus = (n_pos - bp) / (n_pos - bp + self.support)
            plus.append(trust_plus * learned_plus + (1 - trust_plus) * pat.expert_w_plus)
            minus.append(trust_minus * learned_minus + (1 - trust_minus) * pat.expert_w_minus)
        self.w_plus_ = np.array(plus)
        self.w_minus_ = np.array(minus)
        self.learned_ = True
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The log-odds of a device in each cell."""
        return np.asarray(self.prior_logit_ + self.pattern_weights(X).sum(axis=1))

    def expert(self) -> Self:
        """Weights from the literature when there is no searched land to learn from."""
        self.prior_logit_ = float(_logit(self.prior))
        self.w_plus_ = np.array([p.expert_w_plus for p in PATTERNS])
        self.w_minus_ = np.array([p.expert_w_minus for p in PATTERNS])
        self.learned_ = False
        return self

    def state(self) -> dict[str, Any]:
        """The fitted weights as plain JSON values, kept with a stored risk run."""
        return {
            "smoothing": self.smoothing,
            "prior": self.prior,
            "support": self.support,
            "prior_logit": self.prior_logit_,
            "w_plus": [float(v) for v in self.w_plus_],
            "w_minus": [float(v) for v in self.w_minus_],
            "learned": bool(self.learned_),
            "patterns": [p.name for p in PATTERNS],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> WeightsOfEvidence:
        """The model as :meth:`state` kept it (refused if the evidence patterns changed since)."""
        if list(state.get("patterns", [])) != [p.name for p in PATTERNS]:
            raise ValueError("the weights were fitted on other evidence patterns")
        model = cls(smoothing=state["smoothing"], prior=state["prior"], support=state["support"])
        model.prior_logit_ = float(state["prior_logit"])
        model.w_plus_ = np.asarray(state["w_plus"], dtype=float)
        model.w_minus_ = np.asarray(state["w_minus"], dtype=float)
        model.learned_ = bool(state["learned"])
        return model

    def pattern_weights(self, X: np.ndarray) -> np.ndarray:
        """(n, n_patterns) log-odds contributions."""
        present = np.column_stack([p.present(X) for p in PATTERNS])
        return np.where(present, self.w_plus_, self.w_minus_)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _proba(self.decision_function(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros(X.shape, dtype=np.float64)
        pw = self.pattern_weights(X)
        for k, p in enumerate(PATTERNS):
            out[:, _IDX[p.feature]] += pw[:, k]
        return out


class BoostedTrees:
    """Gradient-boosted trees (LightGBM) with monotone constraints, boosting from the evidence model.

    The trees start from the weights-of-evidence log-odds (LightGBM's
    ``init_score``) and learn corrections where searched land shows them; where
    searched land says nothing (the old front line, rarely searched yet) the
    evidence model's judgement stands instead of an extrapolated leaf.
    """

    name = "boosted"

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 50,
        random_state: int = 0,
        n_jobs: int = 2,
        prior: float = 0.03,
    ) -> None:
        self.prior = prior
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Self:
        import lightgbm as lgb

        self.base_ = WeightsOfEvidence(prior=self.prior).fit(X, y, sample_weight=sample_weight)
        self.model_ = lgb.LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.9,
            reg_lambda=1.0,
            monotone_constraints=[f.monotone for f in FEATURES],
            monotone_constraints_method="intermediate",
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        ).fit(X, y, sample_weight=sample_weight, init_score=self.base_.decision_function(X))
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.base_.decision_function(X) + self.model_.predict(X, raw_score=True))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _proba(self.decision_function(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        contrib = np.asarray(self.model_.predict(X, pred_contrib=True))
        return contrib[:, :-1] + self.base_.contributions(X)


MODELS: dict[str, type] = {
    "distance": DistanceBaseline,
    "evidence": WeightsOfEvidence,
    "boosted": BoostedTrees,
}


def make_model(name: str, *, seed: int = 0, prior: float = 0.03) -> Any:
    """A fresh, unfitted model by name."""
    from landrelease.errors import UsageError

    if name not in MODELS:
        raise UsageError(f"unknown risk model {name!r}; choose one of {', '.join(MODELS)}")
    if name == "boosted":
        return BoostedTrees(random_state=seed, prior=prior)
    if name == "evidence":
        return WeightsOfEvidence(prior=prior)
    return DistanceBaseline()
