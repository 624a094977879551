"""Find the layers of an evidence package and read them in bounded batches.

A package is a folder (or a ``.zip`` of one) holding one file per layer —
GeoJSON, GeoPackage, zipped or plain Shapefile, KML, CSV with ``lon``/``lat``
(or ``wkt``) columns, XLSX — or a single GeoPackage or XLSX workbook whose
layers or sheets carry the layer names, or one layer's file on its own
(``hazards.geojson``). File, layer and sheet names are matched in any case. The ``truth/`` folder a scenario
writes beside the package is never read.

Readers yield :class:`RawBatch` objects: raw property values as found (not
yet checked) and the geometry, so that validation is one vectorised pass per
batch and memory stays bounded however large the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyogrio
import shapely

from landrelease import settings
from landrelease.domain import LAYERS, Layer, layer_by_name
from landrelease.domain.covariates import COVARIATES, RASTER_EXTENSIONS, covariate_named
from landrelease.errors import Issue, IssueLog, Severity
from landrelease.io.cells import unprotect_table
from landrelease.io.templates import INSTRUCTIONS_SHEET, LISTS_SHEET

VECTOR_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml")
TABLE_EXTENSIONS = (".csv", ".xlsx")
IGNORED_NAMES = {"truth", "scenario.json", "readme.md", "readme.txt", "__macosx"}
"""Names (lower case) a package may hold beside its layers: never read, never an error."""
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd", ".shp.xml")
"""Files that belong to the Shapefile of the same name (read with it, not layers of their own)."""
GEOMETRY_COLUMNS = ("lon", "lat", "wkt")
VICTIMS_OF = "victims of "
"""How :func:`discover` keys a file of victims by the layer it belongs to."""
"""Columns of a table file that carry the geometry instead of properties."""


@dataclass(frozen=True)
class LayerSource:
    """Where one layer of a package is read from."""

    layer: Layer
    display: str
    """The file as shown to the user (relative to the package)."""
    path: str
    """The path given to GDAL or pandas (may be a ``/vsizip/`` path)."""
    kind: str
    """``vector`` (read by GDAL) or ``table`` (CSV/XLSX read by pandas)."""
    sublayer: str | None = None
    """Layer inside a GeoPackage, or sheet inside a workbook."""
    fmt: str = ""
    """``geojson``, ``gpkg``, ``shp``, ``kml``, ``csv`` or ``xlsx``."""
    transform: Callable[[RawBatch], RawBatch] | None = None
    """Applied to each batch as read (a crosswalk profile's renaming), before it is checked."""
    attaches: str | None = None
    """``victims``: the file holds the victims of the layer's records (another system's own
    object, read through a crosswalk profile and attached to them), not records of its own."""


@dataclass(frozen=True, eq=False)
class ReadLayer:
    """A layer whose records were read already (form submissions converted to the contract's
    fields, :mod:`landrelease.io.submissions`): imported like a file, without file checks."""

    layer: Layer
    display: str
    """The file (and sheet) the records came from, as shown to the user."""
    batches: Iterable[RawBatch]
    """Read as the importer asks for them (a large export chunk by chunk): once."""


@dataclass
class RawBatch:
    """Records as found in a file: properties not yet checked, geometry parsed or not."""

    properties: pd.DataFrame
    wkb: np.ndarray | None = None
    """WKB bytes per record (vector files), ``None`` entries where the file has no geometry."""
    geometry: np.ndarray | None = None
    """Shapely geometries per record (table files)."""
    crs: str | None = None
    offset: int = 0
    """Position of the first record in the file (0-based)."""
    issues: list[tuple[int, Issue]] = field(default_factory=list)
    """Problems the reader found itself, with the record's position in the batch."""
    json_columns: frozenset[str] = frozenset()
    """Columns whose text is JSON (nested objects and arrays in GeoJSON), to be parsed back."""
    crs_declared: bool = True
    """Whether the file itself names ``crs``: GDAL gives GeoJSON without a ``crs`` member, and
    the importer gives tables, WGS84 by convention (a message must not say it was declared)."""


def _fmt_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".json": "geojson", ".geojson": "geojson", ".zip": "shp"}.get(suffix, suffix[1:])


Aliases = Mapping[str, str]
"""Other names of layers (lower case → layer name), e.g. a crosswalk profile's ``hazard``."""


