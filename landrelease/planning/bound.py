"""The LP relaxation of the plan, solved with HiGHS: an upper bound on any schedule's benefit.

The exact problem (which team works which task in which month) is too big to
solve as a MIP at national scale, so the plan is made by list scheduling
(:mod:`landrelease.planning.schedule`) and checked against this bound. The
relaxation only gives away what makes the problem easier, so its optimum is
never below the benefit of a real schedule:

* each hazard progresses as a share ``Y[h, p]`` done by the end of period
  ``p``; the work it needs of each class (non-technical survey; field work
  where machines may go; field work where they may not; in m² of the class,
  with one set-up per task) counts against what the teams of that class could
  have done up to then (a real schedule's hazard share is that of its least
  advanced task, so it never needs more); shares need not grow from period to
  period (dropping that only loosens the bound, and the optimum barely moves);
* a hazard's own benefit (infrastructure, farmland, casualties) accrues with
  its share; a settlement is ready to the extent that every hazard blocking
  it is (when that is too many rows, the ``READY_PAIRS`` biggest one by one
  and the area-weighted average of the others);
* mobilisation costs one set-up per task; on machine ground each kind pays its
  own, in its own time (below); travel is ignored; a hazard cannot
  go faster than its teams-at-once limit allows, nor than its least advanced
  task can (that task's teams-at-once of the fastest kind able to work it,
  each after its set-up);
* later months may be merged into quarters or longer (``plan_lp_max_cells``
  rows). In a merged period a hazard's share is the average of its shares at
  the ends of the period's months, credited month by month, against the
  average of the class's cumulative capacity at those month ends: a team-day
  spent in the period's ``j``-th month of ``L`` counts ``(L − j + 1) / L`` of a
  day (the kinds' days so weighted stay within their capacity so weighted).
  Every real schedule's monthly shares average to such a point, so the bound
  stays valid; before decision 0040 anything finished in a merged period was
  credited from its first month (0.7 % of the benchmark's bound).

**Machine ground by task size** (decision 0043). A set-up costs a team ``s`` days
(``setup_days``) of its own kind, ``s · r_k`` m² of its work: 5,000 m² for a machine, 600 for
a manual team. Charging every task ``s · r_s`` m² (``r_s`` the slowest kind's rate) let the
machines, which do the machine-ground work in the bound's solution, pay their set-ups at a
manual team's price. So machine ground's tasks are grouped by size (processed m²; the first
group up to :data:`SIZE_FIRST_M2`, each next one up to :data:`SIZE_RATIO` times the last), each
group a class of its own whose need is still its tasks' m² plus ``s · r_s`` each, where a
team-day of kind ``k`` yields ``f_k(A) = (A + s·r_s) / (A / r_k + s)`` m² of need, ``A`` the
group's largest task. Valid: kinds that did ``w_k`` m² of a task of ``a ≤ A`` m² spent at least
``w_k / r_k + s`` days each, and ``f_k`` grows with the size (``r_k ≥ r_s``), so those days
yield ``Σ f_k(A)(w_k / r_k + s) ≥ Σ f_k(w_k)(w_k / r_k + s) = Σ (w_k + s·r_s)``, at least the
task's share done (``Σ w_k / a``) of its need. As ``r_s ≤ f_k ≤ r_k``, the bound is never
above the one with one machine-ground class (``by_size=False``).

**Where machines work, their own set-ups** (decision 0045). Those yields charge the slowest kind
exactly, but let the machines yield ``f_k(A)`` on a group's smaller tasks as well: a machine
needs 3.2 days for a 3,000 m² task of the group up to 10,000 m², where they count 2.0. The
charge per set-up may be any rate ``ρ``: a task needs ``a + s·ρ``, and a team-day of kind ``k``
yields ``g_k``, the largest ``(a + s·ρ) / (a / r_k + s)`` over the group's tasks. **Valid:** a
kind that did a share ``y_k`` of a task spent at least ``y_k (a / r_k + s)`` days there, which
yield at least ``y_k (a + s·ρ)``; summed over the kinds, at least the task's share done of its
need. ``ρ = r_s`` gives the yields above. Groups of tasks of :data:`FASTEST_FROM_M2` or more,
which the machines work, charge ``ρ = r_f`` (the fastest kind's rate): a machine there needs
exactly its own days on every task, and the slower kinds yield what they yield on the group's
smallest task. Smaller groups keep ``ρ = r_s``, where manual teams do much of the work
(``fastest_pays=False``: ``ρ = r_s`` everywhere, the bound of decision 0043).

Its solution also suggests an order (each hazard's α-point: the period by
which a share α of it is done), which the scheduler tries beside the greedy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from landrelease.planning.model import MONTHS_PER_YEAR, PlanProblem, processed_share

ALPHAS = (0.3, 0.5, 0.7, 0.9)
READY_PAIRS = 4
"""When all pairs do not fit: blocking hazards per settlement kept one by one; the rest are averaged."""
SIZE_FIRST_M2 = 2_500.0
"""Largest task (processed m²) of machine ground's first size group (a machine's day)."""
SIZE_RATIO = 4.0
"""Each size group of machine ground holds tasks up to this many times the previous group's
largest: a task pays at least a quarter of its own kinds' set-ups."""
FASTEST_FROM_M2 = 10_000.0
"""Machine ground's size groups of tasks this large or larger (processed m²) charge each set-up
at the fastest kind's rate, the others at the slowest kind's (decision 0045): machines do that
work."""


