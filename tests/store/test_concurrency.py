"""Concurrent writers lose nothing, and a server killed mid-write leaves no state in between.

Two real server processes on one PostGIS workspace and a CLI import in a third take writes
at the same time; then every write that was answered 2xx is stored exactly once with its
audit entry, every refused one is absent, and the import is all or nothing. A server killed
with SIGKILL at a seeded random moment, several times, leaves each approval fully booked or
not at all, and no record without its audit entry (GeoPackage and PostGIS).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from landrelease.io import import_package
from landrelease.records import submit_activity
from landrelease.store import Workspace, WorkspaceView
from landrelease.web.auth import add_user
from landrelease.web.server import free_port
from tests.conftest import require_postgis
from tests.helpers import LAT0, LON0, feature, square, write_package

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from import_bench import make_package

PASSWORD = "correct horse battery"
HZ2 = (LON0 + 0.04, LAT0)  # hazard HZ-2 of the test package: a 0.01° square


def _draft_ids(n: int) -> list[str]:
    return [f"ACT-C{k:02d}" for k in range(n)]


def _package_with_drafts(folder: Path, n: int) -> Path:
    """The test package plus ``n`` small draft activities side by side inside hazard HZ-2."""
    package = write_package(folder)
    path = package / "activities.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    for k, aid in enumerate(_draft_ids(n)):
        x = HZ2[0] + 0.0005 + 0.0011 * (k % 8)
        y = HZ2[1] + 0.0045 + 0.0011 * (k // 8)
        props = {
            "activity_id": aid,
            "type": "TS",
            "hazard_id": "HZ-2",
            "start": "2024-01-01",
            "end": "2024-01-20",
            "outcome": "reduced",
            "organisation": "ANAMA",
            "status": "draft",
        }
        fc["features"].append(feature(props, square(x, y, 0.001)))
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return package


def _prepare(target: str, folder: Path, drafts: int) -> None:
    """A workspace with the test package, ``drafts`` submitted activities and user ``im``."""
    ws = Workspace.create(target, actor="tester")
    try:
        assert import_package(ws, _package_with_drafts(folder, drafts), actor="tester").committed
        for aid in _draft_ids(drafts):
            submit_activity(ws, aid, actor="tester")
        add_user(ws, "im", password=PASSWORD, role="information_manager", actor="tester")
    finally:
        ws.close()


def _wait_up(base: str, alive: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(base + "/api/summary", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert alive(), "the server died while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)


def _token(base: str) -> dict[str, str]:
    r = httpx.post(base + "/api/token", json={"username": "im", "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _finding(finding_id: str, k: int) -> dict[str, str]:
    return {
        "finding_id": finding_id,
        "device": "AP",
        "date": "2024-03-02",
        "activity_id": "ACT-1",
        "lon": str(LON0 + 0.0002 * (k % 20) + 0.0001),
        "lat": str(LAT0 + 0.0002 * (k // 20 % 20) + 0.0001),
    }


@dataclass
class Outcomes:
    """What the clients were told: accepted (2xx), refused (4xx), unknown (no answer, 5xx)."""

    accepted: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, client: httpx.Client, key: str, url: str, body: dict[str, object]) -> bool:
        """Post ``body``; False once the server no longer answers."""
        try:
            r = client.post(url, json=body)
        except httpx.HTTPError:
            with self.lock:
                self.unknown.add(key)
            return False
        with self.lock:
            if r.is_success:
                self.accepted.add(key)
            elif r.status_code < 500:
                self.refused.add(key)
            else:
                self.unknown.add(key)
        return True


def _audit(view: WorkspaceView, layer: str, action: str = "insert") -> Counter[str]:
    log = view.table("audit_log")
    chosen = log[(log["layer"] == layer) & (log["action"] == action)]
    return Counter(chosen["record_id"].astype(str))


def _check_findings(view: WorkspaceView, out: Outcomes, prefix: str) -> None:
    """Each finding stored once, with one audit entry; accepted ones present, refused absent."""
    ids = view.layer("findings")["finding_id"].astype(str)
    stored = Counter(i for i in ids if i.startswith(prefix))
    assert all(n == 1 for n in stored.values())
    audited = Counter({k: n for k, n in _audit(view, "findings").items() if k.startswith(prefix)})
    assert audited == stored  # no record without its audit entry, no audit entry without record
    assert out.accepted <= set(stored), sorted(out.accepted - set(stored))  # nothing lost
    assert not out.refused & set(stored)


def _check_approvals(view: WorkspaceView, ids: list[str], acknowledged: set[str]) -> int:
    """Each approval fully booked (status, ledger, review, audit) or not at all; the number."""
    acts = view.layer("activities").set_index("activity_id")
    ledger = Counter(view.ledger()["activity_id"].astype(str))
    reviews = view.table("activity_reviews")
    approved_reviews = Counter(reviews[reviews["step"] == "approved"]["activity_id"].astype(str))
    log = view.table("audit_log")
    updates = log[(log["layer"] == "activities") & (log["action"] == "update")]
    approved_audits = Counter(
        updates[updates["note"].astype(str).str.startswith("approved")]["record_id"].astype(str)
    )
    approved = 0
    for aid in ids:
        status = acts.loc[aid, "status"]
        assert status in ("submitted", "approved"), (aid, status)
        booked = status == "approved"
        assert ledger[aid] == int(booked), (aid, status, ledger[aid])  # one method each
        assert approved_reviews[aid] == int(booked), (aid, status, approved_reviews[aid])
        assert approved_audits[aid] == int(booked), (aid, status, approved_audits[aid])
        approved += booked
    assert acknowledged <= {a for a in ids if acts.loc[a, "status"] == "approved"}
    return approved


# -- two servers and the CLI on one PostGIS workspace ----------------------------------------


@contextmanager
def _server(target: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "landrelease", "serve", "--db", target, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


WRITES_PER_SERVER = 40
THREADS_PER_SERVER = 2
RACED = 6  # activities both servers try to approve at the same moment


@pytest.mark.postgis
def test_two_servers_and_the_cli_write_at_once_and_lose_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    require_postgis()
    _prepare(pg_url, tmp_path / "pkg", RACED)
    big = tmp_path / "big"
    make_package(big, 2000, 20)  # ids F-…, H-…: none shared with the web writes
    findings = Outcomes()
    approvals: list[Outcomes] = [Outcomes() for _ in range(2)]
    # the real CLI, its modules loaded while the servers start; it imports on "go"
    code = (
        "import sys; import landrelease.io; from landrelease.cli import main; "
        "sys.stdin.readline(); sys.argv[1:] = ['import', sys.argv[1], '--db', sys.argv[2]]; main()"
    )
    cli = subprocess.Popen(
        [sys.executable, "-c", code, str(big), pg_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    with _server(pg_url) as (base0, p0), _server(pg_url) as (base1, p1):
        for base, p in ((base0, p0), (base1, p1)):
            _wait_up(base, lambda p=p: p.poll() is None)  # type: ignore[misc]
        start = threading.Barrier(2 * THREADS_PER_SERVER + 1)

        def writer(s: int, t: int, base: str) -> None:
            with httpx.Client(base_url=base, headers=_token(base), timeout=60) as client:
                start.wait()
                if t == 0:  # both servers approve the same activities at once
                    for aid in _draft_ids(RACED):
                        url = f"/api/activities/{aid}/approve"
                        approvals[s].post(client, aid, url, {"accept_flags": True})
                for i in range(t, WRITES_PER_SERVER, THREADS_PER_SERVER):
                    fid = f"FD-S{s}-{i:03d}"
                    findings.post(client, fid, "/api/records/findings", _finding(fid, i))

        threads = [
            threading.Thread(target=writer, args=(s, t, base))
            for s, base in enumerate((base0, base1))
            for t in range(THREADS_PER_SERVER)
        ]
        for th in threads:
            th.start()
        cli.stdin.write(b"go\n")  # type: ignore[union-attr]
        cli.stdin.flush()  # type: ignore[union-attr]
        start.wait()
        began = time.monotonic()
        cli_out = cli.communicate(timeout=120)[0].decode()
        cli_done = time.monotonic()
        for th in threads:
            th.join(timeout=120)
        web_done = time.monotonic()
    attempted = 2 * WRITES_PER_SERVER
    print(
        f"\n2 servers: {attempted} findings and {2 * RACED} raced approvals posted in "
        f"{web_done - began:.1f} s; the CLI import ran for {cli_done - began:.1f} s of them"
    )
    assert cli_done < web_done  # the import ran while the servers wrote
    assert not findings.unknown and not any(a.unknown for a in approvals)
    assert len(findings.accepted) + len(findings.refused) == attempted
    assert len(findings.accepted) == attempted  # every one is valid: none may be refused
    ws = Workspace.open(pg_url)
    try:
        view = WorkspaceView(ws)
        _check_findings(view, findings, "FD-S")
        # each raced activity approved by exactly one server, booked once
        for aid in _draft_ids(RACED):
            assert sum(aid in a.accepted for a in approvals) == 1, aid
        assert _check_approvals(view, _draft_ids(RACED), approvals[0].accepted) == RACED
        # the CLI import: all or nothing
        imported = view.layer("findings")["finding_id"].astype(str).str.startswith("F-").sum()
        hazards = view.layer("hazards")["hazard_id"].astype(str).str.startswith("H-").sum()
        if cli.returncode == 0:
            assert (imported, hazards) == (2000, 20), cli_out
        else:
            assert (imported, hazards) == (0, 0), cli_out
        assert cli.returncode == 0, cli_out  # and here it had no reason to fail
        # ids unique in every record table and in the audit log
        for layer in ("findings", "activities", "hazards"):
            assert view.layer(layer)[layer[:-1].replace("activitie", "activity") + "_id"].is_unique
        assert view.table("audit_log")["fid"].is_unique
    finally:
        ws.close()


# -- kill -9 during web writes ----------------------------------------------------------------

ROUNDS = 5
KILL_DRAFTS = 40  # enough to approve through every round (8 × 5 cells in HZ-2)


def _serve_forked(target: str, port: int) -> None:
    from landrelease.web.server import serve

    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    serve(target, port=port)


def _writers(
    base: str, rnd: int, pending: list[str], findings: Outcomes, approvals: Outcomes
) -> tuple[list[threading.Thread], threading.Event]:
    """Two threads writing until the server stops answering: approvals in turn, and findings."""
    headers = _token(base)
    started = threading.Event()

    def approver() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while pending:
                aid = pending[0]
                started.set()
                url = f"/api/activities/{aid}/approve"
                if not approvals.post(client, aid, url, {"accept_flags": True}):
                    return
                pending.pop(0)

    def finder() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for i in range(1000):
                fid = f"FD-K{rnd}-{i:03d}"
                started.set()
                if not findings.post(client, fid, "/api/records/findings", _finding(fid, i)):
                    return

    threads = [threading.Thread(target=approver), threading.Thread(target=finder)]
    for th in threads:
        th.start()
    return threads, started


def _wait_acknowledged(
    findings: Outcomes, approvals: Outcomes, *, need_both: bool, timeout_s: float = 60.0
) -> None:
    """Until one more write (of each kind with ``need_both``) was acknowledged."""
    f0, a0 = len(findings.accepted), len(approvals.accepted)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        grew_f, grew_a = len(findings.accepted) > f0, len(approvals.accepted) > a0
        if (grew_f and grew_a) if need_both else (grew_f or grew_a):
            return
        time.sleep(0.02)


@pytest.mark.parametrize("backend", ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_a_server_killed_during_writes_leaves_no_state_in_between(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = (
        str(tmp_path / "w.gpkg") if backend == "gpkg" else str(request.getfixturevalue("pg_url"))
    )
    _prepare(target, tmp_path / "pkg", KILL_DRAFTS)
    rng = random.Random(13)
    pending = _draft_ids(KILL_DRAFTS)
    findings = Outcomes()
    approvals = Outcomes()
    # forked from this process (modules already loaded): a restart takes 0.3 s instead of 4 s
    fork = multiprocessing.get_context("fork")
    for rnd in range(ROUNDS):
        port = free_port()
        proc = fork.Process(target=_serve_forked, args=(target, port), daemon=True)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, proc.is_alive)
        threads, started = _writers(base, rnd, pending, findings, approvals)
        started.wait(timeout=30)
        # kill while writes go on: once this round's first write was acknowledged (however
        # loaded the machine), then after a random moment more
        _wait_acknowledged(findings, approvals, need_both=rnd == 0)
        time.sleep(rng.uniform(0.0, 0.8))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=10)
        for th in threads:
            th.join(timeout=60)
        assert proc.exitcode == -signal.SIGKILL, f"round {rnd}: the server ended before the kill"
    ws = Workspace.open(target)
    try:
        view = WorkspaceView(ws)
        _check_findings(view, findings, "FD-K")
        approved = _check_approvals(view, _draft_ids(KILL_DRAFTS), approvals.accepted)
        if backend == "gpkg":
            with ws.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        ws.close()
    print(
        f"\n{backend}: {ROUNDS} kills; findings {len(findings.accepted)} accepted, "
        f"{len(findings.unknown)} unanswered; {approved} approvals booked, "
        f"{len(approvals.accepted)} acknowledged"
    )
    assert findings.accepted and approvals.accepted  # the kills came while writes went on
