"""Errors of the web application, each typed once with its HTTP status.

Every error leaves the application as the same JSON object (one handler,
:func:`landrelease.web.app.create_app`)::

    {"code": "not_found", "status": 404, "detail": "no hazards feature 'HZ-9'"}
"""

from __future__ import annotations


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
    status = 429
    code = "too_many_requests"
