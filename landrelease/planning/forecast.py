"""The forecast: when each settlement and the whole programme will be done, with uncertainty.

Per scenario, the plan is first made deterministically (the scheduler, with
the scenario's teams and money) over ``forecast_max_years``; it fixes the
order in which tasks finish and what each task costs with the teams that work
it. The Monte Carlo then redraws, per run (vectorised over runs, never a
Python loop over tasks):

* productivity of each asset kind (log-normal, ``forecast_productivity_cv``):
  a task's cost is its planned cost per kind divided by that kind's draw;
* the true contamination (log-normal level, ``forecast_contamination_cv``):
  a technical survey finds devices with its part's ``p_any_device`` and then
  ``forecast_ts_confirmed_share`` of its area is cleared; devices found in
  clearance and battle-area clearance are Poisson around ``expected_devices``,
  each costing ``forecast_team_days_per_device``;
* the devices left in land that non-technical survey cancels, from the survey engine's own
  stated uncertainty: the part's chance of any device (``p_any_device``, as a Poisson mean)
  scaled by the contamination level and the map's error
  (log-normal with median 1 whose P90 is the survey run's ``devices_bound`` over its expected
  devices in cancelled land, ``Spread.survey_bound_factor``); each of those devices comes to
  light during the programme with chance ``forecast_cancelled_found_share`` (a find, an
  incident, a report), and a cancelled part where one does is surveyed technically after all
  (its cost added), so the share of land that survey releases varies from run to run;
* each year's funding (log-normal, ``forecast_funding_cv``);
* the growth of asset kinds the scenario adds (reached 50–150 % of plan).

Money flows month by month, capped by what the teams can spend (scaled by how
busy the deterministic plan kept them) and by the year's funding; a task is
done when the cumulative spend reaches the cumulative cost of the tasks up to
it in the plan's order.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.planning.model import PlanProblem, cheapest_kind, task_rates
from landrelease.planning.schedule import Schedule, simulate

SURVEY_MODES = ("evidence", "no_cancellation")
CHUNK_RUNS = 250
Z90 = 1.2815515655446004
"""The standard normal's 90th percentile."""


@dataclass(frozen=True)
class Scenario:
    """One forecast scenario (a ``[[scenario]]`` table of scenarios.toml)."""

    name: str
    title: str
    national_funding: float = 1.0
    donor_funding: float = 1.0
    funding_growth_per_year: float = 0.0
    asset_growth: dict[str, float] = field(default_factory=dict)
    ramp_years: float = 2.0
    survey: str = "evidence"
    cancelled_becomes: str = "clearance"


@dataclass(frozen=True)
class ForecastConfig:
    scenarios: tuple[Scenario, ...]
    baseline: str
    source: str = ""


@dataclass(frozen=True)
class Spread:
    """Uncertainty of the forecast (settings ``forecast_*``)."""

    productivity_cv: float
    funding_cv: float
    contamination_cv: float
    team_days_per_device: float
    ts_confirmed_share: float
    cancelled_found_share: float = 0.0
    """Chance that a device left in cancelled land comes to light during the programme."""
    survey_bound_factor: float = 1.0
    """The survey engine's bound on the devices left in cancelled land (at ``risk_bound_level``)
    over its expectation; 1: no stated uncertainty beyond the contamination level."""

    @classmethod
    def from_settings(cls, *, survey_bound_factor: float | None = None) -> Spread:
        g = settings.get
        return cls(
            productivity_cv=float(g("forecast_productivity_cv")),
            funding_cv=float(g("forecast_funding_cv")),
            contamination_cv=float(g("forecast_contamination_cv")),
            team_days_per_device=float(g("forecast_team_days_per_device")),
            ts_confirmed_share=float(g("forecast_ts_confirmed_share")),
            cancelled_found_share=float(g("forecast_cancelled_found_share")),
            survey_bound_factor=1.0 if survey_bound_factor is None else float(survey_bound_factor),
        )

    @property
    def survey_sigma(self) -> float:
        """Log-normal sigma (median 1) of the map's error on cancelled land: its P90 is
        ``survey_bound_factor`` (the survey engine's bound is at the 90 % level)."""
        return float(np.log(max(self.survey_bound_factor, 1.0)) / Z90)


MOVED_TO_PROFILE = {
    "official_estimate_usd": "--official-estimate N",
    "official_estimate_years": "--official-estimate-years N",
    "experts_saving_usd": "--experts-saving N",
}
"""Keys of ``[forecast]`` that older scenario files held, and the profile options that replace them."""


