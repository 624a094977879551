"""Property test over the OpenAPI spec (schemathesis): no request the spec allows makes a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import token


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_no_server_errors_on_read_endpoints(client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    headers = token(client, "donor")
    operations = [r.ok() for r in schema.get_all_operations()]
    gets = [op for op in operations if op.method.lower() == "get"]
    assert len(gets) >= 6
    for op in gets:

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, case.query, response.text[:300])
            if response.status_code >= 400:
                body = response.json()
                assert body["status"] == response.status_code and body["detail"]

        check()
