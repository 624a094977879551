"""Scenario generator: seconds and peak memory per scale.

Each scale runs in its own Python process (so peak memory is that scale's
alone): ``generate()`` into a temporary folder, then the child reports the
time of ``generate`` itself, the time of the whole process (imports included),
its peak resident memory (``ru_maxrss``), the devices, the package size and the
calibration rows out of range. Targets: small < 3 s, region < 60 s and < 4 GB
on 2 cores. Printed, never asserted.

Run: ``.venv/bin/python benchmarks/scenario_bench.py [--scales small district region]
[--seed 1] [--calibration]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
from landrelease.scenario import generate
scale, seed = sys.argv[1], int(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    r = generate(seed=seed, scale=scale, out=Path(tmp) / "pkg")
    size = sum(f.stat().st_size for f in (Path(tmp) / "pkg").rglob("*") if f.is_file())
print(json.dumps({
    "seconds": r.seconds,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "devices": r.n_devices,
    "findings": r.counts["findings"],
    "hazards": r.counts["hazards"],
    "package_mb": size / 1e6,
    "not_ok": [row.name for row in r.calibration if not row.ok],
    "calibration": r.calibration_markdown(),
}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--scales",
        nargs="+",
        default=["small", "district", "region"],
        choices=["small", "district", "region"],
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--calibration", action="store_true", help="print each scale's calibration table"
    )
    args = ap.parse_args()
    print(
        f"{'scale':9} {'generate s':>10} {'process s':>9} {'peak MiB':>9} {'devices':>10} {'findings':>9} {'hazards':>8} {'MB':>7}  out of range"
    )
    tables = []
    for scale in args.scales:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, scale, str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{scale:9} {r['seconds']:10.2f} {wall:9.2f} {r['peak_mib']:9.0f} {r['devices']:10,d} "
            f"{r['findings']:9,d} {r['hazards']:8,d} {r['package_mb']:7.1f}  {', '.join(r['not_ok']) or '-'}"
        )
        tables.append((scale, r["calibration"]))
    if args.calibration:
        for scale, table in tables:
            print(f"\n{scale}, seed {args.seed}:\n{table}")


if __name__ == "__main__":
    main()
