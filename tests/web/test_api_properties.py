"""Property tests over the OpenAPI spec (schemathesis): no request the spec allows, nor one it
refuses, makes a 5xx, on the read endpoints and on the write endpoints.

Operations are taken from the spec, so an endpoint added later is exercised without
changing this file. Path parameters are drawn both at random and from the workspace's real
ids (activities, layers), so the writes also reach past "not found" into the workflow and
the importer.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from landrelease.domain import LAYERS, layer_by_name
from tests.helpers import LAT0, LON0, feature, square
from tests.web.conftest import token

WRITE_METHODS = ("post", "put", "patch", "delete")
KNOWN_WRITES = {
    "/api/token",
    "/api/activities/{activity_id}/submit",
    "/api/activities/{activity_id}/approve",
    "/api/activities/{activity_id}/reject",
    "/api/packages",
}
REAL_IDS = [
    *("ACT-1", "ACT-2", "ACT-A", "ACT-B", "HZ-0", "INC-1", "ST-1"),
    *(layer.name for layer in LAYERS),
    *("survey_parts", "geojson", "gpkg", "csv", "html", "xlsx", "2022-05", "2021", "2022"),
]
"""Values tried for every path parameter besides random ones: the test workspace's ids, the
layer names, formats and dates with records."""
PERSONAL = {f.name for layer in LAYERS for f in layer.fields if f.personal}


def _operations(client: TestClient) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return [r.ok() for r in schema.get_all_operations()]


def _check_response(case: schemathesis.Case, response: Any) -> None:
    assert response.status_code < 500, (
        case.method,
        case.formatted_path,
        case.query,
        repr(case.body)[:200],
        response.text[:300],
    )
    if response.status_code >= 400:
        body = response.json()
        if response.status_code == 422 and "committed" in body:
            # a package refused by the importer: its outcome, every problem listed
            assert body["committed"] is False and body["errors"] > 0, body
            return
        assert body["status"] == response.status_code and body["detail"], body


def _strategy(op: Any, mode: GenerationMode = GenerationMode.POSITIVE) -> Any:
    """Cases of ``op``: random path parameters, or values of the workspace (each parameter
    drawn from :data:`REAL_IDS` on its own)."""
    names = [p.name for p in op.path_parameters]
    if not names:
        return op.as_strategy(mode)
    real = st.fixed_dictionaries({n: st.sampled_from(REAL_IDS) for n in names})
    return st.one_of(
        op.as_strategy(mode), real.flatmap(lambda pp: op.as_strategy(mode, path_parameters=pp))
    )


def _keys(value: Any) -> set[str]:
    """Every object key in a JSON value, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_no_server_errors_on_read_endpoints(client: TestClient) -> None:
    headers = token(client, "donor")
    gets = [op for op in _operations(client) if op.method.lower() == "get"]
    assert len(gets) >= 6
    for op in gets:

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(op))
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            _check_response(case, response)
            if "json" in response.headers.get("content-type", ""):
                # a donor's response never carries a personal field
                assert not _keys(response.json()) & PERSONAL, case.formatted_path

        check()


def _explore(strategy: Any, examples: int, headers: dict[str, str], seen: set[int]) -> None:
    """Send ``examples`` cases of ``strategy``; keep the statuses in ``seen``."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        seen.add(response.status_code)
        _check_response(case, response)

    check()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_no_server_errors_on_write_endpoints(client: TestClient) -> None:
    """Generated bodies (valid by the spec, and invalid ones) sent by an information manager,
    who may do every write: refused with a 4xx and the error shape, never a 5xx."""
    headers = token(client, "im")
    writes = [op for op in _operations(client) if op.method.lower() in WRITE_METHODS]
    assert {op.path for op in writes} >= KNOWN_WRITES
    statuses: dict[str, set[int]] = {}
    for op in writes:
        seen = statuses.setdefault(f"{op.method.upper()} {op.path}", set())
        for mode, examples in ((GenerationMode.POSITIVE, 25), (GenerationMode.NEGATIVE, 10)):
            _explore(_strategy(op, mode), examples, headers, seen)
    # the workflow was reached, not only refused at the door (generated uploads are not
    # archives: test_no_server_errors_on_uploaded_packages sends real ones)
    assert statuses["POST /api/activities/{activity_id}/approve"] & {200, 409, 422}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
HAZARD_FIELDS = [f.name for f in layer_by_name("hazards").fields]


def _hazards_zip(records: list[dict[str, Any]], layout: str) -> bytes:
    """A package folder (zipped) with one hazards.geojson of ``records``."""
    features = [
        feature(props, square(LON0 + 0.02 * i, LAT0 + 0.05, 0.004))
        for i, props in enumerate(records)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{layout}hazards.geojson", text)
    return buf.getvalue()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_no_server_errors_on_uploaded_packages(client: TestClient) -> None:
    """``POST /api/packages`` with generated files: packages whose hazards carry any JSON in any
    field (valid ones among them), and bytes that are no archive at all. Imported (200) or
    refused with every problem (422) or a 400 naming the file; never a 5xx."""
    headers = token(client, "im")
    statuses: set[int] = set()
    records = st.lists(
        st.fixed_dictionaries(
            {
                "hazard_id": st.sampled_from(["HZ-P1", "HZ-P2"]) | st.text(max_size=8),
                "classification": st.sampled_from(["SHA", "CHA"]) | JSON_VALUES,
                "status": st.just("active") | JSON_VALUES,
            },
            optional=dict.fromkeys(HAZARD_FIELDS[3:], JSON_VALUES),
        ),
        max_size=3,
    )
    files = st.one_of(
        st.tuples(
            st.sampled_from(["package.zip", "p.ZIP"]),
            st.builds(_hazards_zip, records, st.sampled_from(["", "pkg/"])),
        ),
        st.tuples(st.sampled_from(["x.zip", "x.gpkg"]), st.binary(min_size=1, max_size=600)),
    )

    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(file=files)
    def check(file: tuple[str, bytes]) -> None:
        name, content = file
        r = client.post("/api/packages", headers=headers, files={"package": (name, content)})
        statuses.add(r.status_code)
        assert r.status_code < 500, (name, content[:200], r.text[:300])
        body = r.json()
        if r.status_code == 200:
            assert body["committed"] is True
        elif r.status_code == 422:
            assert body["committed"] is False and body["errors"] > 0 and body["issues"]
        else:
            assert body["status"] == r.status_code and body["detail"], body

    check()
    assert 422 in statuses  # the importer was reached