@dataclass(frozen=True)
class Bound:
    """The LP relaxation's optimum and what its solution suggests."""

    value: float
    """Upper bound on the plan's benefit (benefit-years); ``inf`` when the LP was not solved."""
    status: str
    seconds: float
    cpu_seconds: float
    """Processor time of the whole solve (of the thread that solves it: the plan does other work
    meanwhile), which other jobs sharing the machine do not lengthen."""
    rows: int
    columns: int
    hazards: int
    """Hazards in the LP (workable, with some value)."""
    periods: int
    month_periods: int
    """Periods that are single months (the rest are merged)."""
    hazard_done: np.ndarray
    """(problem hazards, periods) share of each hazard done by the end of each period (in a merged
    period, the average over its months' ends; 0 outside the LP)."""
    period_first_month: np.ndarray
    averaged: bool = True
    """Merged periods hold average shares credited month by month (``False``: the share at the
    period's end, credited from its first month)."""

    def alpha_period(self, alpha: float) -> np.ndarray:
        """(hazards,) first period by whose end a share ``alpha`` is done (``periods``: never)."""
        reached = self.hazard_done >= alpha - 1e-6
        first = np.argmax(reached, axis=1)
        return np.where(reached.any(axis=1), first, self.hazard_done.shape[1])


def class_of_tasks(problem: PlanProblem) -> np.ndarray:
    """0 non-technical survey; 1 field work where machines may go; 2 field work where they may not."""
    method = problem.tasks["method"].to_numpy()
    ok = problem.tasks["machine_ok"].to_numpy(bool)
    return np.where(method == "NTS", 0, np.where(ok, 1, 2)).astype(np.int64)


def class_rates(problem: PlanProblem) -> np.ndarray:
    """(classes, kinds) m² of the class's work a team of each kind does per day (0: cannot, or none)."""
    kinds = problem.kinds
    available = problem.pool.teams.max(axis=1, initial=0.0) > 0
    m2 = problem.pool.m2_per_day
    rate = np.zeros((3, len(kinds)))
    if "manual" in kinds and m2[kinds.index("manual")] > 0:
        rate[0, kinds.index("manual")] = problem.params.nts_m2_per_team_day
    rate[1] = m2
    rate[2] = m2
    if "machine" in kinds:
        rate[2, kinds.index("machine")] = 0.0
    rate[:, ~available] = 0.0
    return rate


def slowest_rates(crate: np.ndarray) -> np.ndarray:
    """(classes,) the slowest rate of the kinds able to work each class (0 where none is)."""
    return np.array([r[r > 0].min() if (r > 0).any() else 0.0 for r in crate])


