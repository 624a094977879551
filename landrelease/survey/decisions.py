"""Land-release recommendations: every active hazard split into cancel, technical survey and clearance.

The rule, with thresholds as settings:

* **clearance** where the expected device density reaches
  ``survey_clearance_devices_per_ha``;
* **cancel** the least risky land, as much as the target allows: either
  (default) across all hazards so that the land kept for technical survey and
  clearance holds ``survey_target_recall`` of the devices — counting the
  share of the devices left in cancelled land at its *upper bound* (setting
  ``risk_bound_level``, 90 %), the share the map expects there multiplied by
  how far, on held-out spatial blocks, land at that level of risk held a larger
  share of the devices found than the map expected there
  (:mod:`landrelease.risk.errors`) — or, when
  ``survey_max_residual`` is set, per hazard while the probability that any
  device remains in the cancelled land stays below it;
* **technical survey** for the rest;
* then, part by part, **battle-area clearance** for a technical-survey or clearance part
  whose surroundings say only unexploded ordnance is expected (many finds nearby, all
  or nearly all UXO; no minefield record, no defensive position:
  :mod:`landrelease.survey.battle_area`). It is a refinement of drawn parts, not a
  decision of cells; a hazard keeps one part per decision.

Islands smaller than ``survey_min_part_m2`` take the stricter neighbouring
decision (a cancelled sliver inside surveyed land is surveyed). Each part
carries its expected devices, the probability that any device lies in it, the
evidence that drove it in words, and a statement of confidence; a cancelled
part also carries its bound (``devices_bound``). Without out-of-sample errors
to bound from, no land is cancelled (:func:`cancellation_support`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from scipy import ndimage

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.evidence.depth import shallow_words
from landrelease.evidence.features import feature, point_features
from landrelease.evidence.grid import Grid, HazardCells
from landrelease.evidence.sources import EvidenceSet, searched_clean
from landrelease.risk.errors import ResidualErrors
from landrelease.risk.landuse import LandUseEffect, exposure
from landrelease.risk.models import PATTERNS
from landrelease.risk.run import RiskRun
from landrelease.risk.store import RiskMap, load_risk_map
from landrelease.store import Workspace, WorkspaceView
from landrelease.survey.battle_area import DECISION as BAC
from landrelease.survey.battle_area import BattleAreaRule, battle_area_evidence
from landrelease.survey.confirm import ConfirmationRule, plan_confirmation
from landrelease.survey.limit import cancellation_limit

DECISIONS = ("cancel", "technical_survey", "clearance", BAC)
"""Every decision a part may carry; the first three are also decisions of cells (codes below)."""
DECISION_LABELS = {
    "cancel": "cancel",
    "technical_survey": "technical survey",
    "clearance": "clearance",
    BAC: "battle-area clearance",
}
CANCEL, SURVEY, CLEAR = 0, 1, 2
SAMPLES_PER_PART = 24


@dataclass(frozen=True)
class SurveyRule:
    target_recall: float = 0.99
    max_residual: float = 0.0
    """If above 0, cancel per hazard while P(any device in the cancelled land) stays below it."""
    clearance_devices_per_ha: float = 2.0
    min_part_m2: float = 2500.0
    seed: int = 0
    allow_expert_cancellation: bool = False
    """Cancel even where the map could not measure its errors on land it did not learn from
    (expert weights, too little searched land); recorded with the run and shown on every part."""
    battle_area: BattleAreaRule = field(default_factory=BattleAreaRule)
    """When a surveyed or cleared part is searched as a battle area instead."""
    backtest_tolerance: float = 0.2
    """A backtest whose teams found more devices than the map expected withholds cancelling only
    beyond this share more (the confirmation sample checks the cancelled land itself)."""
    confirmation: ConfirmationRule = field(default_factory=ConfirmationRule)
    """The sample of cancelled land searched before it is released."""

    def __post_init__(self) -> None:
        problems = []
        if not 0.5 <= self.target_recall < 1:
            problems.append(
                f"target recall {self.target_recall} must be at least 0.5 and below 1 (e.g. 0.99)"
            )
        if not 0 <= self.max_residual < 1:
            problems.append(
                f"max residual {self.max_residual} must be a probability from 0 to below 1 (e.g. 0.05)"
            )
        if self.clearance_devices_per_ha <= 0:
            problems.append(
                f"clearance density {self.clearance_devices_per_ha} must be above 0 devices/ha"
            )
        if self.min_part_m2 < 0:
            problems.append(f"minimum part {self.min_part_m2} m² must not be negative")
        if problems:
            raise UsageError("; ".join(problems))

    @classmethod
    def from_settings(
        cls,
        *,
        target_recall: float | None = None,
        max_residual: float | None = None,
        clearance_devices_per_ha: float | None = None,
        allow_expert_cancellation: bool = False,
    ) -> SurveyRule:
        """The rule of the settings registry, with any value given here instead."""

        def pick(value: float | None, name: str) -> float:
            return float(settings.get(name)) if value is None else value

        return cls(
            target_recall=pick(target_recall, "survey_target_recall"),
            max_residual=pick(max_residual, "survey_max_residual"),
            clearance_devices_per_ha=pick(
                clearance_devices_per_ha, "survey_clearance_devices_per_ha"
            ),
            min_part_m2=float(settings.get("survey_min_part_m2")),
            seed=int(settings.get("risk_seed")),
            allow_expert_cancellation=allow_expert_cancellation,
            battle_area=BattleAreaRule.from_settings(),
            backtest_tolerance=float(settings.get("survey_backtest_tolerance")),
            confirmation=ConfirmationRule.from_settings(),
        )

    def describe(self) -> str:
        if self.max_residual > 0:
            text = f"cancel per hazard while the chance of any device left stays below {self.max_residual:.1%}"
        else:
            text = (
                f"keep {self.target_recall:.1%} of the expected devices in surveyed or cleared land"
            )
        if self.allow_expert_cancellation:
            text += "; cancellation allowed without measured errors (expert weights)"
        return f"{text}; {self.battle_area.describe()}"


def cancellation_support(
    *,
    fallback: bool,
    training: dict[str, int],
    cross_validated: bool,
    errors: ResidualErrors | None = None,
) -> str | None:
    """Why land may not be cancelled on this map (``None``: it may).

    Cancelling is a promise about land nobody searched; it holds only where the map learned
    from enough searched land, with and without finds, and measured its errors on spatial
    blocks it did not learn from (settings ``survey_min_searched_cells``,
    ``survey_min_activities``, ``survey_min_found_cells``).
    """
    searched = int(training.get("searched_cells", 0))
    found = int(training.get("positive_cells", 0))
    if fallback or searched == 0:
        return (
            "no searched land with and without finds to learn from: the map rests on expert "
            "weights whose errors are unknown"
        )
    if searched < int(settings.get("survey_min_searched_cells")):
        return (
            f"the map learned from only {searched:,} searched cells (fewer than "
            f"survey_min_searched_cells, {int(settings.get('survey_min_searched_cells')):,})"
        )
    activities = training.get("activities")
    if activities is not None and int(activities) < int(settings.get("survey_min_activities")):
        return (
            f"the searched land comes from only {int(activities):,} technical surveys and "
            f"clearances (fewer than survey_min_activities, "
            f"{int(settings.get('survey_min_activities')):,}): too few to measure the map's errors"
        )
    if found < int(settings.get("survey_min_found_cells")):
        return (
            f"only {found:,} searched cells held a device (fewer than survey_min_found_cells, "
            f"{int(settings.get('survey_min_found_cells')):,}): too few to measure the map's errors"
        )
    if not cross_validated:
        return (
            "the map could not be cross-validated (its searched land lies in one spatial block), "
            "so its errors on land it did not learn from are unknown"
        )
    if errors is None or not len(errors.expected) or errors.expected[-1] <= 0:
        return (
            "the map kept no errors measured on held-out land, so the devices left in "
            "cancelled land cannot be bounded (run `landrelease risk` again)"
        )
    return None


def backtest_support(
    backtest: Mapping[str, Any] | None, *, model: str, tolerance: float = 0.0
) -> str | None:
    """Why the programme's own backtest forbids cancelling (``None``: it does not, or there is
    none). ``backtest`` is the latest kept backtest (:func:`~landrelease.survey.store.latest_backtest`).

    Two findings withhold cancellation: teams found more devices after the backtest's day than
    the map fitted on that day expected, beyond what chance explains and by more than
    ``tolerance`` (a share: the map was too low on land it had not learned from); or they found
    more devices in land the decisions would have cancelled than the bound stated for it then.
    Only a backtest of the same ``model`` counts.
    """
    if not backtest or backtest.get("model") != model:
        return None
    totals = backtest.get("summary") or {}
    day = backtest.get("as_of") or "its day"
    run = backtest.get("fid")
    named = f"the backtest as of {day}" + (f" (backtest run {run})" if run is not None else "")
    found, bound = totals.get("found_in_cancelled"), totals.get("bound_in_cancelled")
    if found is not None and bound is not None and found > bound:
        return (
            f"{named} found {found:,} devices in land the decisions would have cancelled, more "
            f"than the bound stated for it then ({bound:,.1f}): the bounds did not hold on the "
            "programme's own later work"
        )
    found_all = float(totals.get("found_devices", 0))
    expected_all = float(totals.get("expected_found", 0.0))
    if totals.get("verdict") == "under" and found_all > expected_all * (1 + tolerance):
        return (
            f"in {named} teams found {int(totals.get('found_devices', 0)):,} devices where the "
            f"map expected {float(totals.get('expected_found', 0.0)):,.0f}, more than chance "
            "explains: the map was too low on land it had not learned from"
        )
    return None


@dataclass
class SurveyResult:
    parts: gpd.GeoDataFrame
    """One row per part (EPSG:4326): part_id, hazard_id, decision, area_m2, expected_devices,
    devices_bound (cancelled parts; NaN for the others), p_any_device, devices_per_ha,
    evidence, confidence, geometry."""
    rule: SurveyRule
    summary: dict[str, Any] = field(default_factory=dict)
    risk_run_id: int | None = None
    """The stored risk run the decisions were made from (``None``: a map computed in memory)."""
    sites: gpd.GeoDataFrame | None = None
    """The confirmation sample's sites in the cancelled parts (EPSG:4326; ``None``: nothing
    cancelled with a bound): site_id, part_id, hazard_id, searched, devices_found, geometry."""


def cell_decisions(
    p: np.ndarray,
    lam: np.ndarray,
    hazard: np.ndarray,
    *,
    rule: SurveyRule,
    cell_area_m2: float,
    errors: ResidualErrors | None = None,
) -> tuple[np.ndarray, float]:
    """Decision code per hazard cell, and the probability threshold used for cancelling (recall rule).

    ``p``, ``lam`` and ``hazard`` are aligned 1-D arrays over the cells inside hazards. With
    ``errors``, the recall rule cancels the least risky cells only while the *bound* on the
    share of the devices left (their expected share × how far held-out land at that risk held
    a larger share of the devices found than the map expected, :meth:`ResidualErrors.rule_factor`)
    stays within the share the target allows. A ladder kept without the relative ratio bounds
    the count and the total apart, as runs kept before it did.
    """
    code = np.full(len(p), SURVEY, dtype=np.int8)
    code[lam * (1e4 / cell_area_m2) >= rule.clearance_devices_per_ha] = CLEAR
    threshold = float("nan")
    if rule.max_residual > 0:
        order = np.lexsort((p, hazard))
        # the chance that any device remains: 1 − Π(1 − p) (whatever the devices per cell)
        h, none_sorted = hazard[order], -np.log1p(-np.clip(p[order], 0.0, 1 - 1e-12))
        cum = np.cumsum(none_sorted)
        starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
        base = np.repeat(np.r_[0.0, cum[starts[1:] - 1]], np.diff(np.r_[starts, len(h)]))
        within = cum - base
        ok = 1 - np.exp(-within) <= rule.max_residual
        code[order[ok & (code[order] != CLEAR)]] = CANCEL
    else:
        order = np.argsort(p, kind="stable")
        cum = np.cumsum(lam[order])
        allowed = (1 - rule.target_recall) * lam.sum()
        if errors is None:
            n = int(np.searchsorted(cum, allowed, side="right"))
        else:
            n = errors.cancellable(p[order], cum, allowed)
        chosen = order[:n]
        code[chosen[code[chosen] != CLEAR]] = CANCEL
        threshold = float(p[order[n - 1]]) if n else 0.0
    return code, threshold


def _clean(code: np.ndarray, inside: np.ndarray, min_cells: int) -> np.ndarray:
    """Islands of a decision smaller than ``min_cells`` take the stricter decision next to them."""
    out = code.copy()
    for level in (CANCEL, SURVEY):
        labels, n = ndimage.label((out == level) & inside)
        if not n:
            continue
        sizes = np.bincount(labels.ravel())
        small = np.flatnonzero(sizes < min_cells)
        small = small[small > 0]
        if len(small):
            out[np.isin(labels, small)] = level + 1
    return out


def decide(
    run: RiskRun | RiskMap, rule: SurveyRule, *, backtest: Mapping[str, Any] | None = None
) -> SurveyResult:
    """Split every active hazard of the risk map into parts with a recommended decision.

    ``run`` is a map just computed (:func:`~landrelease.risk.pipeline.compute_risk`) or one
    read back from the workspace (:func:`~landrelease.risk.store.load_risk_map`); both give
    the same parts. A hazard's cells are those of the rule the map's per-hazard figures use
    (:class:`~landrelease.evidence.grid.HazardCells`). ``backtest``: the latest backtest kept
    in the workspace; a map that failed it cancels nothing (:func:`backtest_support`).
    """
    g = run.grid
    cells = run.computer.hazard_cells if run.computer is not None else None
    if cells is None:
        cells = HazardCells(run.evidence.hazards.geometry.values.to_numpy(), g)
    rows, cols, ids = cells.cells(tile_cells=int(settings.get("risk_tile_cells")))
    p = np.nan_to_num(run.probability[rows, cols].astype(np.float64), nan=0.0)
    lam = np.nan_to_num(run.expected[rows, cols].astype(np.float64), nan=0.0)
    code, threshold = cell_decisions(
        p, lam, ids, rule=rule, cell_area_m2=g.cell_area_m2, errors=run.errors
    )
    withheld = _withheld(run, rule, backtest)
    if withheld is not None:
        code[code == CANCEL] = SURVEY
    records, samples_x, samples_y = _parts(run, rule, (rows, cols, ids), code)
    parts = _parts_frame(records, g.crs)
    if len(parts):
        parts["evidence"] = _explain(run, parts, samples_x, samples_y)
        parts = battle_area_parts(parts, run.evidence, rule.battle_area)
        before = parts["evidence"].to_numpy()
        parts["evidence"] = _with_land_use(parts, run.evidence, run.land_use)
        in_use = parts["evidence"].to_numpy() != before
        within_m = (
            run.computer.coarse.rate_sigma_m
            if run.computer is not None
            else feature("rate_found").scale_m
        )
        parts["evidence"] = _with_shallow_search(parts, run.evidence, within_m=within_m)
        parts["devices_per_ha"] = parts["expected_devices"] / (parts["area_m2"] / 1e4)
        parts["devices_bound"] = _bounds(parts, run.errors)
        parts["confidence"] = [
            _confidence(
                row,
                caveat=_caveat(run, rule, withheld),
                level=run.errors.level if run.errors is not None else 0.9,
            )
            for row in parts.itertuples()
        ]
        parts.insert(
            0,
            "part_id",
            [
                f"{h}/{d[:2].upper()}"
                for h, d in zip(parts["hazard_id"], parts["decision"], strict=True)
            ],
        )
    sample = plan_confirmation(parts, rule.confirmation, seed=rule.seed) if len(parts) else None
    if sample is not None:
        per_part = sample[0]["part_id"].value_counts()
        cancel = (parts["decision"] == "cancel").to_numpy()
        parts.loc[cancel, "confidence"] = [
            f"{text} Release after the confirmation sample: {per_part.get(pid, 0):,} of its "
            f"{sample[1]['sites']:,} sites lie here."
            for text, pid in zip(
                parts.loc[cancel, "confidence"], parts.loc[cancel, "part_id"], strict=True
            )
        ]
    summary = _summary(parts, rule, threshold)
    summary["confirmation"] = sample[1] if sample is not None else None
    summary["cancellation_withheld"] = withheld
    summary["cancellation_limit"] = (
        cancellation_limit(
            p,
            lam,
            target_recall=rule.target_recall,
            errors=run.errors,
            hazard=ids - 1,
            hazard_ids=run.evidence.hazards["hazard_id"].to_numpy(),
            cell_area_m2=g.cell_area_m2,
        )
        if withheld is None and run.errors is not None and rule.max_residual == 0
        else None
    )
    summary["bound_level"] = run.errors.level if run.errors is not None else None
    alike = run.representativeness
    summary["representativeness"] = alike.state() if alike is not None else None
    summary["extrapolated"] = alike.statement() if alike is not None and alike.unlike else None
    summary["land_use"] = run.land_use.statement() if run.land_use is not None else None
    summary["land_use_parts"] = (
        {d: int((in_use & (parts["decision"] == d).to_numpy()).sum()) for d in DECISIONS}
        if len(parts)
        else {}
    )
    parts = parts.drop(columns="max_probability", errors="ignore")
    run_id = run.run_id if isinstance(run, RiskMap) else None
    sites = sample[0].to_crs("EPSG:4326") if sample is not None else None
    return SurveyResult(parts.to_crs("EPSG:4326"), rule, summary, risk_run_id=run_id, sites=sites)


def decide_from_stored(
    source: Workspace | WorkspaceView,
    rule: SurveyRule,
    *,
    run_id: int | None = None,
    backtest: Mapping[str, Any] | None = None,
) -> SurveyResult:
    """Decide from the latest risk map kept in the workspace (or run ``run_id``), without
    computing the map again; the result names the risk run (``risk_run_id``).

    Refused when the map is older than the records (:class:`~landrelease.risk.store.StaleRiskMapError`:
    "the risk map is older than the records: run `landrelease risk` again"), when there is
    none, or when its GeoTIFF is missing (:class:`~landrelease.errors.UsageError`).
    """
    return decide(load_risk_map(source, run_id=run_id), rule, backtest=backtest)


def _parts(
    run: RiskRun | RiskMap,
    rule: SurveyRule,
    cells: tuple[np.ndarray, np.ndarray, np.ndarray],
    code: np.ndarray,
) -> tuple[list[dict[str, Any]], list[np.ndarray], list[np.ndarray]]:
    """Each hazard's cells cleaned of small islands and drawn as one part per decision, with
    the sample cells whose evidence explains it."""
    g = run.grid
    hazards = run.evidence.hazards
    geoms = hazards.geometry.values.to_numpy()
    rows, cols, ids = cells
    min_cells = max(1, round(rule.min_part_m2 / g.cell_area_m2))
    order = np.argsort(ids, kind="stable")  # each hazard's cells stay in row-major order
    bounds = np.searchsorted(ids[order], np.arange(1, len(geoms) + 2))
    records: list[dict[str, Any]] = []
    samples_x: list[np.ndarray] = []
    samples_y: list[np.ndarray] = []
    rng = np.random.default_rng(rule.seed)
    for i, hz in enumerate(geoms):
        sel = order[bounds[i] : bounds[i + 1]]
        if not len(sel):
            continue
        r, c = rows[sel], cols[sel]
        rs, cs = _window(g, hz, r, c)
        inside = np.zeros((rs.stop - rs.start, cs.stop - cs.start), dtype=bool)
        inside[r - rs.start, c - cs.start] = True
        sub = np.full(inside.shape, -1, dtype=np.int8)
        sub[r - rs.start, c - cs.start] = code[sel]
        sub = _clean(sub, inside, min_cells)
        sub_p = np.nan_to_num(run.probability[rs, cs], nan=0.0)
        sub_lam = np.nan_to_num(run.expected[rs, cs], nan=0.0)
        transform = g.transform @ g.transform.translation(cs.start, rs.start)
        drawn = _with_edges(sub, inside, hz, transform)
        for level in (CANCEL, SURVEY, CLEAR):
            mask = inside & (sub == level)
            part = _part_geometry(drawn == level, transform, hz) if mask.any() else None
            if part is None:
                continue
            pr, pc = np.nonzero(mask)
            pick = rng.choice(len(pr), size=min(SAMPLES_PER_PART, len(pr)), replace=False)
            sx, sy = g.centres(pr[pick] + rs.start, pc[pick] + cs.start)
            samples_x.append(sx)
            samples_y.append(sy)
            records.append(
                {
                    "hazard_id": hazards["hazard_id"].iloc[i],
                    "decision": DECISIONS[level],
                    "area_m2": float(part.area),
                    "expected_devices": float(sub_lam[mask].sum()),
                    "max_probability": float(sub_p[mask].max()),
                    "p_any_device": float(
                        1 - np.exp(np.log1p(-np.clip(sub_p[mask], 0, 1 - 1e-12)).sum())
                    ),
                    "geometry": part,
                }
            )
    return records, samples_x, samples_y


def battle_area_parts(
    parts: gpd.GeoDataFrame, evidence: EvidenceSet, rule: BattleAreaRule
) -> gpd.GeoDataFrame:
    """Technical-survey and clearance parts (in the metric CRS of ``evidence``) where only
    unexploded ordnance is expected become battle-area clearance, with that evidence in words;
    a hazard's two such parts become one. Other parts are returned as they are."""
    worked = parts["decision"].isin(DECISIONS[SURVEY : CLEAR + 1]).to_numpy()
    bac = worked & battle_area_evidence(parts.geometry.values.to_numpy(), evidence, rule).eligible
    if not bac.any():
        return parts
    parts = parts.copy()
    parts.loc[bac, "decision"] = BAC
    if parts.duplicated(["hazard_id", "decision"]).any():
        parts = _one_part_per_decision(parts)
    bac = (parts["decision"] == BAC).to_numpy()
    words = battle_area_evidence(parts.geometry.values.to_numpy()[bac], evidence, rule).words()
    parts.loc[bac, "evidence"] = words
    return parts


