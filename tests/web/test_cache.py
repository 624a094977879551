"""The per-app layer cache: repeated reads hit it; writes through the app and elsewhere show."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import token


def _status(client: TestClient, headers: dict[str, str], aid: str) -> str:
    r = client.get(f"/collections/activities/items/{aid}", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["properties"]["status"])


def test_reads_are_cached_and_writes_invalidate(client: TestClient) -> None:
    cache = client.app.state.cache  # type: ignore[attr-defined]
    im = token(client, "im")
    assert _status(client, im, "ACT-A") == "draft"
    misses = cache.misses
    for _ in range(3):
        r = client.get("/collections/hazards/items?bbox=-180,-90,180,90", headers=im)
        assert r.status_code == 200
    assert _status(client, im, "ACT-A") == "draft"
    assert cache.misses <= misses + 3 and cache.hits >= 3  # frame, index and response, once
    # a write through the app shows at once
    opa = token(client, "opa")
    assert client.post("/api/activities/ACT-A/submit", headers=opa).status_code == 200
    assert _status(client, im, "ACT-A") == "submitted"


def test_a_write_from_outside_the_app_changes_the_stamp(client: TestClient) -> None:
    from landrelease.records import reject_activity, submit_activity

    client.app.state.cache.stamp_ttl_s = 0  # type: ignore[attr-defined]
    im = token(client, "im")
    assert _status(client, im, "ACT-B") == "draft"
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    before = client.app.state.cache.stamp("activities")  # type: ignore[attr-defined]
    submit_activity(ws, "ACT-B", actor="cli")
    assert client.app.state.cache.stamp("activities") != before  # type: ignore[attr-defined]
    assert _status(client, im, "ACT-B") == "submitted"
    reject_activity(ws, "ACT-B", reason="incomplete", actor="cli")
    assert _status(client, im, "ACT-B") == "rejected"


def test_the_planning_stamp_moves_with_each_plan(client: TestClient) -> None:
    """A plan made elsewhere (the command line) shows on the settlement pages at once."""
    from tests.web.plans import add_plan

    cache = client.app.state.cache  # type: ignore[attr-defined]
    assert cache.planning_stamp() == "none:none:none"
    assert client.get("/api/settlements/ST-1").json()["plan"] is None
    run = add_plan(client.app.state.workspace)  # type: ignore[attr-defined]
    assert cache.planning_stamp() == f"none:{run}:none"
    assert client.get("/api/settlements/ST-1").json()["plan"]["run_id"] == run


def test_a_burst_of_requests_reads_a_due_stamp_once(client: TestClient) -> None:
    """A dozen tiles asked for at once when the stamp is due make one stamp query, not a dozen
    (on 160,000 findings a dozen at once held the map's tiles a second and more)."""
    import threading

    cache = client.app.state.cache  # type: ignore[attr-defined]
    cache.stamp_ttl_s = 60.0
    read = cache.stamp
    calls: list[str | None] = []
    first_started, release = threading.Event(), threading.Event()

    def stamp(table: str | None) -> tuple[object, ...]:
        calls.append(table)
        first_started.set()
        release.wait(10)
        return read(table)  # type: ignore[no-any-return]

    cache.stamp = stamp
    seen: list[tuple[object, ...]] = []
    first = threading.Thread(target=lambda: seen.append(cache.recent_stamp("findings")))
    first.start()
    assert first_started.wait(10)
    others = [
        threading.Thread(target=lambda: seen.append(cache.recent_stamp("findings")))
        for _ in range(12)
    ]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert calls == ["findings"]
    assert len(seen) == 13 and len(set(seen)) == 1
    assert cache.recent_stamp("hazards") and calls == ["findings", "hazards"]  # per table


def test_a_stamp_read_while_the_app_writes_is_not_kept(client: TestClient) -> None:
    cache = client.app.state.cache  # type: ignore[attr-defined]
    cache.stamp_ttl_s = 60.0
    read = cache.stamp
    calls: list[str | None] = []

    def stamp(table: str | None) -> tuple[object, ...]:
        calls.append(table)
        if len(calls) == 1:
            cache.clear()  # a write through the app while the stamp is read
        return read(table)  # type: ignore[no-any-return]

    cache.stamp = stamp
    cache.recent_stamp("activities")
    cache.recent_stamp("activities")  # the first read was not kept: read again, then kept
    cache.recent_stamp("activities")
    assert calls == ["activities", "activities"]
