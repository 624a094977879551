"""Non-conformities are numbered by the row the database gives them: never twice the same number,
whoever records one at the same time, whatever was retired or numbered by hand before."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from landrelease.quality import raise_non_conformity, read_non_conformities
from landrelease.records import retire_record
from landrelease.store import Workspace


def nc(ws: Workspace, actor: str = "qa", **kw: object) -> str:
    return raise_non_conformity(
        ws,
        actor=actor,
        severity="minor",
        description="marking of the cleared lane missing",
        raised_on="2025-03-01",
        **kw,  # type: ignore[arg-type]
    )


def test_numbers_stay_unique_after_a_retirement_and_beside_numbers_given_by_hand(
    workspace: Workspace,
) -> None:
    assert [nc(workspace), nc(workspace)] == ["NC-00001", "NC-00002"]
    retire_record(workspace, "non_conformities", "NC-00001", actor="qa", reason="duplicate")
    assert nc(workspace) == "NC-00003"
    assert nc(workspace, nc_id="NC-00005") == "NC-00005"  # given by hand (row 4)
    assert nc(workspace) == "NC-00005-2"  # counting rows gave NC-00004 twice before
    ids = list(read_non_conformities(workspace)["nc_id"])
    assert ids == ["NC-00002", "NC-00003", "NC-00005", "NC-00005-2"]


@pytest.mark.postgis
def test_two_writers_at_once_get_different_numbers(pg_url: str) -> None:
    """Two writers at once on one PostGIS database (counting rows gave both NC-00001).

    Write transactions take turns (one advisory lock), so the writers run in two threads:
    two transactions of one thread would wait for each other for ever.
    """
    ws = Workspace.create(pg_url, actor="tester")
    try:
        start = threading.Barrier(2)

        def raise_one(actor: str) -> str:
            start.wait()
            return nc(ws, actor=actor)

        with ThreadPoolExecutor(2) as pool:
            got = set(pool.map(raise_one, ["a", "b"]))
        assert got == {"NC-00001", "NC-00002"}
        assert sorted(read_non_conformities(ws)["nc_id"]) == ["NC-00001", "NC-00002"]
    finally:
        ws.close()
