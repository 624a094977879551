"""How planning results look in a terminal: priorities, the operations plan, the forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from rich.table import Table

from landrelease.cli.display.terminal import console, escape
from landrelease.domain.programme import money
from landrelease.planning import ForecastResult, PlanResult, PriorityResult
from landrelease.planning.pace import pace_versus_forecast
from landrelease.planning.priorities import CRITERIA, LABEL


def show_notes(notes: list[str]) -> None:
    for note in notes:
        console.print(f"[yellow]![/] {escape(note)}")


def show_priorities(result: PriorityResult, *, top: int | None = None) -> None:
    """The top hazards with each criterion's contribution, the weights, and their sensitivity."""
    show_notes(result.notes)
    n = top or result.top_n
    w = result.weights
    console.print(
        "Weights (normalised): "
        + ", ".join(f"{LABEL[c]} {w[c]:.2f}" for c in CRITERIA)
        + f". Tasks from {'the survey engine' if result.task_source == 'survey' else 'the fallback'}."
    )
    table = Table(
        title=f"Top {min(n, len(result.table))} of {len(result.table):,} hazards: score = sum of contributions",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    table.add_column("hazard", no_wrap=True)
    table.add_column("score", justify="right")
    for head in ("people", "infra", "farm", "risk", "cost", "returnees (share)"):
        table.add_column(head, justify="right")
    for r in result.table.head(n).itertuples(index=False):
        table.add_row(
            str(r.rank),
            str(r.hazard_id),
            f"{r.score:.3f}",
            *(f"{getattr(r, 'c_' + c):+.3f}".replace("0.", ".", 1) for c in CRITERIA),
            f"{r.people:,.0f}",
        )
    console.print(table)
    sens = Table(
        title=f"Sensitivity: how the top {result.top_n} changes when one weight moves",
        title_justify="left",
    )
    for col in (
        "criterion",
        "change",
        "weight after",
        "stay in the top",
        "enter",
        "largest rank move",
    ):
        if col == "criterion":  # the weights line's words, wrapped but never cut
            sens.add_column(col, min_width=len("infrastructure"))
        elif col == "enter":
            sens.add_column(col)
        else:  # short figures: their headings wrap to leave the words their room
            sens.add_column(col, justify="right", max_width=len("largest"))
    for s in result.sensitivity.to_dict("records"):
        entered = list(s["entered"])
        sens.add_row(
            LABEL.get(str(s["criterion"]), str(s["criterion"])),
            str(s["change"]),
            f"{s['weight']:.3f}",
            f"{s['kept']}/{s['of']}",
            ", ".join(entered[:4]) + (" …" if len(entered) > 4 else ""),
            str(s["largest_move"]),
        )
    console.print(sens)
    if result.run_id:
        console.print(f"Written to the workspace (table priorities, run {result.run_id}).")


def show_plan(result: PlanResult) -> None:
    """The plan's headline figures, the comparison with simple rules, cost by year, readiness."""
    show_notes(result.notes)
    console.print(
        f"[bold]Operations plan[/] {result.start}–{result.horizon} "
        f"({'survey decisions' if result.task_source == 'survey' else 'fallback tasks'}): by the horizon "
        f"{result.counts.sentence()}; assets: {result.assets_source}; budget: {result.budget_source}."
    )
    if result.bound is not None:
        b = result.bound
        console.print(
            f"Benefit {result.outcome.value:.3f} benefit-years = [bold]{result.share_of_bound:.1%}[/] of the LP bound "
            f"{b.value:.3f} (HiGHS, {b.status}, {b.rows:,} rows, {b.periods} periods, {b.seconds:.1f} s); "
            f"order: {result.strategy}."
        )
    console.print(_comparison(result))
    console.print(_cost_by_year(result))
    console.print(_cost_by_method(result))
    console.print(_readiness(result))
    if len(result.unworkable):
        console.print(
            f"[yellow]{len(result.unworkable):,} task(s) no available asset can work[/], e.g.:"
        )
        for r in result.unworkable.head(5).itertuples(index=False):
            console.print(f"  {r.task_id}: {r.reason}")
    for label, path in result.charts.items():
        console.print(f"Chart ({label}): {path}")
    if result.run_id:
        console.print(
            f"Written to the workspace (tables plan_tasks, plan_schedule, plan_readiness; run {result.run_id})."
        )


def _comparison(result: PlanResult) -> Table:
    comp = Table(title="Beside the rules a planner might use", title_justify="left")
    for col in (
        "strategy",
        "benefit",
        "people-years by 2030",
        "people-years by horizon",
        "half home by",
        "settlements ready",
    ):
        comp.add_column(col, justify="left" if col == "strategy" else "right")
    for r in result.comparison.itertuples(index=False):
        comp.add_row(
            str(r.label),
            f"{r.benefit:.3f}",
            f"{r.people_years_2030:,.0f}",
            f"{r.people_years_horizon:,.0f}",
            str(r.half_home),
            f"{r.settlements_ready:,}",
        )
    return comp


def _cost_by_year(result: PlanResult) -> Table:
    cost = Table(title="Cost by year (million USD) and area released", title_justify="left")
    notes = []
    months = result.problem.months
    for y in result.cost_by_year.to_dict("records"):
        n = int(y.get("months", 12))
        if n < 12:
            inside = [m for m in months if m.year == y["year"]]
            span = f"{inside[0].strftime('%b')}–{inside[-1].strftime('%b')}" if n > 1 else ""
            budget = f", so {n}/12 of a year's budget" if np.isfinite(y["budget_usd"]) else ""
            notes.append(
                f"* {y['year']}: the plan covers {n} month{'s' if n > 1 else ''}"
                f"{f' ({span})' if span else ''}{budget}"
            )
    if notes:
        cost.caption = "\n".join(notes)
        cost.caption_justify = "left"
    kinds = list(result.problem.kinds)
    for col in ("year", "budget", "spent", *kinds, "released (ha)"):
        cost.add_column(col, justify="right")
    for y in result.cost_by_year.to_dict("records"):
        cost.add_row(
            str(y["year"]) + ("*" if int(y.get("months", 12)) < 12 else ""),
            "no limit" if not np.isfinite(y["budget_usd"]) else f"{y['budget_usd'] / 1e6:,.2f}",
            f"{y['spent_usd'] / 1e6:,.2f}",
            *(f"{y[f'{k}_usd'] / 1e6:,.2f}" for k in kinds),
            f"{y['released_ha']:,.1f}",
        )
    return cost


def _cost_by_method(result: PlanResult) -> Table:
    table = Table(title="Work by method (BAC: battle-area clearance)", title_justify="left")
    for col in (
        "method",
        "tasks",
        "area (ha)",
        "done by horizon (ha)",
        "team-days",
        "cost (million USD)",
    ):
        table.add_column(col, justify="left" if col == "method" else "right")
    for r in result.cost_by_method.to_dict("records"):
        table.add_row(
            str(r["method"]),
            f"{r['tasks']:,}",
            f"{r['area_ha']:,.1f}",
            f"{r['done_ha']:,.1f}",
            f"{r['team_days']:,.0f}",
            f"{r['cost_usd'] / 1e6:,.2f}",
        )
    return table


def _readiness(result: PlanResult) -> Table:
    """Settlements not ready now, most people planned first."""
    ready = result.readiness[result.readiness["status"] != "ready now"].copy()
    ready = ready.sort_values("population_planned", ascending=False).head(15)
    rt = Table(title="When settlements are ready (most people planned first)", title_justify="left")
    for col in ("settlement", "people planned", "blocking hazards", "ready by"):
        rt.add_column(col, justify="left" if col == "settlement" else "right")
    for r in ready.itertuples(index=False):
        rt.add_row(
            f"{r.name} ({r.settlement_id})",
            f"{r.population_planned:,}",
            str(r.blocking_hazards),
            _date(r.plan_date, f"after {result.horizon}"),
        )
    return rt


def show_forecast(result: ForecastResult) -> None:
    """Scenarios side by side, the pace so far beside them, and the evidence-based survey's saving."""
    show_notes(result.notes)
    console.print(
        f"[bold]Forecast[/] from {result.start}: {result.runs:,} runs per scenario (seed {result.seed}), "
        f"window to {result.window_end}; tasks from {'survey decisions' if result.task_source == 'survey' else 'the fallback'}."
    )
    after = f"after {result.window_end.year}"
    table = Table(title="Scenarios side by side (P10 / P50 / P90)", title_justify="left")
    for col in (
        "scenario",
        "money a year (USD)",
        "programme complete",
        "cost (million USD)",
        "people home by 2030",
    ):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for r in result.table.to_dict("records"):
        table.add_row(
            str(r["scenario"]),
            f"{r['budget_usd_per_year']:,.0f}",
            " / ".join(_date(r[f"completion_p{q}"], after, month=True) for q in (10, 50, 90)),
            " / ".join(f"{r[f'cost_usd_p{q}'] / 1e6:,.0f}" for q in (10, 50, 90)),
            " / ".join(f"{r[f'people_home_2030_p{q}']:,.0f}" for q in (10, 50, 90)),
        )
    console.print(table)
    for name, title in zip(result.table["scenario"], result.table["title"], strict=True):
        console.print(f"  [dim]{name}: {escape(str(title))}[/]")
    pace = result.pace
    remaining = sum(result.remaining_m2.values()) / 1e4
    if pace.total_m2_per_month > 0:
        by = ", ".join(f"{k} {v:,.1f}" for k, v in pace.ha_per_month.items())
        console.print(
            f"[bold]Pace so far[/] ({pace.window_start} to {pace.window_end}, {pace.activities:,} approved activities): "
            f"{pace.total_m2_per_month / 1e4:,.1f} ha a month ({by}); national figure for January 2026: 1,738.3 ha. "
            f"At this pace the remaining {remaining:,.0f} ha take until "
            f"{result.pace_completion if result.pace_completion is not None else 'never'}."
        )
        base = result.table[result.table["scenario"] == result.config.baseline]
        p50 = base["completion_p50"].iloc[0] if len(base) else None
        console.print(
            "  "
            + pace_versus_forecast(
                pace,
                result.remaining_m2,
                p50.strftime("%Y-%m") if isinstance(p50, dt.date) else None,
            )
        )
    else:
        console.print(
            "[bold]Pace so far[/]: no approved land release in the workspace's history to measure it on."
        )
    s = result.saving
    if s:
        years = (
            f" and finishes {s['years_saved_p50']:,.1f} years sooner (P10–P90 "
            f"{s['years_saved_p10']:,.1f}–{s['years_saved_p90']:,.1f}"
            + (
                f"; at least: {s['runs_unfinished_without']:,} of {s['runs']:,} runs without it "
                f"do not finish by {result.window_end.year}, counted at its end)"
                if s.get("years_saved_at_least")
                else ")"
            )
            if "runs" in s
            else ""
        )
        console.print(
            f"[bold]Evidence-based cancellation[/] ({s['with']} vs {s['without']}): saves "
            f"{_millions(s['saving_usd_p50'])} million USD here (P10–P90 "
            f"{_millions(s['saving_usd_p10'])} to {_millions(s['saving_usd_p90'])}), "
            f"{_signed(s['share_p50'])} of the cost without it "
            f"({_signed(s['share_p10'])} to {_signed(s['share_p90'])}){_official(s)}{years}. "
            "The survey's cancellations "
            f"hold on {s.get('cancel_kept_p50', 1.0):.0%} of the area it cancels (P10–P90 "
            f"{s.get('cancel_kept_p10', 1.0):.0%}–{s.get('cancel_kept_p90', 1.0):.0%}; the rest is "
            "reopened where a device left there comes to light, and surveyed technically)."
        )
    for label, path in result.charts.items():
        console.print(f"Chart ({label}): {path}")
    if result.run_id:
        console.print(
            f"Written to the workspace (tables forecast_scenarios, plan_readiness; run {result.run_id})."
        )


def _millions(usd: float) -> str:
    """Millions with one decimal under 10 million, whole above; a true minus sign, never −0."""
    m = usd / 1e6
    text = f"{m:,.1f}" if abs(m) < 10 else f"{m:,.0f}"
    return "0" if float(text.replace(",", "")) == 0 else text.replace("-", "\u2212")


def _signed(share: float) -> str:
    """A share as a percentage with a true minus sign, never −0.0 %."""
    text = f"{share:.1%}"
    return "0.0%" if text in ("-0.0%", "0.0%") else text.replace("-", "\u2212")


def _official(s: dict[str, Any]) -> str:
    """The saving scaled to the programme profile's official estimate; nothing without one."""
    if "official_estimate" not in s:
        return ""
    cur = s["currency"]
    text = (
        f". Applied to the official estimate of {money(s['official_estimate'], cur, digits=0)}"
        + (
            f" ({escape(s['official_estimate_source'])})"
            if s.get("official_estimate_source")
            else ""
        )
        + f": about {money(s['national_p50'], cur)} ({money(s['national_p10'], cur)}–"
        f"{money(s['national_p90'], cur)})"
    )
    if s.get("experts_saving"):
        text += f", beside the experts' 'up to {money(s['experts_saving'], cur, digits=0)}'"
    return text


def _date(v: object, never: str, *, month: bool = False) -> str:
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m") if month else v.isoformat()
    return never
