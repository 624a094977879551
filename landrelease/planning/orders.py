"""Priority orders of tasks: the benefit-density greedy and the simple rules a planner might use.

The greedy takes, again and again, whichever gives most benefit per unit of
scarce resource: a whole settlement (all hazards still blocking it) or one
hazard. A task's resource use is the larger of its cost as a share of a
month's budget and its team-days as a share of a month's team-days, with the
cheapest kind that can work it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from landrelease.planning.model import PlanProblem
from landrelease.planning.tasks import METHODS

METHOD_RANK = {m: i for i, m in enumerate(METHODS)}
"""A hazard's tasks in order of the work they need: NTS, TS, BAC, then clearance."""


def resource_months(problem: PlanProblem) -> np.ndarray:
    """(tasks,) share of an average month's budget or team-days a task uses, whichever is larger."""
    _, days, cost = problem.cheapest()
    budget = problem.budget_usd[np.isfinite(problem.budget_usd)]
    per_month_usd = budget.mean() / 12 if len(budget) else np.inf
    per_month_days = max(float(problem.capacity_days.sum(axis=0).mean()), 1e-9)
    with np.errstate(invalid="ignore"):
        w = np.maximum(
            cost / per_month_usd if np.isfinite(per_month_usd) else 0.0, days / per_month_days
        )
    return np.where(np.isfinite(w), w, np.inf)


def tasks_of_hazards(problem: PlanProblem, hazard_sequence: np.ndarray) -> np.ndarray:
    """Task order from a hazard order: a hazard's tasks together, NTS, TS, BAC, then clearance."""
    return task_sequencer(problem)(hazard_sequence)


def task_sequencer(problem: PlanProblem) -> Callable[[np.ndarray], np.ndarray]:
    """:func:`tasks_of_hazards` for one problem and many hazard orders: each hazard's tasks are
    sorted once (hazards missing from an order follow it, in index order)."""
    method = problem.tasks["method"].map(METHOD_RANK).to_numpy(np.int64)
    n_h = len(problem.benefits.hazard_ids)
    by_hazard = np.lexsort((np.arange(problem.n_tasks), method, problem.task_hazard))
    count = np.bincount(problem.task_hazard, minlength=n_h)
    first = np.cumsum(count) - count

    def order(hazard_sequence: np.ndarray) -> np.ndarray:
        seq = np.asarray(hazard_sequence, np.int64)
        if len(seq) < n_h:
            seen = np.zeros(n_h, bool)
            seen[seq] = True
            seq = np.concatenate([seq, np.flatnonzero(~seen)])
        n = count[seq]
        ends = np.cumsum(n)
        return by_hazard[
            np.repeat(first[seq] - (ends - n), n) + np.arange(ends[-1] if len(n) else 0)
        ]

    return order


def by_hazard_key(problem: PlanProblem, key: np.ndarray) -> np.ndarray:
    """Task order by a per-hazard key, ascending (ties: hazard id order)."""
    return tasks_of_hazards(problem, np.argsort(key, kind="stable"))


def greedy_order(problem: PlanProblem) -> np.ndarray:
    """The benefit-density greedy over settlements and hazards (see the module's text)."""
    b = problem.benefits
    n_h, n_s = len(b.hazard_ids), len(b.settlement_ids)
    w_task = resource_months(problem)
    work_h = np.zeros(n_h)
    np.add.at(work_h, problem.task_hazard, np.where(np.isfinite(w_task), w_task, 1e9))
    work_h = np.maximum(work_h, 1e-12)
    hv = b.hazard_value.astype(float)
    sv = b.settlement_value.astype(float)
    ps, ph = b.pair_settlement, b.pair_hazard
    by_s = _lists(ps, ph, n_s)
    by_h = _lists(ph, ps, n_h)
    left = np.bincount(ps, minlength=n_s).astype(np.int64)
    s_work = np.bincount(ps, weights=work_h[ph], minlength=n_s)
    s_hv = np.bincount(ps, weights=hv[ph], minlength=n_s)
    bonus = np.zeros(n_h)
    for s in np.flatnonzero(left == 1):
        bonus[by_s[s][0]] += sv[s]
    chosen = np.zeros(n_h, bool)
    open_s = left > 0
    sequence: list[int] = []

    def take(h: int) -> None:
        chosen[h] = True
        sequence.append(h)
        for s in by_h[h]:
            left[s] -= 1
            s_work[s] -= work_h[h]
            s_hv[s] -= hv[h]
            if left[s] == 1:
                last = [x for x in by_s[s] if not chosen[x]]
                if last:
                    bonus[last[0]] += sv[s]
            if left[s] == 0:
                open_s[s] = False

    tie = 1e-12 * work_h
    while len(sequence) < n_h:
        h_ratio = np.where(chosen, -np.inf, (hv + bonus) / work_h - tie)
        s_ratio = np.where(open_s, (sv + s_hv) / np.maximum(s_work, 1e-12), -np.inf)
        h_best = int(np.argmax(h_ratio))
        s_best = int(np.argmax(s_ratio)) if n_s else -1
        if s_best >= 0 and s_ratio[s_best] > h_ratio[h_best]:
            members = [h for h in by_s[s_best] if not chosen[h]]
            members.sort(key=lambda h: -(hv[h] + 1e-12) / work_h[h])
            for h in members:
                take(h)
        else:
            take(h_best)
    return tasks_of_hazards(problem, np.asarray(sequence, np.int64))


