"""Import, validate and export an evidence package.

:func:`import_package` reads every layer of a package in bounded batches,
checks each record, and merges the valid ones into the workspace inside one
transaction. If any record breaks a rule, nothing is written unless the user
asked to keep the valid records. :func:`validate_package` is the same import
run against a throw-away workspace and rolled back: the rules, the messages
and the counts are exactly those a real import would give.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely

from landrelease import __version__
from landrelease.domain import LAYERS, FieldKind, Layer, layer_by_name
from landrelease.domain.covariates import covariate_named
from landrelease.domain.programme import WORKSPACE_CURRENCY, Programme
from landrelease.errors import DataError, Issue, IssueLog, Severity, UsageError
from landrelease.io import qgis_project
from landrelease.io.cells import spreadsheet_safe_table
from landrelease.io.covariates import find_covariates, read_covariate
from landrelease.io.covariates import write_geotiff as write_covariate_geotiff
from landrelease.io.crosswalk import Profile, VictimBook
from landrelease.io.sources import (
    LayerSource,
    RawBatch,
    ReadLayer,
    UnreadableError,
    check_file,
    discover,
    explain_unreadable,
    read_batches,
)
from landrelease.io.submissions import is_submission_export, read_submissions
from landrelease.io.validate import LayerChecker
from landrelease.store import (
    Connection,
    Workspace,
    WorkspaceView,
    WriteContext,
    WriteCounts,
    default_actor,
)
from landrelease.store.covariates import write_covariate
from landrelease.store.programme import read_programme
from landrelease.store.references import dangling_references
from landrelease.store.runs import now
from landrelease.store.styles import add_default_style
from landrelease.store.tables import read_table

Progress = Callable[[str, int], None]
"""Called with (file shown to the user, records read so far in that file)."""

REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("activities", "hazard_id", "hazards", "hazard_id"),
    ("findings", "activity_id", "activities", "activity_id"),
    ("qa_visits", "activity_id", "activities", "activity_id"),
    ("eore_sessions", "settlement_id", "settlements", "settlement_id"),
)
"""(layer, field, referenced layer, referenced field): a dangling reference is a warning."""


@dataclass
class LayerReport:
    layer: str
    file: str
    records: int = 0
    valid: int = 0
    written: WriteCounts = field(default_factory=WriteCounts)


@dataclass
class ImportReport:
    """What an import (or a validation) found and did."""

    package: str
    layers: list[LayerReport] = field(default_factory=list)
    log: IssueLog = field(default_factory=IssueLog)
    committed: bool = False
    dry_run: bool = False
    import_id: int | None = None
    seconds: float = 0.0
    covariates: dict[str, str] = field(default_factory=dict)
    """Covariate raster → ``inserted``, ``updated`` or ``unchanged``."""

    @property
    def ok(self) -> bool:
        return self.log.errors == 0

    @property
    def refused(self) -> bool:
        """Errors and nothing written: the layers' write counts were rolled back with the rest."""
        return bool(self.log.errors) and not self.committed

    REFUSED_NOTE = "0 written: the import was refused, nothing changed"

    @property
    def issues(self) -> list[Issue]:
        return self.log.issues()

    @property
    def records(self) -> int:
        return sum(r.records for r in self.layers)

    def totals(self) -> WriteCounts:
        total = WriteCounts()
        for r in self.layers:
            total.add(r.written)
        return total


class _RollbackError(Exception):
    """Raised inside the import transaction to undo it."""


