"""The planning problem as arrays: tasks, what each asset kind does on them, capacity, budget, value.

The plan maximises benefit delivered before the horizon: for each settlement,
its value rate times the years between the month it becomes ready (every
hazard blocking it released) and the horizon; for each hazard, the value rate
of what it unblocks besides homes (infrastructure, farmland, casualties
prevented) times the years it is released before the horizon. Value rates
come from the priority weights, each criterion normalised by its total, so a
programme that released everything on day one would score the horizon in
years. People-years (people home × years before the horizon) are reported
beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.planning.assets import METHOD_KINDS, AssetPool, machine_allowed

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class PlanParams:
    """How work is counted (settings ``plan_*``)."""

    working_days_per_month: float
    setup_days: float
    travel_km_per_day: float
    m2_per_team: float
    machine_max_slope_deg: float
    builtup_radius_m: float
    nts_m2_per_team_day: float
    ts_sampled_share: float
    ts_followup_share: float
    """Share of a technical-survey area cleared when the survey finds devices."""
    bac_effort_share: float
    """Effort of battle-area clearance per m² as a share of full clearance."""
    min_join_days: float = 0.0
    """A team joins a task others already work only if each would still have this many days of work."""
    lookahead_tasks: int = 0
    """A team free for work takes the nearest of the next this-many-plus-one tasks it may join."""
    max_cost_ratio: float = float("inf")
    """A kind works a task only if its cost per m² there is at most this times the cheapest kind's."""
    min_task_days: float = 0.0
    """A kind works a task only if the task holds at least this many days of its work, unless it is
    the slowest kind able to work it (its set-up is then the smallest share of the work)."""
    min_task_days_by_kind: tuple[float, ...] = ()
    """The same rule with a threshold for each kind (in the pool's order of kinds), in place of
    ``min_task_days``; empty: ``min_task_days`` for every kind."""

    join_setup_days: float | None = None
    """Set-up days a team pays when it joins a task another team has begun; ``None``:
    ``setup_days``. The gap's causes (:mod:`~landrelease.planning.gap`) set 0 to measure what
    the set-ups beyond the first of each task cost."""
    min_join_days_by_kind: tuple[float, ...] = ()
    """``min_join_days`` for each kind (in the pool's order of kinds); empty: the same for all."""
    lookahead_by_kind: tuple[int, ...] = ()
    """``lookahead_tasks`` for each kind (in the pool's order of kinds); empty: the same for all."""
    claim_by_kind: tuple[int, ...] = ()
    """For each kind (in the pool's order of kinds), 1 when slower kinds leave it the tasks it may
    work (after the task-size rule); empty: none does. A machine's set-up costs it 5,000 m² of
    clearance, a manual team's 600: manual teams and dogs on ground machines will clear anyway
    spend their set-ups twice over."""
    reserve_by_kind: tuple[int, ...] = ()
    """For each kind, 1 when its teams spend only the year's money beyond what the kinds cheaper
    per m² would spend in the rest of the year; empty: none does. When the money runs out before
    the year does, the dearest work stops, not whichever teams are scheduled last."""

    def join_days(self, n_kinds: int) -> np.ndarray:
        """(kinds,) the joining rule's days of work each team must keep, for each kind."""
        if self.min_join_days_by_kind:
            return np.asarray(self.min_join_days_by_kind, float)
        return np.full(n_kinds, float(self.min_join_days))

    def lookahead(self, n_kinds: int) -> np.ndarray:
        """(kinds,) how many tasks past the first a free team of each kind looks at."""
        if self.lookahead_by_kind:
            return np.asarray(self.lookahead_by_kind, np.int64)
        return np.full(n_kinds, int(self.lookahead_tasks), np.int64)

    def claims(self, n_kinds: int) -> np.ndarray:
        """(kinds,) whether slower kinds leave each kind the tasks it may work."""
        if self.claim_by_kind:
            return np.asarray(self.claim_by_kind, bool)
        return np.zeros(n_kinds, bool)

    def reserves(self, n_kinds: int) -> np.ndarray:
        """(kinds,) whether each kind leaves the year's money to the cheaper kinds' later months."""
        if self.reserve_by_kind:
            return np.asarray(self.reserve_by_kind, bool)
        return np.zeros(n_kinds, bool)

    def task_days(self, n_kinds: int) -> np.ndarray:
        """(kinds,) the task-size rule's threshold for each kind, in days of its own work."""
        if self.min_task_days_by_kind:
            return np.asarray(self.min_task_days_by_kind, float)
        return np.full(n_kinds, float(self.min_task_days))

    def dispatch_rules(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        """The dispatch rules a plan chose, by kind name (stored with the plan for the forecast;
        an infinite cost ratio as ``None``)."""
        n = len(kinds)
        per = zip(
            kinds,
            self.task_days(n).tolist(),
            self.join_days(n).tolist(),
            self.lookahead(n).tolist(),
            self.claims(n).tolist(),
            self.reserves(n).tolist(),
            strict=True,
        )
        ratio = self.max_cost_ratio
        return {
            "min_task_days": self.min_task_days,
            "max_cost_ratio": ratio if np.isfinite(ratio) else None,
            "by_kind": {
                k: {"task_days": d, "join_days": j, "lookahead": a, "claim": c, "reserve": r}
                for k, d, j, a, c, r in per
            },
        }

    def with_dispatch_rules(self, rules: dict[str, Any], kinds: tuple[str, ...]) -> PlanParams:
        """These parameters with the rules of :meth:`dispatch_rules` (kinds not named there keep
        the uniform rules: no claim, no money left to others)."""
        if not rules:
            return self
        by_kind = rules.get("by_kind") or {}
        task_days = float(rules.get("min_task_days", self.min_task_days))
        ratio = rules.get("max_cost_ratio")

        def each(key: str, default: float) -> tuple[float, ...]:
            return tuple(float(by_kind.get(k, {}).get(key, default)) for k in kinds)

        return replace(
            self,
            min_task_days=task_days,
            max_cost_ratio=float("inf") if ratio is None else float(ratio),
            min_task_days_by_kind=each("task_days", task_days),
            min_join_days_by_kind=each("join_days", self.min_join_days),
            lookahead_by_kind=tuple(int(v) for v in each("lookahead", self.lookahead_tasks)),
            claim_by_kind=tuple(int(v) for v in each("claim", 0)),
            reserve_by_kind=tuple(int(v) for v in each("reserve", 0)),
        )

    @classmethod
    def from_settings(cls) -> PlanParams:
        g = settings.get
        return cls(
            working_days_per_month=float(g("plan_working_days_per_month")),
            setup_days=float(g("plan_setup_days")),
            travel_km_per_day=float(g("plan_travel_km_per_day")),
            m2_per_team=float(g("plan_m2_per_team")),
            machine_max_slope_deg=float(g("plan_machine_max_slope_deg")),
            builtup_radius_m=float(g("plan_builtup_radius_m")),
            nts_m2_per_team_day=float(g("plan_nts_m2_per_team_day")),
            ts_sampled_share=float(g("plan_ts_sampled_share")),
            ts_followup_share=float(g("forecast_ts_confirmed_share")),
            bac_effort_share=float(g("plan_bac_effort_share")),
            min_join_days=float(g("plan_min_join_days")),
            lookahead_tasks=int(g("plan_lookahead_tasks")),
        )


@dataclass(frozen=True)
class Benefits:
    """Value rates (per year) of settlements becoming ready and hazards being released."""

    hazard_ids: np.ndarray
    hazard_value: np.ndarray
    """(hazards,) value per year of a released hazard besides the homes it unblocks."""
    settlement_ids: np.ndarray
    settlement_names: np.ndarray
    population: np.ndarray
    """(settlements,) planned population."""
    settlement_value: np.ndarray
    """(settlements,) value per year of the settlement being ready."""
    pair_settlement: np.ndarray
    pair_hazard: np.ndarray
    """Settlement and hazard index of each (settlement, blocking hazard) pair of the plan's hazards."""
    blocking_count: np.ndarray | None = None
    """(settlements,) open hazards blocking return to each settlement, as the reports and the web
    count them (those with no work left included); ``None``: the plan's pairs."""

    @property
    def blocking_hazards(self) -> np.ndarray:
        """(settlements,) how many open hazards block return to each settlement."""
        if self.blocking_count is not None:
            return np.asarray(self.blocking_count, np.int64)
        return np.bincount(self.pair_settlement, minlength=len(self.settlement_ids))

    @property
    def blocked(self) -> np.ndarray:
        """Settlements blocked by at least one hazard of the plan."""
        out = np.zeros(len(self.settlement_ids), bool)
        out[self.pair_settlement] = True
        return out


@dataclass(frozen=True)
class PlanProblem:
    """Everything the scheduler, the LP bound and the forecast need, as arrays."""

    months: pd.PeriodIndex
    tasks: pd.DataFrame
    """One row per task (see :data:`landrelease.planning.tasks.TASK_COLUMNS`) plus ``machine_ok``."""
    pool: AssetPool
    rate: np.ndarray
    """(tasks, kinds) m² of task area a team of the kind releases per working day; 0: cannot work it."""
    slots: np.ndarray
    """(tasks,) most teams on the task at once."""
    budget_years: tuple[int, ...]
    budget_usd: np.ndarray
    """(budget years,) USD available in each calendar year (``inf``: no limit)."""
    month_year: np.ndarray
    """(months,) index of each month's year in ``budget_years``."""
    task_hazard: np.ndarray
    """(tasks,) index of each task's hazard in ``benefits.hazard_ids``."""
    benefits: Benefits
    params: PlanParams

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.pool.kinds

    @property
    def capacity_days(self) -> np.ndarray:
        """(kinds, months) team-days available."""
        return self.pool.teams * self.params.working_days_per_month

    def cheapest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per task: the cheapest kind that can work it (index, -1 none), its team-days and cost (USD)."""
        return cheapest_kind(
            self.tasks["area_m2"].to_numpy(float), self.rate, self.pool, self.params.setup_days
        )

    def with_budget(self, budget_usd: np.ndarray) -> PlanProblem:
        return replace(self, budget_usd=np.asarray(budget_usd, float))

    def with_pool(self, pool: AssetPool) -> PlanProblem:
        return replace(self, pool=pool, rate=task_rates(self.tasks, pool, self.params))


def task_rates(tasks: pd.DataFrame, pool: AssetPool, params: PlanParams) -> np.ndarray:
    """(tasks, kinds) m² of task area released per team-day (0 where the kind cannot work the task).

    NTS: manual (survey) teams at ``nts_m2_per_team_day``; technical survey,
    battle-area clearance and clearance: the kind's m²/day over the share of
    the area processed (:func:`processed_share`). Machines only where ``machine_ok``.
    """
    n, kinds = len(tasks), pool.kinds
    rate = np.zeros((n, len(kinds)))
    method = tasks["method"].to_numpy()
    share = processed_share(tasks, params)
    machine_ok = tasks["machine_ok"].to_numpy(bool) if "machine_ok" in tasks else np.ones(n, bool)
    for k, kind in enumerate(kinds):
        m2 = float(pool.m2_per_day[k])
        for m, allowed in METHOD_KINDS.items():
            if kind not in allowed:
                continue
            sel = method == m
            if m == "NTS":
                rate[sel, k] = params.nts_m2_per_team_day if m2 > 0 else 0.0
            else:
                rate[sel, k] = m2 / share[sel]
        if kind == "machine":
            rate[~machine_ok, k] = 0.0
    return rate


def processed_share(tasks: pd.DataFrame, params: PlanParams) -> np.ndarray:
    """(tasks,) share of a field task's area that teams process: all of it for clearance; for a
    technical survey the sampled share plus the clearance it is expected to trigger
    (``p_any_device`` × ``ts_followup_share``); for battle-area clearance its effort as a share
    of clearance (``bac_effort_share``: a detector sweep to a shallow depth). 1 for NTS (counted
    at its own rate)."""
    method = tasks["method"].to_numpy()
    p_any = (
        tasks["p_any_device"].to_numpy(float) if "p_any_device" in tasks else np.zeros(len(tasks))
    )
    ts = params.ts_sampled_share + np.clip(p_any, 0.0, 1.0) * params.ts_followup_share
    share = np.where(method == "BAC", params.bac_effort_share, 1.0)
    return np.maximum(np.where(method == "TS", ts, share), 1e-9)


def cheapest_kind(
    area_m2: np.ndarray, rate: np.ndarray, pool: AssetPool, setup_days: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per task: the cheapest available kind that can work it (index, -1 none), its team-days
    (one set-up included) and its cost (USD; ``inf`` where none can)."""
    area = np.asarray(area_m2, float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(rate > 0, area / np.where(rate > 0, rate, 1.0), np.inf) + setup_days
    available = pool.teams.max(axis=1, initial=0.0) > 0
    with np.errstate(invalid="ignore"):
        cost = np.where(
            available[None, :] & np.isfinite(days), days * pool.usd_per_day[None, :], np.inf
        )
    if not cost.shape[1]:
        n = len(area)
        return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
    k = np.argmin(cost, axis=1)
    rows = np.arange(len(area))
    ok = np.isfinite(cost[rows, k])
    return (
        np.where(ok, k, -1),
        np.where(ok, days[rows, k], np.inf),
        np.where(ok, cost[rows, k], np.inf),
    )


def task_slots(tasks: pd.DataFrame, params: PlanParams) -> np.ndarray:
    """Most teams at once on each task: one per ``m2_per_team`` of ground processed; NTS as many
    survey teams as finish it within a month."""
    area = tasks["area_m2"].to_numpy(float)
    method = tasks["method"].to_numpy()
    processed = area * processed_share(tasks, params)
    field = np.ceil(processed / max(params.m2_per_team, 1.0))
    nts = np.ceil(area / max(params.nts_m2_per_team_day * params.working_days_per_month, 1.0))
    return np.maximum(np.where(method == "NTS", nts, field), 1).astype(np.int64)


def with_machine_ground(tasks: pd.DataFrame, params: PlanParams) -> pd.DataFrame:
    """The tasks with ``machine_ok``: not steeper than allowed (unknown slope: allowed) and not
    within ``builtup_radius_m`` of a settlement (``settlement_distance_m``; unknown: far)."""
    out = tasks.copy()
    dist = (
        out["settlement_distance_m"].to_numpy(float)
        if "settlement_distance_m" in out
        else np.full(len(out), np.inf)
    )
    out["machine_ok"] = machine_allowed(
        out["slope_deg"].to_numpy(float),
        dist,
        max_slope_deg=params.machine_max_slope_deg,
        builtup_m=params.builtup_radius_m,
    )
    return out


def build_problem(
    *,
    tasks: pd.DataFrame,
    months: pd.PeriodIndex,
    pool: AssetPool,
    benefits: Benefits,
    budget_usd_per_year: dict[int, float] | float | None,
    params: PlanParams,
) -> PlanProblem:
    """Assemble the arrays; ``budget_usd_per_year`` is one figure for every year, one per year, or
    ``None`` for no limit."""
    tasks = with_machine_ground(
        tasks.drop(columns=["geometry"], errors="ignore").reset_index(drop=True), params
    )
    years = tuple(sorted({int(p.year) for p in months}))
    month_year = np.array([years.index(int(p.year)) for p in months], dtype=np.int64)
    planned = np.bincount(month_year, minlength=len(years))
    budget = budget_array(budget_usd_per_year, years, planned)
    index = {h: i for i, h in enumerate(benefits.hazard_ids)}
    task_hazard = tasks["hazard_id"].map(index).to_numpy()
    if pd.isna(task_hazard).any():
        raise ValueError("every task's hazard must be in the benefits' hazards")
    return PlanProblem(
        months=months,
        tasks=tasks,
        pool=pool,
        rate=task_rates(tasks, pool, params),
        slots=task_slots(tasks, params),
        budget_years=years,
        budget_usd=budget,
        month_year=month_year,
        task_hazard=task_hazard.astype(np.int64),
        benefits=benefits,
        params=params,
    )


def budget_array(
    budget: dict[int, float] | float | None,
    years: tuple[int, ...],
    months_planned: np.ndarray | None = None,
) -> np.ndarray:
    """USD available in each calendar year of the plan.

    Every figure is a calendar year's money (one for all years, or per year from a dict, a
    year it does not name taking the latest earlier figure, or the first). In a year the plan
    covers only in part — it starts in November, or ends in June — the figure is prorated by
    the months planned there: two months get 2/12 of it, not a whole year's budget to spend in
    two months.
    """
    if budget is None:
        return np.full(len(years), np.inf)
    planned = (
        np.full(len(years), MONTHS_PER_YEAR)
        if months_planned is None
        else np.asarray(months_planned, float)
    )
    share = np.minimum(planned, MONTHS_PER_YEAR) / MONTHS_PER_YEAR
    if isinstance(budget, dict):
        known = sorted(budget)
        yearly = []
        for y in years:
            earlier = [k for k in known if k <= y]
            yearly.append(float(budget[earlier[-1]] if earlier else budget[known[0]]))
        return np.asarray(yearly, float) * share
    return float(budget) * share


def benefit_rates(
    *,
    criteria: pd.DataFrame,
    blocking: pd.DataFrame,
    settlements: pd.DataFrame,
    weights: dict[str, float],
) -> Benefits:
    """Value rates from the hazards' criteria and what blocks return, with the benefit weights.

    ``blocking`` holds the (settlement_id, hazard_id) pairs that block return
    (:meth:`~landrelease.store.WorkspaceView.blocking_pairs`): a settlement is
    ready when its blocking hazards among the plan's are released, and is
    counted as blocked by all of them. ``weights`` holds the (normalised)
    weights of people, infrastructure, farmland and casualty_risk; they are
    renormalised over these four, since cost is a constraint of the plan, not
    a benefit. Each criterion is divided by its total over the plan's hazards.
    """
    names = ("people", "infrastructure", "farmland", "casualty_risk")
    w = np.array([max(float(weights.get(n, 0.0)), 0.0) for n in names])
    w = w / w.sum() if w.sum() > 0 else np.full(4, 0.25)
    hazard_ids = criteria["hazard_id"].to_numpy()
    hv = np.zeros(len(criteria))
    for weight, col in zip(w[1:], ("infrastructure", "farmland_ha", "casualty_risk"), strict=True):
        v = criteria[col].to_numpy(float)
        total = v.sum()
        if total > 0:
            hv += weight * v / total
    index = {h: i for i, h in enumerate(hazard_ids)}
    sid = settlements["settlement_id"].to_numpy()
    s_index = {s: i for i, s in enumerate(sid)}
    pairs = blocking[["settlement_id", "hazard_id"]].drop_duplicates()
    pairs = pairs[pairs["settlement_id"].isin(s_index)]
    count = np.bincount(pairs["settlement_id"].map(s_index).to_numpy(np.int64), minlength=len(sid))
    lk = pairs[pairs["hazard_id"].isin(index)]
    pop = (
        pd.to_numeric(settlements["population_planned"], errors="coerce").fillna(0).to_numpy(float)
        if "population_planned" in settlements
        else np.zeros(len(sid))
    )
    pair_s = lk["settlement_id"].map(s_index).to_numpy(np.int64)
    pair_h = lk["hazard_id"].map(index).to_numpy(np.int64)
    blocked = np.zeros(len(sid), bool)
    blocked[pair_s] = True
    total_pop = pop[blocked].sum()
    sv = np.where(blocked, w[0] * pop / total_pop, 0.0) if total_pop > 0 else np.zeros(len(sid))
    names_col = settlements["name"].to_numpy() if "name" in settlements else sid
    return Benefits(
        hazard_ids=hazard_ids,
        hazard_value=hv,
        settlement_ids=sid,
        settlement_names=names_col,
        population=pop,
        settlement_value=sv,
        pair_settlement=pair_s,
        pair_hazard=pair_h,
        blocking_count=count,
    )
