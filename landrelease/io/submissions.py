"""Read the submission exports of KoboToolbox and ODK Central as layers of the evidence package.

An export of one of landrelease's field forms (:mod:`landrelease.io.forms`) — a CSV or
XLSX file, a folder of them or a ``.zip`` — is read here and handed to the importer as
:class:`~landrelease.io.sources.ReadLayer` objects: the same checks, messages and merge
by id as any package. The two servers' dialects:

============================  ==================================  ==================================
                              KoboToolbox                         ODK Central
============================  ==================================  ==================================
submission id                 ``_uuid`` (``meta/instanceID``)     ``KEY`` (``meta-instanceID``)
submission time               ``_submission_time``                ``SubmissionDate``
geopoint                      ``geometry`` "lat lon alt acc" and  ``geometry-Latitude``,
                              ``_geometry_latitude``, …           ``-Longitude``, ``-Altitude``, …
geoshape                      "lat lon alt acc;lat lon alt acc;…" the same
select_multiple               "road water" (and 0/1 columns       "road water"
                              ``blockages/road``)
repeat group (victims)        a sheet joined by ``_parent_index`` a file ``FORM-victims.csv`` joined
                              to the main sheet's ``_index``      by ``PARENT_KEY`` to ``KEY``
form version                  ``__version__``                     ``FormVersion``
============================  ==================================  ==================================

Group paths in column names (``grp/field``, ``grp-field``) are dropped. A record's id is
the form's id question when filled in, else the form's prefix and the start of the
submission id (``HZ-3f2a9c1b0d4e``), so re-importing the same submissions changes
nothing. Each record keeps ``submission_id``, ``submission_time``, ``form_id`` and
``form_version`` among its extra properties; questions the form does not know (a question
added on the server) are kept too. Submissions rejected on the server (ODK Central's
review state ``rejected``, Kobo's validation status "not approved") are not imported,
each named in a warning.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.domain import LAYERS, FieldKind
from landrelease.errors import Issue, IssueLog, Severity
from landrelease.io.forms import (
    FORM_QUESTION,
    FORMS,
    GEOMETRY_QUESTION,
    M2_PER_HA,
    VERSION_QUESTION,
    FormSpec,
    helper_questions,
)
from landrelease.io.sources import MIB, RawBatch, ReadLayer, zip_problem

ID_COLUMNS = ("meta/instanceID", "meta-instanceID", "instanceID", "KEY", "_uuid", "_id")
"""Where a submission's id is, in order of preference."""
TIME_COLUMNS = ("_submission_time", "SubmissionDate")
VERSION_COLUMNS = ("__version__", "FormVersion", "_version_")
PARENT_COLUMNS = ("_parent_index", "PARENT_KEY")
SERVER_COLUMNS = frozenset(
    {
        *ID_COLUMNS,
        *TIME_COLUMNS,
        *VERSION_COLUMNS,
        *PARENT_COLUMNS,
        "_index",
        "_parent_table_name",
        "_submission__id",
        "_submission__uuid",
        "_submission__submission_time",
        "_submission__validation_status",
        "_submission__notes",
        "_submission__status",
        "_submission__submitted_by",
        "_submission___version__",
        "_submission__tags",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "_tags",
        "_xform_id_string",
        "_attachments",
        "_geolocation",
        "_media_count",
        "_total_media",
        "_media_all_received",
        "formhub/uuid",
        "meta/rootUuid",
        "meta/deprecatedID",
        "meta/instanceName",
        "meta-instanceName",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        FORM_QUESTION,
        VERSION_QUESTION,
    }
)
"""Columns the servers add (and the forms' hidden questions): read here, never stored as such."""
_GEO_PART = re.compile(
    rf"^(?:.*[/-])?_?{GEOMETRY_QUESTION}[-_/ ]?(latitude|longitude|altitude|accuracy|precision)$",
    re.IGNORECASE,
)
TABLE_SUFFIXES = (".csv", ".xlsx")
META_QUESTIONS = frozenset(
    {"start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "audit"}
)
"""Metadata questions a server's form builder adds: not kept, unless the layer has such a field."""


@dataclass(eq=False)
class _Table:
    display: str
    name: str
    """The file's stem or the sheet's name."""
    group: str
    """Tables of one export: the workbook, or the folder or zip."""
    frame: pd.DataFrame
    """The first rows (all of them when ``more`` is ``None``): what tells the form, its
    columns and its repeat groups."""
    more: Callable[[], Iterator[pd.DataFrame]] | None = None
    """Every row from the first, in chunks of ``import_batch_rows``, read again from the file:
    a large export is converted and checked chunk by chunk, its memory bounded."""

    def chunks(self) -> Iterator[pd.DataFrame]:
        if self.more is None:
            yield self.frame
        else:
            yield from self.more()

    def whole(self) -> pd.DataFrame:
        """Every row at once (a repeat group, joined to its submissions by key)."""
        if self.more is None:
            return self.frame
        parts = list(self.more())
        return pd.concat(parts, ignore_index=True) if parts else self.frame.iloc[:0]


# --- telling an export from a package -------------------------------------------------


def _export_header(columns: list[str]) -> bool:
    cols = {str(c).strip() for c in columns}
    return bool(cols & {"_uuid", "_submission_time", "KEY", "SubmissionDate", *PARENT_COLUMNS})


def is_submission_export(path: Path | str) -> bool:
    """Whether ``path`` (a CSV or XLSX file, a folder or a zip) holds form submissions rather
    than layers of the evidence package. Only the header rows are read."""
    path = Path(path)
    layer_names = {layer.name for layer in LAYERS}
    try:
        if path.is_dir():
            names = [
                p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")
            ]
            if any(p.stem in layer_names for p in names):
                return False
            return any(
                _export_header(_header(p)) for p in names if p.suffix.lower() in TABLE_SUFFIXES
            )
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES and path.is_file():
            return path.stem not in layer_names and _export_header(_header(path))
        if suffix == ".zip" and path.is_file():
            with zipfile.ZipFile(path) as z:
                members = [m for m in z.namelist() if m.lower().endswith(".csv")]
                if any(Path(m).stem in layer_names for m in z.namelist()):
                    return False
                for m in members[:20]:
                    with z.open(m) as fh:
                        first = fh.readline(1 << 16).decode("utf-8-sig", "replace")
                    if _export_header(next(iter(_csv_rows(first)), [])):
                        return True
    except Exception:  # a damaged file fails in many ways: the package reader names what is wrong
        return False
    return False


def _csv_rows(text: str) -> list[list[str]]:
    import csv

    line = text.strip("\r\n")
    return list(csv.reader([line], delimiter=_separator(line)))


def _separator(header: str) -> str:
    """KoboToolbox writes its CSV exports with ``;`` by default, ODK Central with ``,``: told
    by the header row, which holds question names only."""
    return ";" if header.count(";") > header.count(",") else ","


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".csv":
        with path.open("rb") as fh:
            return next(iter(_csv_rows(fh.readline(1 << 16).decode("utf-8-sig", "replace"))), [])
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows(max_row=1, values_only=True):
                return [str(v) for v in row if v is not None]
        return []
    finally:
        book.close()


# --- reading the tables -------------------------------------------------------------


def _tables(path: Path, log: IssueLog) -> list[_Table]:
    limit = float(settings.get("import_max_file_mb")) * MIB
    if path.is_dir():
        files = [
            p
            for p in sorted(path.iterdir())
            if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith(".")
        ]
        return [t for p in files for t in _file_tables(p, p.name, str(path), limit, log)]
    if path.suffix.lower() == ".zip":
        return _zip_tables(path, log)
    return _file_tables(path, path.name, str(path.parent), limit, log)


def _file_tables(path: Path, display: str, group: str, limit: float, log: IssueLog) -> list[_Table]:
    size = path.stat().st_size
    if size > limit:
        log.add(
            Issue(
                display,
                "",
                "",
                f"{size / MIB:,.0f} MiB",
                f"larger than {limit / MIB:,.0f} MiB (setting import_max_file_mb)",
                "smaller exports",
            )
        )
        return []
    if path.suffix.lower() == ".csv":
        table = _csv_table(lambda: _opened(path), display, path.stem, group, log)
        return [] if table is None else [table]
    with zipfile.ZipFile(path) as z:
        bomb = zip_problem(z, display)
    if bomb:
        log.add(bomb)
        return []
    try:
        names = _sheet_names(path)
        return [
            _Table(
                f"{display}:{name}",
                name,
                str(path),
                next(_sheet_chunks(path, name, display, log, HEAD_ROWS), pd.DataFrame()),
                lambda name=name: _sheet_chunks(path, name, display, log),  # type: ignore[misc]
            )
            for name in names
        ]
    except Exception as exc:  # openpyxl fails on a damaged workbook in many ways
        log.add(Issue(display, "", "", "", f"not a readable XLSX workbook ({exc})"))
        return []


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    with path.open("rb") as fh:
        yield fh


@contextlib.contextmanager
def _member(archive: Path, member: str) -> Iterator[IO[bytes]]:
    with zipfile.ZipFile(archive) as z, z.open(member) as fh:
        yield fh


def _sheet_names(path: Path) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [str(n) for n in book.sheetnames]
    finally:
        book.close()


def _sheet_chunks(
    path: Path, sheet: str, display: str, log: IssueLog, per: int | None = None
) -> Iterator[pd.DataFrame]:
    """The rows of one sheet in chunks of ``per`` rows (default ``import_batch_rows``; openpyxl's
    read-only mode reads the sheet as a stream: a chunk at a time is held)."""
    from openpyxl import load_workbook

    rows_per = per or _chunk_rows()
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book[sheet].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        width = max((i + 1 for i, v in enumerate(header) if v is not None), default=0)
        columns = [
            str(v).strip() if v is not None else f"Unnamed: {i}"
            for i, v in enumerate(header[:width])
        ]
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            cells = tuple(row[:width]) + (None,) * max(0, width - len(row))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue  # a blank row, as pandas skips it
            chunk.append(cells)
            if len(chunk) >= rows_per:
                yield pd.DataFrame(chunk, columns=columns, dtype=object)
                chunk = []
        if chunk or not width:
            yield pd.DataFrame(chunk, columns=columns, dtype=object)
    finally:
        book.close()


HEAD_ROWS = 1000
"""Rows read first to tell an export's form and columns (the rest is read chunk by chunk)."""


def _chunk_rows() -> int:
    return max(1, int(settings.get("import_batch_rows")))


def _zip_tables(path: Path, log: IssueLog) -> list[_Table]:
    try:
        with zipfile.ZipFile(path) as z:
            bomb = zip_problem(z, path.name)
            if bomb:
                log.add(bomb)
                return []
            members = [
                m for m in z.namelist() if m.lower().endswith(".csv") and "__MACOSX" not in m
            ]
        out = []
        for m in members:
            table = _csv_table(
                lambda m=m: _member(path, m),  # type: ignore[misc]
                f"{path.name}/{m}",
                Path(m).stem,
                str(path),
                log,
            )
            if table is not None:
                out.append(table)
        return out
    except zipfile.BadZipFile:
        log.add(Issue(path.name, "", "", "", "not a readable zip archive"))
        return []


Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def _csv_table(open_: Opener, display: str, name: str, group: str, log: IssueLog) -> _Table | None:
    """A CSV export as a table whose rows are read in chunks: its first chunk now (to tell the
    form and its columns), all of them again when the records are checked."""
    try:
        with open_() as fh:
            header = fh.readline(1 << 20).decode("utf-8-sig", "replace")
        sep = _separator(header)
        head = next(_csv_chunks(open_, display, sep, log, first=True), None)
    except (OSError, zipfile.BadZipFile) as exc:
        log.add(Issue(display, "", "", "", f"not a readable CSV ({exc})", "UTF-8 CSV text"))
        return None
    if head is None:
        return None
    return _Table(display, name, group, head, lambda: _csv_chunks(open_, display, sep, log))


def _csv_chunks(
    open_: Opener, display: str, sep: str, log: IssueLog, *, first: bool = False
) -> Iterator[pd.DataFrame]:
    """The CSV's rows as text, ``import_batch_rows`` at a time (``first``: the first chunk
    only); a file that stops being readable midway is a problem of the file."""
    with open_() as fh:
        try:
            reader = pd.read_csv(
                fh,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8-sig",
                sep=sep,
                chunksize=min(HEAD_ROWS, _chunk_rows()) if first else _chunk_rows(),
            )
            for frame in reader:
                frame.columns = [str(c).strip() for c in frame.columns]
                yield frame.astype(object)
                if first:
                    return
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            # the first chunk was read once already: a problem now is one of a later chunk
            log.add(Issue(display, "", "", "", f"not a readable CSV ({exc})", "UTF-8 CSV text"))


# --- one export → one layer -------------------------------------------------------------


def read_submissions(path: Path | str, log: IssueLog) -> list[ReadLayer]:
    """The records of every form export in ``path``, as layers of the package; problems in ``log``."""
    path = Path(path)
    tables = _tables(path, log)
    mains = [
        t for t in tables if not _first(t.frame, PARENT_COLUMNS) and _first(t.frame, ID_COLUMNS)
    ]
    repeats = [t for t in tables if _first(t.frame, PARENT_COLUMNS)]
    for t in tables:
        if t not in mains and t not in repeats:
            log.add(
                Issue(
                    t.display,
                    "",
                    "",
                    "",
                    "not read: no submission id column",
                    "an export of KoboToolbox (_uuid) or ODK Central (KEY)",
                    severity=Severity.WARNING,
                )
            )
    out = []
    for main in mains:
        spec = _form_of(main)
        if spec is None:
            log.add(
                Issue(
                    main.display,
                    "",
                    FORM_QUESTION,
                    "",
                    "cannot tell which form the submissions come from",
                    "an export of a form written by `landrelease forms` (its lr_form column), "
                    "or a file named after one: " + ", ".join(f.form_id for f in FORMS),
                )
            )
            continue
        mine = [r for r in repeats if _repeat_of(r, main)]
        out.append(_convert(spec, main, mine, log))
    return out


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def _form_of(table: _Table) -> FormSpec | None:
    by_id = {f.form_id: f for f in FORMS}
    for col in table.frame.columns:
        if _short(str(col)) == FORM_QUESTION:
            values = table.frame[col].dropna().astype(str).str.strip()
            if len(values) and values.iloc[0] in by_id:
                return by_id[values.iloc[0]]
    # ODK Central names the file after the form id, Kobo after the title (spaces as "_")
    lowered = table.name.lower().replace("_", " ")
    for spec in FORMS:
        if lowered.startswith((spec.form_id.replace("_", " "), spec.title.lower()[:25])):
            return spec
    return None


def _repeat_of(repeat: _Table, main: _Table) -> bool:
    if main.display.count(":") and repeat.group == main.group:  # sheets of one workbook
        return True
    return repeat.group == main.group and repeat.name.startswith(main.name + "-")


def _repeat_name(repeat: _Table, main: _Table) -> str:
    name = repeat.name.removeprefix(main.name + "-")
    return _short(name)


def _short(column: str) -> str:
    """A column's question name without its group path (``grp/field``, ``grp-field``)."""
    return re.split(r"[/-]", column)[-1]


def _sub_id(value: Any) -> str:
    text = str(value).strip()
    return text.removeprefix("uuid:")


def _convert(spec: FormSpec, main: _Table, repeats: list[_Table], log: IssueLog) -> ReadLayer:
    """The export's records as a layer, converted chunk by chunk as the importer reads them;
    the repeat groups (victims) are read first, whole, and joined to each chunk by key."""
    file_log = log.for_file(main.display)
    people = {
        f.name: _people(found[0].whole())
        for f in spec.fields
        if f.kind is FieldKind.VICTIMS
        and (found := [r for r in repeats if _repeat_name(r, main) == f.name])
    }

    def batches() -> Iterator[RawBatch]:
        offset = 0
        for chunk in main.chunks():
            yield _convert_chunk(spec, chunk, people, main.display, file_log, offset)
            offset += len(chunk)

    return ReadLayer(spec.target, main.display, batches())


def _convert_chunk(
    spec: FormSpec,
    frame: pd.DataFrame,
    people: dict[str, _People],
    display: str,
    file_log: Any,
    offset: int,
) -> RawBatch:
    frame = _drop_rejected(frame.reset_index(drop=True), display, file_log, offset)
    layer = spec.target
    id_col = _first(frame, ID_COLUMNS)
    sub_ids = frame[id_col].map(_sub_id, na_action="ignore") if id_col else None
    columns = _field_columns(spec, frame)
    props = pd.DataFrame(index=frame.index)
    for f in spec.fields:
        col = columns.get(f.name)
        if f.kind is FieldKind.VICTIMS:
            if f.name in people:
                props[f.name] = _victims(frame, people[f.name])
            continue
        if col is None:
            continue
        values = frame[col]
        if f.kind in (FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST):
            values = values.map(_select_multiple, na_action="ignore")
        props[f.name] = values
    for f in spec.fields:  # an area asked in hectares: the m² calculate, else from the hectares
        ha = f.name.removesuffix("_m2") + "_ha"
        if f.unit == "m²" and f.name not in props.columns and ha in columns:
            props[f.name] = pd.to_numeric(frame[columns[ha]], errors="coerce") * M2_PER_HA
    issues: list[tuple[int, Issue]] = []
    if sub_ids is not None:
        derived = sub_ids.map(
            lambda s: f"{spec.id_prefix}-{re.sub(r'[^0-9A-Za-z]', '', s)[:12]}", na_action="ignore"
        )
        if layer.id_field in props.columns:
            ids = props[layer.id_field]
            blank = ids.isna() | ids.astype(str).str.strip().eq("")
            props[layer.id_field] = ids.where(~blank, derived)
        else:
            props[layer.id_field] = derived
    time_col = _first(frame, TIME_COLUMNS)
    doi = "date_of_information"
    if time_col and layer.field(doi):
        given = props[doi] if doi in props.columns else pd.Series(None, index=props.index)
        props[doi] = given.where(given.notna(), frame[time_col])
    props = props.join(_extras(spec, frame, columns, sub_ids, time_col))
    geometry = _geometry(spec, frame, display, issues)
    return RawBatch(
        props,
        geometry=geometry,
        crs="EPSG:4326",
        offset=offset,
        issues=issues,
        json_columns=frozenset(),
    )


def _drop_rejected(
    frame: pd.DataFrame, display: str, file_log: Any, offset: int = 0
) -> pd.DataFrame:
    rejected = np.zeros(len(frame), bool)
    if "ReviewState" in frame.columns:
        rejected |= (
            frame["ReviewState"].astype(str).str.strip().str.lower().eq("rejected").to_numpy()
        )
    if "_validation_status" in frame.columns:
        rejected |= (
            frame["_validation_status"]
            .astype(str)
            .str.contains("not_approved", na=False)
            .to_numpy()
        )
    id_col = _first(frame, ID_COLUMNS)
    for i in np.flatnonzero(rejected):
        file_log.add(
            Issue(
                display,
                str(frame[id_col].iloc[i]) if id_col else f"#{offset + i + 1}",
                "",
                "",
                "not imported: the submission was rejected on the server",
                severity=Severity.WARNING,
            )
        )
    return frame[~rejected].reset_index(drop=True)


def _field_columns(spec: FormSpec, frame: pd.DataFrame) -> dict[str, str]:
    """Each field's (or helper question's) column: its own name, else its name after a group path."""
    wanted = [f.name for f in spec.fields] + list(helper_questions(spec))
    cols = [str(c) for c in frame.columns]
    out: dict[str, str] = {}
    for name in wanted:
        if name in cols:
            out[name] = name
            continue
        for c in cols:
            if c in SERVER_COLUMNS or _GEO_PART.match(c):
                continue
            if _short(c) == name and not _is_choice_column(c, wanted):
                out[name] = c
                break
    return out


def _is_choice_column(column: str, wanted: list[str]) -> bool:
    """Kobo's 0/1 column per choice of a select_multiple (``blockages/road``)."""
    parts = re.split(r"[/-]", column)
    return len(parts) > 1 and parts[-2] in wanted


def _select_multiple(value: Any) -> Any:
    """ODK and Kobo write a select_multiple answer as its choices separated by spaces."""
    if isinstance(value, str) and "," not in value and not value.strip().startswith("["):
        return value.split()
    return value


def _extras(
    spec: FormSpec,
    frame: pd.DataFrame,
    columns: dict[str, str],
    sub_ids: pd.Series | None,
    time_col: str | None,
) -> pd.DataFrame:
    """What each record keeps of its submission: its id, time, form and version, and the
    answers to questions the form does not know (added on the server)."""
    out = pd.DataFrame(index=frame.index)
    if sub_ids is not None:
        out["submission_id"] = sub_ids
    if time_col:
        out["submission_time"] = frame[time_col]
    out["form_id"] = spec.form_id
    version_col = next(
        (c for c in frame.columns if _short(str(c)) == VERSION_QUESTION), None
    ) or _first(frame, VERSION_COLUMNS)
    if version_col:
        out["form_version"] = frame[version_col]
    used = set(columns.values())
    wanted = [f.name for f in spec.fields] + list(helper_questions(spec))
    for c in frame.columns:
        name = str(c)
        if (
            name in used
            or name in SERVER_COLUMNS
            or name.startswith("_")
            or _short(name) in SERVER_COLUMNS
            or _GEO_PART.match(name)
            or _short(name) == GEOMETRY_QUESTION
            or _short(name) in META_QUESTIONS
            or _is_choice_column(name, wanted)
        ):
            continue
        out[_short(name)] = frame[c]
    return out


# --- victims ------------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """The victims of a repeat table by their submission's key, and which key joins them:
    Kobo's ``_index`` (``_parent_index`` in the repeat) or ODK's ``KEY`` (``PARENT_KEY``)."""

    by_key: dict[str, list[dict[str, Any]]]
    kobo_index: bool


def _victims(frame: pd.DataFrame, people: _People) -> pd.Series:
    """Each submission's victims, as ``[{age, gender, outcome}, …]``."""
    if people.kobo_index and "_index" in frame.columns:
        key = frame["_index"].map(_key)
    else:
        key = frame.get("KEY", pd.Series(None, index=frame.index, dtype=object)).map(_key)
    return pd.Series([people.by_key.get(k) for k in key], index=frame.index, dtype=object)


def _people(rows: pd.DataFrame) -> _People:
    """The repeat table's victims by the key of their submission."""
    kobo = "_parent_index" in rows.columns
    parent = rows["_parent_index" if kobo else "PARENT_KEY"].map(_key)
    fields = {_short(str(c)): c for c in rows.columns if str(c) not in SERVER_COLUMNS}
    people: dict[str, list[dict[str, Any]]] = {}
    for i in range(len(rows)):
        person: dict[str, Any] = {}
        for name in ("age", "gender", "outcome"):
            if name in fields:
                v = rows[fields[name]].iloc[i]
                if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip():
                    person[name] = _whole(v) if name == "age" else str(v).strip()
        people.setdefault(parent.iloc[i], []).append(person)
    return _People(people, kobo)


def _key(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _whole(v: Any) -> Any:
    text = str(v).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


# --- geometry -------------------------------------------------------------------------


def _geometry(
    spec: FormSpec, frame: pd.DataFrame, display: str, issues: list[tuple[int, Issue]]
) -> np.ndarray:
    """Points from split latitude/longitude columns or an ODK "lat lon alt acc" text; polygons
    from a geoshape text "lat lon alt acc;…". Unreadable values become problems of the record."""
    n = len(frame)
    parts = {m.group(1).lower(): str(c) for c in frame.columns if (m := _GEO_PART.match(str(c)))}
    whole = next((str(c) for c in frame.columns if _short(str(c)) == GEOMETRY_QUESTION), None)
    geoms = np.full(n, None, dtype=object)
    if spec.geometry == "geopoint" and "latitude" in parts and "longitude" in parts:
        lat = pd.to_numeric(frame[parts["latitude"]], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(frame[parts["longitude"]], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        geoms[ok] = shapely.points(lon[ok], lat[ok])
        if whole is None:
            return geoms
    if whole is None:
        return geoms
    accepted = (
        '"latitude longitude altitude accuracy" (an ODK geopoint)'
        if spec.geometry == "geopoint"
        else '"lat lon alt acc;lat lon alt acc;…", three points or more (an ODK geoshape)'
    )
    for i, text in enumerate(frame[whole].to_numpy(dtype=object)):
        if geoms[i] is not None or text is None or (isinstance(text, float) and np.isnan(text)):
            continue
        shape = _parse(str(text), spec.geometry)
        if shape is None:
            issues.append(
                (i, Issue(display, "", GEOMETRY_QUESTION, str(text)[:60], "not readable", accepted))
            )
        geoms[i] = shape
    return geoms


def _coords(text: str) -> list[tuple[float, float]] | None:
    out = []
    for vertex in text.split(";"):
        numbers = vertex.split()
        if not numbers:
            continue
        if len(numbers) < 2 or len(numbers) > 4:
            return None
        try:
            lat, lon = float(numbers[0]), float(numbers[1])
        except ValueError:
            return None
        out.append((lon, lat))
    return out


def _parse(text: str, kind: str) -> Any:
    coords = _coords(text)
    if not coords:
        return None
    if kind == "geopoint":
        return shapely.Point(coords[0]) if len(coords) == 1 else None
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    if len(coords) < 4:
        return None
    return shapely.Polygon(coords)