def import_package(
    workspace: Workspace,
    package: Path | str,
    *,
    actor: str | None = None,
    keep_valid: bool = False,
    repair: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    profile: Profile | None = None,
    ignore_unknown: bool = False,
) -> ImportReport:
    """Import an evidence package into ``workspace`` in one transaction.

    Every problem of every file is collected. With errors, nothing is written
    unless ``keep_valid``; ``repair`` fixes unclosed rings and self-intersections
    (each repair listed); ``dry_run`` checks and counts, then rolls back.
    ``profile`` reads another system's export (its object, field and value names) through
    a crosswalk profile (:mod:`landrelease.io.crosswalk`). A file of the package that is not a
    layer is an error unless ``ignore_unknown``; a problem of the package's files themselves
    (an unknown or unreadable entry, two files for one layer) stops the import before any
    record is read, ``keep_valid`` or not.
    """
    import time

    started = time.perf_counter()
    package = Path(package)
    report = ImportReport(str(package), dry_run=dry_run)
    sources: list[LayerSource | ReadLayer]
    victims: VictimBook | None = None
    structural = 0  # problems with the package's files themselves: then nothing is read
    if is_submission_export(package):
        sources = list(read_submissions(package, report.log))
    elif profile is not None:
        found = discover(
            package,
            report.log,
            aliases=profile.aliases,
            attached=profile.attached,
            ignore_unknown=ignore_unknown,
        )
        structural = report.log.errors
        if profile.victims is not None and not structural:
            victims = profile.victims.read(
                [src for src in found if src.attaches], report.log, profile.label
            )
        sources = [
            dataclasses.replace(
                src,
                transform=profile.transformer(
                    src.sublayer or Path(src.display).name,
                    src.layer,
                    report.log.for_file(src.display),
                    victims,
                ),
            )
            for src in found
            if not src.attaches
        ]
    else:
        sources = list(discover(package, report.log, ignore_unknown=ignore_unknown))
        structural = report.log.errors
    if not sources and not report.log.errors and not find_covariates(package):
        report.log.add(
            Issue(
                str(package),
                "",
                "",
                "",
                "no layer found",
                "files named after the layers: " + ", ".join(layer.filename for layer in LAYERS),
            )
        )
    if (report.log.errors and not sources) or structural:
        report.seconds = time.perf_counter() - started
        return report
    who = actor or default_actor()
    try:
        with workspace.begin() as conn:
            mode = "keep_valid" if keep_valid else "all"
            import_id = workspace.start_import(
                conn, actor=who, source=str(package.resolve()), mode=mode
            )
            ctx = WriteContext(who, import_id, now())
            for src in sources:
                lr = LayerReport(src.layer.name, src.display)
                report.layers.append(lr)
                _import_file(workspace, conn, src, lr, report.log, ctx, repair, progress)
            if victims is not None:
                victims.orphans(report.log)
            _check_references(
                conn, import_id, report.log, {s.layer.name: s.display for s in sources}
            )
            report.covariates = _import_covariates(conn, package, report.log, ctx)
            summary: dict[str, Any] = {
                r.layer: {"file": r.file, "records": r.records, **r.written.as_dict()}
                for r in report.layers
            }
            if report.covariates:
                summary["covariates"] = report.covariates
            workspace.finish_import(conn, import_id, summary)
            report.import_id = import_id
            if dry_run or (report.log.errors and not keep_valid):
                raise _RollbackError
            report.committed = True
    except _RollbackError:
        report.committed = False
    report.seconds = time.perf_counter() - started
    return report


def import_into(
    target: str,
    package: Path | str,
    *,
    create: bool = False,
    actor: str | None = None,
    keep_valid: bool = False,
    repair: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    profile: Profile | None = None,
    ignore_unknown: bool = False,
) -> ImportReport:
    """:func:`import_package` into the workspace at ``target`` (a ``.gpkg`` path or a PostGIS URL).

    With ``create``, a missing workspace file is created first — and removed again when the
    import wrote nothing (refused, a dry run, or interrupted): a refused import leaves no
    new file behind.
    """
    created = create and not Workspace.is_database_url(target) and not Path(target).exists()
    report: ImportReport | None = None
    try:
        with Workspace.open(target, create=create) as ws:
            report = import_package(
                ws,
                package,
                actor=actor,
                keep_valid=keep_valid,
                repair=repair,
                dry_run=dry_run,
                progress=progress,
                profile=profile,
                ignore_unknown=ignore_unknown,
            )
    finally:
        if created and (report is None or not report.committed):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(target + suffix).unlink(missing_ok=True)
    assert report is not None  # import_package returned, or its exception went on above
    return report