def discover(
    package: Path,
    log: IssueLog,
    *,
    aliases: Aliases | None = None,
    attached: Aliases | None = None,
    ignore_unknown: bool = False,
) -> list[LayerSource]:
    """Return the layers present in ``package``; problems go to ``log``.

    A file is a layer when its name, in any case, is a layer's (``Findings.geojson`` is read as
    ``findings``, with a note) or one of ``aliases`` (another system's names, from a crosswalk
    profile). Any other file is an error naming it and the accepted names — unless
    ``ignore_unknown``, when it is listed as not read. Anything that is not a regular file (a
    directory where a layer file is expected, a FIFO, a device, a link to one or to a place
    outside the package) is an error; none is ever skipped silently. ``attached`` names
    another system's victim files (lower case → the layer whose records they belong to):
    each is returned with ``attaches="victims"``."""
    package = Path(package)
    aliases = {**(aliases or {}), **{k: VICTIMS_OF + v for k, v in (attached or {}).items()}}
    if not package.exists() and not package.is_symlink():
        log.add(Issue(str(package), "", "", "", "no such file or folder"))
        return []
    if package.is_dir():
        return _discover_folder(package, log, aliases, ignore_unknown)
    problem = not_regular(package)
    if problem:
        log.add(Issue(str(package), "", "", "", problem, PACKAGE_FORMS))
        return []
    suffix = package.suffix.lower()
    if suffix == ".gpkg":
        return _discover_gpkg(package, log, aliases)
    if suffix == ".xlsx":
        return _discover_xlsx(package, log, aliases, ignore_unknown)
    if suffix == ".zip":
        return _discover_zip(package, log, aliases, ignore_unknown)
    if suffix in VECTOR_EXTENSIONS + TABLE_EXTENSIONS:  # one layer's file on its own
        return _discover_files(package.parent, [package.name], log, aliases, ignore_unknown)
    log.add(
        Issue(
            package.name,
            "",
            "",
            "",
            "not a package",
            PACKAGE_FORMS,
        )
    )
    return []


PACKAGE_FORMS = (
    "a folder, a .zip of a folder, a .gpkg with one layer per layer name, or an .xlsx with "
    "one sheet per layer"
)


def not_regular(path: Path, root: Path | None = None) -> str | None:
    """Why ``path`` cannot be read as a file of the package (``None``: a regular file). A link
    is followed only to a regular file inside ``root``; a FIFO or device is never opened."""
    import stat

    link = path.is_symlink()
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"a link to {path.readlink()} that leads nowhere" if link else exc.strerror
    what = (
        "a regular file"
        if stat.S_ISREG(mode)
        else "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "an unknown kind of file"
    )
    if link:
        target = path.resolve()
        if root is not None and not target.is_relative_to(root.resolve()):
            return f"a link to {target} ({what}), outside the package"
        if stat.S_ISREG(mode):
            return None
        return f"a link to {target} ({what}), not a regular file"
    return None if stat.S_ISREG(mode) else f"{what}, not a regular file"


def _pick(
    layer: Layer,
    candidates: dict[str, list[str]],
    root: str,
    log: IssueLog,
    attaches: str | None = None,
) -> str | None:
    key = VICTIMS_OF + layer.name if attaches else layer.name
    found = candidates.get(key, [])
    if len(found) > 1:
        log.add(
            Issue(
                root,
                "",
                "",
                ", ".join(sorted(found)),
                f"several files for {key}",
                "one file per layer",
            )
        )
        return None
    return found[0] if found else None


