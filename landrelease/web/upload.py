"""Evidence packages uploaded through the browser or the API: checked, streamed to a temporary
folder, then imported.

Only information managers and administrators import, and who is asking is
checked before a byte of the body is read: an anonymous or unauthorised
upload is refused from its headers alone. The size is checked twice: a
``Content-Length`` above the limit (setting ``web_upload_max_mb``) is refused
at once, and the body is streamed to the temporary folder with a counter that
stops reading as soon as the limit is passed, so no more than the limit is
ever written (HTTP 413 either way, naming the limit).

The package is first checked with a dry run; when it has errors nothing is
written and every problem is listed (file, record, field, value, what is
accepted). Otherwise it is imported in one transaction by
:func:`landrelease.io.import_package`, which keeps the audit trail with the
web user as actor.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from landrelease import settings
from landrelease.io import ImportReport, import_package
from landrelease.store import Workspace, WriteCounts
from landrelease.web.auth import User
from landrelease.web.errors import BadRequest, ContentTooLarge, Forbidden, Unauthorized

SUFFIXES = (".zip", ".gpkg", ".xlsx", ".csv", ".geojson", ".json", ".kml")
"""What an upload may be: whatever `landrelease import` reads from one file — a .zip of a
package folder (or ODK Central's export zip), a GeoPackage or XLSX workbook with one layer per
layer name, one layer's own file (``hazards.geojson``, ``findings.csv``), or a KoboToolbox /
ODK Central export of submissions (CSV, XLSX). A folder is sent as a .zip."""
ACCEPTED = (
    "a .zip of a package folder, a .gpkg or .xlsx with one layer or sheet per layer name, one "
    "layer's file named after it (hazards.geojson, findings.csv, …) or a KoboToolbox / ODK "
    "Central export of submissions (.csv, .xlsx, .zip)"
)
TRUE = frozenset({"1", "on", "true", "yes"})
MIB = 1024 * 1024
ENVELOPE_BYTES = 64 * 1024
"""What a multipart body may hold besides the file: part headers, the CSRF token."""
FIELD_BYTES = 4096
"""Largest text field of an upload form (the CSRF token is 43 characters)."""
REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["package"],
                "properties": {
                    "package": {
                        "type": "string",
                        "format": "binary",
                        "description": ACCEPTED,
                    },
                    "ignore_unknown": {
                        "type": "boolean",
                        "description": "list files of the package (and sheets of a workbook) "
                        "that are not layers as not read, instead of refusing the package",
                    },
                },
            }
        }
    },
}
"""The upload's body in the OpenAPI description (the route reads the stream itself)."""


def may_import(user: User) -> bool:
    return user.may_approve  # administrators and information managers


def importing_user(user: User) -> User:
    """The user, when allowed to import packages and enter findings, incidents and QA results;
    401 when not logged in, 403 for other roles."""
    if not user.authenticated:
        raise Unauthorized("log in to import a package")
    if not may_import(user):
        raise Forbidden("only information managers and administrators import packages")
    return user


def upload_limit() -> int:
    """The largest package a web upload may send [bytes] (setting ``web_upload_max_mb``)."""
    return int(float(settings.get("web_upload_max_mb")) * MIB)


def _too_large(limit: int) -> ContentTooLarge:
    return ContentTooLarge(
        f"the upload is larger than {limit / MIB:g} MiB (setting web_upload_max_mb); "
        "split the package or ask the administrator to raise the limit"
    )


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadRequest(f"{name or 'the file'}: not a format this imports; upload {ACCEPTED}")
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(name).stem) or "package"
    return stem[:80] + suffix