def load_scenarios(path: Path | None = None) -> ForecastConfig:
    """Scenarios from a TOML file, or the example shipped in the package."""
    if path is None:
        text = resources.files("landrelease.planning").joinpath("scenarios.toml").read_text("utf-8")
        source = "landrelease/planning/scenarios.toml"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"scenarios file {path} does not exist") from None
        source = str(path)
    name = Path(source).name
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name}: not valid TOML ({exc})") from None
    tables = doc.get("scenario", [])
    if not tables:
        raise UsageError(f"{name}: no [[scenario]] tables")
    known = set(Scenario.__dataclass_fields__)
    out = []
    for i, t in enumerate(tables, 1):
        unknown = sorted(set(t) - known)
        if unknown:
            raise UsageError(
                f"{name}: scenario {i}: unknown key(s) {', '.join(unknown)} (accepted: {', '.join(sorted(known))})"
            )
        if "name" not in t:
            raise UsageError(f"{name}: scenario {i} has no name")
        sc = Scenario(**{**t, "title": t.get("title", t["name"])})
        problems = _check(sc)
        if problems:
            raise UsageError(f"{name}: scenario {sc.name!r}: " + "; ".join(problems))
        out.append(sc)
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise UsageError(f"{name}: scenario names must be unique: {', '.join(names)}")
    fc = doc.get("forecast", {})
    moved = sorted(set(fc) & set(MOVED_TO_PROFILE))
    if moved:
        raise UsageError(
            f"{name}: [forecast] {', '.join(moved)}: the official figures a forecast compares with "
            "are kept in the workspace's programme profile now; set them with "
            "`landrelease profile set "
            + " ".join(MOVED_TO_PROFILE[k] for k in moved)
            + "` and remove them from the file"
        )
    unknown = sorted(set(fc) - {"baseline"})
    if unknown:
        raise UsageError(
            f"{name}: [forecast] unknown key(s) {', '.join(unknown)} (accepted: baseline)"
        )
    baseline = fc.get("baseline", names[0])
    if baseline not in names:
        raise UsageError(f"{name}: baseline = {baseline!r} is not a scenario ({', '.join(names)})")
    return ForecastConfig(
        scenarios=tuple(out),
        baseline=baseline,
        source=source,
    )


