"""Where a workspace keeps its programme profile: two entries of ``workspace_meta``.

``programme`` holds the profile as JSON; ``programme_logo`` the logo's file name, media type
and bytes (base64). Every workspace has that table since its first schema version, so the
profile needs no migration on GeoPackage or PostGIS, and an older workspace reads as one
with an empty profile. A change is written with an entry of the audit trail.
"""

from __future__ import annotations

import base64
import json
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from landrelease.domain.programme import LOGO_MAX_BYTES, Logo, Programme, check_logo, updated
from landrelease.errors import UsageError
from landrelease.store import tables
from landrelease.store.sql import now_iso
from landrelease.store.workspace import Workspace

PROFILE_KEY = "programme"
LOGO_KEY = "programme_logo"


def read_programme(ws: Workspace, conn: sa.Connection | None = None) -> Programme:
    """The workspace's programme profile (empty when never set)."""
    meta = ws.meta(conn)
    logo = None
    if meta.get(LOGO_KEY):
        doc = json.loads(meta[LOGO_KEY])
        logo = Logo(doc["filename"], doc["media_type"], base64.b64decode(doc["data"]))
    return Programme.from_json(json.loads(meta.get(PROFILE_KEY) or "{}"), logo)


def write_programme(ws: Workspace, profile: Programme, *, actor: str) -> Programme:
    """Keep ``profile`` (checked by :func:`landrelease.domain.programme.updated` and
    :func:`~landrelease.domain.programme.check_logo`) with an audit entry of what changed."""
    with ws.begin() as conn:
        before = read_programme(ws, conn)
        ws.set_meta(conn, PROFILE_KEY, json.dumps(profile.to_json(), ensure_ascii=False))
        if profile.logo is None:
            conn.execute(sa.text("DELETE FROM workspace_meta WHERE key = :k"), {"k": LOGO_KEY})
        elif profile.logo != before.logo:
            ws.set_meta(
                conn,
                LOGO_KEY,
                json.dumps(
                    {
                        "filename": profile.logo.filename,
                        "media_type": profile.logo.media_type,
                        "data": base64.b64encode(profile.logo.data).decode("ascii"),
                    }
                ),
            )
        tables.insert_records(
            conn,
            "audit_log",
            [
                {
                    "at": now_iso(),
                    "actor": actor,
                    "action": "update",
                    "layer": "workspace_meta",
                    "record_id": PROFILE_KEY,
                    "before": json.dumps(_audited(before), ensure_ascii=False),
                    "after": json.dumps(_audited(profile), ensure_ascii=False),
                    "note": "programme profile",
                }
            ],
        )
    return profile


def _audited(p: Programme) -> dict[str, object]:
    logo = None if p.logo is None else f"{p.logo.filename} ({len(p.logo.data):,} bytes)"
    return {**p.to_json(), "logo": logo}


def set_programme(
    ws: Workspace,
    *,
    actor: str,
    logo: Path | None = None,
    no_logo: bool = False,
    **fields: Any,
) -> Programme:
    """Change the fields given (see :func:`landrelease.domain.programme.updated`), read and check
    the logo file ``logo`` or remove it (``no_logo``), and keep the profile; nothing is written
    when any value is refused."""
    if logo is not None and no_logo:
        raise UsageError("--logo and --no-logo together: give one or the other")
    profile = updated(read_programme(ws), **fields)
    if logo is not None:
        profile = replace(profile, logo=check_logo(logo.name, _read_logo(logo)))
    elif no_logo:
        profile = replace(profile, logo=None)
    return write_programme(ws, profile, actor=actor)


def _read_logo(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`LOGO_MAX_BYTES` (a FIFO or device is
    refused before it is read)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise UsageError(f"logo {path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"logo {path}: not a regular file (accepted: a PNG, JPEG or SVG file)")
    if st.st_size > LOGO_MAX_BYTES:
        raise UsageError(
            f"logo {path}: {st.st_size:,} bytes, more than the {LOGO_MAX_BYTES:,} accepted"
        )
    return path.read_bytes()
