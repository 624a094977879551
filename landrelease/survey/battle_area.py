"""Battle-area clearance: land where the evidence around it says only unexploded ordnance is expected.

Battle-area clearance (BAC, IMAS 09.11) searches land where fighting left unexploded
and abandoned ordnance (shells, rockets, cluster submunitions) but no mines were laid:
a detector sweep of the surface and a shallow depth, without the drills of mine
clearance, much cheaper per m². A part the map sends to technical survey or clearance
is recommended for battle-area clearance when (settings ``survey_bac_*``):

* within ``survey_bac_radius_m`` of it lie at least ``survey_bac_min_finds`` findings,
  and at least ``survey_bac_uxo_share`` of them are ordnance
  (:data:`~landrelease.domain.vocab.ORDNANCE_DEVICES`), not mines or IEDs
  (:data:`~landrelease.domain.vocab.VICTIM_OPERATED_DEVICES`; a finding of no known
  type counts against);
* no minefield record touches it;
* no former defensive position (trench, strongpoint, firing position) lies within
  ``survey_bac_defensive_m``, and no long-held line of contact within
  ``survey_bac_front_m``: where a line was held, mines were laid.

Measured on the small scenario (seed 1) against its ground truth: with 95 % UXO and 5
finds, 10 of 33 parts sent to BAC still held mines or IEDs (170); with the defaults
(every find UXO, at least 10, 3 km from the long-held front) 1 of 9 parts did (17 of
646 items). The evidence of finds cannot rule mines out: every BAC part says that
teams stop and switch to mine clearance at the first mine.

Everything is counted for all parts at once with spatial-index queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from landrelease import settings
from landrelease.domain.vocab import ORDNANCE_DEVICES
from landrelease.errors import UsageError
from landrelease.evidence.sources import EvidenceSet

DECISION = "battle_area_clearance"


@dataclass(frozen=True)
class BattleAreaRule:
    """When a part's surroundings say only unexploded ordnance is expected (settings ``survey_bac_*``)."""

    radius_m: float = 1000.0
    min_finds: int = 10
    uxo_share: float = 1.0
    defensive_m: float = 300.0
    front_m: float = 3000.0

    def __post_init__(self) -> None:
        problems = []
        if self.radius_m <= 0:
            problems.append(f"battle-area radius {self.radius_m} m must be above 0")
        if self.min_finds < 1:
            problems.append(f"battle-area minimum of finds {self.min_finds} must be at least 1")
        if not 0 < self.uxo_share <= 1:
            problems.append(f"battle-area UXO share {self.uxo_share} must be above 0 and at most 1")
        if self.front_m < 0:
            problems.append(
                f"battle-area distance to the long-held front {self.front_m} m must not be negative"
            )
        if self.defensive_m < 0:
            problems.append(
                f"battle-area distance to defensive positions {self.defensive_m} m must not be negative"
            )
        if problems:
            raise UsageError("; ".join(problems))

    @classmethod
    def from_settings(cls) -> BattleAreaRule:
        return cls(
            radius_m=float(settings.get("survey_bac_radius_m")),
            min_finds=int(settings.get("survey_bac_min_finds")),
            uxo_share=float(settings.get("survey_bac_uxo_share")),
            defensive_m=float(settings.get("survey_bac_defensive_m")),
            front_m=float(settings.get("survey_bac_front_m")),
        )

    def describe(self) -> str:
        return (
            f"battle-area clearance where at least {self.min_finds:,} finds within "
            f"{self.radius_m:,.0f} m are {self.uxo_share:.0%} UXO"
        )


@dataclass(frozen=True)
class BattleAreaEvidence:
    """What lies around each part (arrays over the parts, in the order given)."""

    finds: np.ndarray
    """Findings within the radius."""
    ordnance: np.ndarray
    """…of which unexploded or abandoned ordnance."""
    on_record: np.ndarray
    """A minefield record touches the part."""
    defensive: np.ndarray
    """A former defensive position lies within ``defensive_m``."""
    front: np.ndarray
    """A long-held line of contact lies within ``front_m``."""
    rule: BattleAreaRule

    @property
    def eligible(self) -> np.ndarray:
        """Parts where only unexploded ordnance is expected."""
        r = self.rule
        return (
            (self.finds >= r.min_finds)
            & (self.ordnance >= r.uxo_share * self.finds)
            & ~self.on_record
            & ~self.defensive
            & ~self.front
        )

    def words(self) -> list[str]:
        """The evidence of each part in words (meant for the eligible ones)."""
        r = self.rule
        radius = f"{r.radius_m / 1000:g} km" if r.radius_m >= 1000 else f"{r.radius_m:,.0f} m"
        out = []
        for n, uxo in zip(self.finds.tolist(), self.ordnance.tolist(), strict=True):
            mines = n - uxo
            if mines == 0:
                head, what = "only UXO", "none a mine"
            else:
                head = "almost only UXO"
                what = f"{mines:,} a mine, an IED or of no known type ({uxo / n:.0%} UXO)"
            out.append(
                f"{head} found nearby: {n:,} finds within {radius}, {what}; "
                "no minefield record, no defensive position, far from the long-held front"
            )
        return out


def battle_area_evidence(
    geoms: np.ndarray, evidence: EvidenceSet, rule: BattleAreaRule
) -> BattleAreaEvidence:
    """Count, for each part geometry (metric CRS of ``evidence``), the findings around it, the
    ordnance among them, and whether a minefield record or a defensive position is near."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    finds = np.zeros(n, np.int64)
    ordnance = np.zeros(n, np.int64)
    f = evidence.findings
    if n and len(f):
        tree = shapely.STRtree(f.geometry.values.to_numpy())
        part, hit = tree.query(geoms, predicate="dwithin", distance=rule.radius_m)
        is_uxo = f["device"].isin(ORDNANCE_DEVICES).to_numpy()
        finds = np.bincount(part, minlength=n)
        ordnance = np.bincount(part, weights=is_uxo[hit], minlength=n).astype(np.int64)
    return BattleAreaEvidence(
        finds=finds,
        ordnance=ordnance,
        on_record=_near(geoms, evidence.group("records").geoms, 0.0),
        defensive=_near(geoms, evidence.group("positions_defensive").geoms, rule.defensive_m),
        front=_near(geoms, evidence.group("front_long").geoms, rule.front_m),
        rule=rule,
    )


def _near(geoms: np.ndarray, others: np.ndarray, distance: float) -> np.ndarray:
    """Which of ``geoms`` lie within ``distance`` of any of ``others`` (0: touch them)."""
    out = np.zeros(len(geoms), bool)
    if not len(geoms) or not len(others):
        return out
    tree = shapely.STRtree(others)
    if distance > 0:
        part, _ = tree.query(geoms, predicate="dwithin", distance=distance)
    else:
        part, _ = tree.query(geoms, predicate="intersects")
    out[part] = True
    return out
