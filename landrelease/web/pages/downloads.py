"""The downloads page: the layers this user may download, the whole package, the reports.

The files themselves come from :mod:`landrelease.web.api.downloads`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from landrelease.web import downloads as dl
from landrelease.web.context import UserDep, WebDep

router = APIRouter()


@router.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
def downloads_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    choices = dl.report_choices(web.ws, web.cache) if user.authenticated else None
    return web.page(
        request,
        "downloads.html",
        user,
        layers=dl.downloadable_layers(user),
        whole=dl.may_export_all(user),
        reports=choices,
        listed=dl.LISTED,
        report_formats=list(dl.REPORT_FORMATS),
    )