def _import_file(
    workspace: Workspace,
    conn: Connection,
    src: LayerSource | ReadLayer,
    lr: LayerReport,
    log: IssueLog,
    ctx: WriteContext,
    repair: bool,
    progress: Progress | None,
) -> None:
    """Check and write one file of the package in batches, its problems in ``log``."""
    file_log = log.for_file(src.display)
    if isinstance(src, ReadLayer):
        checker = LayerChecker(src.layer, src.display, file_log, repair=repair)
        for raw in src.batches:
            _write_checked(workspace, conn, checker, raw, lr, ctx)
            if progress:
                progress(src.display, lr.records)
        return
    problems = check_file(src)
    if problems:
        for p in problems:
            file_log.add(p)
        return
    checker = LayerChecker(src.layer, src.display, file_log, repair=repair)
    try:
        for raw in read_batches(src):
            if src.transform is not None:
                raw = src.transform(raw)
            _write_checked(workspace, conn, checker, raw, lr, ctx)
            if progress:
                progress(src.display, lr.records)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # the table was streamed through once before (check_file); pandas may still disagree
        file_log.add(Issue(src.display, "", "", "", f"not a readable CSV: {_first_line(exc)}"))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        # GDAL's message is terse: for JSON, say where the syntax breaks
        explained = explain_unreadable(src)
        for problem in explained or [
            Issue(src.display, "", "", "", f"cannot be read: {_first_line(exc)}")
        ]:
            file_log.add(problem)
    except UnreadableError as exc:
        file_log.add(Issue(src.display, "", "", "", str(exc)))
    except UnicodeDecodeError as exc:
        file_log.add(
            Issue(
                src.display,
                "",
                "",
                "",
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                "UTF-8 text",
            )
        )
    if file_log.errors and lr.records and len(file_log.bad_records) == 0:
        # a file-level problem (e.g. a required column absent) spoils every record
        file_log.bad_records.update(range(1, lr.records + 1))


def _write_checked(
    workspace: Workspace,
    conn: Connection,
    checker: LayerChecker,
    raw: RawBatch,
    lr: LayerReport,
    ctx: WriteContext,
) -> None:
    checked = checker.check(raw)
    lr.records += len(raw.properties)
    lr.valid += len(checked)
    lr.written.add(workspace.write_batch(conn, checked, ctx))


def validate_package(
    package: Path | str,
    *,
    repair: bool = False,
    progress: Progress | None = None,
    profile: Profile | None = None,
    ignore_unknown: bool = False,
) -> ImportReport:
    """Check a package against every rule without a workspace: a dry-run import into a scratch one."""
    with tempfile.TemporaryDirectory(prefix="landrelease-validate-") as tmp:
        ws = Workspace.create(str(Path(tmp) / "scratch.gpkg"), actor="validate")
        try:
            return import_package(
                ws,
                package,
                actor="validate",
                repair=repair,
                dry_run=True,
                progress=progress,
                profile=profile,
                ignore_unknown=ignore_unknown,
            )
        finally:
            ws.close()


def _check_references(
    conn: Connection, import_id: int, log: IssueLog, files: dict[str, str]
) -> None:
    """A warning for each imported record that refers to no record of its target layer."""
    for layer, col, target, target_col in REFERENCES:
        if layer not in files:
            continue
        for rid, ref in dangling_references(
            conn, layer, col, target, target_col, import_id=import_id
        ):
            log.add(
                Issue(
                    files[layer],
                    rid,
                    col,
                    repr(ref),
                    f"refers to no record of {target} in the package or the workspace",
                    severity=Severity.WARNING,
                )
            )


