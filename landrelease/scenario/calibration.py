"""The generated world beside the real one: each figure with its reference and range.

Shares drawn from a handful of records (a window's few incidents or maps)
get a sampling tolerance of three standard errors on top of the stated range,
so a small window is judged as fairly as the whole region.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CalibrationRow:
    """One figure of the generated scenario beside the real reference."""

    name: str
    generated: float
    reference: str
    unit: str
    low: float
    high: float
    ok: bool
    source: str


def row(
    name: str, generated: float, reference: str, unit: str, low: float, high: float, source: str
) -> CalibrationRow:
    ok = bool(math.isfinite(generated) and low <= generated <= high)
    return CalibrationRow(
        name, float(generated), reference, unit, float(low), float(high), ok, source
    )


def share_row(
    name: str,
    count: float,
    n: float,
    ref: float,
    reference: str,
    low: float,
    high: float,
    source: str,
    *,
    n_eff: float | None = None,
) -> CalibrationRow:
    """A share of ``n``, its range widened by 3 standard errors around ``ref`` for a sample
    of ``n_eff`` independent units (default ``n``)."""
    value = count / n if n else float("nan")
    k = n if n_eff is None else n_eff
    tol = 3 * math.sqrt(ref * (1 - ref) / k) if k else 1.0
    return row(
        name,
        value,
        reference,
        "share",
        max(0.0, min(low, ref - tol)),
        min(1.0, max(high, ref + tol)),
        source,
    )


def cluster_se(totals: Sequence[float], hits: Sequence[float]) -> float:
    """Standard error of a share Σhits/Σtotals when records come in clusters (tasks):
    the linearised variance of a ratio of cluster totals."""
    m = np.asarray(totals, float)
    y = np.asarray(hits, float)
    n = len(m)
    if n < 2 or m.sum() == 0:
        return 1.0
    r = y.sum() / m.sum()
    return float(np.sqrt(n / (n - 1) * np.sum((y - r * m) ** 2)) / m.sum())


@dataclass(frozen=True)
class Figures:
    """What the calibration needs from a generated scenario (plain numbers)."""

    scale: str
    land_km2: float
    land_share: float
    front_factor: float
    devices: int
    hazard_km2: float
    truly_contaminated_share: float
    findings_by_device: dict[str, int]
    findings_per_task: dict[str, tuple[int, ...]]
    """Per device type, the findings of each task that found anything (for the cluster
    standard error); key ``all``: every finding of each task."""
    incidents_by_activity: dict[str, int]
    civilian_victims_to_2025_04: int
    map_sheet_km2: float
    sheet_km2: float
    map_records: int
    map_records_accurate: int
    released_km2: float
    released_km2_2023_04: float
    devices_found: int
    returned: int
    planned: int
    planned_prewar_share: float
    effective_settlements: float
    national_usd: float
    foreign_usd: float
    people: float


def calibrate(f: Figures) -> tuple[CalibrationRow, ...]:
    """The calibration table of one scenario: contamination, findings, incidents, maps,
    land release, returns, the programme's resources, and (whole region only) totals."""
    return (
        *_contamination_rows(f),
        *_finding_rows(f),
        *_incident_rows(f),
        *_map_rows(f),
        *_release_rows(f),
        *_return_rows(f),
        *_resource_rows(f),
        *_region_rows(f),
    )


def _contamination_rows(f: Figures) -> list[CalibrationRow]:
    """How dense the contamination is, and how much of the suspected area holds any."""
    rows: list[CalibrationRow] = []
    density = f.devices / f.hazard_km2 if f.hazard_km2 else float("nan")
    rows.append(
        row(
            "devices per km² of contaminated land",
            density,
            "1.0–1.5 M devices in 7,000–11,600 km² → 86–214 per km²",
            "devices/km²",
            43.0,
            214.0 * 2 * f.front_factor,
            "seeds (1–1.5 M devices; 7,000 km² regained; 13.4 % of Azerbaijan contaminated); "
            f"contaminated land = the hazard register; upper bound × {f.front_factor:.1f} for the window's share of front",
        )
    )
    rows.append(
        row(
            "share of suspected area truly contaminated",
            f.truly_contaminated_share,
            "Bosnia ~2 %, Croatia ~10 %, often under 5 %",
            "share",
            0.01,
            0.15,
            "DOMAIN (Landmine Monitor, JCWD); truly contaminated = 20 m cells holding a device",
        )
    )
    return rows


