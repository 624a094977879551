"""Downloads: every layer as GeoJSON, GeoPackage or CSV, the whole package, every report.

Layer files are written from what the user may see
(:func:`landrelease.web.visible.visible_frame`: drafts of other organisations
and personal data left out for those not entitled) in the layout of the data contract (:mod:`landrelease.io` writers),
so a downloaded file imports again. A CSV carries the geometry as WKT in a
``wkt`` column (the contract's table layout); tables without geometry
(funding, assets, organisations) come as CSV or GeoPackage. The whole package
(:func:`landrelease.io.export_package`) is for roles that see every record;
victims' personal data is in it only for roles entitled to it.

Reports are the command line's (``landrelease report monthly|donor|settlement|casualties``)
in each format the renderer writes (PDF, HTML, XLSX, CSV as a zip of one file
per table): aggregates for every logged-in user, never victims' personal data
(``--include-personal-data`` is not offered here). A report is offered only
for a month, period, year or settlement that has records; anything else is a
404 naming what there is.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from landrelease.domain import Layer, layer_by_name
from landrelease.domain.dates import day_problem, month_problem
from landrelease.errors import UsageError
from landrelease.io import (
    export_package,
    layer_table,
    spreadsheet_safe_table,
    write_geojson_layer,
    write_gpkg_layer,
)
from landrelease.reports.data import Records, load_records, month_period, months_back
from landrelease.reports.model import Report
from landrelease.store import Workspace
from landrelease.web import visible as vis
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.errors import BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable

GPKG = "application/geopackage+sqlite3"
LAYER_FORMATS = {
    "geojson": "application/geo+json",
    "gpkg": GPKG,
    "csv": "text/csv; charset=utf-8",
}
SPATIAL_FORMATS = ("geojson", "gpkg", "csv")
TABLE_FORMATS = ("csv", "gpkg")
"""Layers without geometry: no GeoJSON."""
PACKAGE_FORMATS = ("geojson", "gpkg")
WKT_PRECISION = 17
"""Significant digits GEOS may use; with ``trim`` it writes the shortest text that reads back
to the same coordinates, so a CSV download round-trips exactly."""

REPORT_FORMATS = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
}
"""The renderer's formats (:data:`landrelease.reports.FORMATS`); CSV is one file per table,
so it comes as a zip of them with the report's sentences in ``summary.txt``."""
REPORT_KINDS = ("monthly", "donor", "settlement", "casualties")
LISTED = 12
"""Months (and settlements in an error message) named at most."""


def _choose(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]


# -- layers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A layer this user may download, in these formats."""

    id: str
    title: str
    formats: tuple[str, ...]


def downloadable_layers(user: User) -> list[Download]:
    """Every layer this user may read: the OGC API's collections (tables without GeoJSON)."""
    return [
        Download(c.id, c.title, SPATIAL_FORMATS if c.spatial else TABLE_FORMATS)
        for c in vis.readable_collections(user)
    ]


def _layer_formats(cid: str, user: User) -> tuple[str, ...]:
    """The formats of layer ``cid``, if it exists and the user may read it."""
    if cid in vis.COLLECTIONS:
        c = vis.collection(cid, user)  # raises for a layer this user may not read
        return SPATIAL_FORMATS if c.spatial else TABLE_FORMATS
    names = [d.id for d in downloadable_layers(user)]
    raise NotFound(f"no layer {cid!r}; choose {_choose(names)}")


def layer_csv(layer: Layer | None, frame: pd.DataFrame) -> bytes:
    """The layer as CSV in the data contract's layout: its fields (lists and objects as JSON
    text, unknown properties after them) and, for a spatial layer, the geometry as WKT; text
    a spreadsheet would run as a formula starts with ``'`` (it imports back without it)."""
    flat = (
        frame.drop(columns="geometry", errors="ignore")
        if layer is None
        else layer_table(layer, frame)
    )
    if layer is None or layer.spatial:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        flat = flat.reset_index(drop=True).assign(
            wkt=shapely.to_wkt(geoms, rounding_precision=WKT_PRECISION, trim=True)
            if len(frame)
            else []
        )
    return spreadsheet_safe_table(flat).to_csv(index=False, lineterminator="\n").encode("utf-8")


