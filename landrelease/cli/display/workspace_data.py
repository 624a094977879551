"""How the workspace's data looks in a terminal: imports and their problems, exports, status,
backups and restores, settings and generated scenarios."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rich.table import Table

from landrelease import settings
from landrelease.cli.display.terminal import console, escape
from landrelease.errors import IssueLog, Severity
from landrelease.io.cells import spreadsheet_safe
from landrelease.io.package import ExportReport, ImportReport
from landrelease.scenario.calibration import rounded
from landrelease.store.backup import BackupReport, RestoreReport
from landrelease.store.summary import WorkspaceStatus


def show_import(report: ImportReport, *, listed_per_file: int, verb: str = "import") -> None:
    table = Table(title=f"{verb.capitalize()} of {report.package}", title_justify="left")
    written = ("new", "updated", "unchanged", "not\napplied*")
    names = [_read_as(r.layer, r.file, str(report.package)) for r in report.layers]
    widest = max((len(r.layer) for r in report.layers), default=5)
    for col in ("layer", "records", "valid", *(() if report.refused else written)):
        if col == "layer":
            table.add_column(col, min_width=widest, overflow="fold")
        else:
            table.add_column(col, justify="right")
    for name, r in zip(names, report.layers, strict=True):
        w = r.written
        counts = [f"{n:,}" for n in (w.inserted, w.updated, w.unchanged, w.stale)]
        table.add_row(name, f"{r.records:,}", f"{r.valid:,}", *([] if report.refused else counts))
    for name, outcome in report.covariates.items():
        table.add_row(
            f"{name}.tif (covariate)",
            "",
            "",
            *(
                []
                if report.refused
                else [
                    "1" if outcome == "inserted" else "",
                    "1" if outcome == "updated" else "",
                    "1" if outcome == "unchanged" else "",
                    "",
                ]
            ),
        )
    if report.layers:
        console.print(table)
        if report.refused:
            console.print(report.REFUSED_NOTE)
        elif report.totals().stale:
            console.print(
                "* not applied: the record differs from the stored one but its date of information is not later "
                f"(e.g. {', '.join(report.totals().stale_ids[:5])})"
            )
    show_issues(report.log, listed_per_file=listed_per_file)


def show_issues(log: IssueLog, *, listed_per_file: int) -> None:
    for fi in log.files.values():
        if not fi.total:
            continue
        parts = [_counted(fi.counts[s], s) for s in Severity if fi.counts[s]]
        colour = "red" if fi.errors else "yellow"
        console.print(f"\n[bold {colour}]{fi.file}[/]: {', '.join(parts)}")
        for issue in fi.kept[:listed_per_file]:
            mark = {"error": "[red]✗[/]", "repaired": "[cyan]~[/]", "warning": "[yellow]![/]"}[
                issue.severity.value
            ]
            console.print(f"  {mark} {escape(str(issue).removeprefix(fi.file + ': '))}")
        hidden = fi.total - min(len(fi.kept), listed_per_file)
        if hidden > 0:
            common = ", ".join(f"{p} ({n:,})" for (_, p), n in fi.by_problem.most_common(3))
            console.print(
                f"  … and {hidden:,} more (most common: {escape(common)}); --issues-csv FILE lists them"
            )


def _read_as(layer: str, file: str, package: str) -> str:
    """A row of the import table: the layer, and the file, sheet or table it was read from when
    that is not named after it (``incidents ← Accident with victims``); the package the title
    names already is left out, so that a narrow terminal still shows the layer."""
    name = Path(package).name
    source = file.removeprefix(name).lstrip(":/") or file
    return layer if Path(source).stem == layer else f"{layer} ← {source}"


def _counted(n: int, severity: Severity) -> str:
    """``1 error``, ``3 warnings``, ``2 repaired``."""
    word = severity.value
    return f"{n:,} {word}" if n == 1 or word.endswith("ed") else f"{n:,} {word}s"


def write_issues_csv(log: IssueLog, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["severity", "file", "record", "field", "value", "problem", "accepted"])
        for i in log:
            row = [i.severity.value, i.file, i.record, i.field, i.value, i.problem, i.accepted]
            w.writerow([spreadsheet_safe(v) for v in row])


def conclude_import(
    report: ImportReport, *, issues_csv: Path | None, verb: str, listed_per_file: int
) -> bool:
    """Show an import (or its dry run) and what came of it; ``False`` when a rule was broken."""
    show_import(report, listed_per_file=listed_per_file, verb=verb)
    if issues_csv:
        write_issues_csv(report.log, issues_csv)
        console.print(f"Problems listed in {issues_csv}")
    errors = report.log.errors
    valid = sum(r.valid for r in report.layers)
    if report.dry_run:
        if errors:
            console.print(
                f"\n[red]{errors:,} problem(s)[/]: an import would write nothing (or, with --keep-valid, the {valid:,} valid records)."
            )
            return False
        console.print(
            f"\n[green]Valid[/]: {report.records:,} records checked in {report.seconds:.1f} s; nothing was written."
        )
        return True
    if report.committed and errors:
        console.print(
            f"\n[yellow]Imported the {valid:,} valid records[/] (--keep-valid); {errors:,} problem(s) left out, listed above."
        )
        return False
    if errors:
        console.print(
            f"\n[red]Nothing was written[/]: {errors:,} problem(s). Fix them and import again, "
            f"or add --keep-valid to import the {valid:,} valid records."
        )
        return False
    t = report.totals()
    console.print(
        f"\n[green]Imported[/] {report.records:,} records in {report.seconds:.1f} s: "
        f"{t.inserted:,} new, {t.updated:,} updated, {t.unchanged:,} unchanged, {t.stale:,} not applied."
    )
    return True


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
    for name, cells in report.rasters.items():
        console.print(f"  {name}: covariate raster, {cells:,} cells with a value")
    for name, fields in report.unmapped.items():
        console.print(
            f"  {name}: not named by the profile, written under our names: {', '.join(fields)}"
        )
    if report.project is not None:
        console.print(
            f"QGIS project: [bold]{escape(str(report.project))}[/] (open it in QGIS: the layers "
            "grouped and styled)"
        )


def show_backup(report: BackupReport) -> None:
    m = report.manifest
    console.print(
        f"Wrote the backup [bold]{escape(str(report.path))}[/] ({report.size_bytes / 2**20:,.1f} MiB, "
        f"{m.records:,} records in {len(m.counts)} tables, schema {m.schema_version}) "
        f"in {report.seconds:.1f} s. Restore it with: landrelease restore {escape(str(report.path))} "
        + ("-w NEW.gpkg" if m.backend == "geopackage" else "--db postgresql://…/NEW_DB")
    )


def show_restore(report: RestoreReport) -> None:
    m = report.manifest
    made = " (a new database)" if report.created_database else ""
    console.print(
        f"Restored [bold]{escape(str(report.source))}[/] into [bold]{escape(report.target)}[/]{made} "
        f"in {report.seconds:.1f} s: {m.records:,} records in {len(m.counts)} tables, as the "
        f"manifest lists (a backup of {escape(m.source)} taken {m.created_at} by {escape(m.created_by)})."
    )


def show_settings() -> None:
    """Every setting with its value, unit, environment variable and help (nothing listed when a
    value set in the environment is not of the setting's kind: the message names it)."""
    values = [s.value() for s in settings.SETTINGS]
    for s, value in zip(settings.SETTINGS, values, strict=True):
        accepted = f"; {s.accepted}" if s.accepted else ""
        console.print(f"[bold]{s.name}[/] = {value} [dim]({s.unit}{accepted}; {s.env})[/]")
        console.print(f"    {s.help}")


def show_scenario(result: Any) -> None:
    """The generated package's size and its calibration against the real figures."""
    console.print(
        f"Wrote the {result.scale} scenario (seed {result.seed}) to [bold]{result.out}[/] in {result.seconds:.1f} s: "
        f"{result.summary()}"
    )
    table = Table(
        title="Calibration: generated beside the real figure it imitates", title_justify="left"
    )
    for col in ("figure", "generated", "real reference", "accepted range", "ok"):
        table.add_column(col, justify="right" if col == "generated" else "left")
    for row in result.calibration:
        table.add_row(
            row.name,
            f"{rounded(row.generated)} {row.unit}",
            row.reference,
            f"{rounded(row.low)} – {rounded(row.high)}",
            "[green]yes[/]" if row.ok else "[red]no[/]",
        )
    console.print(table)
