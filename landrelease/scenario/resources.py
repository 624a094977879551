"""Money, organisations, assets and risk education: the programme behind the work.

Region-scale totals come from the seeds (USD 464 M national and 23.9 M from 13
donors since 2020; ~1,600 people in 2022, twice 2020's); a window gets its
share by land area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from landrelease.scenario.geometry import F64, I64, choice_index
from landrelease.scenario.parameters import (
    END_DATE,
    START_DATE,
    HistoryParams,
    ResourceParams,
)
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.timeline import Days, day, uniform_days


@dataclass(frozen=True)
class Table:
    """Rows of a CSV layer: column name → values (None = empty)."""

    columns: dict[str, list[object]]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


def _largest_remainder(total: int, weights: F64) -> I64:
    """Split ``total`` whole units in proportion to ``weights``."""
    w = np.asarray(weights, float)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    base[np.argsort(-(exact - base), kind="stable")[:rest]] += 1
    return base


def funding(share: float, p: ResourceParams, h: HistoryParams, rng: np.random.Generator) -> Table:
    """Monthly national spending following the work capacity, and donors' grants."""
    months = np.arange(np.datetime64(START_DATE[:7], "M"), np.datetime64(END_DATE[:7], "M") + 1)
    first = months.astype("datetime64[D]")
    cap = np.zeros(len(months))
    for when, c in h.capacity_steps:
        cap[first >= day(when)] = c
    cap = np.maximum(cap, h.capacity_steps[0][1] / 2)  # November 2020: the first weeks
    cap = cap * rng.uniform(1 - p.monthly_variation, 1 + p.monthly_variation, len(months))
    until = first <= day(p.funding_until)
    amount = cap / cap[until].sum() * p.national_usd * share
    rows: list[tuple[str, str, float, str]] = [
        (str(d), "national", float(a), "national programme")
        for d, a in zip(first, amount, strict=True)
    ]
    n_d = len(p.donors)
    eu = p.donors.index("European Union") if "European Union" in p.donors else -1
    w = rng.dirichlet(np.ones(n_d))
    if eu >= 0:
        w[eu] = 0
        w = w / w.sum() * (1 - p.eu_share)
        w[eu] = p.eu_share
    for k, donor in enumerate(p.donors):
        n_g = int(rng.integers(1, 5))
        parts = rng.dirichlet(np.ones(n_g)) * w[k] * p.foreign_usd * share
        dates = np.sort(uniform_days(rng, "2021-01-01", p.funding_until, n_g))
        for d, a in zip(dates, parts, strict=True):
            rows.append((str(d), donor, float(a), p.purposes[int(rng.integers(len(p.purposes)))]))
    rows.sort(key=lambda r: (r[0], r[1] != "national", r[1]))
    return Table(
        {
            "funding_id": [f"FND-{i + 1:05d}" for i in range(len(rows))],
            "date": [r[0] for r in rows],
            "source": [r[1] for r in rows],
            "amount_usd": [round(r[2], 2) for r in rows],
            "purpose": [r[3] for r in rows],
        }
    )


def organisations(p: ResourceParams) -> Table:
    methods = {
        "national agency": ["NTS", "TS", "clearance", "EOD_spot"],
        "military": ["TS", "clearance", "EOD_spot"],
        "NGO": ["NTS", "TS", "clearance"],
        "commercial": ["TS", "clearance"],
    }
    assets = {
        "national agency": ["manual", "dog", "rat", "machine"],
        "military": ["manual", "machine"],
        "NGO": ["manual", "dog"],
        "commercial": ["manual", "machine"],
    }
    return Table(
        {
            "organisation_id": [o[0] for o in p.organisations],
            "name": [o[1] for o in p.organisations],
            "kind": [o[2] for o in p.organisations],
            "accredited_methods": [methods[o[2]] for o in p.organisations],
            "accredited_assets": [assets[o[2]] for o in p.organisations],
            "accreditation_expires": ["2027-12-31" for _ in p.organisations],
        }
    )


def assets(share: float, p: ResourceParams) -> tuple[Table, float]:
    """Teams, dogs, rats and machines by organisation: half from the start, half added in
    2022 (the workforce doubled). Returns the table and the people it implies."""
    org_w = np.array([o[3] for o in p.organisations])
    rows = []
    people = 0.0
    for asset, units, m2, usd, per_unit in p.assets:
        total = round(units * share)
        people += total * per_unit
        for o, count in zip(p.organisations, _largest_remainder(total, org_w), strict=True):
            initial = int(count) // 2
            for n, since in ((initial, START_DATE), (int(count) - initial, "2022-01-01")):
                if n:
                    rows.append((o[1], asset, n, m2, usd, since))
    cols: dict[str, list[object]] = {
        "asset_id": [f"AST-{i + 1:04d}" for i in range(len(rows))],
        "organisation": [r[0] for r in rows],
        "asset": [r[1] for r in rows],
        "count": [r[2] for r in rows],
        "m2_per_day": [r[3] for r in rows],
        "usd_per_day": [r[4] for r in rows],
        "available_from": [r[5] for r in rows],
    }
    return Table(cols), people * (1 + p.support_share)


@dataclass(frozen=True)
class Sessions:
    settlement: I64
    x: F64
    y: F64
    date: Days
    organisation: NDArray[np.object_]
    people: I64
    """(n, 4): women, men, girls, boys."""


def eore_sessions(s: Settlements, p: ResourceParams, rng: np.random.Generator) -> Sessions:
    """Risk education in settlements people go back to, in proportion to planned returns."""
    n = rng.poisson(s.population_planned / 1000.0 * p.eore_sessions_per_1000_planned)
    owner = np.repeat(np.arange(len(s)), n)
    m = len(owner)
    size = rng.integers(p.eore_group[0], p.eore_group[1] + 1, m)
    people = rng.multinomial(size, p.eore_mix).reshape(m, 4).astype(np.int64)
    org_w = [o[3] for o in p.organisations]
    return Sessions(
        settlement=owner,
        x=s.x[owner] + rng.normal(0, p.eore_spread_m, m),
        y=s.y[owner] + rng.normal(0, p.eore_spread_m, m),
        date=uniform_days(rng, p.eore_from, END_DATE, m),
        organisation=np.array([o[1] for o in p.organisations], dtype=object)[
            choice_index(rng, org_w, m)
        ],
        people=people,
    )
