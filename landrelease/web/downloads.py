"""Downloads: each readable layer as GeoJSON or GeoPackage, the whole package, a monthly report.

Layer files are written from what the user may see (:func:`features.visible_frame`:
drafts of other organisations and personal data left out for those not
entitled) in the layout of the data contract (:mod:`landrelease.io` writers),
so a downloaded file imports again. The whole package
(:func:`landrelease.io.export_package`) is for roles that see every record;
victims' personal data is in it only for roles entitled to it.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pyogrio

from landrelease.domain import layer_by_name
from landrelease.io import export_package
from landrelease.io.package import _write_geojson, _write_gpkg_layer
from landrelease.store import Workspace
from landrelease.web import features as ft
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.errors import BadRequest, Forbidden, Unauthorized, Unprocessable

FORMATS = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3"}
REPORT_FORMATS = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def layer_file(ws: Workspace, cache: LayerCache, user: User, cid: str, fmt: str) -> bytes:
    """The collection ``cid`` as this user sees it, as a GeoJSON or GeoPackage file."""
    if fmt not in FORMATS:
        raise BadRequest(f"unknown format {fmt!r}; choose geojson or gpkg")
    c = ft.collection(cid, user)
    frame = ft.visible_frame(ws, c.id, user, cache)
    if cid != ft.SURVEY_PARTS and "extra" not in frame.columns:
        frame = frame.assign(extra=None)  # left out with personal data: written empty

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="lr_dl_") as tmp:
            path = Path(tmp) / f"{cid}.{fmt}"
            if cid == ft.SURVEY_PARTS:
                driver = "GPKG" if fmt == "gpkg" else "GeoJSON"
                pyogrio.write_dataframe(frame, path, layer=cid, driver=driver)
            elif fmt == "gpkg":
                _write_gpkg_layer(layer_by_name(cid), frame, path)
            else:
                _write_geojson(layer_by_name(cid), frame, path)
            return path.read_bytes()

    variant = f"file:{fmt}:{user.role}:{user.organisation or ''}"
    table = None if cid == ft.SURVEY_PARTS else cid
    return cache.get(table, variant, build)


def may_export_all(user: User) -> bool:
    return user.sees_all_drafts


def package_file(ws: Workspace, cache: LayerCache, user: User, fmt: str) -> bytes:
    """The whole workspace as a package: one GeoPackage, or a zip of the GeoJSON/CSV folder."""
    if not user.authenticated:
        raise Unauthorized("log in to download the whole package")
    if not may_export_all(user):
        raise Forbidden("the whole package is for roles that see every record; download layers")
    if fmt not in FORMATS:
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
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(out.rglob("*")):
                    if f.is_file():
                        z.write(f, f"landrelease/{f.relative_to(out)}")
            return buf.getvalue()

    return cache.get(None, f"package:{fmt}:{personal}", build)


def latest_month(ws: Workspace) -> str | None:
    """The last month with an approved activity ending in it (``YYYY-MM``), if any."""
    rows = ws.query(
        "SELECT max(\"end\") FROM activities WHERE retired_at IS NULL AND status = 'approved'"
    )
    value = rows[0][0] if rows else None
    return str(value)[:7] if value else None


def report_file(ws: Workspace, cache: LayerCache, user: User, month: str, fmt: str) -> bytes:
    """The monthly report of ``month`` (aggregates only) as HTML or a workbook."""
    from landrelease.reports import monthly_report, write_report

    if not user.authenticated:
        raise Unauthorized("log in to download reports")
    if fmt not in REPORT_FORMATS:
        raise BadRequest(f"unknown report format {fmt!r}; choose html or xlsx")
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise BadRequest(f"month {month!r}: expected YYYY-MM")

    def build() -> bytes:
        try:
            report = monthly_report(ws, month=month, figures=fmt == "html")
        except (TypeError, ValueError, KeyError) as exc:
            # the report builder fails on some data (e.g. a month where no hazard closed)
            raise Unprocessable(f"the monthly report of {month} could not be built: {exc}") from exc
        with tempfile.TemporaryDirectory(prefix="lr_rep_") as tmp:
            written = write_report(report, Path(tmp), [fmt])
            return written[fmt].read_bytes()

    return cache.get(None, f"report:{month}:{fmt}", build)