def layer_file(ws: Workspace, cache: LayerCache, user: User, cid: str, fmt: str) -> bytes:
    """Layer ``cid`` as this user sees it, as a GeoJSON, GeoPackage or CSV file."""
    if fmt not in LAYER_FORMATS:
        raise BadRequest(f"unknown format {fmt!r}; choose {_choose(list(LAYER_FORMATS))}")
    formats = _layer_formats(cid, user)
    if fmt not in formats:
        raise BadRequest(f"{cid} has no geometry: choose {_choose(formats)}, not {fmt!r}")
    layer = None if cid in vis.RUN_COLLECTIONS else layer_by_name(cid)
    frame: pd.DataFrame
    if layer is None or layer.spatial:
        frame = vis.visible_frame(ws, cid, user, cache)
    else:
        frame = vis.layer_frame(ws, cid, personal=user.sees_personal_data, cache=cache)
    if layer is not None and "extra" not in frame.columns:
        frame = frame.assign(extra=None)  # left out with personal data: written empty

    def build() -> bytes:
        if fmt == "csv":
            return layer_csv(layer, frame)
        with tempfile.TemporaryDirectory(prefix="lr_dl_") as tmp:
            path = Path(tmp) / f"{cid}.{fmt}"
            if layer is None:
                driver = "GPKG" if fmt == "gpkg" else "GeoJSON"
                pyogrio.write_dataframe(frame, path, layer=cid, driver=driver)
            elif fmt == "gpkg":
                write_gpkg_layer(layer, frame, path)
            else:
                write_geojson_layer(layer, frame, path)
            return path.read_bytes()

    variant = f"file:{fmt}:{user.role}:{user.organisation or ''}"
    return cache.get(None if layer is None else cid, variant, build)


def may_export_all(user: User) -> bool:
    return user.sees_all_drafts


def package_file(ws: Workspace, cache: LayerCache, user: User, fmt: str) -> bytes:
    """The whole workspace as a package: one GeoPackage, or a zip of the GeoJSON/CSV folder."""
    if not user.authenticated:
        raise Unauthorized("log in to download the whole package")
    if not may_export_all(user):
        raise Forbidden("the whole package is for roles that see every record; download layers")
    if fmt not in PACKAGE_FORMATS:
        raise BadRequest(f"unknown format {fmt!r}; choose geojson or gpkg")
    personal = user.sees_personal_data

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="lr_dl_") as tmp:
            if fmt == "gpkg":
                out = Path(tmp) / "landrelease.gpkg"
                export_package(ws, out, fmt="gpkg", include_personal=personal)
                return out.read_bytes()
            out = Path(tmp) / "landrelease"
            export_package(ws, out, fmt="geojson", include_personal=personal)
            return _zip_folder(out, "landrelease")

    return cache.get(None, f"package:{fmt}:{personal}", build)


def _zip_folder(folder: Path, root: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f"{root}/{f.relative_to(folder)}")
    return buf.getvalue()


# -- reports -------------------------------------------------------------------------------

_DATED = (
    ("ledger", "released_on"),
    ("findings", "date"),
    ("incidents", "date"),
    ("eore", "date"),
    ("qa_visits", "date"),
    ("funding", "date"),
    ("expenditures", "date"),
    ("completions", "completed_on"),
    ("non_conformities", "raised_on"),
)
"""What makes a period hold records: the same dated records the reports count
(:func:`landrelease.reports.periodic._has_data`)."""


@dataclass(frozen=True)
class ReportChoices:
    """What the reports can be made of: the months, years and settlements with records."""

    months: tuple[str, ...]
    """Every month (``YYYY-MM``) with a dated record, latest first."""
    years: tuple[str, ...]
    """Every year with a dated record, latest first."""
    casualty_years: tuple[str, ...]
    """Every year with an incident, latest first."""
    settlements: tuple[tuple[str, str, int], ...]
    """(id, name, people planned), most people first."""
    sources: tuple[str, ...]
    """Funding sources (national, donors): a donor report may state one's own funding."""

    @property
    def last_twelve(self) -> str | None:
        """The donor period of the twelve months to the last month with records."""
        if not self.months:
            return None
        first = months_back(f"{self.months[0]}-01", 12)[0]
        return f"{first}-01_{month_period(self.months[0]).end}"