def _candidates(
    names: list[str],
    root: str,
    log: IssueLog,
    aliases: Aliases,
    ignore_unknown: bool,
    problems: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Layer name → the files of ``names`` that hold it; every other name is an error (a note
    with ``ignore_unknown``). ``problems`` says why an entry is not a regular file."""
    problems = problems or {}
    found: dict[str, list[str]] = {}
    stems = {Path(n).stem.lower() for n in names if n.lower().endswith(".shp")}
    accepted = (
        "files named after the layers ("
        + ", ".join(layer.filename for layer in LAYERS)
        + "), any of "
        + " ".join(VECTOR_EXTENSIONS + TABLE_EXTENSIONS)
        + "; covariate rasters "
        + ", ".join(c.filename for c in COVARIATES)
    )
    for name in names:
        base = Path(name).name
        if base.lower() in IGNORED_NAMES or base.startswith("."):
            continue
        if is_covariate_file(base) and name not in (problems or {}):
            continue  # a covariate raster, read by landrelease.io.covariates
        stem, suffix = Path(base).stem, Path(base).suffix.lower()
        layer = (
            _layer_named(stem, aliases) if suffix in VECTOR_EXTENSIONS + TABLE_EXTENSIONS else None
        )
        why = problems.get(name)
        if why is not None and (layer is not None or not ignore_unknown):
            # a layer file that cannot be read is never skipped; other odd entries only on request
            log.add(Issue(f"{root}/{name}", "", "", "", why, "a regular file"))
            continue
        if layer is not None:
            found.setdefault(layer, []).append(name)
            if stem != layer and stem.lower() == layer.removeprefix(VICTIMS_OF):
                log.add(
                    Issue(
                        f"{root}/{name}",
                        "",
                        "",
                        base,
                        f"read as layer {layer} (the file name's case differs)",
                        layer_by_name(layer).filename,
                        severity=Severity.WARNING,
                    )
                )
            continue
        if any(base.lower().endswith(s) for s in SHAPEFILE_SIDECARS) and (
            base.lower().split(".")[0] in stems
        ):
            continue  # read with its .shp
        log.add(
            Issue(
                f"{root}/{name}",
                "",
                "",
                base,
                "not read: the name is not a layer of the evidence package"
                + (
                    " (--ignore-unknown)"
                    if ignore_unknown
                    else "; rename it, remove it or give --ignore-unknown"
                ),
                accepted,
                severity=Severity.WARNING if ignore_unknown else Severity.ERROR,
            )
        )
    return found


def is_covariate_file(name: str) -> bool:
    """Whether a package entry named ``name`` is a declared covariate raster (``elevation.tif``)."""
    p = Path(name)
    return p.suffix.lower() in RASTER_EXTENSIONS and covariate_named(p.stem) is not None


def _layer_named(stem: str, aliases: Aliases) -> str | None:
    """The layer a file stem names: its own name in any case, else an alias (lower case)."""
    key = stem.lower()
    target = aliases.get(key, key)
    return target if target.removeprefix(VICTIMS_OF) in _LAYER_NAMES else None


def _discover_folder(
    folder: Path, log: IssueLog, aliases: Aliases, ignore_unknown: bool
) -> list[LayerSource]:
    entries = sorted(folder.iterdir())
    problems = {p.name: why for p in entries if (why := not_regular(p, folder)) is not None}
    names = [p.name for p in entries]
    return _discover_files(folder, names, log, aliases, ignore_unknown, problems)


def _discover_files(
    folder: Path,
    names: list[str],
    log: IssueLog,
    aliases: Aliases,
    ignore_unknown: bool,
    problems: Mapping[str, str] | None = None,
) -> list[LayerSource]:
    """The layers among the files ``names`` of ``folder`` (a package folder, or the folder of
    a single layer file given on its own)."""
    root = str(folder)
    cands = _candidates(names, root, log, aliases, ignore_unknown, problems)
    out = []
    for layer, attaches in _wanted():
        name = _pick(layer, cands, root, log, attaches)
        if name is None:
            continue
        fmt = _fmt_of(name)
        path = str(folder / name)
        if fmt == "shp" and name.lower().endswith(".zip"):
            path = f"/vsizip/{path}"
        kind = "table" if fmt in ("csv", "xlsx") else "vector"
        out.append(LayerSource(layer, name, path, kind, fmt=fmt, attaches=attaches))
    return out


def _wanted() -> Iterator[tuple[Layer, str | None]]:
    """Each layer, then each layer's victims (another system's file of them)."""
    for layer in LAYERS:
        yield layer, None
    for layer in LAYERS:
        if layer.field("victims") is not None:
            yield layer, "victims"


def _discover_zip(
    archive: Path, log: IssueLog, aliases: Aliases, ignore_unknown: bool
) -> list[LayerSource]:
    try:
        with zipfile.ZipFile(archive) as z:
            infos = [i for i in z.infolist() if "truth/" not in i.filename]
            too_big = zip_problem(z, archive.name)
    except zipfile.BadZipFile:
        log.add(Issue(archive.name, "", "", "", "not a readable zip archive"))
        return []
    if too_big is not None:
        log.add(too_big)
        return []
    members = [
        i.filename
        for i in infos
        if not i.is_dir() and i.filename.split("/")[0].lower() not in IGNORED_NAMES
    ]
    # The package may sit at the root of the zip or in one folder inside it.
    tops = {m.split("/")[0] for m in members if "/" in m}
    prefix = f"{tops.pop()}/" if len(tops) == 1 and all("/" in m for m in members) else ""
    problems: dict[str, str] = {}
    names: list[str] = []
    for info in infos:
        rest = info.filename[len(prefix) :].rstrip("/") if info.filename.startswith(prefix) else ""
        if not rest:
            continue
        top = rest.split("/")[0]
        if "/" in rest or info.is_dir():  # an entry of a sub-folder: the folder is the entry
            if top not in names:
                names.append(top)
                problems[top] = "a directory, not a regular file"
            continue
        names.append(rest)
        kind = (info.external_attr >> 16) & 0o170000
        if kind == 0o120000:
            problems[rest] = "a link inside the zip, not a regular file"
        elif kind not in (0, 0o100000):
            problems[rest] = "not a regular file inside the zip"
    cands = _candidates(names, archive.name, log, aliases, ignore_unknown, problems)
    out = []
    for layer, attaches in _wanted():
        name = _pick(layer, cands, archive.name, log, attaches)
        if name is None:
            continue
        fmt = _fmt_of(name)
        inner = f"/vsizip/{archive}/{prefix}{name}"
        if fmt in ("csv", "xlsx"):
            out.append(
                LayerSource(
                    layer,
                    f"{archive.name}/{prefix}{name}",
                    f"{archive}::{prefix}{name}",
                    "table",
                    fmt=fmt,
                    attaches=attaches,
                )
            )
        else:
            if name.lower().endswith(".zip"):
                inner = f"/vsizip/{inner}"
            out.append(
                LayerSource(
                    layer,
                    f"{archive.name}/{prefix}{name}",
                    inner,
                    "vector",
                    fmt=fmt,
                    attaches=attaches,
                )
            )
    return out


def _discover_gpkg(path: Path, log: IssueLog, aliases: Aliases) -> list[LayerSource]:
    try:
        present = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:  # GDAL's own message is the most precise one
        log.add(Issue(path.name, "", "", "", f"not a readable GeoPackage ({_gdal_message(exc)})"))
        return []
    return _sources_in(path, _named(present, aliases), "vector", "gpkg")


def _sources_in(path: Path, named: dict[str, str], kind: str, fmt: str) -> list[LayerSource]:
    """One source per layer (and per layer's victims) that ``named`` finds in the file."""
    return [
        LayerSource(
            layer,
            f"{path.name}:{named[key]}",
            str(path),
            kind,
            named[key],
            fmt,
            attaches=attaches,
        )
        for layer, attaches in _wanted()
        if (key := VICTIMS_OF + layer.name if attaches else layer.name) in named
    ]


def _named(present: Iterable[str], aliases: Aliases) -> dict[str, str]:
    """Layer name → the GeoPackage layer or sheet that holds it (its own name, else an alias)."""
    out: dict[str, str] = {}
    for name in sorted(present):
        target = name if name in _LAYER_NAMES else aliases.get(name.lower(), name.lower())
        known = target.removeprefix(VICTIMS_OF) in _LAYER_NAMES
        if known and (target not in out or name == target):
            out[target] = name
    return out


_LAYER_NAMES = frozenset(layer.name for layer in LAYERS)


TEMPLATE_SHEETS = frozenset({INSTRUCTIONS_SHEET, LISTS_SHEET})
"""Sheets the blank template writes beside the layers' (lower case): skipped without a word."""


def _discover_xlsx(
    path: Path, log: IssueLog, aliases: Aliases, ignore_unknown: bool
) -> list[LayerSource]:
    """The layers among a workbook's sheets. Any other sheet is an error naming it and the
    accepted names (a note with ``ignore_unknown``), but the template's own sheets."""
    try:
        sheets = [str(s) for s in pd.ExcelFile(path, engine="openpyxl").sheet_names]
    except Exception as exc:
        log.add(Issue(path.name, "", "", "", f"not a readable XLSX workbook ({exc})"))
        return []
    named = _named(sheets, aliases)
    accepted = (
        "sheets named after the layers ("
        + ", ".join(layer.name for layer in LAYERS)
        + "); the template's "
        + " and ".join(sorted(TEMPLATE_SHEETS))
        + " sheets are skipped"
    )
    for sheet in sheets:
        if sheet in named.values() or sheet.lower() in TEMPLATE_SHEETS:
            continue
        layer = next(iter(_named([sheet], aliases)), None)
        why = (
            f"a second sheet for layer {layer} (sheet {named[layer]!r} is read)"
            if layer
            else "the sheet's name is not a layer of the evidence package"
        )
        log.add(
            Issue(
                f"{path.name}:{sheet}",
                "",
                "",
                "",
                f"not read: {why}"
                + (
                    " (--ignore-unknown)"
                    if ignore_unknown
                    else "; rename the sheet, remove it or give --ignore-unknown"
                ),
                accepted,
                severity=Severity.WARNING if ignore_unknown else Severity.ERROR,
            )
        )
    return _sources_in(path, named, "table", "xlsx")


def _gdal_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace("\x00", "")


# --- file-level checks ------------------------------------------------------


MIB = 1024 * 1024


def zip_problem(z: zipfile.ZipFile, display: str) -> Issue | None:
    """Why a zip may not be extracted, from the sizes it declares (nothing is extracted):
    a member larger than ``import_max_file_mb``, more than ``import_max_unzipped_mb`` in
    all, or a member that expands more than ``import_max_zip_ratio`` times (a zip bomb)."""
    file_limit = float(settings.get("import_max_file_mb")) * MIB
    total_limit = float(settings.get("import_max_unzipped_mb")) * MIB
    ratio_limit = float(settings.get("import_max_zip_ratio"))
    total = 0
    for info in z.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        where = f"{display}/{info.filename}"
        if info.file_size > file_limit:
            return Issue(
                where,
                "",
                "",
                f"{info.file_size / MIB:,.0f} MiB",
                f"larger than {file_limit / MIB:,.0f} MiB (setting import_max_file_mb)",
                "smaller files; split the layer",
            )
        if info.file_size > MIB and ratio > ratio_limit:
            return Issue(
                where,
                "",
                "",
                f"{info.compress_size:,} bytes expanding to {info.file_size:,}",
                f"expands {ratio:,.0f} times, more than {ratio_limit:g} (setting "
                "import_max_zip_ratio): refused as a zip bomb",
                "a zip of ordinary files",
            )
    if total > total_limit:
        return Issue(
            display,
            "",
            "",
            f"{total / MIB:,.0f} MiB",
            f"expands to more than {total_limit / MIB:,.0f} MiB (setting import_max_unzipped_mb)",
            "a smaller package",
        )
    return None


def check_file(src: LayerSource) -> list[Issue]:
    """Checks before any record is read: size (a zip's by what it declares), empty, encoding,
    a zipped Shapefile's parts, and a CSV table streamed through once (header, fields per
    record, the size of each value), so that a malformed file is refused with bounded memory."""
    if src.sublayer:
        return []
    if "::" in src.path:  # a CSV or XLSX inside a zipped package, sizes checked on discovery
        if src.fmt != "csv":
            return []
        archive, member = src.path.split("::", 1)
        with zipfile.ZipFile(archive) as z, z.open(member) as fh:
            return _check_csv(src, fh)
    if src.path.startswith("/vsizip/"):
        zipped = Path(src.path[len("/vsizip/") :])
        return _check_zipped_shapefile(src, zipped) if zipped.is_file() else []
    path = Path(src.path)
    size = path.stat().st_size
    limit = float(settings.get("import_max_file_mb")) * MIB
    if size > limit:
        return [
            Issue(
                src.display,
                "",
                "",
                f"{size / MIB:,.0f} MiB",
                f"larger than {limit / MIB:,.0f} MiB (setting import_max_file_mb)",
                "smaller files; split the layer",
            )
        ]
    if src.fmt == "xlsx":
        with zipfile.ZipFile(path) as z:
            bomb = zip_problem(z, src.display)
        return [bomb] if bomb else []
    if size == 0:
        return [
            Issue(
                src.display,
                "",
                "",
                "",
                "the file is empty",
                f"a {src.fmt.upper()} file with records",
            )
        ]
    if src.fmt in ("geojson", "csv", "kml"):
        problem = _check_utf8(path)
        if problem:
            return [Issue(src.display, "", "", "", problem, "UTF-8 text without NUL characters")]
    if src.fmt == "csv":
        with path.open("rb") as fh:
            return _check_csv(src, fh)
    if src.fmt == "geojson":
        unknown = _unknown_crs(src.display, geojson_crs_member(path))
        return [unknown] if unknown else []
    return []


CRS_SNIFF_BYTES = 1 << 20
"""How far into a GeoJSON file its ``crs`` member is looked for (it comes before the features)."""
_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')


def geojson_crs_member(path: Path) -> str | None:
    """The CRS a GeoJSON file's (legacy) ``crs`` member names, or ``None`` if it has none.

    GDAL reads a file whose ``crs`` names no CRS it knows (``EPSG:999999``, ``garbage``) as
    WGS84 without a word, and reports WGS84 for a file with no ``crs`` at all: the member
    is read here so that both cases can be told apart.
    """
    with path.open("rb") as fh:
        head = fh.read(CRS_SNIFF_BYTES)
    m = _CRS_MEMBER.search(head)
    if m is None:
        return None
    text = head[m.end() - 1 :].decode("utf-8", "replace")
    try:
        member, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return text[:60]
    props = member.get("properties") if isinstance(member, dict) else None
    if isinstance(props, dict):
        if isinstance(props.get("name"), str):
            return str(props["name"])
        if props.get("code") is not None:  # the 2008 GeoJSON "EPSG" type
            return f"EPSG:{props['code']}"
    return json.dumps(member)[:60]


def _unknown_crs(display: str, name: str | None) -> Issue | None:
    if name is None:
        return None
    import pyproj

    try:
        pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        return Issue(
            display,
            "",
            "crs",
            repr(name),
            "the declared CRS cannot be used: no coordinate reference system PROJ knows "
            "has this name (the file is not read as WGS84 in its place)",
            "a known CRS, e.g. EPSG:32638 or urn:ogc:def:crs:EPSG::32638; "
            "no crs member for WGS84 longitude/latitude",
        )
    return None


def _check_zipped_shapefile(src: LayerSource, zipped: Path) -> list[Issue]:
    try:
        with zipfile.ZipFile(zipped) as z:
            problem = zip_problem(z, src.display) or _prj_problem(z, src.display)
            suffixes = {Path(n).suffix.lower() for n in z.namelist()}
    except zipfile.BadZipFile:
        return [Issue(src.display, "", "", "", "not a readable zip archive")]
    except (NotImplementedError, OSError, EOFError, RuntimeError, zlib.error) as exc:
        # a member made by a newer zip tool, an unknown compression, a cut stream
        return [Issue(src.display, "", "", "", f"cannot be unzipped ({exc})")]
    if problem:
        return [problem]
    missing = [s for s in (".shp", ".shx", ".dbf") if s not in suffixes]
    if missing:
        return [
            Issue(
                src.display,
                "",
                "",
                "",
                f"the zipped Shapefile has no {', '.join(missing)} file",
                "a zip holding the layer's .shp, .shx and .dbf (and its .prj)",
            )
        ]
    return []


def _prj_problem(z: zipfile.ZipFile, display: str) -> Issue | None:
    """A .prj must be text: GDAL's reader fails without a message on other bytes."""
    for name in z.namelist():
        if name.lower().endswith(".prj"):
            try:
                data = z.read(name)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                NotImplementedError,
                RuntimeError,
                zlib.error,
            ) as exc:  # a damaged member: a bad CRC, an unknown compression, a cut stream
                return Issue(display, "", Path(name).name, "", f"cannot be unzipped ({exc})")
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return Issue(
                    display,
                    "",
                    Path(name).name,
                    "",
                    f"the coordinate system is not text (byte {exc.start} is 0x{exc.object[exc.start]:02x})",
                    "a .prj holding a WKT coordinate system",
                )
    return None


