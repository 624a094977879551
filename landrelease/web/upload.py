"""Evidence packages uploaded through the browser: saved to a temporary folder, then imported.

Only information managers and administrators import. The package is first
checked with a dry run; when it has errors nothing is written and every
problem is listed (file, record, field, value, what is accepted). Otherwise it
is imported in one transaction by :func:`landrelease.io.import_package`,
which keeps the audit trail with the web user as actor.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from landrelease.io import ImportReport, import_package
from landrelease.store import Workspace
from landrelease.web.auth import User
from landrelease.web.errors import BadRequest, Forbidden, Unauthorized

SUFFIXES = (".zip", ".gpkg")
MAX_BYTES = 200 * 1024 * 1024


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


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadRequest(
            f"{name or 'the file'}: upload a .zip of a package folder or a .gpkg "
            "with one layer per layer name"
        )
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(name).stem) or "package"
    return stem[:80] + suffix


def import_upload(
    ws: Workspace, user: User, filename: str | None, stream: IO[bytes]
) -> dict[str, Any]:
    """Save the upload, dry-run it, then import it if it has no errors; the outcome as a dict."""
    if not may_import(user):
        raise Forbidden("only information managers and administrators import packages")
    name = _safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="lr_upload_") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            size = 0
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise BadRequest(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
                out.write(chunk)
        if size == 0:
            raise BadRequest(f"{name}: the file is empty")
        report = import_package(ws, path, actor=user.username, dry_run=True)
        if report.ok:
            report = import_package(ws, path, actor=user.username)
        shutil.rmtree(tmp, ignore_errors=True)
    return outcome(name, report)


def outcome(name: str, report: ImportReport) -> dict[str, Any]:
    return {
        "package": name,
        "committed": report.committed,
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
                "written": r.written.as_dict(),
            }
            for r in report.layers
        ],
        "totals": report.totals().as_dict(),
    }