def _check(sc: Scenario) -> list[str]:
    problems = []
    for k in ("national_funding", "donor_funding", "ramp_years"):
        v = getattr(sc, k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            problems.append(f"{k} = {v!r}: accepted a number ≥ 0")
    if not isinstance(sc.funding_growth_per_year, (int, float)) or sc.funding_growth_per_year <= -1:
        problems.append(
            f"funding_growth_per_year = {sc.funding_growth_per_year!r}: accepted a number > -1"
        )
    if sc.survey not in SURVEY_MODES:
        problems.append(f"survey = {sc.survey!r}: accepted {' or '.join(SURVEY_MODES)}")
    if sc.cancelled_becomes not in ("TS", "clearance"):
        problems.append(f"cancelled_becomes = {sc.cancelled_becomes!r}: accepted TS or clearance")
    if not isinstance(sc.asset_growth, dict) or any(
        not isinstance(v, (int, float)) or v < 0 for v in sc.asset_growth.values()
    ):
        problems.append(
            f"asset_growth = {sc.asset_growth!r}: accepted a table of kind = multiplier ≥ 0"
        )
    return problems


@dataclass(frozen=True)
class Deterministic:
    """The scenario's plan: the order tasks finish in and what they cost."""

    schedule: Schedule
    order: np.ndarray
    """Tasks in the order they finish (unfinished last, by priority)."""
    cost_by_kind: np.ndarray
    """(tasks, kinds) planned USD per kind (mobilisation included)."""
    utilisation: float
    """Share of the teams' spending capacity the plan used in months not limited by money."""


def deterministic(problem: PlanProblem, order: np.ndarray) -> Deterministic:
    """Run the scheduler once and read off order, cost per task and kind, and utilisation."""
    sched = simulate(problem, order)
    n, k = problem.n_tasks, len(problem.kinds)
    cost = np.zeros((n, k))
    w = sched.work
    if len(w):
        np.add.at(
            cost, (w["task"].to_numpy(int), w["kind"].to_numpy(int)), w["cost_usd"].to_numpy(float)
        )
    # tasks the plan did not finish: the rest at the cheapest kind
    undone = sched.end_month < 0
    if undone.any():
        kind, _, full = problem.cheapest()
        share = np.where(
            problem.tasks["area_m2"].to_numpy(float) > 0,
            sched.remaining_m2 / np.maximum(problem.tasks["area_m2"].to_numpy(float), 1e-9),
            0.0,
        )
        for j in np.flatnonzero(undone & (kind >= 0)):
            cost[j, kind[j]] += full[j] * share[j]
    prio = np.empty(n, np.int64)
    prio[order] = np.arange(n)
    end = np.where(sched.end_month >= 0, sched.end_month, np.iinfo(np.int64).max)
    done_order = np.lexsort((prio, end))
    cap = (
        problem.pool.teams
        * problem.params.working_days_per_month
        * problem.pool.usd_per_day[:, None]
    ).sum(axis=0)
    spent = np.zeros(problem.n_months)
    if len(w):
        np.add.at(spent, w["month"].to_numpy(int), w["cost_usd"].to_numpy(float))
    last = int(sched.end_month.max()) if (sched.end_month >= 0).any() else -1
    free = np.zeros(problem.n_months, bool)
    for t in range(max(last, 0)):
        y = problem.month_year[t]
        months_y = np.flatnonzero(problem.month_year == y)
        left = problem.budget_usd[y] - spent[months_y[months_y <= t]].sum()
        free[t] = left > 0.01 * cap[t] and cap[t] > 0
    util = float(spent[free].sum() / cap[free].sum()) if free.any() and cap[free].sum() > 0 else 1.0
    return Deterministic(sched, done_order, cost, min(max(util, 0.05), 1.0))


@dataclass(frozen=True)
class Draws:
    """Monte Carlo results of one scenario (month indices from the plan's first month)."""

    completion_month: np.ndarray
    """(runs,) month the last task is done; ``inf`` beyond the window."""
    settlement_month: np.ndarray
    """(runs, settlements) month ready; -1 ready now; ``inf`` beyond the window."""
    cost_usd: np.ndarray
    """(runs,) total cost of all the tasks."""
    cost_by_year: np.ndarray
    """(runs, years) spending per calendar year of the window."""
    complete: np.ndarray
    """(runs,) whether everything was done within the window."""
    cancel_kept_share: np.ndarray
    """(runs,) share of the area the survey cancels that stays cancelled (1 with nothing to cancel)."""


def monte_carlo(
    problem: PlanProblem,
    det: Deterministic,
    *,
    spread: Spread,
    runs: int,
    seed: int,
    base_teams: np.ndarray | None = None,
    asset_growth: dict[str, float] | None = None,
    ramp_months: int = 0,
) -> Draws:
    """The Monte Carlo of one scenario (see the module's text); reproducible for a seed.

    ``base_teams`` (kinds, months) are the teams before the scenario's growth; the scenario's
    plan (``problem``, ``det``) has the growth at its expected value.
    """
    if runs < 1:
        raise UsageError(f"runs = {runs}: accepted a whole number ≥ 1")
    revert = reversion_cost(problem)[det.order]
    rng = np.random.default_rng(seed)
    n, n_k, n_months = problem.n_tasks, len(problem.kinds), problem.n_months
    order = det.order
    tasks = problem.tasks
    method = tasks["method"].to_numpy()[order]
    p_any = np.clip(tasks["p_any_device"].to_numpy(float)[order], 0.0, 1.0)
    expected = tasks["expected_devices"].to_numpy(float)[order]
    cost_k = det.cost_by_kind[order]
    planned = cost_k.sum(axis=1)
    usd = problem.pool.usd_per_day
    days = (cost_k / np.where(usd > 0, usd, 1.0)[None, :]).sum(axis=1)
    day_usd = np.where(days > 0, planned / np.maximum(days, 1e-12), usd.max(initial=0.0))
    is_ts = method == "TS"
    is_cl = np.isin(method, ("clearance", "BAC"))  # every device found is removed
    is_nts = method == "NTS"
    nts_area = np.where(is_nts, tasks["area_m2"].to_numpy(float)[order], 0.0)
    survey = problem.params.ts_sampled_share
    follow = problem.params.ts_followup_share
    wd = problem.params.working_days_per_month
    teams0 = problem.pool.teams if base_teams is None else base_teams
    growth = np.ones((n_k, n_months))
    ramp = np.minimum(np.arange(1, n_months + 1) / max(ramp_months, 1), 1.0)
    for kind, f in (asset_growth or {}).items():
        growth[problem.kinds.index(kind)] = f
    years = len(problem.budget_years)
    # the plan's own time line: cumulative spend it can afford, month by month, and when each
    # task (in the order tasks finish) is done
    planned_spend = _cumulative_spend(
        (teams0 * (1 + (growth - 1) * ramp[None, :]) * usd[:, None]).sum(axis=0)[None, :]
        * wd
        * det.utilisation,
        problem.budget_usd[None, :],
        problem.month_year,
    )[0]
    end = det.schedule.end_month[order]
    w_plan = np.cumsum(planned)
    last_done = int(np.flatnonzero(end >= 0).max()) if (end >= 0).any() else -1
    anchor = np.where(end >= 0, planned_spend[np.maximum(end, 0)], 0.0)
    if last_done < n - 1:
        scale = anchor[last_done] / max(w_plan[last_done], 1e-9) if last_done >= 0 else 1.0
        anchor[last_done + 1 :] = np.maximum(
            w_plan[last_done + 1 :] * scale, planned_spend[-1] * 1.000001
        )
    anchor = np.maximum.accumulate(anchor)
    # (task) -> settlement pairs, sorted by settlement, for the readiness of each run
    b = problem.benefits
    position = np.empty(n, np.int64)
    position[order] = np.arange(n)
    by_hazard: list[list[int]] = [[] for _ in range(len(b.hazard_ids))]
    for j, h in enumerate(problem.task_hazard.tolist()):
        by_hazard[h].append(int(position[j]))
    pair_s: list[int] = []
    pair_t: list[int] = []
    for s, h in zip(b.pair_settlement.tolist(), b.pair_hazard.tolist(), strict=True):
        pair_s += [s] * len(by_hazard[h])
        pair_t += by_hazard[h]
    ps, pt = np.asarray(pair_s, np.int64), np.asarray(pair_t, np.int64)
    o = np.argsort(ps, kind="stable")
    ps, pt = ps[o], pt[o]
    seg_s, seg_start = np.unique(ps, return_index=True)

    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("done", "settle", "cost", "year", "complete", "kept")
    }
    for start in range(0, runs, CHUNK_RUNS):
        r = min(CHUNK_RUNS, runs - start)
        prod = _lognormal(rng, spread.productivity_cv, (r, n_k))
        work = (1.0 / prod) @ cost_k.T
        level = _lognormal(rng, spread.contamination_cv, (r, 1))
        # per-task draws in the tasks' own order, so that scenarios share them task by task
        hit = rng.random((r, n))[:, order] < np.clip(p_any[None, :] * level, 0.0, 1.0)
        # a technical survey's plan counts its expected follow-on clearance; here it happens or not
        ts_factor = (1 + hit * follow / survey) / (1 + p_any[None, :] * follow / survey)
        work = np.where(is_ts[None, :], work * ts_factor, work)
        lam = np.empty(n)
        lam[order] = np.where(is_cl, expected, 0.0)
        devices = rng.poisson(lam[None, :] * level)[:, order]
        surprise = (
            (devices - np.where(is_cl, expected, 0.0)[None, :])
            * spread.team_days_per_device
            * day_usd
        )
        work = np.maximum(work + surprise, 0.1 * work)
        # cancelled land where a device comes to light: surveyed technically after all
        error = _lognormal_median(rng, spread.survey_sigma, (r, 1))
        lam_c = np.where(is_nts, -np.log1p(-np.minimum(p_any, 1 - 1e-12)), 0.0)[None, :]
        lam_c = lam_c * level * error * spread.cancelled_found_share
        held = (rng.random((r, n))[:, order] < -np.expm1(-lam_c)) & is_nts[None, :]
        work = work + held * revert[None, :]
        out["kept"].append(
            1.0 - (held * nts_area[None, :]).sum(axis=1) / nts_area.sum()
            if nts_area.sum() > 0
            else np.ones(r)
        )
        budget = problem.budget_usd[None, :] * _lognormal(rng, spread.funding_cv, (r, years))
        g = 1 + (growth[None, :, :] - 1) * ramp[None, None, :] * rng.uniform(0.5, 1.5, (r, n_k, 1))
        cap = np.einsum("kt,rkt,k->rt", teams0, g, usd) * wd * det.utilisation
        spent = _cumulative_spend(cap, budget, problem.month_year)
        cum_work = np.cumsum(work, axis=1)
        target = anchor[None, :] * cum_work / np.maximum(w_plan[None, :], 1e-9)
        big = float(max(spent.max(initial=0.0), target.max(initial=0.0))) * 2.0 + 1.0
        offs = (np.arange(r) * big)[:, None]
        idx = np.searchsorted((spent + offs).ravel(), (target + offs).ravel() * (1 - 1e-12) - 1e-6)
        month = (idx.reshape(r, n) - np.arange(r)[:, None] * n_months).astype(float)
        month[month >= n_months] = np.inf
        month = np.maximum.accumulate(month, axis=1)
        settle = np.full((r, len(b.settlement_ids)), -1.0)
        if len(pt):
            settle[:, seg_s] = np.maximum.reduceat(month[:, pt], seg_start, axis=1)
        out["settle"].append(settle)
        out["done"].append(month[:, -1] if n else np.full(r, -1.0))
        out["cost"].append(cum_work[:, -1] if n else np.zeros(r))
        out["complete"].append(
            np.asarray(np.isfinite(month).all(axis=1) if n else np.ones(r, bool))
        )
        # spending stops when the work is done
        paid = np.diff(
            np.concatenate(
                [np.zeros((r, 1)), np.minimum(spent, cum_work[:, -1:] if n else 0.0)], axis=1
            ),
            axis=1,
        )
        by_year = np.zeros((r, years))
        for y in range(years):
            by_year[:, y] = paid[:, problem.month_year == y].sum(axis=1)
        out["year"].append(by_year)
    return Draws(
        completion_month=np.concatenate(out["done"]),
        settlement_month=np.concatenate(out["settle"]),
        cost_usd=np.concatenate(out["cost"]),
        cost_by_year=np.concatenate(out["year"]),
        complete=np.concatenate(out["complete"]),
        cancel_kept_share=np.concatenate(out["kept"]),
    )