def confirmed_parts(parts: gpd.GeoDataFrame, verdict: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The parts once the confirmation sample of their cancelled land was searched
    (:func:`~landrelease.survey.confirm.confirmation_verdict`): failed, every cancelled part goes
    to technical survey (merged with its hazard's surveyed part, ids renamed); otherwise each
    cancelled part carries the verdict in its statement of confidence."""
    parts = parts.copy()
    cancel = (parts["decision"] == "cancel").to_numpy()
    if not cancel.any():
        return parts
    words = f"{verdict['text'][0].upper()}{verdict['text'][1:]}."
    parts.loc[cancel, "confidence"] = [f"{words} {c}" for c in parts.loc[cancel, "confidence"]]
    if verdict["verdict"] != "failed":
        return parts
    was = set(parts.loc[cancel, "hazard_id"])
    parts.loc[cancel, "decision"] = DECISIONS[SURVEY]
    if parts.duplicated(["hazard_id", "decision"]).any():
        parts = _one_part_per_decision(parts)
        parts["devices_per_ha"] = parts["expected_devices"] / (parts["area_m2"] / 1e4)
    moved = (parts["decision"] == DECISIONS[SURVEY]).to_numpy() & parts["hazard_id"].isin(was)
    parts.loc[moved, "confidence"] = [
        f"{words} Technical survey: the map expects {e:,.1f} devices over {a / 1e4:,.1f} ha, "
        "but the sample showed it too low in the land it would have cancelled here."
        for e, a in zip(
            parts.loc[moved, "expected_devices"], parts.loc[moved, "area_m2"], strict=True
        )
    ]
    parts["part_id"] = [
        f"{h}/{d[:2].upper()}" for h, d in zip(parts["hazard_id"], parts["decision"], strict=True)
    ]
    return parts.reset_index(drop=True)


def _one_part_per_decision(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Parts of one hazard with the same decision merged (areas and devices added up; the
    chance of any device from the chances that each holds none)."""
    none = np.log1p(-np.clip(parts["p_any_device"].to_numpy(float), 0, 1 - 1e-12))
    how = {"area_m2": "sum", "expected_devices": "sum", "max_probability": "max", "_none": "sum"}
    rest = [c for c in parts.columns if c not in (*how, "hazard_id", "decision", "p_any_device")]
    aggfunc = {
        **{c: f for c, f in how.items() if c in parts.columns or c == "_none"},
        **{c: "first" for c in rest if c != parts.geometry.name},
    }
    merged = (
        parts.assign(_none=none)
        .dissolve(by=["hazard_id", "decision"], sort=False, aggfunc=aggfunc)
        .reset_index()
    )
    merged["p_any_device"] = 1 - np.exp(merged.pop("_none"))
    pieces = [shapely.get_parts(g) for g in merged.geometry.values.to_numpy()]
    merged[merged.geometry.name] = [
        shapely.multipolygons(p[shapely.get_type_id(p) == 3]) for p in pieces
    ]
    return merged[list(parts.columns)]


def _window(g: Grid, hazard: shapely.Geometry, r: np.ndarray, c: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns of the grid covering the hazard and its cells ``r``, ``c``, with one
    cell more on each side (within the grid)."""
    minx, miny, maxx, maxy = hazard.bounds
    (top, bottom), (left, right) = g.cell_of(np.array([minx, maxx]), np.array([maxy, miny]))
    r0, r1 = min(int(r.min()), int(top)) - 1, max(int(r.max()), int(bottom)) + 1
    c0, c1 = min(int(c.min()), int(left)) - 1, max(int(c.max()), int(right)) + 1
    return slice(max(r0, 0), min(r1, g.ny - 1) + 1), slice(max(c0, 0), min(c1, g.nx - 1) + 1)


def _with_edges(
    code: np.ndarray, inside: np.ndarray, hazard: shapely.Geometry, transform: Any
) -> np.ndarray:
    """The decision of each cell the hazard touches, for drawing its parts: a cell of the hazard
    keeps its own; a cell along its edge whose centre lies outside it (or under a later hazard)
    takes that of the nearest cell of the hazard. So the parts, cut to the hazard, cover all of
    it and add up to its area, as the risk map's figures do; the figures of each part (expected
    devices, probability, evidence) still come from the hazard's own cells only."""
    touched = rasterio.features.rasterize(
        [hazard], out_shape=inside.shape, transform=transform, all_touched=True, dtype="uint8"
    ).astype(bool)
    # and their neighbours: a thin strip of the hazard into a cell (its edge a few millimetres
    # past a cell line) is not always seen as touching it; a neighbour the hazard does not
    # reach adds nothing once the part is cut to the hazard
    touched = ndimage.binary_dilation(touched, structure=np.ones((3, 3), dtype=bool))
    edge = touched & ~inside
    out = np.where(inside, code, -1).astype(np.int8)
    if edge.any():
        nearest = ndimage.distance_transform_edt(
            ~inside, return_distances=False, return_indices=True
        )
        out[edge] = code[nearest[0][edge], nearest[1][edge]]
    return out


def _part_geometry(
    mask: np.ndarray, transform: Any, hazard: shapely.Geometry
) -> shapely.Geometry | None:
    """The cells of ``mask`` as polygons, cut to the hazard (``None`` when nothing is left)."""
    polys = [
        shapely.geometry.shape(s)
        for s, v in rasterio.features.shapes(mask.astype(np.uint8), mask=mask, transform=transform)
        if v == 1
    ]
    part = shapely.intersection(shapely.union_all(polys), hazard)
    if part.is_empty or part.area <= 0:
        return None
    pieces = shapely.get_parts(part)
    return shapely.multipolygons(pieces[np.isin(shapely.get_type_id(pieces), (3,))])


def _parts_frame(records: list[dict[str, Any]], crs: str) -> gpd.GeoDataFrame:
    if records:
        return gpd.GeoDataFrame(records, geometry="geometry", crs=crs)
    return gpd.GeoDataFrame(
        {
            "hazard_id": [],
            "decision": [],
            "area_m2": [],
            "expected_devices": [],
            "devices_bound": [],
            "p_any_device": [],
        },
        geometry=[],
        crs=crs,
    )


def _explain(
    run: RiskRun | RiskMap, parts: gpd.GeoDataFrame, xs: list[np.ndarray], ys: list[np.ndarray]
) -> list[str]:
    """The three pieces of evidence that pushed each part's risk most towards its decision, in words."""
    assert run.computer is not None
    counts = [len(x) for x in xs]
    feats = point_features(run.computer, np.concatenate(xs), np.concatenate(ys))
    weights = run.explainer.pattern_weights(feats)
    present = np.column_stack([pat.present(feats) for pat in PATTERNS])
    out = []
    start = 0
    for n, decision in zip(counts, parts["decision"], strict=True):
        w = weights[start : start + n].mean(axis=0)
        share = present[start : start + n].mean(axis=0)
        start += n
        order = np.argsort(w) if decision == "cancel" else np.argsort(-w)
        phrases = []
        for k in order[:3]:
            # cite only evidence that speaks in the decision's direction: what is there and
            # raises the risk for survey and clearance; what lowers it for cancellation
            if (decision == "cancel" and w[k] >= 0) or (
                decision != "cancel" and (w[k] <= 0 or share[k] < 0.5)
            ):
                continue
            pat = PATTERNS[k]
            words = pat.words_yes if share[k] >= 0.5 else pat.words_no
            phrases.append(f"{words} (odds ×{np.exp(w[k]):.2g})")
        out.append("; ".join(phrases) if phrases else "no single piece of evidence stands out")
    return out


def _with_shallow_search(
    parts: gpd.GeoDataFrame, evidence: EvidenceSet, *, within_m: float
) -> list[str]:
    """Each part's evidence, followed by the shallowest search over it or near it (within the σ
    of the local finding rate, through which a search weighs on the land around it) where its
    depth left a share of the devices that matters unreached (:mod:`landrelease.evidence.depth`)."""
    ev = evidence.processed
    words = shallow_words(
        parts.geometry.values.to_numpy(),
        ev,
        evidence.findings,
        searched_clean(ev, evidence.findings),
        within_m=within_m,
    )
    return [f"{e}; {w}" if w else e for e, w in zip(parts["evidence"], words, strict=True)]


def _with_land_use(
    parts: gpd.GeoDataFrame, evidence: EvidenceSet, effect: LandUseEffect | None
) -> list[str]:
    """Each part's evidence, followed by the land in use over it that lowered its risk: the record
    that counted most (its kind, years and code) and the share it counted as searched clean, as
    measured on searched land (:mod:`landrelease.risk.landuse`)."""
    words = list(parts["evidence"])
    lu = evidence.land_use
    if effect is None or not effect.counts or lu is None or not len(lu) or not len(parts):
        return words
    counted = exposure(lu) * np.array([effect.share_of(k) for k in lu["kind"]])
    geoms = lu.geometry.values.to_numpy()
    part_idx, lu_idx = shapely.STRtree(geoms).query(
        parts.geometry.values.to_numpy(), predicate="intersects"
    )
    keep = counted[lu_idx] > 0
    part_idx, lu_idx = part_idx[keep], lu_idx[keep]
    if not len(part_idx):
        return words
    order = np.lexsort((lu_idx, -counted[lu_idx], part_idx))  # per part, the largest share first
    first = order[np.r_[True, part_idx[order][1:] != part_idx[order][:-1]]]
    ids, kinds = lu["land_use_id"].to_numpy(), lu["kind"].to_numpy()
    years = np.asarray(lu["years_in_use"], dtype=float)
    for k in first:
        j, i = int(lu_idx[k]), int(part_idx[k])
        words[i] = (
            f"{words[i]}; land in use ({kinds[j]} for {years[j]:g} years, {ids[j]}) counted as "
            f"{100 * counted[j]:.0f} % searched clean, as measured on searched land in that use"
        )
    return words


def _withheld(
    run: RiskRun | RiskMap, rule: SurveyRule, backtest: Mapping[str, Any] | None
) -> str | None:
    """Why this run's map may not cancel land under ``rule`` (``None``: it may)."""
    if rule.allow_expert_cancellation:
        return None
    return cancellation_support(
        fallback=run.fallback,
        training=run.training,
        cross_validated=_cross_validated(run),
        errors=run.errors,
    ) or backtest_support(backtest, model=run.model, tolerance=rule.backtest_tolerance)


def _bounds(parts: pd.DataFrame, errors: ResidualErrors | None) -> np.ndarray:
    """Upper bound of the devices left in each cancelled part: its expectation times the held-out
    error factor at the part's highest cell risk (NaN for other parts, and without errors)."""
    out = np.full(len(parts), np.nan)
    cancel = (parts["decision"] == "cancel").to_numpy()
    if errors is not None and cancel.any():
        factor = errors.factor(parts["max_probability"].to_numpy()[cancel])
        out[cancel] = parts["expected_devices"].to_numpy()[cancel] * factor
    return out


def _cross_validated(run: RiskRun | RiskMap) -> bool:
    return bool(run.scores) if isinstance(run, RiskRun) else run.cross_validated


def _caveat(run: RiskRun | RiskMap, rule: SurveyRule, withheld: str | None) -> str:
    """What every part of the run must say about the ground its figures stand on."""
    alike = run.representativeness
    extrapolated = alike.caveat() if alike is not None else ""
    if withheld is not None:
        return (
            f" No land is recommended for cancellation: {withheld}. Non-technical and "
            "technical survey first." + extrapolated
        )
    unsupported = cancellation_support(
        fallback=run.fallback,
        training=run.training,
        cross_validated=_cross_validated(run),
        errors=run.errors,
    )
    if unsupported is not None:
        return (
            f" Cancellation allowed on expert weights by option, although {unsupported}: "
            "confirm by survey." + extrapolated
        )
    return extrapolated


def _confidence(row: Any, *, caveat: str, level: float) -> str:
    ha = row.area_m2 / 1e4
    if row.decision == "cancel":
        bound = (
            f", at most {row.devices_bound:,.2f} at {level:.0%} confidence from the map's errors "
            "on held-out land"
            if np.isfinite(row.devices_bound)
            else ", no bound: the map's errors on held-out land were not measured"
        )
        none = 1 - row.p_any_device
        if none >= 0.5:
            return (
                f"{none:.1%} confident that no device remains in these {ha:,.1f} ha "
                f"({row.expected_devices:.2f} devices expected{bound}).{caveat}"
            )
        return (
            f"Devices likely remain in these {ha:,.1f} ha: {row.expected_devices:.2f} expected"
            f"{bound}; the chance that none remains is {none:.1%}. This is the residual risk "
            "the rule accepts so that the target share of all the hazards' devices stays in "
            f"surveyed or cleared land.{caveat}"
        )
    if row.decision == "technical_survey":
        return (
            f"{row.expected_devices:,.1f} devices expected over {ha:,.1f} ha ({row.devices_per_ha:.2f}/ha); "
            f"{row.p_any_device:.0%} chance of at least one: survey to confirm or reduce.{caveat}"
        )
    if row.decision == BAC:
        return (
            f"{row.expected_devices:,.1f} devices expected over {ha:,.1f} ha ({row.devices_per_ha:.2f}/ha), "
            "unexploded ordnance by the finds around it rather than mines: battle-area clearance "
            "(detector sweep to the UXO depth); the finds cannot rule mines out: at the first "
            f"mine, stop and switch to mine clearance.{caveat}"
        )
    return f"{row.expected_devices:,.0f} devices expected over {ha:,.1f} ha ({row.devices_per_ha:.1f}/ha): clear fully.{caveat}"


def _summary(parts: pd.DataFrame, rule: SurveyRule, threshold: float) -> dict[str, Any]:
    return {
        "rule": rule.describe(),
        "cancel_threshold_probability": threshold,
        **decision_totals(parts),
    }


def decision_totals(parts: pd.DataFrame) -> dict[str, Any]:
    """Parts, hectares and expected devices by decision, and the share of the hazards' area
    cancelled: the totals a survey run keeps."""
    total_area = float(parts["area_m2"].sum()) if len(parts) else 0.0
    total_dev = float(parts["expected_devices"].sum()) if len(parts) else 0.0
    by: dict[str, dict[str, Any]] = {}
    for d in DECISIONS:
        sel = parts[parts["decision"] == d] if len(parts) else parts
        by[d] = {
            "parts": len(sel),
            "area_ha": float(sel["area_m2"].sum()) / 1e4 if len(sel) else 0.0,
            "expected_devices": float(sel["expected_devices"].sum()) if len(sel) else 0.0,
        }
    cancelled = by["cancel"]
    sel = parts[parts["decision"] == "cancel"] if len(parts) else parts
    bounds = np.asarray(sel.get("devices_bound", []), dtype=float)
    # nothing cancelled: nothing left; cancelled land without a bound: none to state
    cancelled["devices_bound"] = float(bounds.sum()) if np.isfinite(bounds).all() else None
    return {
        "by_decision": by,
        "hazard_area_ha": total_area / 1e4,
        "share_cancelled": cancelled["area_ha"] * 1e4 / total_area if total_area else 0.0,
        "expected_recall": 1 - cancelled["expected_devices"] / total_dev if total_dev else 1.0,
    }
