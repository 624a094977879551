"""Downloads of data: layers as this user sees them, the whole package, every report.

The page listing them is :mod:`landrelease.web.pages.downloads`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse, Response

from landrelease.web import downloads as dl
from landrelease.web.context import UserDep, Web, WebDep, attachment
from landrelease.web.errors import NotFound

router = APIRouter()

LayerFormat = Annotated[str, Path(json_schema_extra={"enum": list(dl.LAYER_FORMATS)})]
ReportFormat = Annotated[str, Path(json_schema_extra={"enum": list(dl.REPORT_FORMATS)})]
"""The formats in the spec; the handlers check them (a 400 naming the choices)."""


@router.get(
    "/downloads/layers/{collection_id}.{fmt}",
    summary="A layer as this user sees it, as a GeoJSON, GeoPackage or CSV file "
    "(CSV: the geometry as WKT in a `wkt` column; tables without geometry: CSV or GeoPackage)",
    tags=["downloads"],
    response_class=Response,
)
def download_layer(collection_id: str, fmt: LayerFormat, user: UserDep, web: WebDep) -> Response:
    data = dl.layer_file(web.ws, web.cache, user, collection_id, fmt)
    return attachment(data, dl.LAYER_FORMATS[fmt], f"{collection_id}.{fmt}")


@router.get(
    "/downloads/package.{ext}",
    summary="The whole workspace as a package (.gpkg, or .zip of GeoJSON and CSV)",
    tags=["downloads"],
    response_class=Response,
)
def download_package(ext: str, user: UserDep, web: WebDep) -> Response:
    fmt = {"gpkg": "gpkg", "zip": "geojson"}.get(ext)
    if fmt is None:
        raise NotFound(f"no package .{ext}: choose .gpkg or .zip")
    data = dl.package_file(web.ws, web.cache, user, fmt)
    media = dl.GPKG if fmt == "gpkg" else "application/zip"
    return attachment(data, media, f"landrelease.{ext}")


def _report(
    web: Web,
    user: UserDep,
    kind: str,
    param: str,
    fmt: str,
    *,
    donor: str | None = None,
    stamp: str = "",
) -> Response:
    f = dl.report_file(web.ws, web.cache, user, kind, param, fmt, donor=donor, stamp=stamp)
    return attachment(f.data, f.media, f.filename)


FORMAT_HELP = "pdf, html, xlsx or csv (a zip of one CSV per table)"


@router.get(
    "/downloads/reports/monthly-{month}.{fmt}",
    summary="The monthly report (aggregates) of a month with records; " + FORMAT_HELP,
    tags=["downloads"],
    response_class=Response,
)
def download_monthly(month: str, fmt: ReportFormat, user: UserDep, web: WebDep) -> Response:
    return _report(web, user, "monthly", month, fmt)


@router.get(
    "/downloads/reports/donor-{period}.{fmt}",
    summary="The donor report (aggregates) of a year `YYYY` or a period "
    "`YYYY-MM-DD_YYYY-MM-DD`, optionally stating one funding source's share; " + FORMAT_HELP,
    tags=["downloads"],
    response_class=Response,
)
def download_donor(
    period: str,
    fmt: ReportFormat,
    user: UserDep,
    web: WebDep,
    donor: Annotated[str | None, Query(description="a funding source to state apart")] = None,
) -> Response:
    return _report(web, user, "donor", period, fmt, donor=donor)


@router.get(
    "/downloads/reports/donor",
    summary="The donor-report form: redirects to /downloads/reports/donor-FROM_TO.FORMAT",
    tags=["downloads"],
    response_class=RedirectResponse,
    status_code=303,
)
def donor_form(
    start: Annotated[str, Query(alias="from", description="first day, YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", description="last day, YYYY-MM-DD")],
    format: Annotated[str, Query(description=FORMAT_HELP)] = "pdf",
    donor: Annotated[str | None, Query(description="a funding source to state apart")] = None,
) -> RedirectResponse:
    path = f"/downloads/reports/donor-{quote(start, safe='')}_{quote(end, safe='')}.{quote(format, safe='')}"
    query = f"?{urlencode({'donor': donor})}" if donor else ""
    return RedirectResponse(path + query, status_code=303)


@router.get(
    "/downloads/reports/settlement-{settlement_id}.{fmt}",
    summary="The settlement report: what still blocks it, what was released around it, "
    "when it can be ready; " + FORMAT_HELP,
    tags=["downloads"],
    response_class=Response,
)
def download_settlement(
    settlement_id: str, fmt: ReportFormat, user: UserDep, web: WebDep
) -> Response:
    stamp = web.cache.planning_stamp()  # the report reads the latest plan's readiness
    return _report(web, user, "settlement", settlement_id, fmt, stamp=stamp)


@router.get(
    "/downloads/reports/casualties-{year}.{fmt}",
    summary="The casualty report of a year with incidents (aggregates; never victims' "
    "personal data here); " + FORMAT_HELP,
    tags=["downloads"],
    response_class=Response,
)
def download_casualties(year: str, fmt: ReportFormat, user: UserDep, web: WebDep) -> Response:
    return _report(web, user, "casualties", year, fmt)