def size_groups(
    cls: np.ndarray,
    crate: np.ndarray,
    work: np.ndarray,
    setup_days: float,
    *,
    first_m2: float = SIZE_FIRST_M2,
    ratio: float = SIZE_RATIO,
    fastest_from_m2: float = FASTEST_FROM_M2,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Machine ground (class 1) split by task size (see the module's text): (tasks,) the class
    of each task (0 and 2 as given, 3 on for the groups, 1 left empty), (classes, kinds) m² of
    need a team-day of each kind yields (none in class 1: without its idle team-day columns
    HiGHS takes 6 s instead of 10 on the benchmark) and (classes,) the m² each task's set-up
    adds to its need: the slowest kind's ``s·r_s``, in groups of tasks of ``fastest_from_m2``
    or more the fastest kind's ``s·r_f`` (decision 0045)."""
    charge = slowest_rates(crate)
    able = crate[1] > 0
    sel = cls == 1
    if not sel.any() or not able.any():
        return cls, crate, charge
    slow, fast = crate[1][able].min(), crate[1].max()
    rows = [crate[0], np.zeros_like(crate[1]), crate[2]]
    charges = charge.tolist()
    out = cls.copy()
    top = float(work[sel].max())
    edges = [first_m2]
    while edges[-1] < top:
        edges.append(edges[-1] * ratio)
    group = np.searchsorted(np.asarray(edges), work, side="left")
    smallest = [0.0, *edges]  # group g holds tasks above smallest[g]
    for g in np.unique(group[sel]).tolist():
        members = sel & (group == g)
        rho = fast if smallest[g] >= fastest_from_m2 else slow
        a = work[members][:, None]
        days = a / np.where(able, crate[1], 1.0)[None, :] + setup_days
        yields = ((a + setup_days * rho) / days).max(axis=0) if setup_days > 0 else crate[1]
        rows.append(np.where(able, yields, 0.0))
        charges.append(rho)
        out[members] = len(rows) - 1
    return out, np.array(rows), np.asarray(charges)


def periods(
    n_months: int, first_month_of_year: int, per_period_rows: int, max_cells: int
) -> list[tuple[int, int]]:
    """Month ranges [a, b] of the LP: single months first, then quarters (or longer), within
    calendar years, so that periods × ``per_period_rows`` stays under ``max_cells``."""
    limit = max(max_cells // max(per_period_rows, 1), 2)
    if n_months <= limit:
        return [(t, t) for t in range(n_months)]
    out: list[tuple[int, int]] = []
    for length in (3, 6, 12):
        for m0 in range(n_months, -1, -1):
            out = [(t, t) for t in range(m0)]
            t = m0
            while t < n_months:
                pos = (first_month_of_year - 1 + t) % 12
                b = min(t + (length - 1 - pos % length), n_months - 1)
                out.append((t, b))
                t = b + 1
            if len(out) <= limit:
                return out
    return out


def task_reach(problem: PlanProblem, months: np.ndarray) -> np.ndarray:
    """(hazards, len(months)) the largest share of each hazard a schedule can have done within
    ``months`` months of the start: its least advanced task's. A task's teams-at-once
    (``slots``, or all the teams able to work it if fewer), each of the fastest kind able to work
    it, every working day less the set-up each team pays before it works, do at most that share
    of its area."""
    area = problem.tasks["area_m2"].to_numpy(float)
    most = np.floor(problem.pool.teams.max(axis=1, initial=0.0) + 1e-9)
    able = np.where(most[None, :] > 0, problem.rate, 0.0)
    fastest = able.max(axis=1, initial=0.0)
    teams = np.minimum(problem.slots, (able > 0) @ most)
    days = np.maximum(
        np.asarray(months, float) * problem.params.working_days_per_month
        - problem.params.setup_days,
        0.0,
    )
    per_day = teams * fastest / np.maximum(area, 1e-12)
    share = np.minimum(per_day[:, None] * days[None, :], 1.0)
    share[area <= 0] = 1.0
    out = np.ones((len(problem.benefits.hazard_ids), len(days)))
    np.minimum.at(out, problem.task_hazard, share)
    return out


def solve_bound(
    problem: PlanProblem,
    *,
    max_cells: int,
    time_limit_s: float = 300.0,
    integer: bool = False,
    task_speed: bool = True,
    average_merged: bool = True,
    by_size: bool = True,
    fastest_pays: bool = True,
) -> Bound:
    """Build and solve the LP relaxation (see the module's text).

    ``integer``: hazards and settlements are done or not (0/1 shares): the same model as a MIP,
    a tighter bound that is still above every real schedule (small problems only; for tests
    and the benchmark's check of the relaxation).

    ``task_speed``: each hazard's share done is also capped by its slowest task's
    (:func:`task_reach`); ``False``: by the hazard's teams-at-once summed over its tasks only
    (the bound before decision 0026, for comparison).

    ``average_merged``: merged periods hold average shares credited month by month (see the
    module's text); ``False``: the share at the period's end, credited from its first month
    (the bound before decision 0040, for comparison).

    ``by_size``: machine ground's tasks in size groups, each kind paying its own set-ups there
    (:func:`size_groups`); ``False``: one class, every set-up at the slowest kind's rate (the
    bound before decision 0043, for comparison).

    ``fastest_pays``: machine ground's groups of tasks of :data:`FASTEST_FROM_M2` or more
    charge each set-up at the fastest kind's rate; ``False``: every group at the slowest kind's
    (the bound of decision 0043, for comparison)."""
    t0, cpu0 = time.perf_counter(), time.thread_time()
    b = problem.benefits
    n_h, n_k, n_months = len(b.hazard_ids), len(problem.kinds), problem.n_months
    cls = class_of_tasks(problem)
    crate = class_rates(problem)
    area = problem.tasks["area_m2"].to_numpy(float)
    method = problem.tasks["method"].to_numpy()
    equiv = np.where(method == "NTS", area, area * processed_share(problem.tasks, problem.params))
    charge = slowest_rates(crate)
    # fastest a hazard can go: its tasks' teams-at-once, at the fastest kind, every working day
    speed = np.zeros(n_h)
    np.add.at(
        speed,
        problem.task_hazard,
        problem.slots * crate.max(axis=1)[cls] * problem.params.working_days_per_month,
    )
    if by_size:
        cls, crate, charge = size_groups(
            cls,
            crate,
            equiv,
            problem.params.setup_days,
            fastest_from_m2=FASTEST_FROM_M2 if fastest_pays else np.inf,
        )
    n_c = len(crate)
    equiv = equiv + problem.params.setup_days * charge[cls]
    workable = np.array([crate[c].max() > 0 for c in cls], dtype=bool) & (
        problem.rate.max(axis=1) > 0
    )
    hazard_ok = np.ones(n_h, bool)
    np.logical_and.at(hazard_ok, problem.task_hazard, workable)
    need = np.zeros((n_h, n_c))
    np.add.at(need, (problem.task_hazard, cls), equiv)
    # settlements the LP can make ready: all their hazards workable
    s_ok = np.ones(len(b.settlement_ids), bool)
    np.logical_and.at(s_ok, b.pair_settlement, hazard_ok[b.pair_hazard])
    s_ok &= b.settlement_value > 0
    keep = s_ok[b.pair_settlement]
    ps, ph = b.pair_settlement[keep], b.pair_hazard[keep]
    used = hazard_ok & ((b.hazard_value > 0) | np.isin(np.arange(n_h), ph))
    used_h = np.flatnonzero(used)
    col_of = np.full(n_h, -1)
    col_of[used_h] = np.arange(len(used_h))
    # readiness rows: every blocking hazard, or (when too many) the biggest one by one and the rest averaged
    order = np.lexsort((-need.sum(axis=1)[ph], ps))
    ps, ph = ps[order], ph[order]
    total = need.sum(axis=1)
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.empty(0, np.int64)
    ends = np.r_[starts[1:], len(ps)] if len(ps) else np.empty(0, np.int64)
    groups = [(int(ps[a]), ph[a:e]) for a, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    single = {s: int(hs[0]) for s, hs in groups if len(hs) == 1}
    rows_s = _readiness_rows(groups, total, keep=None)
    yearly = max(int(np.ceil(n_months / MONTHS_PER_YEAR)), 1)
    if (len(rows_s) + n_c) * yearly > max_cells:
        rows_s = _readiness_rows(groups, total, keep=READY_PAIRS)
    multi = sorted({s for s, _, _ in rows_s})
    r_of = {s: i for i, s in enumerate(multi)}
    per = periods(n_months, int(problem.months[0].month), len(rows_s) + n_c, max_cells)
    n_periods = len(per)
    first = np.array([a for a, _ in per])
    length = np.array([bb - a + 1 for a, bb in per], float)
    delta = np.append(np.diff(first), n_months - 1 - first[-1]).astype(float) / MONTHS_PER_YEAR
    cap = np.array(
        [[problem.capacity_days[k, a : bb + 1].sum() for a, bb in per] for k in range(n_k)]
    )
    year_of_period = np.array([problem.month_year[a] for a, _ in per])
    month_period = np.repeat(np.arange(n_periods), length.astype(np.int64))
    spread, tail = _month_weights(month_period, length, n_months, average_merged)
    averaged = np.flatnonzero((length > 1) & average_merged)
    # columns: col_y[h,p], col_r[s,p], W[c,p] (cumulative class capacity), u[c,k,p] (team-days),
    # v[c,k,p] (team-days weighted by the months left in a merged period, averaged periods only)
    n_y, n_r = len(used_h) * n_periods, len(multi) * n_periods
    uc = [(c, k) for c in range(n_c) for k in range(n_k) if crate[c, k] > 0]
    y0, r0, w0, u0 = 0, n_y, n_y + n_r, n_y + n_r + n_c * n_periods
    v0 = u0 + len(uc) * n_periods
    n_cols = v0 + len(uc) * len(averaged)
    cost = np.zeros(n_cols)
    lower = np.zeros(n_cols)
    upper = np.ones(n_cols)
    lower[w0:u0] = -np.inf
    upper[w0:] = np.inf
    col_y = y0 + np.arange(len(used_h))[:, None] * n_periods + np.arange(n_periods)[None, :]
    cost[col_y] += b.hazard_value[used_h][:, None] * delta[None, :]
    for s, h in single.items():
        if col_of[h] >= 0:
            cost[col_y[col_of[h]]] += b.settlement_value[s] * delta
    col_r = r0 + np.arange(len(multi))[:, None] * n_periods + np.arange(n_periods)[None, :]
    cost[col_r] = np.array([b.settlement_value[s] for s in multi])[:, None] * delta[None, :]
    col_u = {ck: u0 + i * n_periods + np.arange(n_periods) for i, ck in enumerate(uc)}
    col_v = {ck: v0 + i * len(averaged) + np.arange(len(averaged)) for i, ck in enumerate(uc)}

    rr: list[np.ndarray] = []
    cc: list[np.ndarray] = []
    vv: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    n_rows = 0

    def block(
        r: np.ndarray, c: np.ndarray, v: np.ndarray, low: np.ndarray, high: np.ndarray
    ) -> None:
        nonlocal n_rows
        rr.append(np.asarray(r, np.int64) + n_rows)
        cc.append(np.asarray(c, np.int64))
        vv.append(np.asarray(v, float))
        lo.append(np.asarray(low, float))
        hi.append(np.asarray(high, float))
        n_rows += len(low)

    # a hazard cannot go faster than its teams-at-once allow (month by month, then each
    # period's share: at its end, or averaged over its months)
    months_by_end = np.arange(1, n_months + 1, dtype=float)
    reach = np.minimum(
        (speed[used_h] / np.maximum(total[used_h], 1e-12))[:, None] * months_by_end[None, :], 1.0
    )
    if task_speed:
        reach = np.minimum(reach, task_reach(problem, months_by_end)[used_h])
    upper[col_y] = reach @ spread
    # cumulative class capacity: W[c,p] - W[c,p-1] - sum_k rate u[c,k,p] = 0 ; sum_h need col_y[h,p] - W[c,p] <= 0
    r_, c_, v_ = [], [], []
    for c in range(n_c):
        for p in range(n_periods):
            row = c * n_periods + p
            r_.append(row)
            c_.append(w0 + row)
            v_.append(1.0)
            if p > 0:
                r_.append(row)
                c_.append(w0 + row - 1)
                v_.append(-1.0)
        for (c2, k), idx in col_u.items():
            if c2 == c:
                r_ += (c * n_periods + np.arange(n_periods)).tolist()
                c_ += idx.tolist()
                v_ += [-crate[c, k]] * n_periods
    block(
        np.array(r_),
        np.array(c_),
        np.array(v_),
        np.zeros(n_c * n_periods),
        np.zeros(n_c * n_periods),
    )
    # the work done: a period's share against the class's capacity by its end; an averaged
    # period's against the capacity before it plus its weighted days
    ends = np.setdiff1d(np.arange(n_periods), averaged)
    before = averaged[averaged > 0]
    for c in range(n_c):
        hs = np.flatnonzero(need[used_h, c] > 0)
        rows = np.repeat(np.arange(n_periods)[None, :], len(hs), axis=0)
        v_rows, v_cols, v_vals = [], [], []
        for (c2, k), idx in col_v.items():
            if c2 == c:
                v_rows.append(averaged)
                v_cols.append(idx)
                v_vals.append(np.full(len(averaged), -crate[c, k]))
        block(
            np.concatenate([rows.ravel(), ends, before, *v_rows]),
            np.concatenate(
                [
                    col_y[hs].ravel(),
                    w0 + c * n_periods + ends,
                    w0 + c * n_periods + before - 1,
                    *v_cols,
                ]
            ),
            np.concatenate(
                [
                    np.repeat(need[used_h[hs], c], n_periods),
                    -np.ones(len(ends)),
                    -np.ones(len(before)),
                    *v_vals,
                ]
            ),
            np.full(n_periods, -np.inf),
            np.zeros(n_periods),
        )
    if len(averaged):
        # weighted days: no more than the days themselves, nor than each kind's weighted capacity
        n_v = len(uc) * len(averaged)
        u_of_v = np.concatenate([col_u[ck][averaged] for ck in uc])
        block(
            np.concatenate([np.arange(n_v), np.arange(n_v)]),
            np.concatenate([v0 + np.arange(n_v), u_of_v]),
            np.concatenate([np.ones(n_v), -np.ones(n_v)]),
            np.full(n_v, -np.inf),
            np.zeros(n_v),
        )
        weighted_cap = (problem.capacity_days[:, :n_months] * tail[None, :]) @ (
            month_period[:, None] == averaged[None, :]
        )
        kind_of_v = np.repeat([k for _, k in uc], len(averaged))
        block(
            kind_of_v * len(averaged) + np.tile(np.arange(len(averaged)), len(uc)),
            v0 + np.arange(n_v),
            np.ones(n_v),
            np.full(n_k * len(averaged), -np.inf),
            weighted_cap.ravel(),
        )
    # kind capacity and budget
    r_, c_, v_ = [], [], []
    for (_, k), idx in col_u.items():
        r_ += (k * n_periods + np.arange(n_periods)).tolist()
        c_ += idx.tolist()
        v_ += [1.0] * n_periods
    block(
        np.array(r_, np.int64),
        np.array(c_, np.int64),
        np.array(v_),
        np.full(n_k * n_periods, -np.inf),
        cap.ravel(),
    )
    finite = [y for y in range(len(problem.budget_years)) if np.isfinite(problem.budget_usd[y])]
    if finite:
        r_, c_, v_ = [], [], []
        for j, y in enumerate(finite):
            ps_y = np.flatnonzero(year_of_period == y)
            for (_, k), idx in col_u.items():
                r_ += [j] * len(ps_y)
                c_ += idx[ps_y].tolist()
                v_ += [float(problem.pool.usd_per_day[k])] * len(ps_y)
        block(
            np.array(r_, np.int64),
            np.array(c_, np.int64),
            np.array(v_),
            np.full(len(finite), -np.inf),
            problem.budget_usd[finite],
        )
    # readiness: col_r[s,p] <= col_y[h,p] (or a weighted average of col_y)
    if rows_s:
        r_l, c_l, v_l = [], [], []
        for j, (s, hs, w) in enumerate(rows_s):
            base = j * n_periods + np.arange(n_periods)
            r_l.append(base)
            c_l.append(col_r[r_of[s]])
            v_l.append(np.ones(n_periods))
            for h, wt in zip(hs.tolist(), w.tolist(), strict=True):
                r_l.append(base)
                c_l.append(col_y[col_of[h]])
                v_l.append(np.full(n_periods, -wt))
        k = len(rows_s) * n_periods
        block(
            np.concatenate(r_l),
            np.concatenate(c_l),
            np.concatenate(v_l),
            np.full(k, -np.inf),
            np.zeros(k),
        )

    matrix = sparse.csc_matrix(
        (np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(n_rows, n_cols)
    )
    matrix.sum_duplicates()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        kinds = np.full(n_cols, highspy.HighsVarType.kContinuous)
        kinds[y0:w0] = highspy.HighsVarType.kInteger
        lp.integrality_ = kinds.tolist()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("simplex_strategy", 1)  # serial dual simplex: fastest on these models
    # no cost perturbation: the dual simplex then needs no clean-up once optimal for the perturbed
    # costs (benchmark: 94,000 iterations instead of 109,000 and a third less time, same optimum
    # within the solver's tolerance; decision 0035)
    highs.setOptionValue("dual_simplex_cost_perturbation_multiplier", 0.0)
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    value = float(highs.getInfo().objective_function_value) if status == "Optimal" else np.inf
    x = np.array(highs.getSolution().col_value, dtype=np.float64)
    done = np.zeros((n_h, n_periods))
    if len(used_h) and len(x) == n_cols:
        done[used_h] = np.clip(x[col_y], 0.0, 1.0)
    return Bound(
        value=value,
        status=status,
        seconds=time.perf_counter() - t0,
        cpu_seconds=time.thread_time() - cpu0,
        rows=n_rows,
        columns=n_cols,
        hazards=len(used_h),
        periods=n_periods,
        month_periods=sum(1 for a, bb in per if a == bb),
        hazard_done=done,
        period_first_month=first,
        averaged=average_merged,
    )


def _month_weights(
    month_period: np.ndarray, length: np.ndarray, n_months: int, average: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(months, periods) weights that turn monthly shares into each period's share, and each
    month's weight in the average of cumulative capacity (the share of its period's credit from
    that month on).

    A period's credit is its months' credit (a twelfth of a year each, none for the horizon's last
    month): a merged period's share is its months' shares averaged with those weights (the last
    month alone when ``average`` is false, or the period has one month)."""
    n_periods = len(length)
    credit = np.full(n_months, 1.0 / MONTHS_PER_YEAR)
    credit[-1] = 0.0
    per_period = np.bincount(month_period, credit, minlength=n_periods)
    omega = np.where(
        per_period[month_period] > 0,
        credit / np.maximum(per_period[month_period], 1e-300),
        1.0 / length[month_period],
    )
    last = np.cumsum(length).astype(np.int64) - 1
    merged = (length > 1) & average
    take = np.where(merged[month_period], omega, (np.arange(n_months) == last[month_period]) * 1.0)
    spread = np.zeros((n_months, n_periods))
    spread[np.arange(n_months), month_period] = take
    # the weight of month m in the average of cumulative capacity: the weights of months m.. of its period
    within = np.cumsum(omega)
    tail = within[last][month_period] - within + omega
    return spread, np.where(merged[month_period], tail, 1.0)


def _readiness_rows(
    groups: list[tuple[int, np.ndarray]], size: np.ndarray, *, keep: int | None
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(settlement, hazards, weights) per readiness row: one per blocking hazard, or the ``keep``
    biggest one by one and an area-weighted average of the others."""
    rows: list[tuple[int, np.ndarray, np.ndarray]] = []
    for s, hs in groups:
        if len(hs) == 1:
            continue
        head = hs if keep is None else hs[:keep]
        rows += [(s, np.array([h]), np.array([1.0])) for h in head.tolist()]
        rest = hs[len(head) :]
        if len(rest):
            rows.append((s, rest, size[rest] / max(size[rest].sum(), 1e-12)))
    return rows


def lp_orders(problem: PlanProblem, bound: Bound, tie_break: np.ndarray) -> dict[str, np.ndarray]:
    """Task orders from the LP's α-points; ties (and tasks outside the LP, last) follow ``tie_break``."""
    rank = np.empty(problem.n_tasks, np.int64)
    rank[tie_break] = np.arange(problem.n_tasks)
    out = {}
    for alpha in ALPHAS:
        key = bound.alpha_period(alpha)[problem.task_hazard]
        out[f"lp_alpha_{alpha:g}"] = np.lexsort((rank, key))
    return out
