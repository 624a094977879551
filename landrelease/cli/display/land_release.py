"""How land release looks in a terminal: the risk map's scores, the survey's recommendation,
and both scored against a scenario's ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from landrelease.cli.display.terminal import console, escape, pct
from landrelease.risk.metrics import baseline_statement
from landrelease.survey import DECISION_LABELS


def show_map_and_survey(done: Any, raster: Path, out: Path) -> None:
    """The map a survey decided from (stored, or made for it and why), then its recommendation."""
    if done.stored is not None:
        show_stored_map(done.stored)
    else:
        show_risk(done.run, raster, done.run_id, recomputed_because=done.recomputed_because)
    show_survey(done.result, out, done.survey_id)


def show_stored_map(stored: Any) -> None:
    """Which stored risk map a survey decided from."""
    console.print(
        f"Deciding from the stored risk map (run {stored.run_id}, {stored.model} model, cells of "
        f"{stored.cell_m:g} m, made {str(stored.run_at or '')[:16].replace('T', ' ')}): no record "
        f"changed since → [bold]{stored.raster}[/]"
    )


def show_risk(
    run: Any, raster: Path, run_id: int, *, recomputed_because: list[str] | None = None
) -> None:
    """Scores of the risk map beside the baseline, what it learned from, and where it went."""
    if recomputed_because:
        console.print(
            "The stored risk map was not used ("
            + escape("; ".join(recomputed_because))
            + "): mapped the risk again."
        )
    for w in run.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    g = run.grid
    console.print(
        f"Risk map ({run.model} model) of {g.nx:,} × {g.ny:,} cells of {g.cell_m:g} m in {g.crs}, "
        f"computed in {run.seconds.get('total', 0):.1f} s → [bold]{raster}[/] (run {run_id})"
    )
    t = run.training
    console.print(
        f"Learned from {t['searched_cells']:,} searched cells, {t['positive_cells']:,} of them with a finding."
    )
    scale = getattr(getattr(run.computer, "coarse", None), "rate_scale", None)
    if scale is not None:
        console.print(escape(rate_scale_text(scale)))
    if run.scores:
        table = Table(title="Spatial block cross-validation on searched land", title_justify="left")
        for col in ("model", "ROC-AUC", "PR-AUC", "Brier", "area released at 99 % recall"):
            table.add_column(col, justify="left" if col == "model" else "right")
        for name, sc in run.scores.items():
            label = f"{name} (baseline)" if name == "distance" and run.model != "distance" else name
            table.add_row(
                label,
                f"{sc.roc_auc:.3f}",
                f"{sc.pr_auc:.3f}",
                f"{sc.brier:.4f}",
                f"{sc.released_at_99:.1%}",
            )
        console.print(table)
        ref = next(iter(run.scores.values())).reference_brier
        if np.isfinite(ref):
            console.print(
                "Scores of the probabilities each model gives held-out blocks, calibrated on the "
                f"other blocks; giving every cell the searched land's share with a find would "
                f"score a Brier of {ref:.4f}."
            )
        why = baseline_statement(run.scores, run.model)
        if why:
            console.print(escape(why))
    rel = run.reliability
    if len(rel):
        table = Table(
            title="Minefield records: reliability measured on searched land", title_justify="left"
        )
        for col in (
            "source",
            "records",
            "tested",
            "accuracy",
            "coverage",
            "offset (m)",
            "reliability",
        ):
            table.add_column(col, justify="left" if col == "source" else "right")
        for r in rel.itertuples():
            table.add_row(
                escape(str(r.source)),
                f"{r.records:,}",
                f"{r.tested:,}",
                pct(r.accuracy),
                pct(r.coverage),
                "—" if r.offset_m != r.offset_m else f"{r.offset_m:,.0f}",
                f"{r.reliability:.2f}",
            )
        console.print(table)
    hs = run.hazard_stats
    console.print(
        f"Expected devices in the {len(hs):,} active hazards: {hs['expected_devices'].sum():,.0f} "
        f"over {hs['area_m2'].sum() / 1e4:,.0f} ha."
    )


def show_survey(result: Any, out: Path, survey_id: int) -> None:
    s = result.summary
    table = Table(title=f"Recommendation ({s['rule']})", title_justify="left")
    for col in ("decision", "parts", "area (ha)", "share of area", "expected devices"):
        table.add_column(col, justify="left" if col == "decision" else "right")
    total = max(s["hazard_area_ha"], 1e-9)
    for name, row in s["by_decision"].items():
        table.add_row(
            DECISION_LABELS.get(name, name.replace("_", " ")),
            f"{row['parts']:,}",
            f"{row['area_ha']:,.1f}",
            f"{row['area_ha'] / total:.1%}",
            f"{row['expected_devices']:,.1f}",
        )
    console.print(table)
    if s.get("cancellation_withheld"):
        console.print(
            "[yellow]No land is recommended for cancellation:[/] "
            + escape(str(s["cancellation_withheld"]))
            + ". Non-technical and technical survey first; add searched land (approved technical "
            "survey and clearance), or decide with --allow-expert-cancellation (recorded)."
        )
    console.print(
        f"{s['share_cancelled']:.1%} of the hazard area can be cancelled while {s['expected_recall']:.1%} of the "
        f"expected devices stay in land that will be surveyed or cleared. Parts with evidence and confidence: "
        f"[bold]{out}[/] (survey {survey_id})."
    )
    cancel = s["by_decision"]["cancel"]
    bound = cancel.get("devices_bound")
    if cancel["area_ha"] > 0 and bound is not None and bound == bound:
        console.print(
            f"Devices left in the cancelled land: {cancel['expected_devices']:,.1f} expected, at most "
            f"{bound:,.1f} at {s['bound_level']:.0%} confidence (the map's errors on held-out "
            "spatial blocks of searched land; land unlike any searched land can hold more)."
        )
    terms = s.get("confirmation")
    if terms and not s.get("cancellation_withheld"):
        console.print(
            "Confirmation sample: "
            + escape(terms["text"])
            + f". Its sites are the layer confirmation_sites of [bold]{out}[/]: the teams set "
            f"searched and devices_found on each, then `landrelease confirm {out}`."
        )
    if s.get("land_use"):
        named = s.get("land_use_parts") or {}
        console.print(
            f"Land in use lowered the risk of {sum(named.values()):,} parts "
            f"({named.get('cancel', 0):,} of them cancelled): " + escape(str(s["land_use"])) + "."
        )
    limit = s.get("cancellation_limit")
    if limit:
        console.print("Why no more: " + escape(limit["text"]) + ".")
    top = result.parts.sort_values("expected_devices", ascending=False).head(3)
    for row in top.itertuples():
        console.print(
            f"  {row.part_id} ({DECISION_LABELS.get(row.decision, row.decision)}): {escape(row.evidence)}. {escape(row.confidence)}"
        )


def _ratio(value: float) -> str:
    return f"{value:.2f}" if np.isfinite(value) else "–"


def show_evaluation(run: Any) -> None:
    ev = run.evaluation
    m, d = ev.map, ev.decisions
    table = Table(title=f"Against ground truth ({run.model} model)", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("ROC-AUC over hazard cells", f"{m.roc_auc:.3f}")
    table.add_row("PR-AUC", f"{m.pr_auc:.3f}")
    table.add_row("Brier score", f"{m.brier:.4f}")
    table.add_row("hazard area releasable at 99 % device recall", f"{m.released_at_99:.1%}")
    table.add_row("hazard area cancelled by the decisions", f"{d['share_area_cancelled']:.1%}")
    table.add_row("true devices in surveyed or cleared parts", f"{d['true_recall']:.2%}")
    table.add_row("devices left in cancelled land", f"{d['devices_in_cancelled_land']:,.0f}")
    table.add_row("clean land worked per device (m²)", f"{d['clean_m2_worked_per_device']:,.0f}")
    table.add_row(
        "devices in hazards / outside any hazard",
        f"{ev.devices_in_hazards:,} / {ev.devices_outside_hazards:,}",
    )
    t = ev.totals
    if t and np.isfinite(t["total_ratio"]):
        table.add_row(
            "devices the map expects in the hazards ÷ true",
            f"{t['expected_in_hazards']:,.0f} ÷ {ev.devices_in_hazards:,} = {t['total_ratio']:.2f}",
        )
        table.add_row("  cells holding a device: map ÷ true", _ratio(t["hits_ratio"]))
        table.add_row("  devices per such cell: map ÷ true", _ratio(t["per_find_ratio"]))
    console.print(table)
    console.print(f"Area–recall chart: [bold]{run.chart}[/]; table: [bold]{run.table}[/]")


def show_backtest(result: Any) -> None:
    """What the map fitted on one day expected beside what teams found after it."""
    t = result.totals
    ratio = t["expected_per_found"]
    console.print(
        f"Backtest as of {result.as_of}: the map learned from {t['searched_cells']:,} searched cells "
        f"known then, and is checked on {t['activities']:,} technical surveys and clearances ended "
        f"after it ({t['area_ha']:,.1f} ha)."
    )
    console.print(
        f"  Devices expected to be found in the land they searched: {t['expected_found']:,.0f} "
        f"(in their whole areas: {t['expected_devices']:,.0f}; technical survey searches lanes); "
        f"found: {t['found_devices']:,}"
        + (f" (expected ÷ found = {ratio:.2f})." if ratio is not None else ".")
    )
    by_type = t.get("by_type") or {}
    if len(by_type) > 1:
        console.print(
            "  By kind of activity: "
            + "; ".join(
                f"{kind} ({v['activities']:,.0f}): expected {v['expected_found']:,.0f}, "
                f"found {v['found_devices']:,.0f}"
                for kind, v in by_type.items()
            )
            + "."
        )
    verdict = t.get("verdict")
    if verdict == "under":
        console.print(
            "  [bold]The map expected fewer devices than teams found[/], beyond what chance "
            "explains: its expectations and bounds were too low on this land; read the "
            "decisions' bounds with that in mind."
        )
    elif verdict == "over":
        console.print(
            "  The map expected more devices than teams found, beyond what chance explains: it "
            "erred on the cautious side here (more land surveyed or cleared than needed)."
        )
    if t["found_outside_the_map"]:
        console.print(
            f"  {t['found_outside_the_map']:,} devices were found in activities outside any hazard "
            "known then (not counted above)."
        )
    if t["cancellation_withheld"]:
        console.print(f"  No land would have been cancelled: {escape(t['cancellation_withheld'])}.")
    elif t["cancelled_ha_worked_later"] <= 0:
        console.print(
            f"  None of the land the decisions would have cancelled then "
            f"({t['share_cancelled']:.1%} of the hazard area) was worked later, so this backtest "
            "cannot check the cancellations yet: their bounds rest on the held-out blocks of "
            "searched land alone."
        )
    else:
        console.print(
            f"  Land the decisions would have cancelled and teams worked later: "
            f"{t['cancelled_ha_worked_later']:,.1f} ha, where they found "
            f"[bold]{t['found_in_cancelled']:,}[/] "
            + ("device" if t["found_in_cancelled"] == 1 else "devices")
            + (
                f" (the bound stated for it then: at most {t['bound_in_cancelled']:,.1f}; "
                + ("held)." if t["found_in_cancelled"] <= t["bound_in_cancelled"] else "broken).")
                if t.get("bound_in_cancelled") is not None
                else "."
            )
        )
    gaps = result.activities.assign(
        gap=result.activities["found_devices"] - result.activities["expected_found"]
    )
    worst = gaps[gaps["gap"] > 0].sort_values("gap", ascending=False)
    if not len(worst):
        console.print("  No activity found more devices than the map expected it to find.")
    table = Table(
        title=f"Activities that found more than expected ({len(worst):,} of {len(gaps):,}; "
        "the most first)",
        title_justify="left",
    )
    for col in ("activity", "hazard", "ended", "ha", "expected to find", "found", "in cancelled"):
        table.add_column(col, justify="left" if col in ("activity", "hazard") else "right")
    for r in worst.head(5).itertuples():
        table.add_row(
            r.activity_id,
            str(r.hazard_id),
            r.end,
            f"{r.area_ha:,.1f}",
            f"{r.expected_found:,.1f}",
            f"{r.found_devices:,}",
            f"{r.found_in_cancelled:,}",
        )
    if len(worst):
        console.print(table)
    for label, path in result.outputs.items():
        console.print(f"  {label}: {path}")


def _km(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def rate_scale_text(scale: Any) -> str:
    """One sentence on the width the local finding rate was made at, and why."""
    text = f"Local finding rate made at a kernel width of {_km(scale.sigma_m)}"
    scored = {float(k): v for k, v in scale.scores.items() if v == v}
    if not scored:
        if scale.reason.startswith("as the stored"):
            return f"{text}, {scale.reason}."
        return f"{text}, the default ({scale.reason})."
    others = ", ".join(f"{_km(k)} {v:.3f}" for k, v in sorted(scored.items()) if k != scale.sigma_m)
    return f"{text}, {scale.reason}: held-out ROC-AUC {scored[scale.sigma_m]:.3f}" + (
        f" (other widths: {others})." if others else "."
    )


def show_confirmed(done: Any) -> None:
    """The confirmation sample's verdict and the decisions it left."""
    v = done.verdict
    colour = {"passed": "green", "failed": "red"}.get(v["verdict"], "yellow")
    console.print(f"[{colour}]{escape(v['text'][0].upper() + v['text'][1:])}.[/]")
    where = f" → [bold]{done.decisions}[/]" if done.decisions is not None else ""
    console.print(
        f"Decisions kept as survey run {done.survey_id} (from run {done.confirmed_run}){where}."
    )