class _TooLongError(Exception):
    """A table file longer than ``import_max_file_mb`` (no message), or a line longer than
    ``import_max_record_kb`` (the message says so)."""


class _Counted(io.RawIOBase):
    """A binary stream that refuses to give more than ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: float) -> None:
        self.raw, self.limit, self.read_bytes = raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise _TooLongError
        buffer[: len(data)] = data
        return len(data)


def _check_csv(src: LayerSource, raw: IO[bytes]) -> list[Issue]:
    """Stream a CSV table once: a header row, no record with more fields than the header, no
    value longer than ``import_max_field_kb``, no line longer than ``import_max_record_kb``,
    no more than ``import_max_file_mb``; memory stays within those limits."""
    field_limit = int(float(settings.get("import_max_field_kb")) * 1024)
    file_limit = float(settings.get("import_max_file_mb")) * MIB
    csv.field_size_limit(field_limit)
    text = io.TextIOWrapper(
        io.BufferedReader(_Counted(raw, file_limit)), encoding="utf-8", newline=""
    )
    line_limit = int(float(settings.get("import_max_record_kb")) * 1024)

    def lines() -> Iterator[str]:
        while line := text.readline(line_limit + 1):
            if len(line) > line_limit:
                raise _TooLongError(
                    f"a line longer than {line_limit // 1024:,} KiB (setting import_max_record_kb)"
                )
            yield line

    issues: list[Issue] = []
    header: list[str] | None = None
    record = 0
    reader = csv.reader(lines())
    try:
        for row in reader:
            if not row:
                continue  # a blank line, as pandas skips it
            if header is None:
                header = row
                continue
            record += 1
            if len(row) > len(header) and len(issues) < MAX_LISTED_RECORDS:
                issues.append(
                    Issue(
                        src.display,
                        f"#{record}",
                        "",
                        f"{len(row):,} fields",
                        f"more fields than the header's {len(header)} (line {reader.line_num})",
                        "one value per column of the header; quote a value that holds a comma",
                    )
                )
    except csv.Error as exc:
        where = f"#{record + 1}" if header is not None else "header"
        if "field limit" in str(exc):
            problem = (
                f"a value longer than {field_limit // 1024:,} KiB near line {reader.line_num} "
                "(setting import_max_field_kb)"
            )
        else:
            problem = f"not a readable CSV near line {reader.line_num}: {exc}"
        issues.append(Issue(src.display, where, "", "", problem, "a CSV table of the contract"))
    except _TooLongError as exc:
        where = f"#{record + 1}" if header is not None else "header"
        issues.append(
            Issue(
                src.display,
                where if exc.args else "",
                "",
                "",
                f"{exc.args[0]} near line {reader.line_num + 1}"
                if exc.args
                else f"longer than {file_limit / MIB:,.0f} MiB (setting import_max_file_mb)",
                "smaller files; split the layer" if not exc.args else "a CSV table of the contract",
            )
        )
    except UnicodeDecodeError as exc:
        issues.append(
            Issue(src.display, "", "", "", f"not UTF-8 text ({exc.reason})", "UTF-8 text")
        )
    if header is None and not issues:
        issues.append(
            Issue(
                src.display,
                "",
                "",
                "",
                "the file has no header row",
                "a header row naming the columns, then one record per line",
            )
        )
    return issues


MAX_LISTED_RECORDS = 1000
"""Records with too many fields listed per file (all of them refuse the file)."""


def explain_unreadable(src: LayerSource) -> list[Issue]:
    """After GDAL failed to read a GeoJSON file: the exact position of its syntax error, if small enough."""
    path = Path(src.path)
    limit = float(settings.get("json_precheck_max_mb")) * 1024 * 1024
    if src.fmt != "geojson" or not path.exists() or path.stat().st_size > limit:
        return []
    return _check_geojson_syntax(src.display, path)


def _check_utf8(path: Path) -> str | None:
    """Stream the file through a UTF-8 decoder; describe the first bad byte, or a NUL character.

    GDAL, like every C library, cuts text at a NUL character: a JSON ``\\u0000``
    would be silently truncated, so it is refused instead.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset, tail = 1, 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = chunk[exc.start : exc.start + 4]
                line += chunk[: exc.start].count(b"\n")
                return (
                    f"not UTF-8 text: byte {offset + exc.start} (line {line}) is 0x{bad[0]:02x} "
                    f"({bad!r}); save the file as UTF-8"
                )
            window = tail + chunk
            nul = window.find(b"\\u0000")  # JSON escapes are lower-case \\u only
            if nul >= 0 or b"\x00" in chunk:
                at = line + window[: max(nul, 0)].count(b"\n") - tail.count(b"\n")
                return f"text contains the NUL character (\\u0000) near line {at}, which GIS formats cannot store; remove it"
            tail = window[-6:]
            line += chunk.count(b"\n")
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "not UTF-8 text: the file ends in the middle of a character"
    return None


