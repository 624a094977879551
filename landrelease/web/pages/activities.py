"""The activities pages: the list with its submit, approve and reject buttons, new drafts
entered in a form, drafts and rejected activities corrected in it (audited). The same steps
as a JSON API: :mod:`landrelease.web.api.review`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from landrelease import settings
from landrelease.domain.dates import day_problem
from landrelease.domain.vocab import ASSETS
from landrelease.records import accreditation_flags, review_queue
from landrelease.records.rules import CLAIM_KEYS
from landrelease.web import entry
from landrelease.web.activity_steps import run_step
from landrelease.web.auth import User
from landrelease.web.context import FORMS, UserDep, Web, WebDep
from landrelease.web.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from landrelease.web.hazard_search import search_hazards
from landrelease.web.labels import M2_PER_HA, plain
from landrelease.web.map_view import map_config
from landrelease.web.records_form import form_values
from landrelease.web.visible import layer_frame, visible_frame

router = APIRouter()


def _claims(extra: Any) -> str:
    """The areas an activity reports per method, as a short text for the table."""
    if not isinstance(extra, dict):
        return ""
    parts = []
    for key in CLAIM_KEYS.values():
        v = extra.get(key)
        if isinstance(v, int | float):
            method = key.removeprefix("area_").removesuffix("_m2")
            parts.append(f"{v / M2_PER_HA:,.2f} ha {method}")
    return ", ".join(parts)


@dataclass(frozen=True)
class ListQuery:
    """What the activities list is narrowed to, from the page's query parameters: ``q``
    (searched in the activity's code, hazard and organisation, any case), ``status``,
    ``organisation``, ``type`` (the method: NTS, TS, clearance…), ``from``/``to`` (YYYY-MM-DD:
    activities whose start–end overlaps the period) and ``page`` (1 first)."""

    q: str = ""
    status: str = ""
    organisation: str = ""
    type: str = ""
    start: str = ""
    end: str = ""
    page: int = 1

    @classmethod
    def of(cls, params: Mapping[str, str]) -> tuple[ListQuery, list[str]]:
        """The query, and what could not be read in it (left out, said on the page)."""
        problems = []
        days = {}
        for name in ("from", "to"):
            v = (params.get(name) or "").strip()
            if v and (problem := day_problem(v)):
                problems.append(f"{name}={problem}; not applied")
                v = ""
            days[name] = v
        raw = (params.get("page") or "1").strip()
        page = int(raw) if raw.isdigit() and int(raw) >= 1 else 1
        if raw != str(page):
            problems.append(f"page={raw!r} is not a page number (1, 2, …): the first page shown")
        text = {k: (params.get(k) or "").strip() for k in ("q", "status", "organisation", "type")}
        return cls(**text, start=days["from"], end=days["to"], page=page), problems

    @property
    def active(self) -> bool:
        return any((self.q, self.status, self.organisation, self.type, self.start, self.end))

    def url(self, page: int) -> str:
        """This list's URL at ``page``."""
        pairs = [
            (k, v)
            for k, v in (
                ("q", self.q),
                ("status", self.status),
                ("organisation", self.organisation),
                ("type", self.type),
                ("from", self.start),
                ("to", self.end),
            )
            if v
        ]
        if page > 1:
            pairs.append(("page", str(page)))
        return "/activities" + ("?" + urlencode(pairs) if pairs else "")

    def keep(self, frame: pd.DataFrame) -> np.ndarray:
        """Which activities of ``frame`` the query keeps."""
        keep = np.ones(len(frame), dtype=bool)

        def text(col: str) -> pd.Series:
            return frame[col].astype(object).where(frame[col].notna(), "").astype(str)

        if self.q:
            needle = self.q.casefold()
            hay = text("activity_id") + "\n" + text("hazard_id") + "\n" + text("organisation")
            keep &= hay.str.casefold().str.contains(needle, regex=False).to_numpy(dtype=bool)
        for col, want in (
            ("status", self.status),
            ("organisation", self.organisation),
            ("type", self.type),
        ):
            if want:
                values = text(col).replace("", "draft") if col == "status" else text(col)
                keep &= (values == want).to_numpy(dtype=bool)
        if self.start or self.end:
            first = text("start").str[:10]
            last = text("end").str[:10]
            last = last.where(last != "", first)
            first = first.where(first != "", last)
            if self.start:
                keep &= ((last != "") & (last >= self.start)).to_numpy(dtype=bool)
            if self.end:
                keep &= ((first != "") & (first <= self.end)).to_numpy(dtype=bool)
        return keep


def _options(frame: pd.DataFrame, col: str) -> list[str]:
    values = frame[col].astype(object).where(frame[col].notna(), None)
    if col == "status":
        values = values.fillna("draft")
    return sorted({str(v) for v in values.dropna() if str(v)})


def activities_view(
    request: Request,
    user: User,
    web: Web,
    *,
    done: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The activities this user may see, narrowed by the query (search, filters) and one page
    of them; a submitted one with the flags raised at its submission and those its approval
    checks now (accreditation), which need the reviewer's override."""
    if not user.authenticated:
        raise Unauthorized("log in to see activities")
    query, problems = ListQuery.of(request.query_params)
    frame = visible_frame(web.ws, "activities", user, web.cache)
    choices = {c: _options(frame, c) for c in ("status", "organisation", "type")}
    chosen = frame[query.keep(frame)]
    st = chosen["status"].astype(object)
    rank = np.where(st == "draft", 0, np.where(st == "submitted", 1, 2))  # drafts, then submitted
    order = np.lexsort((chosen["activity_id"].astype(str).to_numpy(), rank))
    per_page = int(settings.get("web_activities_per_page"))
    pages = max(1, math.ceil(len(chosen) / per_page))
    page = min(query.page, pages)
    if query.page > pages:
        problems.append(
            f"there {'is 1 page' if pages == 1 else f'are {pages} pages'}: the last one shown"
        )
    shown = chosen.iloc[order[(page - 1) * per_page : page * per_page]]
    submitted = shown["status"].astype(object) == "submitted"
    raised: dict[str, list[str]] = {}
    organisations = None
    if submitted.any():
        queue = review_queue(web.ws)
        raised = {
            str(a): list(f) if isinstance(f, list | tuple) else []
            for a, f in zip(queue["activity_id"], queue["flags"], strict=True)
        }
        organisations = layer_frame(web.ws, "organisations", personal=True, cache=web.cache)
    rows = []
    for (_, r), is_submitted in zip(shown.iterrows(), submitted, strict=True):
        row = {k: plain(v) for k, v in r.items() if k not in ("extra", "geometry")}
        row["claims"] = _claims(r.get("extra"))
        now = (
            accreditation_flags(r, organisations)
            if is_submitted and organisations is not None
            else []
        )
        row["flags"] = list(dict.fromkeys([*raised.get(str(r["activity_id"]), []), *now]))
        row["needs_override"] = bool(now)
        if row.get("status") == "rejected":  # why it was sent back, for whoever corrects it
            latest = entry.rejections(web.ws, str(r["activity_id"]))[:1]
            row["sent_back"] = latest[0] if latest else None
        rows.append(row)
    listing = {
        "query": query,
        "choices": choices,
        "total": len(frame),
        "matching": len(chosen),
        "page": page,
        "pages": pages,
        "first": (page - 1) * per_page + 1 if len(chosen) else 0,
        "last": min(page * per_page, len(chosen)),
        "problems": problems,
    }
    return web.page(
        request,
        "activities.html",
        user,
        status=status,
        activities=rows,
        listing=listing,
        done=done,
        error=error,
    )


@router.get("/activities", response_class=HTMLResponse, include_in_schema=False)
def activities_page(
    request: Request, user: UserDep, web: WebDep, done: str | None = None
) -> HTMLResponse:
    return activities_view(request, user, web, done=done)


def _done(result: dict[str, Any]) -> str:
    aid, status = result["activity_id"], result["status"]
    if status == "approved":
        text = f"{aid} approved: {result['released_m2'] / 10_000:,.2f} ha released"
        if result.get("hazard_status_after"):
            text += f"; hazard {result['hazard_id']} is now {result['hazard_status_after']}"
        return text
    text = f"{aid} {status}"
    if result.get("flags"):
        text += "; flagged for the reviewer: " + "; ".join(result["flags"])
    return text


@router.post(FORMS + "activities/{activity_id}/edit", include_in_schema=False)
async def edit_activity_form(
    request: Request, activity_id: str, user: UserDep, web: WebDep
) -> Response:
    """A corrected draft or rejected activity: the importer updates the record (audited)."""
    values = form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
    _entry_user(user)
    try:
        row = await run_in_threadpool(entry.editable_activity, web.ws, user, activity_id)
        result = await run_in_threadpool(
            entry.enter_activity, web.ws, user, values, editing=activity_id
        )
    except (Conflict, Forbidden, NotFound) as exc:
        return activities_view(
            request, user, web, error=f"{activity_id}: {exc.detail}", status=exc.status
        )
    finally:
        web.cache.clear()
    if result["unchanged"]:
        done = f"{activity_id} unchanged: the form holds the values recorded, nothing was written"
        return RedirectResponse(f"/activities?{urlencode({'done': done})}", status_code=303)
    if result["committed"]:
        done = (
            f"{activity_id} corrected (import {result['import_id']}), now a draft; "
            "submit it below when it is complete"
        )
        return RedirectResponse(f"/activities?{urlencode({'done': done})}", status_code=303)
    return _entry_page(
        request, user, web, values=values, result=result, status=422, editing=_editing(web, row)
    )


@router.post(FORMS + "activities/{activity_id}/{step}", include_in_schema=False)
def activity_form(
    request: Request,
    activity_id: str,
    step: str,
    user: UserDep,
    web: WebDep,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    accept_flags: Annotated[str, Form()] = "",
) -> Response:
    web.check_form(request, csrf_token)
    if not user.authenticated:
        raise Unauthorized("log in first")
    try:
        with web.writing() as ws:
            result = run_step(
                ws,
                user,
                step,
                activity_id,
                reason=reason or None,
                accept_flags=accept_flags in ("1", "true", "on", "yes"),
            )
    except (BadRequest, Conflict, Forbidden, NotFound, Unprocessable) as exc:
        # the page again, with the refusal next to the table (the same status as the API's)
        return activities_view(
            request, user, web, error=f"{activity_id}: {exc.detail}", status=exc.status
        )
    return RedirectResponse(f"/activities?{urlencode({'done': _done(result)})}", status_code=303)


# -- a new activity, entered as a draft ----------------------------------------------------


def _entry_page(
    request: Request,
    user: User,
    web: Web,
    *,
    values: dict[str, str],
    result: dict[str, Any] | None,
    status: int = 200,
    editing: dict[str, Any] | None = None,
) -> HTMLResponse:
    frame = visible_frame(web.ws, "hazards", user, web.cache)
    sources = entry.GEOMETRY_SOURCES
    if editing is not None:
        sources = {entry.KEEP: entry.KEPT_GEOMETRY, **sources}
    hid = (values.get("hazard_id") or "").strip()
    chosen = [h for h in search_hazards(frame, hid, 1)["hazards"] if h["hazard_id"] == hid]
    return web.page(
        request,
        "activity_form.html",
        user,
        status=status,
        fields=entry.activity_fields(editing=editing is not None),
        extras=entry.extra_fields(),
        hazard_field=entry.field_view(entry.HAZARD_FIELD),
        org_field=entry.field_view(entry.ORGANISATION_FIELD),
        asset_field=entry.field_view(entry.ASSET_FIELD),
        chosen=chosen[0] if chosen else None,
        mapconfig=map_config(web, user),
        radius=entry.field_view(entry.RADIUS),
        assets=ASSETS,
        sources=sources,
        values=values,
        result=result,
        issues=result["issues"] if result else [],
        editing=editing,
    )


def _editing(web: Web, row: Any) -> dict[str, Any]:
    """What the correction form shows of the stored activity: id, status, why it was sent back."""
    aid = str(row["activity_id"])
    hid = row["hazard_id"] if isinstance(row["hazard_id"], str) else ""
    hazard = web.ws.read_layer("hazards", ids=[hid]) if hid else None
    if hazard is not None and len(hazard):
        choice: dict[str, Any] | None = entry.hazard_choice(hazard.iloc[0])
    elif hid:  # retired since: the record still names it
        choice = {"hazard_id": hid, "status": "not in the register", "classification": ""}
        choice |= {"area_ha": None, "district": ""}
    else:
        choice = None
    return {
        "activity_id": aid,
        "status": row["status"] or "draft",
        "hazard": choice,
        "rejections": entry.rejections(web.ws, aid) if row["status"] == "rejected" else [],
    }


def _entry_user(user: User) -> User:
    if not user.authenticated:
        raise Unauthorized("log in to enter an activity")
    if not user.may_submit:
        raise Forbidden(f"a {user.role} does not enter activities")
    return user


@router.get("/activities/new", response_class=HTMLResponse, include_in_schema=False)
def new_activity_page(
    request: Request, user: UserDep, web: WebDep, hazard_id: str = ""
) -> HTMLResponse:
    _entry_user(user)
    values = {"geometry_source": "hazard", "hazard_id": hazard_id}
    return _entry_page(request, user, web, values=values, result=None)


@router.get("/activities/{activity_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_activity_page(
    request: Request, activity_id: str, user: UserDep, web: WebDep
) -> HTMLResponse:
    """The form filled with a draft or rejected activity's values, and why it was sent back."""
    _entry_user(user)
    try:
        row = entry.editable_activity(web.ws, user, activity_id)
    except (Conflict, Forbidden, NotFound) as exc:
        return activities_view(
            request, user, web, error=f"{activity_id}: {exc.detail}", status=exc.status
        )
    return _entry_page(
        request,
        user,
        web,
        values=entry.activity_values(row),
        result=None,
        editing=_editing(web, row),
    )


@router.post(FORMS + "activities/new", include_in_schema=False)
async def new_activity_form(request: Request, user: UserDep, web: WebDep) -> Response:
    values = form_values(await request.form())
    web.check_form(request, values.pop("csrf_token", ""))
    _entry_user(user)
    with web.writing() as ws:
        result = await run_in_threadpool(entry.enter_activity, ws, user, values)
    if result["committed"]:
        done = (
            f"{result['activity_id']} recorded as a draft (import {result['import_id']}); "
            "submit it below when it is complete"
        )
        return RedirectResponse(f"/activities?{urlencode({'done': done})}", status_code=303)
    return _entry_page(request, user, web, values=values, result=result, status=422)
