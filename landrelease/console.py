"""How results look in a terminal (Rich): tables, problem lists, progress bars."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from landrelease.errors import IssueLog, Severity
from landrelease.io.package import ExportReport, ImportReport
from landrelease.store.summary import WorkspaceStatus

if TYPE_CHECKING:
    from landrelease.demo import DemoResult

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@contextmanager
def record_progress(label: str) -> Iterator[Callable[[str, int], None]]:
    """A live line per file with the records read so far (shown on a terminal only)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[records]:,} records"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(file: str, records: int) -> None:
            if file not in tasks:
                tasks[file] = progress.add_task(f"{label} {file}", records=0, total=None)
            progress.update(tasks[file], records=records)

        yield update


@contextmanager
def step_progress(label: str) -> Iterator[Callable[[str, float], None]]:
    """A bar for work measured as a fraction done."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=1.0)

        def update(step: str, fraction: float) -> None:
            progress.update(task, description=f"{label}: {step}", completed=fraction)

        yield update


def show_import(report: ImportReport, *, listed_per_file: int, verb: str = "import") -> None:
    table = Table(title=f"{verb.capitalize()} of {report.package}", title_justify="left")
    for col in ("file", "records", "valid", "new", "updated", "unchanged", "not applied*"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for r in report.layers:
        w = r.written
        table.add_row(
            r.file,
            f"{r.records:,}",
            f"{r.valid:,}",
            f"{w.inserted:,}",
            f"{w.updated:,}",
            f"{w.unchanged:,}",
            f"{w.stale:,}",
        )
    if report.layers:
        console.print(table)
        if report.totals().stale:
            console.print(
                "* not applied: the record differs from the stored one but its date of information is not later "
                f"(e.g. {', '.join(report.totals().stale_ids[:5])})"
            )
    show_issues(report.log, listed_per_file=listed_per_file)


def show_issues(log: IssueLog, *, listed_per_file: int) -> None:
    for fi in log.files.values():
        if not fi.total:
            continue
        parts = [f"{fi.counts[s]:,} {s.value}" for s in Severity if fi.counts[s]]
        colour = "red" if fi.errors else "yellow"
        console.print(f"\n[bold {colour}]{fi.file}[/]: {', '.join(parts)}")
        for issue in fi.kept[:listed_per_file]:
            mark = {"error": "[red]✗[/]", "repaired": "[cyan]~[/]", "warning": "[yellow]![/]"}[
                issue.severity.value
            ]
            console.print(f"  {mark} {_escape(str(issue).removeprefix(fi.file + ': '))}")
        hidden = fi.total - min(len(fi.kept), listed_per_file)
        if hidden > 0:
            common = ", ".join(f"{p} ({n:,})" for (_, p), n in fi.by_problem.most_common(3))
            console.print(
                f"  … and {hidden:,} more (most common: {_escape(common)}); --issues-csv FILE lists them"
            )


def write_issues_csv(log: IssueLog, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["severity", "file", "record", "field", "value", "problem", "accepted"])
        for i in log:
            w.writerow(
                [i.severity.value, i.file, i.record, i.field, i.value, i.problem, i.accepted]
            )


def show_status(st: WorkspaceStatus) -> None:
    console.print(
        f"[bold]Workspace[/] {st.workspace} ({st.backend}; areas computed in {st.metric_crs or 'not set yet'})"
    )
    counts = Table(title="Records", title_justify="left")
    counts.add_column("layer")
    counts.add_column("records", justify="right")
    for name, n in st.counts.items():
        counts.add_row(name, f"{n:,}")
    console.print(counts)
    area = Table(title="Hazard area", title_justify="left")
    for col in ("status", "classification", "hazards", "area (ha)"):
        area.add_column(col, justify="right" if col in ("hazards", "area (ha)") else "left")
    for r in st.hazard_area:
        area.add_row(r.status, r.classification, f"{r.hazards:,}", f"{r.area_ha:,.1f}")
    area.add_row(
        "[bold]all",
        "",
        f"[bold]{sum(r.hazards for r in st.hazard_area):,}",
        f"[bold]{st.total_hazard_area_ha:,.1f}",
    )
    console.print(area)
    latest = Table(title="Latest dates", title_justify="left")
    latest.add_column("what")
    latest.add_column("date")
    for k, v in st.latest.items():
        latest.add_row(k, v or "—")
    if st.last_import:
        latest.add_row(
            f"import ({st.imports} in all)", f"{st.last_import['at']} by {st.last_import['by']}"
        )
    console.print(latest)


def show_export(report: ExportReport) -> None:
    total = sum(report.files.values())
    console.print(f"Wrote {total:,} records to [bold]{report.out}[/]:")
    for name, n in report.files.items():
        console.print(f"  {name}: {n:,}")


def _pct(value: float) -> str:
    return "—" if value != value else f"{value:.0%}"


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def show_scenario(result: Any) -> None:
    """The generated package's size and its calibration against the real figures."""
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if v)
    console.print(
        f"Wrote the {result.scale} scenario (seed {result.seed}) to [bold]{result.out}[/] in {result.seconds:.1f} s: "
        f"{result.n_devices:,} devices in the ground (truth/), {counts}"
    )
    table = Table(
        title="Calibration: generated beside the real figure it imitates", title_justify="left"
    )
    for col in ("figure", "generated", "real reference", "accepted range", "ok"):
        table.add_column(col, justify="right" if col == "generated" else "left")
    for row in result.calibration:
        table.add_row(
            row.name,
            f"{row.generated:,.3g} {row.unit}",
            row.reference,
            f"{row.low:,.3g} – {row.high:,.3g}",
            "[green]yes[/]" if row.ok else "[red]no[/]",
        )
    console.print(table)