def _check_geojson_syntax(display: str, path: Path) -> list[Issue]:
    try:
        doc = json.loads(path.read_bytes())
    except RecursionError:
        return [
            Issue(
                display,
                "",
                "",
                "",
                "nested too deeply to read (arrays or objects within each other hundreds of "
                "levels deep, e.g. a GeometryCollection inside a GeometryCollection…)",
                "a GeoJSON FeatureCollection with plain geometries",
            )
        ]
    except json.JSONDecodeError as exc:
        return [
            Issue(
                display,
                "",
                "",
                "",
                f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                "a GeoJSON FeatureCollection",
            )
        ]
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        return [
            Issue(
                display,
                "",
                "type",
                str(kind),
                "not a FeatureCollection",
                "a GeoJSON FeatureCollection",
            )
        ]
    if not isinstance(doc.get("features"), list):
        return [
            Issue(display, "", "features", "", "missing or not a list", "a list of Feature objects")
        ]
    return []


# --- readers ----------------------------------------------------------------


def read_batches(src: LayerSource, batch_rows: int | None = None) -> Iterator[RawBatch]:
    """Yield the records of ``src`` in batches of at most ``batch_rows`` (setting ``import_batch_rows``)."""
    batch_rows = batch_rows or int(settings.get("import_batch_rows"))
    if src.kind == "vector":
        yield from _read_vector(src, batch_rows)
    else:
        yield from _read_table(src, batch_rows)