def _import_covariates(
    conn: Connection, package: Path, log: IssueLog, ctx: WriteContext
) -> dict[str, str]:
    """Check and keep the package's covariate rasters (after its layers, whose hazards they
    must overlap); a raster with a problem is not kept and its problems go to ``log``."""
    files = find_covariates(package) if package.is_dir() or package.suffix.lower() == ".zip" else []
    if not files:
        return {}
    hazards = read_table(conn, "hazards", columns=["hazard_id", "geom"])
    extent: tuple[float, float, float, float] | None = None
    if len(hazards):
        b = hazards.total_bounds
        extent = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    out = {}
    for f in files:
        raster = read_covariate(f, log, hazards_lonlat=extent)
        if raster is not None:
            out[raster.name] = write_covariate(conn, raster, ctx)
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- export ------------------------------------------------------------------


@dataclass
class ExportReport:
    out: Path
    files: dict[str, int] = field(default_factory=dict)
    """File name → records written."""
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    """With a crosswalk profile: file name → our fields the profile does not name (written
    under our names)."""
    project: Path | None = None
    """With ``qgis``: the QGIS project written beside the package."""
    rasters: dict[str, int] = field(default_factory=dict)
    """The covariate GeoTIFFs written into the package folder (``elevation.tif``…) → cells
    holding a value."""


EXPORT_FORMATS = ("geojson", "gpkg")


def export_package(
    source: Workspace | WorkspaceView,
    out: Path | str,
    *,
    fmt: str = "geojson",
    include_personal: bool = True,
    overwrite: bool = False,
    progress: Progress | None = None,
    profile: Profile | None = None,
    qgis: bool = False,
) -> ExportReport:
    """Write the workspace as an evidence package (the layout it imports), atomically.

    ``geojson`` writes the folder layout of the data contract (GeoJSON layers,
    CSV tables); ``gpkg`` writes one GeoPackage with a layer per name.
    ``include_personal=False`` leaves victims' personal data out. Layers are read
    through ``source``'s read model (a view shared with other readers reads each once).
    With a crosswalk ``profile``, the folder holds CSV tables in the other system's names
    (``hazard.csv``: ``hazard_localid``, ``Worked On``…; lon/lat or wkt for the geometry),
    which import back through the same profile; fields it cannot name keep ours.
    ``qgis`` also writes a QGIS project beside the package (:mod:`landrelease.io.qgis_project`;
    a GeoPackage export then carries the layers' default styles too).
    """
    out = Path(out)
    view = WorkspaceView.of(source)
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    if fmt == "gpkg" and out.suffix.lower() != ".gpkg":
        raise UsageError(f"a GeoPackage export must end in .gpkg: {out}")
    if out.exists() and not overwrite:
        raise UsageError(f"{out} exists already; choose another name or pass --overwrite")
    if not out.parent.exists():
        raise UsageError(f"folder {out.parent} does not exist")
    if qgis and profile is not None:
        raise UsageError("a QGIS project reads our layers: export without --profile for --qgis")
    if qgis and qgis_project.project_path(out).exists() and not overwrite:
        raise UsageError(
            f"{qgis_project.project_path(out)} exists already; choose another name or pass --overwrite"
        )
    report = ExportReport(out)
    written: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        target = tmp / out.name if fmt == "gpkg" else tmp
        for layer in LAYERS:
            frame = _exported(view, layer, include_personal)
            if not len(frame) and not layer.contract:
                continue
            if profile is not None and fmt == "geojson":
                name = _write_through(profile, layer, frame, target, report)
                if progress:
                    progress(name, len(frame))
                continue
            written.append(layer.name)
            if fmt == "gpkg":
                write_gpkg_layer(layer, frame, target)
                report.files[f"{out.name}:{layer.name}"] = len(frame)
            elif layer.spatial:
                write_geojson_layer(layer, frame, target / layer.filename)
                report.files[layer.filename] = len(frame)
            else:
                write_csv_table(layer, frame, target / layer.filename)
                report.files[layer.filename] = len(frame)
            if progress:
                progress(layer.filename, len(frame))
        if qgis and fmt == "gpkg":
            add_default_styles(target, written)
        if fmt == "geojson" and profile is None:
            for raster in view.covariates().values():
                name = f"{raster.name}.tif"
                write_covariate_geotiff(raster, tmp / name)
                report.rasters[name] = int(raster.valid().sum())
        if fmt != "gpkg":
            (target / "README.md").write_text(
                export_readme(read_programme(view.ws), report, include_personal, profile),
                encoding="utf-8",
            )
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        (target if fmt == "gpkg" else tmp).rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if qgis:
        title = f"{read_programme(view.ws).title}: {out.stem}"
        kept = view.covariates()
        rasters = [
            qgis_project.RasterLayer(name, kept[Path(name).stem].crs, _covariate_help(name))
            for name in report.rasters
        ]
        report.project = qgis_project.write_project(
            out, written, title=title, crs=view.metric_crs, rasters=rasters
        )
    return report


