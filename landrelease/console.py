"""How results look in a terminal (Rich): tables, problem lists, progress bars."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from landrelease.errors import IssueLog, Severity
from landrelease.io.package import ExportReport, ImportReport
from landrelease.store.summary import WorkspaceStatus

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


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
