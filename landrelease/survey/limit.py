"""What stops the recall rule from cancelling more land, in numbers and in words.

The recall rule (:func:`~landrelease.survey.decisions.cell_decisions`) cancels the least
risky land while the *bound* on the share of all devices left there stays within the share the
target allows. Two things can stop it, and a programme acts differently on each:

* **the map's own expectation**: even as the map expects them, the devices in more cancelled
  land would pass the share the target allows — more land would need a lower target;
* **the map's errors on held-out land**: the map alone would cancel more, but searched land it
  did not learn from, at the risk of the next land in line, held a larger share of the devices
  found than the map expected there (an unrecorded minefield in a held-out spatial block, say),
  and the bound multiplies the expected share by that error. Technical survey of land at that
  risk is what tells whether more can be cancelled: its results are evidence at the risk where
  the map needs it. Measured (``benchmarks/survey_loop_bench.py``), it let the rule cancel more
  in most worlds, and in the others showed that the land held more devices than the map
  expected, so the rule cancelled less.

:func:`cancellation_limit` measures both on the same cells the rule decided, so a person reads
why the rule stopped where it did, and how much more the map alone would have cancelled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from landrelease.risk.errors import ResidualErrors

BINDING_FACTOR = 1.0 + 1e-9
"""A bound factor above this means held-out errors, not the map's expectation, stop the rule."""
SURVEY_BAND = 5.0
"""The land to survey where held-out errors stop the rule: hazard cells up to this many times
the next land's probability of a device."""
SURVEY_SHARE = 0.2
"""The share of that land whose technical survey was measured (``benchmarks/survey_loop_bench.py``)."""
SURVEY_MEASURED = (
    "In 8 generated worlds, technical survey of a fifth of such land (5–17 % of the hazard "
    "area) and the map made again cancelled more in 5, twice as much over all, and less in 3, "
    "where the survey found more devices than the map expected; the promise held in all 8"
)
"""What ``benchmarks/survey_loop_bench.py`` measured of that survey (seeds 1201–1208,
2026-12-08; docs/risk.md)."""


def cancellation_limit(
    p: np.ndarray,
    lam: np.ndarray,
    *,
    target_recall: float,
    errors: ResidualErrors,
    hazard: np.ndarray | None = None,
    hazard_ids: np.ndarray | None = None,
    cell_area_m2: float | None = None,
) -> dict[str, Any] | None:
    """Why the recall rule cancels no more than it does (``None``: every cell is cancelled).

    ``p`` and ``lam`` are the probability and expected devices of the cells inside active
    hazards (as :func:`~landrelease.survey.decisions.cell_decisions` receives them); shares are
    of those cells (all cells have the same area). The figures are those of the rule's own
    ladder: nothing is estimated again. ``hazard`` (each cell's index into ``hazard_ids``) and
    ``cell_area_m2`` say where the land at the risk where the bound binds lies: its hectares and
    the hazards holding most of it.
    """
    if not len(p):
        return None
    order = np.argsort(p, kind="stable")
    cum = np.cumsum(lam[order])
    low = errors.total_factor
    n = errors.cancellable(p[order], cum, (1 - target_recall) * float(lam.sum()))
    if n >= len(p):
        return None
    allowed = (1 - target_recall) * float(lam.sum()) * low
    alone = int(np.searchsorted(cum, allowed, side="right"))
    k = int(errors.rung(p[order[n]]))
    factor = float(errors.rule_factor(errors.thresholds[k]))
    relative = errors.relative_ratio is not None
    next_p = float(p[order[n]])
    cause = "held_out_errors" if factor > BINDING_FACTOR else "expectation"
    out: dict[str, Any] = {
        "share_cancelled_cells": n / len(p),
        "share_by_map_alone": alone / len(p),
        "allowed_devices": allowed,
        "total_ratio_low": low,
        "next_probability": next_p,
        # the land to survey is named only where survey is what would help
        "band": _band(p, next_p, hazard, hazard_ids, cell_area_m2)
        if cause == "held_out_errors"
        else None,
        "cause": cause,
        "rung": {
            "threshold": float(errors.thresholds[k]),
            "factor": factor,
            "expected": float(errors.expected[k]),
            "found": float(errors.found[k]),
            "cells": None if errors.cells is None else float(errors.cells[k]),
            "blocks": None if errors.blocks_at is None else int(errors.blocks_at[k]),
            "blocks_found": None if errors.blocks_found is None else int(errors.blocks_found[k]),
            "relative": relative,
            "found_all": float(errors.found[-1]),
            "expected_all": float(errors.expected[-1]),
        },
    }
    out["text"] = limit_text(out, target_recall=target_recall, level=errors.rule_level)
    return out