def _finding_rows(f: Figures) -> list[CalibrationRow]:
    """What the findings are: the shares of UXO, AP and AT mines."""
    rows: list[CalibrationRow] = []
    n_find = sum(f.findings_by_device.values())
    # UXO outnumber mines, up to nearly all of a window's findings; the bounds are
    # widened by the clustering of findings in tasks
    jan = {"UXO": (1364, 0.50, 0.97), "AP": (337, 0.02, 0.45), "AT": (37, 0.003, 0.10)}
    totals = f.findings_per_task.get("all", ())
    for dev, (count, lo, hi) in jan.items():
        ref = count / 1738
        value = f.findings_by_device.get(dev, 0) / n_find if n_find else float("nan")
        tol = 3 * cluster_se(totals, f.findings_per_task.get(dev, ()))
        rows.append(
            row(
                f"findings that are {dev}",
                value,
                f"{ref:.1%} (January 2026: 37 AT, 337 AP, 1,364 UXO)",
                "share",
                max(0.0, min(lo, ref - tol)),
                min(1.0, max(hi, ref + tol)),
                f"seeds (ANAMA, January 2026); findings come in tasks: ± 3 cluster standard errors ({len(totals)} tasks)",
            )
        )
    return rows


def _incident_rows(f: Figures) -> list[CalibrationRow]:
    """What civilians were doing when a device went off."""
    rows: list[CalibrationRow] = []
    n_inc = sum(f.incidents_by_activity.values())
    for act, ref in (
        ("unauthorised_travel", 0.38),
        ("agriculture", 0.22),
        ("infrastructure_work", 0.20),
        ("official_duty", 0.20),
    ):
        rows.append(
            share_row(
                f"civilian incidents during {act.replace('_', ' ')}",
                f.incidents_by_activity.get(act, 0),
                n_inc,
                ref,
                f"{ref:.0%}",
                ref - 0.08,
                ref + 0.08,
                "seeds (civilian incidents Nov 2020 – Apr 2025)",
            )
        )
    return rows


def _map_rows(f: Figures) -> list[CalibrationRow]:
    """How much land the handed-over mine maps cover, and how many are accurate."""
    rows: list[CalibrationRow] = []
    sheet = f.sheet_km2 / f.land_km2
    rows.append(
        row(
            "land covered by handed-over mine maps",
            f.map_sheet_km2 / f.land_km2,
            "about 5 % of the regained area",
            "share",
            max(0.0, 0.03 - sheet),
            0.08 + sheet,
            "seeds (government sources via Crisis Group); range widened by one map sheet",
        )
    )
    rows.append(
        share_row(
            "mine maps that are accurate",
            f.map_records_accurate,
            f.map_records,
            0.25,
            "about 25 % of the maps",
            0.15,
            0.35,
            "seeds; accurate = the record holds 80 % of its minefield's devices",
        )
    )
    return rows


def _release_rows(f: Figures) -> list[CalibrationRow]:
    """How much of the register is released, by now and by April 2023, and the devices found."""
    rows: list[CalibrationRow] = []
    rel = f.released_km2 / f.hazard_km2 if f.hazard_km2 else float("nan")
    rows.append(
        row(
            "contaminated area released since 2020",
            rel,
            "about 20 %",
            "share",
            0.12,
            0.30,
            "seeds (Amirbayov, December 2025)",
        )
    )
    rel23 = f.released_km2_2023_04 / f.hazard_km2 if f.hazard_km2 else float("nan")
    rows.append(
        row(
            "contaminated area released by April 2023",
            rel23,
            "under 7 %",
            "share",
            0.02,
            0.12,
            "seeds (Crisis Group, 2023)",
        )
    )
    removed = f.devices_found / f.devices if f.devices else float("nan")
    rows.append(
        row(
            "devices found since 2020, share of all",
            removed,
            "232,000 of 1.2–1.7 M → 13–19 %",
            "share",
            0.05 / f.front_factor,
            0.40,
            f"seeds (232,000 detected; 1–1.5 M remain); lower bound ÷ {f.front_factor:.1f}: belts on the old front are left for last",
        )
    )
    return rows


