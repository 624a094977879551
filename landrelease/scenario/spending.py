"""Money spent on the work the scenario's programme did: one expenditure per approved activity,
its cost by method at the asset costs the planning reads (``assets.csv``), from a source of the
funding received in proportion to what each gave.

The cost of an activity, before a spread of ±15 % (log-normal) drawn with the scenario's seed:

* non-technical survey: manual team-days at ``plan_nts_m2_per_team_day`` (its default) × the
  manual team's USD/day;
* technical survey and clearance: the area searched (``searched_share`` of the polygon) × the
  USD per m² of the assets that did it (USD/day ÷ m²/day; assets side by side add both);
* an EOD spot task: one manual team-day.

Dated the activity's end, named after its organisation; drafts and submitted activities, not
yet accepted, cost nothing here.
"""

from __future__ import annotations

import numpy as np
import shapely

from landrelease.scenario.parameters import ResourceParams
from landrelease.scenario.resources import Table
from landrelease.scenario.tasks import Activities
from landrelease.scenario.timeline import iso
from landrelease.settings import SETTINGS

SPREAD = 0.15
"""Log-normal sigma of an activity's cost around its method's rate (prices, travel, weather)."""
NTS_M2_PER_TEAM_DAY = float(
    next(s.default for s in SETTINGS if s.name == "plan_nts_m2_per_team_day")
)
"""The planning's rate for non-technical survey (the default, so the scenario stays the same
whatever a user's settings)."""


def usd_per_m2(asset: object, p: ResourceParams) -> float:
    """The cost of searching one m² with ``asset`` (a kind, or the kinds that worked side by side
    — a machine and a manual team — whose day costs the sum of their USD/day and covers the sum
    of their m²/day); a manual team's when none is named."""
    kinds = {a: (m2, usd) for a, _, m2, usd, _ in p.assets}
    used = [a for a in (asset if isinstance(asset, list | tuple) else [asset]) if a in kinds]
    m2, usd = np.sum([kinds[a] for a in used or ["manual"]], axis=0)
    return float(usd / m2)


def activity_cost(
    kind: str, area_m2: float, searched: float | None, asset: object, p: ResourceParams
) -> float:
    """An activity's cost [USD] by its method, before the spread."""
    manual_day = next(usd for a, _, _, usd, _ in p.assets if a == "manual")
    if kind == "NTS":
        return area_m2 / NTS_M2_PER_TEAM_DAY * manual_day
    if kind == "EOD_spot":
        return manual_day
    return area_m2 * (1.0 if searched is None else float(searched)) * usd_per_m2(asset, p)


def expenditures(
    acts: Activities, funding: Table, p: ResourceParams, rng: np.random.Generator
) -> Table:
    """One expenditure per approved activity, by its end date (see the module)."""
    sources = np.asarray(funding.columns["source"], dtype=object)
    amounts = np.asarray(funding.columns["amount_usd"], float)
    names = sorted(set(sources.tolist()), key=lambda s: (s != "national", s))
    given = np.array([amounts[sources == s].sum() for s in names])
    keep = [i for i, s in enumerate(acts.status) if s == "approved"]
    keep.sort(key=lambda i: (str(acts.end[i]), acts.ids[i]))
    area = shapely.area(np.asarray([acts.geoms[i] for i in keep], dtype=object))
    spread = rng.lognormal(-(SPREAD**2) / 2, SPREAD, len(keep))
    pick = rng.choice(len(names), size=len(keep), p=given / given.sum())
    cost: list[object] = [
        round(
            float(activity_cost(acts.type[i], float(a), acts.searched_share[i], acts.asset[i], p))
            * float(s),
            2,
        )
        for i, a, s in zip(keep, area, spread, strict=True)
    ]
    return Table(
        {
            "expenditure_id": [f"EXP-{n + 1:05d}" for n in range(len(keep))],
            "date": list(iso(np.asarray([acts.end[i] for i in keep], dtype="datetime64[D]"))),
            "source": [names[int(k)] for k in pick],
            "amount_usd": cost,
            "purpose": [f"{acts.type[i]} {acts.ids[i]}" for i in keep],
            "activity_id": [acts.ids[i] for i in keep],
            "organisation": [acts.organisation[i] for i in keep],
        }
    )