def report_records(ws: Workspace, cache: LayerCache) -> Records:
    """What reports read (no victims' names or addresses), once per change of the workspace.

    Reports name their workspace: on the web by its file or database name only, not the
    server's path or database host."""

    def load() -> Records:
        rec = load_records(ws)
        return dataclasses.replace(rec, workspace=workspace_name(ws.display))

    return cache.get(None, "report:records", load)


def workspace_name(display: str) -> str:
    """``/srv/data/programme.gpkg`` → ``programme.gpkg``; ``postgresql://u@host/mine?x`` → ``mine``."""
    return display.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or display


def _months(values: pd.Series) -> set[str]:
    text = values.dropna().astype(str).str[:7]
    return {m for m in text if re.fullmatch(r"\d{4}-\d{2}", m)}


def choices_of(rec: Records) -> ReportChoices:
    months: set[str] = set()
    for name, col in _DATED:
        frame = getattr(rec, name)
        if len(frame) and col in frame.columns:
            months |= _months(frame[col])
    incident_years = (
        {m[:4] for m in _months(rec.incidents["date"])} if len(rec.incidents) else set()
    )
    s = rec.settlements
    people = pd.to_numeric(s["population_planned"], errors="coerce").fillna(0).astype(int)
    settlements = sorted(
        (
            (str(i), str(n) if isinstance(n, str) else str(i), int(p))
            for i, n, p in zip(s["settlement_id"], s["name"], people, strict=True)
        ),
        key=lambda t: (-t[2], t[1].casefold(), t[0]),
    )
    sources = sorted(
        set(rec.funding["source"].dropna().astype(str)) if len(rec.funding) else set(),
        key=lambda v: (v != "national", v.casefold()),
    )
    return ReportChoices(
        months=tuple(sorted(months, reverse=True)),
        years=tuple(sorted({m[:4] for m in months}, reverse=True)),
        casualty_years=tuple(sorted(incident_years, reverse=True)),
        settlements=tuple(settlements),
        sources=tuple(sources),
    )


def report_choices(ws: Workspace, cache: LayerCache) -> ReportChoices:
    return cache.get(None, "report:choices", lambda: choices_of(report_records(ws, cache)))


def _listed(values: tuple[str, ...]) -> str:
    shown = ", ".join(values[:LISTED])
    return shown + (f" and {len(values) - LISTED} more" if len(values) > LISTED else "")


def _date(text: str, what: str) -> str:
    if problem := day_problem(text):
        raise BadRequest(f"{what} {problem}")
    return text


def donor_period(param: str) -> tuple[str, str]:
    """``YYYY`` (a calendar year) or ``YYYY-MM-DD_YYYY-MM-DD`` (first and last day)."""
    if re.fullmatch(r"\d{4}", param):
        return f"{param}-01-01", f"{param}-12-31"
    start, sep, end = param.partition("_")
    if not sep:
        raise BadRequest(
            f"donor period {param!r}: expected a year YYYY or FROM_TO as "
            "YYYY-MM-DD_YYYY-MM-DD, e.g. 2024-01-01_2024-12-31"
        )
    start, end = _date(start, "first day"), _date(end, "last day")
    if end < start:
        raise BadRequest(f"donor period {param!r}: it ends ({end}) before it starts ({start})")
    return start, end


@dataclass(frozen=True)
class ReportFile:
    data: bytes
    filename: str
    media: str


Builder = Callable[[Records, bool], Report]