def _lists(a: np.ndarray, b: np.ndarray, n: int) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        out[x].append(y)
    return out


def hazard_totals(problem: PlanProblem, column: str) -> np.ndarray:
    """(hazards,) sum of a task column per hazard."""
    out = np.zeros(len(problem.benefits.hazard_ids))
    np.add.at(out, problem.task_hazard, problem.tasks[column].to_numpy(float))
    return out


def largest_first(problem: PlanProblem) -> np.ndarray:
    """The biggest hazards first (most area released per decision)."""
    return by_hazard_key(problem, -hazard_totals(problem, "area_m2"))


def nearest_first(problem: PlanProblem) -> np.ndarray:
    """Hazards nearest to a settlement first."""
    d = np.full(len(problem.benefits.hazard_ids), np.inf)
    np.minimum.at(d, problem.task_hazard, problem.tasks["settlement_distance_m"].to_numpy(float))
    return by_hazard_key(problem, d)


def least_contaminated_first(problem: PlanProblem) -> np.ndarray:
    """Hazards with the fewest expected devices per m² first (far from the old front, lightly mined)."""
    devices = hazard_totals(problem, "expected_devices")
    area = np.maximum(hazard_totals(problem, "area_m2"), 1.0)
    return by_hazard_key(problem, devices / area)


def register_order(problem: PlanProblem) -> np.ndarray:
    """Hazards in the order they were reported (how a register is often worked through)."""
    if "reported" not in problem.tasks:
        return by_hazard_key(problem, np.arange(len(problem.benefits.hazard_ids), dtype=float))
    first = problem.tasks.groupby("hazard_id")["reported"].min()
    key = first.reindex(problem.benefits.hazard_ids).fillna("9999").to_numpy(str)
    return tasks_of_hazards(problem, np.argsort(key, kind="stable"))


RULES: dict[str, tuple[str, Callable[[PlanProblem], np.ndarray]]] = {
    "largest_first": ("largest hazards first", largest_first),
    "nearest_first": ("nearest to settlements first", nearest_first),
    "least_contaminated_first": ("least contaminated first", least_contaminated_first),
}
"""Simple rules a planner might use instead of the optimised plan."""


def hazard_sequence(problem: PlanProblem, order: np.ndarray) -> np.ndarray:
    """Hazards in the order their first task appears in a task order."""
    seen = np.zeros(len(problem.benefits.hazard_ids), bool)
    out = []
    for h in problem.task_hazard[np.asarray(order, np.int64)].tolist():
        if not seen[h]:
            seen[h] = True
            out.append(h)
    return np.asarray(out, np.int64)


LOCAL_MOVES = 0.5
LOCAL_SPAN = 64
"""Of the moves of a block of hazards, this share goes to within ``LOCAL_SPAN`` places of where
the block was, the rest anywhere: near moves are kept more often (decision 0026)."""


def improve(
    problem: PlanProblem,
    order: np.ndarray,
    value: Callable[[np.ndarray], float],
    *,
    seconds: float,
    seed: int = 0,
) -> tuple[np.ndarray, float, int]:
    """Local search on the hazard sequence for ``seconds``: move a block of hazards (half the
    time to near where it was), or all hazards still blocking one settlement, to another place; keep a move when the schedule's benefit
    (``value`` of a task order) rises. Returns the best task order, its benefit and the moves tried."""
    import time

    rng = np.random.default_rng(seed)
    seq = hazard_sequence(problem, order)
    tasks_of = task_sequencer(problem)
    best_order = tasks_of(seq)
    best = value(best_order)
    b = problem.benefits
    by_s = _lists(b.pair_settlement, b.pair_hazard, len(b.settlement_ids))
    weights = (
        b.settlement_value / b.settlement_value.sum() if b.settlement_value.sum() > 0 else None
    )
    deadline = time.perf_counter() + seconds
    tried = 0
    n = len(seq)
    while n > 1 and time.perf_counter() < deadline:
        tried += 1
        where = np.empty(n, np.int64)
        where[seq] = np.arange(n)
        if weights is not None and rng.random() < 0.5:
            s = int(rng.choice(len(weights), p=weights))
            members = np.sort(where[by_s[s]]) if by_s[s] else np.empty(0, np.int64)
            if not len(members):
                continue
            block = seq[members]
            rest = np.delete(seq, members)
            target = int(rng.integers(0, max(int(members[0]), 1) + 1))
        else:
            i = int(rng.integers(n))
            size = int(rng.integers(1, 9))
            block = seq[i : i + size]
            rest = np.concatenate([seq[:i], seq[i + size :]])
            if rng.random() < LOCAL_MOVES:
                target = int(np.clip(i + rng.integers(-LOCAL_SPAN, LOCAL_SPAN + 1), 0, len(rest)))
            else:
                target = int(rng.integers(0, len(rest) + 1))
        candidate = np.concatenate([rest[:target], block, rest[target:]])
        o = tasks_of(candidate)
        v = value(o)
        if v > best + 1e-12:
            best, seq, best_order = v, candidate, o
    return best_order, best, tried