def show_demo(result: DemoResult) -> None:
    show_scenario(result.scenario)
    show_status(result.status)
    console.print(
        f"Imported {result.records:,} records in {result.import_seconds:.1f} s "
        f"({result.records / max(result.import_seconds, 1e-9):,.0f} records/s, every rule checked)."
    )
    if result.risk is not None:
        show_risk(result.risk, result.outputs["risk map (GeoTIFF)"], 1)
        show_survey(result.survey, result.outputs["survey decisions (GeoPackage)"], 1)
        show_evaluation(result.evaluation)
    if result.plan is not None:
        from landrelease.planning.console import show_forecast, show_plan, show_priorities

        show_priorities(result.priorities, top=10)
        show_plan(result.plan)
        show_forecast(result.forecast)
    console.print("\n[bold]Outputs[/]")
    for label, path in result.outputs.items():
        console.print(f"  {label}: {path}")


def show_risk(run: Any, raster: Path, run_id: int) -> None:
    """Scores of the risk map beside the baseline, what it learned from, and where it went."""
    for w in run.warnings:
        console.print(f"[yellow]warning:[/] {_escape(w)}")
    g = run.grid
    console.print(
        f"Risk map ({run.model} model) of {g.nx:,} × {g.ny:,} cells of {g.cell_m:g} m in {g.crs}, "
        f"computed in {run.seconds.get('total', 0):.1f} s → [bold]{raster}[/] (run {run_id})"
    )
    t = run.training
    console.print(
        f"Learned from {t['searched_cells']:,} searched cells, {t['positive_cells']:,} of them with a finding."
    )
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
                _escape(str(r.source)),
                f"{r.records:,}",
                f"{r.tested:,}",
                _pct(r.accuracy),
                _pct(r.coverage),
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
            name.replace("_", " "),
            f"{row['parts']:,}",
            f"{row['area_ha']:,.1f}",
            f"{row['area_ha'] / total:.1%}",
            f"{row['expected_devices']:,.1f}",
        )
    console.print(table)
    console.print(
        f"{s['share_cancelled']:.1%} of the hazard area can be cancelled while {s['expected_recall']:.1%} of the "
        f"expected devices stay in land that will be surveyed or cleared. Parts with evidence and confidence: "
        f"[bold]{out}[/] (survey {survey_id})."
    )
    top = result.parts.sort_values("expected_devices", ascending=False).head(3)
    for row in top.itertuples():
        console.print(
            f"  {row.part_id} ({row.decision.replace('_', ' ')}): {_escape(row.evidence)}. {_escape(row.confidence)}"
        )


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
    console.print(table)
    console.print(f"Area–recall chart: [bold]{run.chart}[/]; table: [bold]{run.table}[/]")