@dataclass
class Upload:
    """A multipart body as it arrives: the file part written to ``folder``, text fields kept."""

    folder: Path
    limit: int
    name: str = ""
    path: Path | None = None
    size: int = 0
    """Bytes of the file written."""
    fields: dict[str, str] = field(default_factory=dict)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _header: list[bytes] = field(default_factory=lambda: [b"", b""])
    _out: IO[bytes] | None = None
    _field: tuple[str, bytearray] | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda d, a, b: self._add_header(0, d[a:b]),
            "on_header_value": lambda d, a, b: self._add_header(1, d[a:b]),
            "on_header_end": self._end_header,
            "on_headers_finished": self._start_part,
            "on_part_data": lambda d, a, b: self._data(d[a:b]),
            "on_part_end": self._end_part,
        }

    def _add_header(self, i: int, data: bytes) -> None:
        self._header[i] += data

    def _end_header(self) -> None:
        self._headers[self._header[0].lower()] = self._header[1]
        self._header = [b"", b""]

    def _start_part(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._field = (name, bytearray())
            return
        if self.path is not None:
            raise BadRequest("upload one package at a time")
        self.name = _safe_name(options[b"filename"].decode("utf-8", "replace"))
        self.path = self.folder / self.name
        self._out = self.path.open("wb")

    def _data(self, data: bytes) -> None:
        if self._out is not None:
            self.size += len(data)
            if self.size > self.limit:
                raise _too_large(self.limit)
            self._out.write(data)
        elif self._field is not None:
            self._field[1].extend(data)
            if len(self._field[1]) > FIELD_BYTES:
                raise BadRequest(f"form field {self._field[0]!r} is too long")

    def _end_part(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._field is not None:
            self.fields[self._field[0]] = self._field[1].decode("utf-8", "replace")
            self._field = None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


async def receive_upload(request: Request, folder: Path) -> Upload:
    """Stream the multipart body of ``request`` into ``folder``, never past the size limit.

    Refused with 413 when ``Content-Length`` says it is too large (nothing read) or as soon
    as more than the limit has arrived; 400 when it is not a form with one package file."""
    limit = upload_limit()
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest(f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit + ENVELOPE_BYTES:
            raise _too_large(limit)
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise BadRequest("send the package as multipart/form-data, in a field named 'package'")
    upload = Upload(folder, limit)
    parser = MultipartParser(options[b"boundary"], upload.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + ENVELOPE_BYTES:
                raise _too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise BadRequest(f"the upload is not a readable multipart form ({exc})") from None
    finally:
        upload.close()
    if upload.path is None:
        raise BadRequest("no file: send the package in a field named 'package'")
    if upload.size == 0:
        raise BadRequest(f"{upload.name}: the file is empty")
    return upload


async def import_request(
    request: Request,
    ws: Workspace,
    user: User,
    *,
    csrf: Callable[[dict[str, str]], None] | None = None,
) -> dict[str, Any]:
    """The whole upload: rights checked first, the body streamed into a temporary folder within
    the limit, the form's CSRF token checked by ``csrf(fields)`` if given, then imported."""
    user = importing_user(user)
    with tempfile.TemporaryDirectory(prefix="lr_upload_") as tmp:
        upload = await receive_upload(request, Path(tmp))
        if csrf is not None:
            csrf(upload.fields)
        assert upload.path is not None
        ignore = upload.fields.get("ignore_unknown", "").strip().lower() in TRUE
        return await run_in_threadpool(import_file, ws, user, upload.path, ignore_unknown=ignore)


def import_file(
    ws: Workspace, user: User, path: Path, *, ignore_unknown: bool = False
) -> dict[str, Any]:
    """Dry-run the package at ``path``, then import it if it has no errors; the outcome."""
    report = import_package(
        ws, path, actor=user.username, dry_run=True, ignore_unknown=ignore_unknown
    )
    if report.ok:
        report = import_package(ws, path, actor=user.username, ignore_unknown=ignore_unknown)
    return outcome(path.name, report)


def outcome(name: str, report: ImportReport) -> dict[str, Any]:
    """The import as the upload page and the API show it; a refused one shows nothing written."""
    nothing = WriteCounts()
    return {
        "package": name,
        "committed": report.committed,
        "refused_note": report.REFUSED_NOTE if report.refused else "",
        "import_id": report.import_id,
        "errors": report.log.errors,
        "issues": [
            {
                "file": i.file,
                "record": i.record,
                "field": i.field,
                "value": i.value,
                "problem": i.problem,
                "accepted": i.accepted,
                "severity": str(i.severity),
            }
            for i in report.issues
        ],
        "layers": [
            {
                "layer": r.layer,
                "file": r.file,
                "records": r.records,
                "valid": r.valid,
                "written": (nothing if report.refused else r.written).as_dict(),
            }
            for r in report.layers
        ],
        "totals": (nothing if report.refused else report.totals()).as_dict(),
    }
