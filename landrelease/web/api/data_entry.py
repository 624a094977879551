"""Data entry as a JSON API, for scripts and field tablets: evidence packages, single records,
corrections of activities, QA plans and results, and the check a form runs while the user
types (``POST /api/validate/{layer}``).

Each call goes through the same functions as the forms (:mod:`landrelease.web.entry`,
:mod:`landrelease.web.records_form`, :mod:`landrelease.web.upload`): the record becomes a
one-record package checked with the importer's rules and imported in one transaction,
audited with the user as actor. The answer is the importer's outcome: ``committed`` and
every issue (file, record, field, value, problem, accepted, severity); 201 when written,
422 when refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from landrelease.web import entry, qa_form
from landrelease.web import records_form as rf
from landrelease.web import visible as vis
from landrelease.web.context import UserDep, Web, WebDep, Writer
from landrelease.web.errors import ContentTooLarge, NotFound, Unprocessable, error_responses
from landrelease.web.hazard_search import MAX_MATCHES, search_hazards
from landrelease.web.upload import REQUEST_BODY, import_request

router = APIRouter()

ENTRY_LAYERS = ("activities", "findings", "incidents")
VALUES = Body(
    description="the record's fields as text, as a form sends them (a list as comma-separated "
    "text); activities also take the areas reported per method in hectares "
    "(area_cancelled_ha, area_reduced_ha, area_cleared_ha, stored in m²) or in m² "
    "(area_cancelled_m2, area_reduced_m2, area_cleared_m2), "
    "devices_found and geometry_source (hazard, geojson with geojson, or circle with lon, "
    "lat, radius_m); findings and incidents take lon and lat",
    examples=[
        {
            "finding_id": "FD-9001",
            "device": "AP",
            "date": "2026-03-02",
            "activity_id": "CL-0042",
            "lon": "46.91",
            "lat": "39.96",
        }
    ],
)


class QaPlanRequest(BaseModel):
    activity_id: str = Field(min_length=1, description="an approved activity that released land")


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


class Outcome(BaseModel):
    """A record or package run through the importer: committed, or refused with every problem."""

    committed: bool
    errors: int
    issues: list[FormIssue]


REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": Outcome, "description": "refused whole: every problem listed"}
}


def _answer(web: Web, result: dict[str, Any]) -> JSONResponse:
    web.cache.clear()
    status = 201 if result.get("committed") else 200 if result.get("unchanged") else 422
    return JSONResponse(result, status_code=status)


@router.post(
    "/api/packages",
    summary="Import an evidence package (every format `landrelease import` reads from one "
    "file); refused whole when it has errors",
    description="Information managers and administrators only (checked before the body is "
    "read). A package larger than the setting `web_upload_max_mb` is refused with 413, "
    "from its Content-Length or as soon as more has arrived.",
    tags=["workflow"],
    openapi_extra={"requestBody": REQUEST_BODY},
    responses={**REFUSED, **error_responses(ContentTooLarge)},
)
async def upload_api(request: Request, user: Writer, web: WebDep) -> JSONResponse:
    with web.writing() as ws:
        result = await import_request(request, ws, user)
    return JSONResponse(result, status_code=200 if result["committed"] else 422)


@router.get(
    "/api/hazard-search",
    summary="Hazards matching what was typed in a form's hazard selector, with their extent",
    description="Every word of `q` must appear in the hazard's code, district or "
    "classification (case-insensitive); codes starting with the first word come first. "
    "Closed hazards are left out unless named by their exact code. Each hazard carries a "
    "label in words and its bounding box [west, south, east, north] in WGS84 degrees; "
    "`total` says how many matched in all.",
    tags=["data entry"],
)
def hazard_search_api(
    user: UserDep,
    web: WebDep,
    q: Annotated[str, Query(max_length=200, description="a code, part of one, or a district")],
    limit: Annotated[int, Query(ge=1, le=MAX_MATCHES)] = 10,
) -> dict[str, Any]:
    frame = vis.visible_frame(web.ws, "hazards", user, web.cache)
    return search_hazards(frame, q, limit)


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
        "`area_inspected_ha` or `area_inspected_m2`, `organisation`): information managers, administrators."
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
                    "area_cleared_ha": "5",
                    "geometry_source": "hazard",
                }
            ]
        ),
    ],
) -> dict[str, Any]:
    return entry.validate(web.ws, user, layer, values)


@router.post(
    "/api/records/{layer}",
    summary="Enter one activity (as a draft), finding or incident; refused whole on any error",
    tags=["data entry"],
    status_code=201,
    responses=REFUSED,
)
def create_record(
    user: Writer,
    web: WebDep,
    layer: Annotated[str, Path(description="activities, findings or incidents")],
    values: Annotated[dict[str, str], VALUES],
) -> JSONResponse:
    if layer not in ENTRY_LAYERS:
        raise NotFound(f"no entry for {layer!r}; records are entered for {', '.join(ENTRY_LAYERS)}")
    if layer == "activities":
        return _answer(web, entry.enter_activity(web.ws, user, values))
    return _answer(web, rf.enter_record(web.ws, user, layer, values))


@router.put(
    "/api/activities/{activity_id}",
    summary="Correct a draft or rejected activity (back to draft; 200 when nothing changed)",
    tags=["data entry"],
    status_code=201,
    responses={200: {"model": Outcome, "description": "nothing changed"}, **REFUSED},
)
def correct_activity(
    activity_id: str, user: Writer, web: WebDep, values: Annotated[dict[str, str], VALUES]
) -> JSONResponse:
    return _answer(web, entry.enter_activity(web.ws, user, values, editing=activity_id))


@router.post(
    "/api/qa/plans",
    summary="Plan a post-clearance inspection of an approved activity (the settings' defaults)",
    tags=["data entry"],
    status_code=201,
)
def qa_plan(user: Writer, web: WebDep, body: Annotated[QaPlanRequest, Body()]) -> JSONResponse:
    planned = qa_form.plan_qa(web.ws, user, body.activity_id)
    web.cache.clear()
    if not planned["ok"]:
        raise Unprocessable(planned["detail"])
    return JSONResponse(planned, status_code=201)


@router.post(
    "/api/qa/inspections",
    summary="Record an inspection's result (the decision and its confidence; audited)",
    tags=["data entry"],
    status_code=201,
    responses=REFUSED,
)
def qa_inspection(
    user: Writer,
    web: WebDep,
    values: Annotated[
        dict[str, str],
        Body(
            description="plan_id, date, devices_found or samples (`12=1, 14=0`), "
            "area_inspected_m2, organisation",
            examples=[{"plan_id": "QP-1", "date": "2026-04-02", "devices_found": "0"}],
        ),
    ],
) -> JSONResponse:
    return _answer(web, qa_form.record_qa(web.ws, user, values))