def _builder(
    ws: Workspace, choices: ReportChoices, user: User, kind: str, param: str, donor: str | None
) -> Builder:
    """Check the report's parameter against what there is; the report's builder."""
    from landrelease.reports import (
        casualty_report,
        donor_report,
        monthly_report,
        settlement_report,
    )

    if kind == "monthly":
        if problem := month_problem(param):
            raise BadRequest(f"month {problem}")
        if param not in choices.months:
            raise NotFound(
                f"no records dated in {param}; months with records (latest first): "
                f"{_listed(choices.months) or 'none (import an evidence package first)'}"
            )
        return lambda rec, fig: monthly_report(ws, month=param, records=rec, figures=fig)
    if kind == "donor":
        start, end = donor_period(param)
        if donor is not None and donor not in choices.sources:
            raise NotFound(
                f"no funding source {donor!r}; choose "
                f"{_choose(list(choices.sources)) if choices.sources else 'none: no funding is recorded'}"
            )
        held = [m for m in choices.months if start[:7] <= m <= end[:7]]
        if not held:
            raise NotFound(
                f"no records dated from {start} to {end}; years with records: "
                f"{_listed(choices.years) or 'none (import an evidence package first)'}"
            )
        return lambda rec, fig: donor_report(
            ws, start=start, end=end, donor=donor, records=rec, figures=fig
        )
    if kind == "settlement":
        ids = [s[0] for s in choices.settlements]
        if param not in ids:
            near = difflib.get_close_matches(param, ids, n=5, cutoff=0.5)
            hint = (
                f"did you mean {_choose(near)}? " if near else ""
            ) + f"{len(ids)} settlements, each listed at /downloads"
            if len(ids) <= LISTED:
                hint = f"choose {_choose(ids)}" if ids else "no settlement is recorded"
            raise NotFound(f"no settlement {param!r}; {hint}")
        return lambda rec, fig: settlement_report(ws, name=param, records=rec, figures=fig)
    if kind == "casualties":
        if not re.fullmatch(r"\d{4}", param):
            raise BadRequest(f"year {param!r}: expected YYYY, e.g. 2024")
        if param not in choices.casualty_years:
            raise NotFound(
                f"no incident recorded in {param}; years with incidents: "
                f"{_listed(choices.casualty_years) or 'none'}"
            )
        year = int(param)
        return lambda rec, fig: casualty_report(
            ws,
            year=year,
            user=user.username,
            include_personal_data=False,  # never on the web: aggregates only
            records=rec,
            figures=fig,
        )
    raise NotFound(f"no report {kind!r}; choose {_choose(list(REPORT_KINDS))}")


def report_file(
    ws: Workspace,
    cache: LayerCache,
    user: User,
    kind: str,
    param: str,
    fmt: str,
    *,
    donor: str | None = None,
    stamp: str = "",
) -> ReportFile:
    """One report (aggregates only) in one format, for any logged-in user.

    ``param``: the month (monthly), ``YYYY`` or ``FROM_TO`` (donor), the settlement id
    (settlement), the year (casualties). ``stamp`` joins the cache key (e.g. the
    planning runs', which the settlement report reads)."""
    from landrelease.pipeline import publish_report

    if not user.authenticated:
        raise Unauthorized("log in to download reports")
    if fmt not in REPORT_FORMATS:
        raise BadRequest(f"unknown report format {fmt!r}; choose {_choose(list(REPORT_FORMATS))}")
    donor = donor or None
    build_report = _builder(ws, report_choices(ws, cache), user, kind, param, donor)

    def build() -> ReportFile:
        rec = report_records(ws, cache)
        with tempfile.TemporaryDirectory(prefix="lr_rep_") as tmp:
            try:
                _, written = publish_report(
                    ws, lambda _ws, figures: build_report(rec, figures), Path(tmp), [fmt]
                )
            except UsageError as exc:
                raise NotFound(str(exc)) from exc
            except (TypeError, ValueError, KeyError) as exc:
                # a builder failing on some data must not be a server error without a reason
                raise Unprocessable(f"the {kind} report {param} could not be built: {exc}") from exc
            path = written[fmt]
            if fmt == "csv":
                return ReportFile(
                    _zip_folder(path, path.name), f"{path.name}.zip", REPORT_FORMATS[fmt]
                )
            return ReportFile(path.read_bytes(), path.name, REPORT_FORMATS[fmt])

    return cache.get(None, f"report:{kind}:{param}:{donor or ''}:{fmt}:{stamp}", build)
