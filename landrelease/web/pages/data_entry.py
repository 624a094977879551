"""The data-entry pages: evidence packages uploaded, findings and incidents entered in forms,
QA plans and results. The same as a JSON API: :mod:`landrelease.web.api.data_entry`."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from landrelease.web import qa_form
from landrelease.web import records_form as rf
from landrelease.web.auth import User
from landrelease.web.context import FORMS, UserDep, Web, WebDep
from landrelease.web.map_view import map_config
from landrelease.web.upload import SUFFIXES, import_request, importing_user

ACCEPT = ",".join(SUFFIXES)
"""The file types the upload form offers (every one `landrelease import` reads)."""

router = APIRouter()


@router.get("/upload", response_class=HTMLResponse, include_in_schema=False)
def upload_page(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    return web.page(request, "upload.html", importing_user(user), result=None, accept=ACCEPT)


@router.post(FORMS + "upload", include_in_schema=False)
async def upload_form(request: Request, user: UserDep, web: WebDep) -> HTMLResponse:
    def check_csrf(fields: dict[str, str]) -> None:
        web.check_form(request, fields.get("csrf_token", ""))

    with web.writing() as ws:
        result = await import_request(request, ws, user, csrf=check_csrf)
    status = 200 if result["committed"] else 422
    return web.page(request, "upload.html", user, status=status, result=result, accept=ACCEPT)


@router.get("/records/new/{layer}", response_class=HTMLResponse, include_in_schema=False)
def record_page(request: Request, layer: str, user: UserDep, web: WebDep) -> HTMLResponse:
    lyr = rf.form_layer(layer)
    importing_user(user)
    return web.page(
        request,
        "record_form.html",
        user,
        layer=lyr,
        fields=rf.form_fields(lyr),
        values=dict(request.query_params),
        result=None,
        issues=[],
        mapconfig=map_config(web, user),
    )


@router.post(FORMS + "records/{layer}", include_in_schema=False)
async def record_form(request: Request, layer: str, user: UserDep, web: WebDep) -> HTMLResponse:
    values = rf.form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
    lyr = rf.form_layer(layer)
    importing_user(user)
    with web.writing() as ws:
        result = await run_in_threadpool(rf.enter_record, ws, user, layer, values)
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
        mapconfig=map_config(web, user),
    )


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
    waiting, recorded = qa_form.qa_plans(web.ws)
    return web.page(
        request,
        "qa_form.html",
        user,
        status=status,
        waiting=waiting,
        recorded=recorded[:20],
        activities=qa_form.inspectable_activities(web.ws),
        values=values or {},
        result=result,
        issues=result["issues"] if result else [],
        qa_fields=qa_form.qa_fields(),
        planned=planned,
        done=done,
    )


@router.get("/qa", response_class=HTMLResponse, include_in_schema=False)
def qa_page(request: Request, user: UserDep, web: WebDep, done: str | None = None) -> HTMLResponse:
    importing_user(user)
    return _qa_page(request, user, web, done=done)


@router.post(FORMS + "qa/record", include_in_schema=False)
async def qa_record_form(request: Request, user: UserDep, web: WebDep) -> Response:
    values = rf.form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
    importing_user(user)
    with web.writing() as ws:
        result = await run_in_threadpool(qa_form.record_qa, ws, user, values)
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
    importing_user(user)
    with web.writing() as ws:
        planned = qa_form.plan_qa(ws, user, activity_id)
    if planned["ok"]:
        done = f"Plan {planned['plan_id']}: {planned['detail']}"
        return RedirectResponse(f"/qa?{urlencode({'done': done})}", status_code=303)
    return _qa_page(request, user, web, planned=planned, status=422)
