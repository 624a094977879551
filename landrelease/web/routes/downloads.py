"""Downloads: layers as this user sees them, the whole package, reports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.web import downloads as dl
from landrelease.web import features as ft
from landrelease.web.context import UserDep, WebDep, attachment
from landrelease.web.errors import NotFound

router = APIRouter()


@router.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
def downloads_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    month = (
        web.cache.get(None, "latest_month", lambda: dl.latest_month(web.ws))
        if user.authenticated
        else None
    )
    return web.page(
        request,
        "downloads.html",
        user,
        collections=ft.readable_collections(user),
        whole=dl.may_export_all(user),
        month=month,
    )


@router.get(
    "/downloads/layers/{collection_id}.{fmt}",
    summary="A collection as this user sees it, as a GeoJSON or GeoPackage file",
    tags=["downloads"],
    response_class=Response,
)
def download_layer(collection_id: str, fmt: str, user: UserDep, web: WebDep) -> Response:
    data = dl.layer_file(web.ws, web.cache, user, collection_id, fmt)
    return attachment(data, dl.FORMATS[fmt], f"{collection_id}.{fmt}")


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
    media = dl.FORMATS["gpkg"] if fmt == "gpkg" else "application/zip"
    return attachment(data, media, f"landrelease.{ext}")


@router.get(
    "/downloads/reports/monthly-{month}.{fmt}",
    summary="The monthly report (aggregates) as HTML or a workbook",
    tags=["downloads"],
    response_class=Response,
)
def download_report(month: str, fmt: str, user: UserDep, web: WebDep) -> Response:
    data = dl.report_file(web.ws, web.cache, user, month, fmt)
    if fmt == "html":
        return Response(data, media_type=dl.REPORT_FORMATS[fmt])
    return attachment(data, dl.REPORT_FORMATS[fmt], f"monthly-{month}.{fmt}")
