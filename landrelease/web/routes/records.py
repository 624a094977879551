"""Data entry: evidence packages uploaded, single records entered in forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from landrelease.web import records_form as rf
from landrelease.web.auth import User
from landrelease.web.context import FORMS, UserDep, Web, WebDep, Writer
from landrelease.web.errors import Forbidden, Unauthorized
from landrelease.web.upload import import_upload, may_import

router = APIRouter()


def upload_user(user: User) -> User:
    if not user.authenticated:
        raise Unauthorized("log in to import a package")
    if not may_import(user):
        raise Forbidden("only information managers and administrators import packages")
    return user


def run_upload(web: Web, user: User, package: UploadFile) -> dict[str, Any]:
    try:
        return import_upload(web.ws, user, package.filename, package.file)
    finally:
        web.cache.clear()


@router.get("/upload", response_class=HTMLResponse, include_in_schema=False)
def upload_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    return web.page(request, "upload.html", upload_user(user), result=None)


@router.post(FORMS + "upload", include_in_schema=False)
def upload_form(
    request: Request,
    user: UserDep,
    web: WebDep,
    package: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    web.check_form(request, csrf_token)
    result = run_upload(web, upload_user(user), package)
    status = 200 if result["committed"] else 422
    return web.page(request, "upload.html", user, status=status, result=result)


@router.post(
    "/api/packages",
    summary="Import an evidence package (.zip or .gpkg); refused whole when it has errors",
    tags=["workflow"],
)
def upload_api(user: Writer, web: WebDep, package: Annotated[UploadFile, File()]) -> JSONResponse:
    result = run_upload(web, upload_user(user), package)
    return JSONResponse(result, status_code=200 if result["committed"] else 422)


@router.get("/records/new/{layer}", response_class=HTMLResponse, include_in_schema=False)
def record_page(request: Request, layer: str, user: UserDep, web: WebDep) -> HTMLResponse:
    lyr = rf.form_layer(layer)
    upload_user(user)
    return web.page(
        request,
        "record_form.html",
        user,
        layer=lyr,
        fields=rf.form_fields(lyr),
        values={},
        result=None,
    )


@router.post(FORMS + "records/{layer}", include_in_schema=False)
async def record_form(request: Request, layer: str, user: UserDep, web: WebDep) -> HTMLResponse:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    web.check_form(request, values.get("csrf_token", ""))
    lyr = rf.form_layer(layer)
    upload_user(user)
    try:
        result = await run_in_threadpool(rf.enter_record, web.ws, user, layer, values)
    finally:
        web.cache.clear()
    return web.page(
        request,
        "record_form.html",
        user,
        status=200 if result["committed"] else 422,
        layer=lyr,
        fields=rf.form_fields(lyr),
        values={} if result["committed"] else values,
        result=result,
    )