def _open_options(src: LayerSource) -> dict[str, str]:
    if src.fmt == "geojson":
        # Keep dates as written: GDAL would silently turn 2024-02-30 into 2024-03-01.
        return {"DATE_AS_STRING": "YES"}
    return {}


def _read_vector(src: LayerSource, batch_rows: int) -> Iterator[RawBatch]:
    offset = 0
    declared = True
    if src.fmt == "geojson" and not src.path.startswith("/vsi"):
        declared = geojson_crs_member(Path(src.path)) is not None
    sublayers: list[str | None] = [src.sublayer]
    if src.fmt == "kml" or src.sublayer is None:
        listed = [str(row[0]) for row in pyogrio.list_layers(src.path)]
        if not listed:
            raise pyogrio.errors.DataSourceError("no layer GDAL can read in the file")
        if src.fmt == "kml":
            sublayers = list(listed)
    for sub in sublayers:
        with (
            warnings.catch_warnings(),
            pyogrio.open_arrow(
                src.path,
                layer=sub,
                batch_size=batch_rows,
                use_pyarrow=True,
                datetime_as_string=True,
                **_open_options(src),
            ) as (meta, reader),
        ):
            warnings.simplefilter("ignore")
            crs = meta.get("crs")
            json_columns = frozenset(
                str(name)
                for name, sub in zip(
                    meta.get("fields", []), meta.get("ogr_subtypes", []), strict=False
                )
                if sub == "OFSTJSON"
            )
            geom_col = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                _check_text(batch)
                frame = batch.to_pandas()
                wkb = None
                if geom_col in frame.columns:
                    wkb = frame.pop(geom_col).to_numpy(dtype=object)
                frame = _rename_source_columns(src, frame)
                if src.fmt != "geojson":
                    # flat formats carry nested values as JSON text, as the exporter writes them
                    json_columns = frozenset(frame.columns)
                yield RawBatch(
                    frame,
                    wkb=wkb,
                    crs=crs,
                    offset=offset,
                    json_columns=json_columns,
                    crs_declared=declared,
                )
                offset += len(frame)


