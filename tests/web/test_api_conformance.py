"""Schemathesis with all its checks over every operation of the OpenAPI spec, as every role.

Every operation (reads and writes), as each role and anonymously, with requests the spec
allows and requests it refuses: status codes, content types, headers and bodies as the spec
declares them, valid requests accepted and invalid ones refused, ``Allow`` on a 405, no 5xx.
Each role runs on its own throw-away workspace (the writes change it), a GeoPackage and a
PostGIS database (the ``postgis`` mark). Seeded and bounded so it runs in ``make test``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.web.conftest import USERS, token

ROLES = [*USERS, None]
"""Every user of the test workspace (each role; operators of two organisations) and anonymous."""
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}

PARSED_BY_HANDLER = "the handler checks this string (calendar, numbers, order) with a 400 naming "
"what it expects; the spec can only say 'a string'"
IMPORTER_RULES = "the importer's rules (ids that exist, codes, dates) refuse a schema-valid body "
"with 422 listing every problem"
DASHBOARD_FILTERS = (
    "a district or organisation the records do not name, or a date not in YYYY-MM-DD, is "
    "refused (400) with what is accepted; the schema cannot list the records' names"
)
EXCLUDED: dict[str, dict[Any, str]] = {
    "GET /downloads/reports/monthly-{month}.{fmt}": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /downloads/reports/donor-{period}.{fmt}": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /downloads/reports/casualties-{year}.{fmt}": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /downloads/reports/donor": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /api/points/{collection_id}": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /collections/{collection_id}/items": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /tiles/{layer}/{z}/{x}/{y}.mvt": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /fonts/{fontstack}/{glyphs}.pbf": {positive_data_acceptance: PARSED_BY_HANDLER},
    "GET /basemap/{z}/{x}/{y}": {
        positive_data_acceptance: "no base-map file in the test workspace: every tile is a 404 "
        "naming the setting web_basemap_mbtiles"
    },
    "POST /api/packages": {
        positive_data_acceptance: "any bytes fit the spec's file; only a package archive is "
        "imported (400 naming the file, or 422 with every problem)"
    },
    "GET /api/dashboard/headline": {positive_data_acceptance: DASHBOARD_FILTERS},
    "GET /api/dashboard/{chart}": {positive_data_acceptance: DASHBOARD_FILTERS},
    "GET /dashboard/{chart}.png": {positive_data_acceptance: DASHBOARD_FILTERS},
    "POST /api/qa/plans": {positive_data_acceptance: IMPORTER_RULES},
    "POST /api/qa/inspections": {positive_data_acceptance: IMPORTER_RULES},
    "POST /api/records/{layer}": {positive_data_acceptance: IMPORTER_RULES},
    "PUT /api/activities/{activity_id}": {positive_data_acceptance: IMPORTER_RULES},
    "POST /api/validate/{layer}": {positive_data_acceptance: IMPORTER_RULES},
}
"""Checks left out of an operation, each with its reason."""


def _run(strategy: Any, examples: int, label: str, **call: Any) -> list[str]:
    """Send ``examples`` cases of ``strategy``, each checked; their failures, as text."""
    found: list[str] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(**call)
        except BaseExceptionGroup as exc:  # schemathesis's FailureGroup
            found.append(f"{label}: {exc}")

    with contextlib.suppress(Unsatisfiable):  # no negative case (nothing to break)
        check()
    return found


def _failures(op: Any, headers: dict[str, str], checks: list[Any]) -> list[str]:
    """Every failure of ``op``'s generated cases (positive and negative), as text."""
    name = f"{op.method.upper()} {op.path}"
    excluded = list(EXCLUDED.get(name, {}))
    return [
        failure
        for mode, examples in EXAMPLES.items()
        for failure in _run(
            op.as_strategy(mode),
            examples,
            f"{name} ({mode.name.lower()})",
            headers=headers,
            checks=checks,
            excluded_checks=excluded,
        )
    ]


@pytest.mark.parametrize("user", ROLES)
def test_every_operation_passes_every_check(client: TestClient, user: str | None) -> None:
    load_all_checks()
    checks = CHECKS.get_all()
    assert len(checks) >= 14  # every built-in check, not the default "no 5xx" only
    headers = token(client, user) if user else {}
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    names = {f"{op.method.upper()} {op.path}" for op in operations}
    assert set(EXCLUDED) <= names  # every exclusion still names an operation
    assert len(operations) >= 35
    failures = [f for op in operations for f in _failures(op, headers, checks)]
    assert not failures, "\n\n".join(failures)
