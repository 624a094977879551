"""Errors of the web application, each typed once with its HTTP status.

Every error leaves the application as the same JSON object (one handler,
:func:`landrelease.web.app.create_app`)::

    {"code": "not_found", "status": 404, "detail": "no hazards feature 'HZ-9'"}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiError(Exception):
    """An error with its HTTP status and a short machine-readable code."""

    status = 500
    code = "error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "status": self.status, "detail": self.detail}


class BadRequest(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """The request is malformed: a parameter or body the spec refuses."""

    status = 400
    code = "bad_request"


class Unauthorized(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """No valid login: log in (cookie) or send a bearer token."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """Logged in, but the role does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """No such record, collection or report."""

    status = 404
    code = "not_found"


class Conflict(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """The request is valid but the records' state refuses it (e.g. approving a draft)."""

    status = 409
    code = "conflict"


class ContentTooLarge(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """The request's body is larger than a setting allows (refused before it is stored)."""

    status = 413
    code = "content_too_large"


class Unprocessable(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """The data broke a rule (an approval refused by the release rules)."""

    status = 422
    code = "unprocessable"


class TooManyRequests(ApiError):  # noqa: N818 (HTTP names, as datasette)
    """Too many failed logins: try again later."""

    status = 429
    code = "too_many_requests"


class InternalError(ApiError):
    """A fault of the server (a bug, a database gone): logged with its traceback, never shown."""

    status = 500
    code = "internal_error"


class ErrorBody(BaseModel):
    """The JSON of every error response (documented in ``/openapi.json``)."""

    code: str
    status: int
    detail: str


def error_responses(*errors: type[ApiError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of ``errors``, each with the error shape and its class's doc."""
    return {
        e.status: {"model": ErrorBody, "description": (e.__doc__ or e.code).split("\n")[0]}
        for e in errors
    }


COMMON_ERRORS = error_responses(BadRequest, Unauthorized, Forbidden, NotFound, Unprocessable)
"""The errors any operation of the JSON API may answer with (a request the spec refuses is a
400, not FastAPI's 422: one error shape for all)."""