class UnreadableError(Exception):
    """A file its reading library fails on part-way; the message says why, as a problem of the file."""


def _check_text(batch: Any) -> None:
    """Text columns must hold UTF-8: GDAL passes a Shapefile's bytes on as they are."""
    import pyarrow as pa

    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                raise UnreadableError(
                    f"field {name} holds text that is not UTF-8 (a Shapefile needs a .cpg "
                    "file naming its encoding, e.g. UTF-8)"
                ) from None


_SHP_MAX = 10


def _rename_source_columns(src: LayerSource, frame: pd.DataFrame) -> pd.DataFrame:
    """Undo format quirks: Shapefile's 10-character names, KML's empty Name/Description."""
    if src.fmt == "shp":
        frame = frame.rename(columns=_unlaunder(list(frame.columns), src.layer.field_names))
    if src.fmt == "kml":
        for col in ("Name", "Description"):
            if col in frame.columns and frame[col].replace("", None).isna().all():
                frame = frame.drop(columns=col)
    return frame


def _unlaunder(columns: list[str], known: tuple[str, ...]) -> dict[str, str]:
    """Map Shapefile's laundered names back to the layer's fields.

    GDAL cuts names to 10 characters and, where two cut names collide, cuts
    the later one to 8 and appends ``_1``, ``_2``… (``population``,
    ``populati_1``). Names are matched in file order to the fields with that
    prefix in layer order, the order in which a writer meets them.
    """
    mapping: dict[str, str] = {}
    taken = set(columns) & set(known)
    for col in columns:
        if col in known:
            continue
        m = re.fullmatch(r"(.{8})_\d+", col)
        prefix = m.group(1) if m else col if len(col) == _SHP_MAX else None
        if prefix is None:
            continue
        for f in known:
            if f.startswith(prefix) and len(f) > len(prefix) and f not in taken:
                mapping[col] = f
                taken.add(f)
                break
    return mapping


