"""Transparent multi-criteria priorities: which hazards to release first, and why.

Each criterion is divided by its largest value over the hazards (0–1), times
its weight; the score is the sum, with cost counting against. Every
contribution is kept, so a reader sees why a hazard ranks where it does. The
weights are settings (``priority_weight_*``) or a ``weights.toml``; they are
normalised to sum to 1. :func:`sensitivity` shows how the top of the list moves
when one weight moves by ±25 %.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.errors import UsageError

CRITERIA = ("people", "infrastructure", "farmland", "casualty_risk", "cost")
BENEFIT_CRITERIA = CRITERIA[:4]
COLUMN = {
    "people": "people",
    "infrastructure": "infrastructure",
    "farmland": "farmland_ha",
    "casualty_risk": "casualty_risk",
    "cost": "cost_usd",
}
"""The criteria table's column behind each criterion."""
LABEL = {
    "people": "people able to return",
    "infrastructure": "infrastructure unblocked (units)",
    "farmland": "farmland returned (ha)",
    "casualty_risk": "casualties prevented (per year)",
    "cost": "expected cost (USD)",
}


@dataclass(frozen=True)
class Weights:
    """Weights of the criteria (any scale ≥ 0; normalised to sum 1 when used)."""

    people: float
    infrastructure: float
    farmland: float
    casualty_risk: float
    cost: float

    @classmethod
    def from_settings(cls) -> Weights:
        return cls(**{c: float(settings.get(f"priority_weight_{c}")) for c in CRITERIA})

    @classmethod
    def from_toml(cls, path: Path, *, base: Weights | None = None) -> Weights:
        """Weights from a TOML file (a ``[weights]`` table, or keys at the top); missing ones keep ``base``."""
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"weights file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path.name}: not valid TOML ({exc})") from None
        table = doc.get("weights", doc)
        unknown = sorted(set(table) - set(CRITERIA))
        if unknown:
            raise UsageError(
                f"{path.name}: unknown weight(s) {', '.join(unknown)} (accepted: {', '.join(CRITERIA)})"
            )
        values = asdict(base or cls.from_settings())
        for k, v in table.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise UsageError(f"{path.name}: {k} = {v!r}: not a number")
            values[k] = float(v)
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def normalised(self) -> dict[str, float]:
        """The weights divided by their sum; negative, non-finite or all-zero weights are refused."""
        w = self.as_dict()
        bad = [f"{k} = {v:g}" for k, v in w.items() if not math.isfinite(v) or v < 0]
        if bad:
            raise UsageError(
                f"weights must be numbers ≥ 0: {', '.join(bad)} (a criterion that should count "
                "against a hazard, like cost, already does; give its weight as a positive number)"
            )
        total = sum(w.values())
        if total <= 0:
            raise UsageError(
                "the weights sum to zero: give at least one criterion a positive weight "
                f"({', '.join(CRITERIA)})"
            )
        return {k: v / total for k, v in w.items()}

    def moved(self, criterion: str, factor: float) -> Weights:
        """The same weights with one multiplied by ``factor``."""
        return replace(self, **{criterion: getattr(self, criterion) * factor})


def score_hazards(criteria: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Rank hazards: ``score`` and one ``c_<criterion>`` contribution per criterion, best first."""
    w = weights.normalised()
    out = criteria.copy()
    score = np.zeros(len(out))
    for c in CRITERIA:
        v = pd.to_numeric(out[COLUMN[c]], errors="coerce").fillna(0.0).to_numpy(float)
        v = np.where(np.isfinite(v), v, 0.0)
        top = v.max() if len(v) else 0.0
        norm = v / top if top > 0 else np.zeros(len(v))
        contrib = (-1.0 if c == "cost" else 1.0) * w[c] * norm
        out[f"c_{c}"] = contrib
        score += contrib
    out["score"] = score
    out = out.sort_values(["score", "hazard_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def sensitivity(
    criteria: pd.DataFrame, weights: Weights, *, top_n: int, change: float
) -> pd.DataFrame:
    """How the top ``top_n`` changes when each weight is multiplied by 1 ± ``change``.

    One row per (criterion, direction): the weight after the move (normalised),
    how many of the top stay, which hazards enter and leave, and the largest
    rank move among those that stay.
    """
    base = score_hazards(criteria, weights)
    top = base["hazard_id"].head(top_n).tolist()
    base_rank = dict(zip(base["hazard_id"], base["rank"], strict=True))
    rows = []
    for c in CRITERIA:
        for sign in (1, -1):
            moved = weights.moved(c, 1 + sign * change)
            ranked = score_hazards(criteria, moved)
            new_top = ranked["hazard_id"].head(top_n).tolist()
            new_rank = dict(zip(ranked["hazard_id"], ranked["rank"], strict=True))
            kept = [h for h in top if h in new_top]
            rows.append(
                {
                    "criterion": c,
                    "change": f"{sign * change:+.0%}",
                    "weight": moved.normalised()[c],
                    "kept": len(kept),
                    "of": len(top),
                    "entered": [h for h in new_top if h not in top],
                    "left": [h for h in top if h not in new_top],
                    "largest_move": max((abs(new_rank[h] - base_rank[h]) for h in kept), default=0),
                }
            )
    return pd.DataFrame(rows)