def _return_rows(f: Figures) -> list[CalibrationRow]:
    """How many planned returnees are back, and how many are planned."""
    rows: list[CalibrationRow] = []
    ref_ret = 23000 / 725000
    n_eff = max(f.effective_settlements, 1.0)
    rows.append(
        share_row(
            "planned returnees back home",
            f.returned,
            f.planned,
            ref_ret,
            "23,000 of 650,000–800,000 (2.9–3.5 %)",
            0.01,
            0.08,
            f"seeds; tolerance from {n_eff:.0f} effective settlements",
            n_eff=n_eff,
        )
        if f.planned
        else row(
            "planned returnees back home", float("nan"), "2.9–3.5 %", "share", 0.01, 0.08, "seeds"
        )
    )
    if f.scale == "region":
        lo, hi, planned_ref = 650000.0, 800000.0, "650,000–800,000"
    else:
        share = f.planned_prewar_share
        lo, hi = 650000.0 * share * 0.5, 800000.0 * share * 2.5
        planned_ref = f"650,000–800,000 × {share:.1%} (the window's share of pre-war population)"
    rows.append(
        row(
            "planned returnees",
            float(f.planned),
            planned_ref,
            "people",
            lo,
            hi,
            "seeds (Crisis Group; Amirbayov)",
        )
    )
    return rows


def _resource_rows(f: Figures) -> list[CalibrationRow]:
    """Who pays for the programme, and how many people work in it."""
    rows: list[CalibrationRow] = []
    total = f.national_usd + f.foreign_usd
    rows.append(
        row(
            "national share of the money",
            f.national_usd / total if total else float("nan"),
            "464 of 487.9 M USD (95 %)",
            "share",
            0.90,
            0.98,
            "seeds (Amirbayov, December 2025)",
        )
    )
    ref_people = 1600 * f.land_share
    rows.append(
        row(
            "people in demining",
            f.people,
            f"1,600 × {f.land_share:.1%} of the land",
            "people",
            ref_people * 0.7 - 3,
            ref_people * 1.3 + 3,
            "seeds (Crisis Group, 2022)",
        )
    )
    return rows


def _region_rows(f: Figures) -> list[CalibrationRow]:
    """For the whole region only: devices in the ground, devices found, civilian victims."""
    rows: list[CalibrationRow] = []
    if f.scale != "region":
        return rows
    rows.append(
        row(
            "devices in the ground (2020)",
            float(f.devices),
            "1.0–1.5 M",
            "devices",
            0.7e6,
            1.7e6,
            "seeds",
        )
    )
    rows.append(
        row(
            "devices found since 2020",
            float(f.devices_found),
            "over 232,000",
            "devices",
            1.0e5,
            4.0e5,
            "seeds (Amirbayov, December 2025)",
        )
    )
    rows.append(
        row(
            "civilian victims Nov 2020 – Apr 2025",
            float(f.civilian_victims_to_2025_04),
            "388 (70 killed, 318 injured)",
            "people",
            250.0,
            600.0,
            "seeds",
        )
    )
    return rows


def markdown(rows: tuple[CalibrationRow, ...]) -> str:
    """The calibration table: figure | generated | real reference | range | ok."""
    lines = [
        "| figure | generated | real reference | range | ok |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {_fmt(r.generated, r.unit)} | {r.reference} | {_fmt(r.low, r.unit)} – {_fmt(r.high, r.unit)} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def rounded(v: float) -> str:
    """A figure to three significant digits with thousands separators, never in scientific
    notation: 287,000; 368; 0.0518; 'n/a' when it is not a number."""
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    decimals = 2 - math.floor(math.log10(abs(v)))
    r = round(v, decimals)
    if decimals <= 0:
        return f"{r:,.0f}"
    return f"{r:,.{decimals}f}".rstrip("0").rstrip(".")


def _fmt(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "n/a"
    if unit == "share":
        return f"{v:.1%}"
    if abs(v) >= 1000:
        return f"{v:,.0f} {unit}"
    return f"{v:.1f} {unit}"