def reversion_cost(problem: PlanProblem) -> np.ndarray:
    """(tasks,) USD to survey a cancelled part technically if it turns out to hold a device (at
    the cheapest kind that can; 0 for other tasks and where none can)."""
    tasks = problem.tasks
    nts = tasks["method"].to_numpy() == "NTS"
    out = np.zeros(len(tasks))
    if not nts.any():
        return out
    as_ts = tasks[nts].assign(method="TS", decision="technical_survey")
    rate = task_rates(as_ts, problem.pool, problem.params)
    _, _, cost = cheapest_kind(
        as_ts["area_m2"].to_numpy(float), rate, problem.pool, problem.params.setup_days
    )
    out[nts] = np.where(np.isfinite(cost), cost, 0.0)
    return out


def _cumulative_spend(cap: np.ndarray, budget: np.ndarray, month_year: np.ndarray) -> np.ndarray:
    """(runs, months) cumulative USD spent: each month what the teams can spend, until the
    year's budget (runs, years) is used up."""
    spend = np.zeros_like(cap)
    left = np.zeros(cap.shape[0])
    for t in range(cap.shape[1]):
        if t == 0 or month_year[t] != month_year[t - 1]:
            left = budget[:, month_year[t]].copy()
        spend[:, t] = np.minimum(cap[:, t], left)
        left -= spend[:, t]
    return np.cumsum(spend, axis=1)


def _lognormal(rng: np.random.Generator, sigma: float, size: tuple[int, ...]) -> np.ndarray:
    """Log-normal draws with mean 1."""
    if sigma <= 0:
        return np.ones(size)
    return rng.lognormal(-0.5 * sigma**2, sigma, size)


def _lognormal_median(rng: np.random.Generator, sigma: float, size: tuple[int, ...]) -> np.ndarray:
    """Log-normal draws with median 1 (the normal draws are taken whatever ``sigma``, so runs with
    different spreads stay paired draw by draw)."""
    return np.exp(max(sigma, 0.0) * rng.standard_normal(size))


QUANTILES = (0.1, 0.5, 0.9)


def percentiles(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """P10, P50, P90 along ``axis``: the smallest value with at least that share of runs at or
    below it (``inf`` stays ``inf``: 'after the window'; no arithmetic on the values, so runs
    that never finish count as such, without warnings)."""
    values = np.sort(np.asarray(values, dtype=float), axis=axis)
    n = values.shape[axis]
    if n == 0:
        return np.full((3, *np.delete(values.shape, axis)), np.nan)
    idx = [max(int(np.ceil(q * n - 1e-9)) - 1, 0) for q in QUANTILES]
    return np.take(values, idx, axis=axis)
