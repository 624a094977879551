"""Data entry: evidence packages uploaded, single records entered in forms, QA results,
and the check a form runs while the user types (``POST /api/validate/{layer}``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from landrelease.web import entry
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
        values=dict(request.query_params),
        result=None,
        issues=[],
    )


@router.post(FORMS + "records/{layer}", include_in_schema=False)
async def record_form(request: Request, layer: str, user: UserDep, web: WebDep) -> HTMLResponse:
    values = rf.form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
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
        issues=[] if result["committed"] else result["issues"],
    )


# -- checking a form's record while the user types ------------------------------------------


class FormIssue(BaseModel):
    file: str = Field(description="the package file the record would be, or '(entered in a form)'")
    record: str = Field(description="the record's id, or #1")
    field: str
    value: str = Field(description="the value found, as the importer shows it")
    problem: str
    accepted: str = Field(description="what the field accepts")
    severity: str = Field(description="error (refused), warning (shown, does not refuse)")


class Validation(BaseModel):
    layer: str
    ok: bool = Field(description="no error: posting the form would record it")
    errors: int
    warnings: int
    issues: list[FormIssue]


@router.post(
    "/api/validate/{layer}",
    summary="Check one record of a form with the importer's rules; nothing is written",
    description=(
        "The body holds the form's fields as text, as a browser sends them (a list as "
        "comma-separated text). The record is checked as a one-record package with a dry-run "
        "import, so the messages are those of an imported file; activities also get the "
        "approval's release and accreditation checks as warnings. Activities: operators (their "
        "organisation's), information managers, administrators; findings, incidents and QA "
        "results (`qa_visits`: `plan_id`, `date`, `devices_found` or `samples`, "
        "`area_inspected_m2`, `organisation`): information managers, administrators."
    ),
    tags=["workflow"],
    response_model=Validation,
)
def validate_api(
    user: Writer,
    web: WebDep,
    layer: Annotated[str, Path(description="activities, findings, incidents or qa_visits")],
    values: Annotated[
        dict[str, str],
        Body(
            examples=[
                {
                    "activity_id": "CL-0042",
                    "type": "clearance",
                    "hazard_id": "HZ-2",
                    "start": "2026-01-05",
                    "end": "2026-02-20",
                    "outcome": "cleared",
                    "asset": "manual,dog",
                    "area_cleared_m2": "50000",
                    "geometry_source": "hazard",
                }
            ]
        ),
    ],
) -> dict[str, Any]:
    return entry.validate(web.ws, user, layer, values)


# -- quality assurance: post-clearance inspections -----------------------------------------


def _qa_page(
    request: Request,
    user: User,
    web: Web,
    *,
    values: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    planned: dict[str, Any] | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    waiting, recorded = entry.qa_plans(web.ws)
    return web.page(
        request,
        "qa_form.html",
        user,
        status=status,
        waiting=waiting,
        recorded=recorded[:20],
        activities=entry.inspectable_activities(web.ws),
        values=values or {},
        result=result,
        issues=result["issues"] if result else [],
        planned=planned,
        done=done,
    )


@router.get("/qa", response_class=HTMLResponse, include_in_schema=False)
def qa_page(request: Request, user: UserDep, web: WebDep, done: str | None = None) -> HTMLResponse:
    upload_user(user)
    return _qa_page(request, user, web, done=done)


@router.post(FORMS + "qa/record", include_in_schema=False)
async def qa_record_form(request: Request, user: UserDep, web: WebDep) -> Response:
    values = rf.form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
    upload_user(user)
    try:
        result = await run_in_threadpool(entry.record_qa, web.ws, user, values)
    finally:
        web.cache.clear()
    if result["committed"]:
        r = result["inspection"]
        done = f"{r['plan_id']}: {r['statement']} Recorded as QA visit {r['visit_id']}" + (
            f"; non-conformity {r['nc_id']} raised." if r["nc_id"] else "."
        )
        return RedirectResponse(f"/qa?{urlencode({'done': done})}", status_code=303)
    return _qa_page(request, user, web, values=values, result=result, status=422)


@router.post(FORMS + "qa/plan", include_in_schema=False)
def qa_plan_form(
    request: Request,
    user: UserDep,
    web: WebDep,
    csrf_token: Annotated[str, Form()] = "",
    activity_id: Annotated[str, Form()] = "",
) -> Response:
    web.check_form(request, csrf_token)
    upload_user(user)
    try:
        planned = entry.plan_qa(web.ws, user, activity_id)
    finally:
        web.cache.clear()
    if planned["ok"]:
        done = f"Plan {planned['plan_id']}: {planned['detail']}"
        return RedirectResponse(f"/qa?{urlencode({'done': done})}", status_code=303)
    return _qa_page(request, user, web, planned=planned, status=422)
