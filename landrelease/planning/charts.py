"""Charts of the plan and the forecast (PNG, matplotlib without a display)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from landrelease.planning.common import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from landrelease.planning.results import ForecastResult, PlanResult

KIND_COLOURS = {"manual": "#4c72b0", "dog": "#dd8452", "rat": "#55a868", "machine": "#8172b3"}
GANTT_ROWS = 25


def _year_ticks(ax: object, first_year: float, n_months: int, *, axis: str = "x") -> None:
    years = np.arange(int(np.ceil(first_year)), int(first_year + n_months / MONTHS_PER_YEAR) + 1)
    setter = ax.set_xticks if axis == "x" else ax.set_yticks  # type: ignore[attr-defined]
    setter(years)


def plan_gantt(result: PlanResult, path: Path) -> Path:
    """Settlements' work spans and readiness, teams at work by month, cost by year."""
    fig = Figure(figsize=(12, 13), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(3, 1, height_ratios=[3, 1.3, 1.3])
    _settlement_spans(ax1, result)
    _teams_at_work(ax2, result)
    _cost_by_year(ax3, result)
    fig.savefig(path, dpi=110)
    return path


def _first_year(result: PlanResult) -> float:
    m = result.problem.months[0]
    return m.year + (m.month - 1) / MONTHS_PER_YEAR


def _settlement_spans(ax: Any, result: PlanResult) -> None:
    """Per settlement (most people first): from the first work on a blocking task to readiness."""
    p = result.problem
    b = p.benefits
    t0 = _first_year(result)
    start_h = np.full(len(b.hazard_ids), np.inf)
    st = np.where(result.schedule.start_month >= 0, result.schedule.start_month, np.inf).astype(
        float
    )
    np.minimum.at(start_h, p.task_hazard, st)
    s_start = np.full(len(b.settlement_ids), np.inf)
    np.minimum.at(s_start, b.pair_settlement, start_h[b.pair_hazard])
    blocked = np.flatnonzero(b.blocked)
    rows = blocked[np.argsort(-b.population[blocked], kind="stable")[:GANTT_ROWS]]
    ready = result.outcome.settlement_month
    for row, s in enumerate(rows[::-1]):
        a = s_start[s] if np.isfinite(s_start[s]) else p.n_months
        e = ready[s] + 1 if np.isfinite(ready[s]) else p.n_months
        colour = "#2a9d8f" if np.isfinite(ready[s]) else "#bbbbbb"
        ax.barh(
            row, (e - a) / MONTHS_PER_YEAR, left=t0 + a / MONTHS_PER_YEAR, color=colour, height=0.7
        )
        label = "ready " + (
            str(p.months[0] + int(ready[s])) if np.isfinite(ready[s]) else f"after {p.months[-1]}"
        )
        ax.text(t0 + e / MONTHS_PER_YEAR + 0.05, row, label, va="center", fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [f"{b.settlement_names[s]} ({int(b.population[s]):,})" for s in rows[::-1]], fontsize=8
    )
    ax.set_xlim(t0, t0 + p.n_months / MONTHS_PER_YEAR + 1.2)
    ax.set_title(
        f"Settlements with most people planned to return: work on their blocking hazards, and when they are ready "
        f"(plan {p.months[0]}–{p.months[-1]})",
        fontsize=10,
        loc="left",
    )
    _year_ticks(ax, t0, p.n_months)
    ax.grid(axis="x", alpha=0.3)


def _teams_at_work(ax: Any, result: PlanResult) -> None:
    """Teams at work by month and asset kind, beside the teams available."""
    p = result.problem
    t0 = _first_year(result)
    w = result.schedule.work
    x = t0 + (np.arange(p.n_months) + 0.5) / MONTHS_PER_YEAR
    stack = []
    for k in range(len(p.kinds)):
        sel = w["kind"].to_numpy(int) == k if len(w) else np.zeros(0, bool)
        days = (
            np.bincount(
                w["month"].to_numpy(int)[sel],
                weights=w["team_days"].to_numpy(float)[sel],
                minlength=p.n_months,
            )
            if len(w)
            else np.zeros(p.n_months)
        )
        stack.append(days / p.params.working_days_per_month)
    ax.stackplot(
        x,
        stack,
        labels=list(p.kinds),
        colors=[KIND_COLOURS.get(k, "grey") for k in p.kinds],
        alpha=0.85,
    )
    ax.plot(x, p.pool.teams.sum(axis=0), color="black", lw=1, label="teams available")
    ax.set_ylabel("teams at work")
    ax.legend(loc="upper right", fontsize=8, ncols=5)
    ax.set_xlim(t0, t0 + p.n_months / MONTHS_PER_YEAR)
    _year_ticks(ax, t0, p.n_months)
    ax.grid(alpha=0.3)


def _cost_by_year(ax: Any, result: PlanResult) -> None:
    """Cost by year and asset kind, beside the budget."""
    cy = result.cost_by_year
    bottom = np.zeros(len(cy))
    for kind in result.problem.kinds:
        v = cy[f"{kind}_usd"].to_numpy(float) / 1e6
        ax.bar(
            cy["year"].to_numpy(),
            v,
            bottom=bottom,
            color=KIND_COLOURS.get(kind, "grey"),
            label=kind,
        )
        bottom += v
    budget = cy["budget_usd"].to_numpy(float)
    if np.isfinite(budget).any():
        ax.step(cy["year"], budget / 1e6, where="mid", color="black", lw=1.2, label="budget")
    ax.set_ylabel("million USD")
    ax.set_title("Cost by year and asset kind", fontsize=10, loc="left")
    top = float(
        np.max(np.concatenate([bottom, np.where(np.isfinite(budget), budget, 0.0) / 1e6, [0.0]]))
    )
    ax.set_ylim(0, top * 1.3 + 1e-9)
    ax.legend(fontsize=8, ncols=5, loc="upper left")
    ax.grid(axis="y", alpha=0.3)


def plan_map(
    result: PlanResult, hazards: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, path: Path
) -> Path:
    """Hazards coloured by the quarter they are released, settlements by the quarter they are ready."""
    p = result.problem
    quarters = int(np.ceil(p.n_months / 3))
    cmap = colormaps["viridis_r"].resampled(max(quarters, 1))
    norm = BoundaryNorm(np.arange(quarters + 1) - 0.5, cmap.N)
    fig = Figure(figsize=(11, 9), layout="constrained")
    ax = fig.subplots()
    released = result.outcome.hazard_month
    q = np.full(len(released), -1.0)
    fin = np.isfinite(released)
    q[fin] = np.maximum(released[fin], 0) // 3
    geoms = hazards.set_index("hazard_id").geometry.reindex(p.benefits.hazard_ids).to_numpy()
    frame = gpd.GeoDataFrame({"q": q}, geometry=geoms, crs=hazards.crs)
    later = frame[frame["q"] < 0]
    if len(later):
        later.plot(ax=ax, color="#cccccc", edgecolor="none")
    done = frame[frame["q"] >= 0]
    if len(done):
        done.plot(ax=ax, column="q", cmap=cmap, norm=norm, edgecolor="none")
    b = p.benefits
    s = settlements.set_index("settlement_id").reindex(b.settlement_ids)
    ready = result.outcome.settlement_month
    finite = np.isfinite(ready)
    sq = np.full(len(ready), np.nan)
    sq[finite] = np.maximum(ready[finite], 0) // 3
    size = 8 + 120 * np.sqrt(b.population / max(b.population.max(initial=1.0), 1.0))
    ok = np.isfinite(sq) & b.blocked & s.geometry.notna().to_numpy()
    xs, ys = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    ax.scatter(
        xs[~b.blocked],
        ys[~b.blocked],
        s=size[~b.blocked],
        facecolor="white",
        edgecolor="black",
        lw=0.6,
        label="ready now",
    )
    never = b.blocked & ~np.isfinite(ready)
    ax.scatter(
        xs[never],
        ys[never],
        s=size[never],
        facecolor="#999999",
        edgecolor="black",
        lw=0.6,
        label=f"after {p.months[-1]}",
    )
    sc = ax.scatter(
        xs[ok], ys[ok], s=size[ok], c=sq[ok], cmap=cmap, norm=norm, edgecolor="black", lw=0.6
    )
    ticks = np.arange(0, quarters, max(1, quarters // 10))
    bar = fig.colorbar(sc, ax=ax, ticks=ticks, shrink=0.7)
    bar.ax.set_yticklabels(
        [
            f"{(p.months[0] + 3 * int(i)).year} Q{((p.months[0] + 3 * int(i)).month - 1) // 3 + 1}"
            for i in ticks
        ]
    )
    bar.set_label("released / ready by (quarter)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(
        f"Operations plan by quarter: hazards (areas) and settlements (circles, size: people planned); grey: after {p.months[-1]}",
        fontsize=10,
        loc="left",
    )
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_xlabel(f"x (m, {hazards.crs.to_string() if hazards.crs else ''})")
    ax.set_ylabel("y (m)")
    fig.savefig(path, dpi=110)
    return path


def forecast_chart(result: ForecastResult, path: Path) -> Path:
    """People home over time per scenario (P50, P10–P90 band), and programme completion."""
    fig = Figure(figsize=(13, 6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.6, 1])
    t0 = result.start.year + (result.start.month - 1) / MONTHS_PER_YEAR
    names = list(result.scenarios)
    colours = colormaps["tab10"]
    for i, name in enumerate(names):
        r = result.scenarios[name]
        pop = r.problem.benefits.population
        m = r.draws.settlement_month
        n_months = r.problem.n_months
        bins = np.where(np.isfinite(m), np.clip(m, -1, n_months - 1) + 1, n_months + 1).astype(int)
        curve = np.zeros((m.shape[0], n_months + 2))
        np.add.at(
            curve,
            (np.repeat(np.arange(m.shape[0]), m.shape[1]), bins.ravel()),
            np.tile(pop, m.shape[0]),
        )
        curve = np.cumsum(curve, axis=1)[:, 1 : n_months + 1]
        lo, mid, hi = np.percentile(curve, [10, 50, 90], axis=0)
        x = t0 + (np.arange(n_months) + 1) / MONTHS_PER_YEAR
        ax1.fill_between(x, lo / 1e3, hi / 1e3, color=colours(i), alpha=0.15)
        ax1.plot(x, mid / 1e3, color=colours(i), label=r.scenario.title)
        c = r.completion()
        cy = t0 + (c + 1) / MONTHS_PER_YEAR
        upper = t0 + n_months / MONTHS_PER_YEAR
        ax2.plot([min(cy[0], upper), min(cy[2], upper)], [i, i], color=colours(i), lw=6, alpha=0.5)
        ax2.plot([min(cy[1], upper)], [i], "o", color=colours(i))
    if result.pace_completion is not None:
        pc = result.pace_completion.year + (result.pace_completion.month) / MONTHS_PER_YEAR
        ax2.axvline(pc, color="black", ls="--", lw=1)
        ax2.text(pc, -0.45, " pace so far", fontsize=8)
    ax1.set_xlim(
        t0, min(t0 + 30, t0 + result.scenarios[names[0]].problem.n_months / MONTHS_PER_YEAR)
    )
    ax1.set_ylabel("thousand people whose settlement is ready")
    ax1.set_title("People who can go home (median, band: P10–P90)", fontsize=10, loc="left")
    ax1.legend(fontsize=8, loc="lower right")
    ax1.grid(alpha=0.3)
    ax2.set_yticks(range(len(names)))
    ax2.set_yticklabels(names, fontsize=8)
    ax2.set_title("Programme complete (P10–P90, dot: P50)", fontsize=10, loc="left")
    ax2.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=110)
    return path