def export_readme(
    programme: Programme, report: ExportReport, include_personal: bool, profile: Profile | None
) -> str:
    """The ``README.md`` of an exported folder: whose data it is, when, which files. The layer
    files stay plain (an import reads them back and passes over the README)."""
    p = programme
    lines = [
        f"# {p.title}: evidence package",
        "",
        *([f"- Programme: {p.name}"] if p.name else []),
        *([f"- Country: {p.country}"] if p.country else []),
        f"- Exported: {now()} by landrelease {__version__}",
        f"- Amounts in {WORKSPACE_CURRENCY} (fields ending in `_usd`)",
        "- Victims' personal data: " + ("included" if include_personal else "left out"),
        *([f"- Names of the crosswalk profile {profile.name}"] if profile is not None else []),
        "",
        "| file | records |",
        "| --- | --- |",
        *(f"| {name} | {n:,} |" for name, n in report.files.items()),
        *(f"| {name} | raster, {n:,} cells with values |" for name, n in report.rasters.items()),
        "",
    ]
    return "\n".join(lines)


def _covariate_help(file: str) -> str:
    cov = covariate_named(Path(file).stem)
    return f"{cov.help} Unit: {cov.unit}." if cov is not None else ""


def add_default_styles(gpkg: Path, layers: list[str]) -> None:
    """The default QGIS style of each spatial layer among ``layers`` in the GeoPackage ``gpkg``
    (a layer of several kinds of geometry is drawn as its first kind; the QGIS project draws
    each kind with its own symbol)."""
    for name in layers:
        layer = layer_by_name(name)
        if layer.spatial:
            add_default_style(gpkg, name, layer.geometry[0])


def _write_through(
    profile: Profile, layer: Layer, frame: pd.DataFrame, folder: Path, report: ExportReport
) -> str:
    """One layer as a CSV table in a crosswalk profile's names; returns the file name."""
    table = layer_table(layer, frame)
    if layer.spatial:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        if layer.geometry == ("Point",):
            table.insert(1, "lon", shapely.get_x(geoms) if len(geoms) else [])
            table.insert(2, "lat", shapely.get_y(geoms) if len(geoms) else [])
        else:
            table.insert(1, "wkt", shapely.to_wkt(geoms) if len(geoms) else [])
    mapping = profile.map_of_layer(layer.name)
    name = f"{mapping.source if mapping else layer.name}.csv"
    if profile.victims is not None and "victims" in table.columns:
        # their victims are an object of their own: one row per victim, naming its accident
        rows = profile.victims.rows(frame)
        victims_name = f"{profile.victims.source}.csv"
        spreadsheet_safe_table(rows).to_csv(folder / victims_name, index=False)
        report.files[victims_name] = len(rows)
        table = table.drop(columns="victims")
    if mapping is not None:
        table, unmapped = mapping.exported(table, layer)
        if unmapped and len(frame):
            report.unmapped[name] = unmapped
    spreadsheet_safe_table(table).to_csv(folder / name, index=False)
    report.files[name] = len(frame)
    return name


