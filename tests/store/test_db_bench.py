"""The database benchmark runs end to end on a tiny load and prints its figures (never timed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.gdal
def test_the_benchmark_prints_every_figure() -> None:
    pg = ["--pg", PG_URL] if PG_URL else []
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "db_bench.py"), "--scale", "0.002",
         "--seconds", "0.3", "--clients", "3", *pg],
        capture_output=True, text=True, check=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout  # fmt: skip
    assert "22 hazards + 1,000 findings" in out
    assert "same rows with and without the R-tree over 40 views: True" in out
    assert "SQL candidates cover them: True" in out
    lines = [line.split() for line in out.splitlines()]
    table = [x for x in lines if x and x[0] in ("GeoPackage", "PostGIS") and x[-1].isdigit()]
    variants = {" ".join(x[1:-6]) for x in table}
    assert {"SQL + R-tree", "GDAL + R-tree", "GDAL, no index (baseline)"} <= variants
    if PG_URL:
        assert "same rows with and without the index over 40 views: True" in out
        assert "plan of a view: index" in out
        assert {"SQL + GIST", "SQL, no index (baseline)"} <= variants
    assert {x[-6] for x in table} == {"1", "3"}  # clients
