"""The long fuzz run: thousands of mutated packages per format through the importer.

Each case mutates one small valid file (CSV, GeoJSON, zipped Shapefile, XLSX) with a
few of: a byte flipped, the end cut off, lines doubled, dropped or swapped, a number
made huge, odd Unicode (tests/fuzzing.py), and imports it through the importer the
command line calls, into a copy of a workspace that holds the valid package. Cases run
in a pool of processes, each with a time limit. Per format it prints: cases, accepted,
refused with a message, refused without one, crashes (tracebacks; the first distinct
ones are listed with the case that reproduces them), partial writes (refused, yet the
workspace changed), hangs and the peak memory of a worker (ru_maxrss).

The goals (issue 13): 0 crashes, 0 partial writes, 0 hangs, peak memory ≤ 1 GB.
Nothing is asserted. Case ``i`` of a format is drawn from ``random.Random("SEED-FORMAT-i")``,
so ``--seed S --only FORMAT:i`` replays one case whatever the pool did.

Run: ``.venv/bin/python benchmarks/fuzz_bench.py [--cases 10000] [--seed 1] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import FORMATS, Op, Outcome, base_workspace, random_ops, run_case

KINDS = ("accepted", "refused", "silent", "crash", "partial", "hang")
HEADERS = ("format", "cases", "accepted", "refused", "no message", "crashes", "partial", "hangs")


class _HangError(Exception):
    pass


def case_ops(seed: int, fmt: str, index: int) -> list[Op]:
    return random_ops(random.Random(f"{seed}-{fmt}-{index}"))


def _alarm(signum: int, frame: Any) -> None:
    raise _HangError


def _work(
    job: tuple[str, str, str, int, list[int], float],
) -> tuple[list[tuple[int, Outcome]], int]:
    """Run some cases of one format in this worker; their outcomes and the worker's peak memory (KiB)."""
    base, root, fmt, seed, indices, timeout = job
    signal.signal(signal.SIGALRM, _alarm)
    out = []
    grew: list[tuple[int, int]] = []
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for i in indices:
        folder = Path(root) / f"{fmt}-{i}"
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            outcome = run_case(Path(base), folder, fmt, case_ops(seed, fmt, i))
        except _HangError:
            outcome = Outcome("hang", f"more than {timeout:g} s")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        shutil.rmtree(folder, ignore_errors=True)
        out.append((i, outcome))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if peak - before > 100 * 1024:  # this case raised the worker's peak by > 100 MiB
            grew.append((i, peak - before))
        before = peak
    return out, before, grew


def run_format(
    fmt: str, *, cases: int, seed: int, workers: int, timeout: float, tmp: Path
) -> dict[str, Any]:
    base = base_workspace(tmp / f"base-{fmt}")
    chunk = 25
    jobs = [
        (str(base), str(tmp), fmt, seed, list(range(s, min(s + chunk, cases))), timeout)
        for s in range(0, cases, chunk)
    ]
    counts: Counter[str] = Counter()
    crashes: dict[str, list[int]] = {}
    example: dict[str, str] = {}
    partial: dict[str, list[int]] = {}
    peak_kib = 0
    growth: list[tuple[int, int]] = []
    started = time.perf_counter()
    # a new pool per format: each worker's ru_maxrss is the peak of that format's cases
    with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=40) as pool:
        for done, (results, maxrss, grew) in enumerate(pool.imap_unordered(_work, jobs), 1):
            peak_kib = max(peak_kib, maxrss)
            growth.extend(grew)
            for i, outcome in results:
                counts[outcome.kind] += 1
                if outcome.kind in ("crash", "hang"):
                    key = outcome.key or outcome.detail
                    crashes.setdefault(key, []).append(i)
                    example.setdefault(key, outcome.detail)
                elif outcome.kind == "partial":
                    partial.setdefault(outcome.detail, []).append(i)
            if sys.stderr.isatty():
                print(f"\r{fmt}: {done * chunk:,}/{cases:,}", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return {
        "format": fmt,
        "cases": cases,
        **{k: counts[k] for k in KINDS},
        "peak_mib": round(peak_kib / 1024),
        "seconds": round(time.perf_counter() - started, 1),
        "crashes": {example[k]: sorted(ix)[:3] for k, ix in crashes.items()},
        "memory_cases": {
            i: round(kib / 1024) for i, kib in sorted(growth, key=lambda g: -g[1])[:5]
        },
        "crash_counts": {example[k]: len(ix) for k, ix in crashes.items()},
        "partial_writes": {d: sorted(ix)[:3] for d, ix in partial.items()},
    }


def show(rows: list[dict[str, Any]], seed: int, listed: int) -> None:
    cols = (*HEADERS, "peak MiB", "s")
    print(" | ".join(cols))
    print(" | ".join("---" for _ in cols))
    for r in rows:
        values = (r["format"], r["cases"], r["accepted"], r["refused"], r["silent"], r["crash"])
        values += (r["partial"], r["hang"], r["peak_mib"], r["seconds"])
        print(" | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in values))
    for r in rows:
        for title, found in (("crash", r["crashes"]), ("partial write", r["partial_writes"])):
            for detail, indices in list(found.items())[:listed]:
                replay = ", ".join(f"{r['format']}:{i}" for i in indices)
                print(f"- {r['format']} {title}: {detail} (replay: --seed {seed} --only {replay})")
        for i, mib in r["memory_cases"].items():
            print(
                f"- {r['format']} memory: case {i} raised a worker's peak by {mib:,} MiB (replay: --seed {seed} --only {r['format']}:{i})"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000, help="mutated packages per format")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2, help="processes")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before a case is a hang")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated")
    ap.add_argument("--listed", type=int, default=5, help="distinct crashes listed per format")
    ap.add_argument("--only", help="replay one case, e.g. xlsx:17, and print its outcome")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="landrelease-fuzz-") as tmp:
        if args.only:
            fmt, index = args.only.split(":")
            ops = case_ops(args.seed, fmt, int(index))
            base = base_workspace(Path(tmp))
            print(ops, run_case(base, Path(tmp) / "case", fmt, ops))
            return
        rows = [
            run_format(
                fmt,
                cases=args.cases,
                seed=args.seed,
                workers=args.workers,
                timeout=args.timeout,
                tmp=Path(tmp),
            )
            for fmt in args.formats.split(",")
        ]
    show(rows, args.seed, args.listed)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
