"""Where the distance between a plan and its LP bound comes from.

The bound (:mod:`landrelease.planning.bound`) gives away what makes the
problem easier; :func:`gap_causes` measures, for one plan, how much each of
those gifts is worth:

* **travel**: the plan pays for moving between tasks, the bound does not —
  the same order scheduled with free travel;
* **set-ups**: the plan pays ``setup_days`` of the joining team's own kind
  each time a team joins a task; the bound charges one set-up per task, at
  the slowest kind's rate (on machine ground, at the rate of the kinds working
  it for a task of its size group's largest size; on its large tasks, at the
  machines' rate) — the same order with neither
  travel nor set-ups (what no real plan can reach, an upper end of this cause). It is
  split in two: the set-ups of teams joining a task another team has begun (the same
  order with free travel and only each task's first set-up charged), what fewer teams
  per task could at most win; and the first set-up of each task, which every plan pays;
* **partial credit**: the bound credits a hazard (and a settlement) for the
  share of it done, a real plan only when all of it is done — the bound's
  benefit from shares strictly between 0 and 1 at the ends of single months
  (a merged period's share is an average over its months, which a hazard done
  within it also has, so it is not counted);
* **merged periods**: beyond ``plan_lp_max_cells`` the bound merges later
  months. Its shares there are averages credited month by month, so this is 0;
  a bound solved the old way (``average_merged=False``) credits what is done in
  a merged period from its first month — its benefit beyond crediting from the
  period's last month;
* **the rest**: what the same order with no mobilisation still misses beyond
  those two gifts — the order itself, and the bound's other relaxations.

The figures are shares of the bound (benefit-years over the bound's value).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from landrelease.planning.bound import Bound
from landrelease.planning.model import MONTHS_PER_YEAR, PlanProblem
from landrelease.planning.schedule import evaluate, simulate


@dataclass(frozen=True)
class GapCauses:
    """A plan beside its bound, and what each gift of the bound is worth (shares of the bound)."""

    plan: float
    """The plan's benefit over the bound."""
    without_travel: float
    """The same order with free travel, over the bound."""
    without_mobilisation: float
    """The same order with free travel and no set-ups, over the bound."""
    first_setups_only: float
    """The same order with free travel and only each task's first set-up charged, over the bound."""
    partial_credit: float
    """Bound benefit from hazards and settlements partly done, over the bound."""
    merged_periods: float
    """Bound benefit from crediting merged periods from their first month, over the bound."""

    @property
    def travel(self) -> float:
        return max(self.without_travel - self.plan, 0.0)

    @property
    def setups(self) -> float:
        return max(self.without_mobilisation - self.without_travel, 0.0)

    @property
    def later_setups(self) -> float:
        """Set-ups of teams joining a task another team has begun (within :attr:`setups`)."""
        return min(max(self.first_setups_only - self.without_travel, 0.0), self.setups)

    @property
    def rest(self) -> float:
        """What neither mobilisation nor the bound's two measured gifts explain: the order, and
        what else the bound relaxes (budgets and teams pooled over months, teams at once)."""
        return max(1.0 - self.without_mobilisation - self.partial_credit - self.merged_periods, 0.0)

    def lines(self) -> list[str]:
        """The gap and its causes in words."""
        return [
            f"plan {self.plan:.1%} of the bound; gap {1 - self.plan:.1%}, of which:",
            f"  travel between tasks (the bound travels free): {self.travel:.1%}",
            f"  set-ups beyond the bound's one per task: up to {self.setups:.1%} "
            f"(the same order with no mobilisation at all reaches {self.without_mobilisation:.1%})",
            f"    of which teams joining a task already begun: {self.later_setups:.1%}; "
            f"each task's first set-up: {self.setups - self.later_setups:.1%}",
            f"  credit for hazards and settlements partly done (the bound's, no plan's): "
            f"{self.partial_credit:.1%}",
            f"  merged later months credited from their first month: {self.merged_periods:.1%}"
            + (
                " (the bound averages their shares month by month)"
                if not self.merged_periods
                else ""
            ),
            f"  the rest (the order, and the bound's pooling of teams and money): {self.rest:.1%}",
        ]


def gap_causes(problem: PlanProblem, order: np.ndarray, bound: Bound) -> GapCauses:
    """Measure each cause of the gap for the plan that schedules ``order`` (see the module's text)."""
    value = bound.value if np.isfinite(bound.value) and bound.value > 0 else np.nan

    def share(p: PlanProblem) -> float:
        return float(evaluate(p, simulate(p, order, record=False).end_month).value / value)

    free_travel = dataclasses.replace(
        problem, params=dataclasses.replace(problem.params, travel_km_per_day=np.inf)
    )
    no_mob = dataclasses.replace(
        free_travel, params=dataclasses.replace(free_travel.params, setup_days=0.0)
    )
    first_only = dataclasses.replace(
        free_travel, params=dataclasses.replace(free_travel.params, join_setup_days=0.0)
    )
    partial, merged = _bound_credit(problem, bound)
    return GapCauses(
        plan=share(problem),
        without_travel=share(free_travel),
        without_mobilisation=share(no_mob),
        first_setups_only=share(first_only),
        partial_credit=partial / value,
        merged_periods=merged / value,
    )


def _bound_credit(problem: PlanProblem, bound: Bound) -> tuple[float, float]:
    """The bound's benefit-years from shares strictly between 0 and 1, and from crediting merged
    periods from their first month rather than their last (hazards; settlements at the least
    advanced of their blocking hazards)."""
    b = problem.benefits
    done = np.maximum.accumulate(bound.hazard_done, axis=1)
    if not done.size:
        return 0.0, 0.0
    first = bound.period_first_month
    last = np.append(first[1:] - 1, problem.n_months - 1)
    single = last == first
    horizon = problem.n_months - 1
    delta = np.append(np.diff(first), horizon - first[-1]) / MONTHS_PER_YEAR
    ready = np.ones((len(b.settlement_ids), done.shape[1]))
    np.minimum.at(ready, b.pair_settlement, done[b.pair_hazard])
    ready[~b.blocked] = 0.0
    partial = 0.0
    merged = 0.0
    for rate, share in ((b.hazard_value, done), (b.settlement_value, ready)):
        between = (share > 1e-6) & (share < 1 - 1e-6) & (single | ~bound.averaged)[None, :]
        partial += float((rate[:, None] * delta[None, :] * share * between).sum())
        if not bound.averaged:
            step = np.diff(np.concatenate([np.zeros((len(share), 1)), share], axis=1), axis=1)
            merged += float(
                (rate[:, None] * step * (last - first)[None, :]).sum() / MONTHS_PER_YEAR
            )
    return partial, merged