def _read_table(src: LayerSource, batch_rows: int) -> Iterator[RawBatch]:
    with contextlib.ExitStack() as stack:
        chunks: Iterator[pd.DataFrame]
        if src.fmt == "xlsx":
            try:
                _check_sheet_rows(src.path, src.sublayer or 0)
                whole = pd.read_excel(
                    src.path, sheet_name=src.sublayer or 0, dtype=object, engine="openpyxl"
                )
            except UnreadableError:
                raise
            except Exception as exc:  # openpyxl fails on a damaged workbook in many ways
                raise UnreadableError(
                    f"not a readable XLSX sheet ({type(exc).__name__}: {str(exc)[:200]})"
                ) from None
            chunks = (
                whole.iloc[i : i + batch_rows] for i in range(0, max(len(whole), 1), batch_rows)
            )
        else:
            handle: Any = src.path
            if "::" in src.path:
                archive, member = src.path.split("::", 1)
                handle = stack.enter_context(zipfile.ZipFile(archive)).open(member)
            chunks = pd.read_csv(
                handle,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                chunksize=batch_rows,
                encoding="utf-8",
            )
        offset = 0
        for chunk in chunks:
            frame = unprotect_table(chunk.reset_index(drop=True))
            frame.columns = [str(c).strip() for c in frame.columns]
            batch = RawBatch(
                frame,
                offset=offset,
                crs="EPSG:4326",
                json_columns=frozenset(frame.columns),
                crs_declared=False,
            )
            if src.layer.spatial:
                batch.geometry = _table_geometry(src, batch)
                batch.properties = frame.drop(
                    columns=[c for c in GEOMETRY_COLUMNS if c in frame.columns]
                )
            yield batch
            offset += len(frame)


MAX_EMPTY_ROWS = 10_000
"""Empty rows in a row that a sheet may hold; more means damaged or padded row numbers."""


def _check_sheet_rows(path: str, sheet: str | int) -> None:
    """Refuse a sheet whose row numbers jump far ahead (``<row r="99999999">``): its reader
    fills every row in between, and memory would grow with the number, not the file."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
        ws.reset_dimensions()  # as pandas reads it: every row the file numbers, not the stated size
        rows = ws.iter_rows(values_only=True)
        empty = 0
        for number, row in enumerate(rows, 1):
            empty = 0 if any(v is not None for v in row) else empty + 1
            if empty > MAX_EMPTY_ROWS:
                raise UnreadableError(
                    f"more than {MAX_EMPTY_ROWS:,} empty rows in a row before row {number:,}: "
                    "the sheet's row numbers are damaged"
                )
    finally:
        book.close()


def _table_geometry(src: LayerSource, batch: RawBatch) -> np.ndarray:
    """Points from ``lon``/``lat`` columns, other shapes from a ``wkt`` column."""
    frame = batch.properties
    n = len(frame)
    geoms = np.full(n, None, dtype=object)
    if "lon" in frame.columns and "lat" in frame.columns:
        lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        geoms[ok] = shapely.points(lon[ok], lat[ok])
        for col, values in (("lon", lon), ("lat", lat)):
            bad = np.flatnonzero(~np.isfinite(values) & frame[col].notna().to_numpy())
            for i in bad:
                batch.issues.append(
                    (
                        int(i),
                        Issue(
                            src.display,
                            "",
                            col,
                            str(frame[col].iloc[i]),
                            "not a number",
                            "decimal degrees",
                        ),
                    )
                )
    if "wkt" in frame.columns:
        text = frame["wkt"].to_numpy(dtype=object)
        has = pd.notna(text) & pd.isna(geoms)
        wanted = text.copy()
        wanted[~has] = None
        parsed = shapely.from_wkt(wanted, on_invalid="ignore")
        geoms[has] = parsed[has]
        for i in np.flatnonzero(has & pd.isna(parsed)):
            batch.issues.append(
                (
                    int(i),
                    Issue(
                        src.display,
                        "",
                        "wkt",
                        str(text[i])[:60],
                        "not readable WKT",
                        "WKT text, e.g. POLYGON ((lon lat, ...))",
                    ),
                )
            )
    return geoms