BAND_HAZARDS = 3
"""Hazards named as holding most of the land at the risk where the bound binds."""


def _band(
    p: np.ndarray,
    next_p: float,
    hazard: np.ndarray | None,
    hazard_ids: np.ndarray | None,
    cell_area_m2: float | None,
) -> dict[str, Any]:
    """The land at up to :data:`SURVEY_BAND` × the next land's risk: its share of the hazard
    cells, its hectares and the hazards holding most of it (with their hectares)."""
    in_band = (p > next_p) & (p <= SURVEY_BAND * next_p)
    out: dict[str, Any] = {"factor": SURVEY_BAND, "share_cells": float(in_band.mean())}
    if cell_area_m2 is None:
        return out
    out["ha"] = float(in_band.sum()) * cell_area_m2 / 1e4
    if hazard is not None and hazard_ids is not None and in_band.any():
        ids = np.asarray(hazard_ids)
        cells = np.bincount(np.asarray(hazard)[in_band], minlength=len(ids))
        held = np.flatnonzero(cells)
        top = held[np.lexsort((ids[held], -cells[held]))][:BAND_HAZARDS]
        out["hazards"] = [
            {"hazard_id": str(ids[i]), "ha": float(cells[i]) * cell_area_m2 / 1e4} for i in top
        ]
        out["hazard_count"] = len(held)
    return out


def limit_text(limit: dict[str, Any], *, target_recall: float, level: float) -> str:
    """The limit in words, for the console, the reports and the decisions' summary."""
    share, alone = limit["share_cancelled_cells"], limit["share_by_map_alone"]
    low = limit["total_ratio_low"]
    keep = f"{1 - target_recall:.0%} of the devices " + (
        "the map expects in all"
        if low >= 1
        else f"in all, taken at their {level:.0%} lower bound ({low:.2f} × the map's total),"
    )
    if limit["cause"] == "expectation":
        return (
            f"cancelling stops at about {share:.1%} of the hazard cells because the devices the map "
            f"expects in more cancelled land would pass {keep}; only a lower target recall would "
            "cancel more"
        )
    r = limit["rung"]
    where = f"{r['cells']:,.0f} held-out cells" if r.get("cells") is not None else "held-out cells"
    if r.get("blocks") is not None:
        where += f" in {r['blocks']:,} spatial blocks"
    held = (
        f"held {r['found']:,.0f} devices where the map expected {r['expected']:,.1f}"
        if r["found"] > 0
        else f"held no device where the map expected {r['expected']:,.2f}, too few to rule out more"
    )
    if r["found"] > 0 and r.get("blocks_found") is not None:
        held += f", found in {r['blocks_found']:,} of those blocks"
    if r.get("relative") and r.get("found_all") and r.get("expected_all"):
        held += (
            f" — {r['found'] / r['found_all']:.1%} of the {r['found_all']:,.0f} devices found in "
            f"all held-out land, where the map gave it {r['expected'] / r['expected_all']:.1%} of "
            f"the {r['expected_all']:,.1f} it expected there"
        )
        bounded = (
            f"the share of the devices left in cancelled land of that risk is bounded, at "
            f"{level:.0%} confidence, at {r['factor']:,.1f} × the share the map expects there"
        )
    else:
        bounded = (
            "the devices left in cancelled land of that risk are bounded at "
            f"{r['factor']:,.1f} × the map's expectation"
        )
    return (
        f"cancelling stops at about {share:.1%} of the hazard cells; the map's expectation alone "
        f"would allow {alone:.1%}. What holds it back: searched land the map did not learn from, at "
        f"the risk of the next land in line (probability of a device up to {r['threshold']:.3f}: "
        f"{where}), {held}; so {bounded}, and {keep} allows no more. "
        "Technical survey of land at that risk is what would tell whether more can be cancelled: "
        f"each result adds evidence at the risk where the bound is set{_band_text(limit)}"
    )


def _band_text(limit: dict[str, Any]) -> str:
    """How much land lies at that risk, and what surveying some of it did in generated worlds."""
    band = limit.get("band")
    if not band:  # a limit stored before the band was measured
        return ""
    where = ""
    if band.get("ha") is not None:
        where = f" ({band['ha']:,.1f} ha"
        if band.get("hazards"):
            most = ", ".join(f"{h['hazard_id']} {h['ha']:,.1f} ha" for h in band["hazards"])
            where += f" in {band['hazard_count']:,} hazards; the most in {most}"
        where += ")"
    return (
        f". The hazard cells at up to {band['factor']:g} × that risk are "
        f"{band['share_cells']:.1%} of them{where}. {SURVEY_MEASURED}"
    )