def _exported(view: WorkspaceView, layer: Layer, include_personal: bool) -> pd.DataFrame:
    """A layer's current records as exported: personal fields left out unless asked for."""
    frame = view.layer(layer.name)
    if include_personal:
        return frame
    return frame.drop(columns=[f.name for f in layer.fields if f.personal], errors="ignore")


def _properties(layer: Layer, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each record's properties in layer order, unknown ones after; null values left out."""
    names = [f.name for f in layer.fields if f.name in frame.columns]
    columns = [frame[n].to_numpy(dtype=object) for n in names]
    extras = frame["extra"].to_numpy(dtype=object)
    out = []
    for i in range(len(frame)):
        props = {
            n: _plain(col[i]) for n, col in zip(names, columns, strict=True) if col[i] is not None
        }
        if extras[i]:
            props.update({k: v for k, v in extras[i].items() if k not in props})
        out.append(props)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def write_geojson_layer(layer: Layer, frame: pd.DataFrame, path: Path) -> None:
    """A spatial layer's records as a GeoJSON file of the data contract (``path`` is overwritten):
    properties in the layer's order, unknown ones after, empty ones left out."""
    geoms = (
        shapely.to_geojson(np.asarray(frame.geometry.values, dtype=object)) if len(frame) else []
    )
    props = _properties(layer, frame)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'{{"type": "FeatureCollection", "name": "{layer.name}", "features": [\n')
        for i, (p, g) in enumerate(zip(props, geoms, strict=True)):
            sep = ",\n" if i else ""
            fh.write(
                f'{sep}{{"type": "Feature", "properties": {json.dumps(p, ensure_ascii=False)}, "geometry": {g}}}'
            )
        fh.write("\n]}\n")


def layer_table(layer: Layer, frame: pd.DataFrame) -> pd.DataFrame:
    """A layer's records as a flat table in the data contract's layout: one column per property
    (the layer's fields, then unknown ones), lists and objects as JSON text; no geometry.
    What a CSV table or a GeoPackage layer of a package holds."""
    props = _properties(layer, frame)
    if not props:
        return pd.DataFrame(columns=list(layer.field_names))
    flat = pd.DataFrame.from_records(props)
    for col in flat.columns:
        f = layer.field(col)
        values = flat[col].astype(object)
        if values.map(lambda v: isinstance(v, list | dict)).any():
            flat[col] = values.map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
            )
        elif f is not None and f.kind is FieldKind.FLOAT:
            # 1000000 rather than 1000000.0 in a spreadsheet; the value read back is the same
            flat[col] = values.map(
                lambda v: int(v) if isinstance(v, float) and v.is_integer() else v
            )
    return flat


def write_csv_table(layer: Layer, frame: pd.DataFrame, path: Path) -> None:
    """A layer's records as a CSV table of the data contract (:func:`layer_table`), with no cell
    a spreadsheet would run (:func:`~landrelease.io.cells.spreadsheet_safe`)."""
    spreadsheet_safe_table(layer_table(layer, frame)).to_csv(path, index=False)


def write_gpkg_layer(layer: Layer, frame: pd.DataFrame, path: Path) -> None:
    """A layer's records as the layer ``layer.name`` of the GeoPackage at ``path`` (created as
    GeoPackage 1.3 when missing, else added to), in the data contract's layout."""
    import geopandas as gpd

    flat = layer_table(layer, frame)
    # GeoPackage 1.3 is read without warnings by the GDAL and QGIS versions in the field.
    options = {} if path.exists() else {"dataset_options": {"VERSION": "1.3"}}
    data: pd.DataFrame = flat
    if layer.spatial:
        data = gpd.GeoDataFrame(
            flat, geometry=np.asarray(frame.geometry.values, dtype=object), crs="EPSG:4326"
        )
    pyogrio.write_dataframe(
        data, path, layer=layer.name, driver="GPKG", promote_to_multi=False, **options
    )


def raise_for_errors(report: ImportReport) -> None:
    """Raise :class:`DataError` once, carrying every problem, if the report has errors."""
    if not report.ok:
        raise DataError(f"{report.log.errors} problem(s) in {report.package}", report.log)
