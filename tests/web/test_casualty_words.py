"""The map writes casualties as the server does: static/casualties.js agrees with
``landrelease.reports.sections.casualties`` on every count."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from landrelease.reports.sections import casualties
from tests.web.browser import IN_CI

SCRIPT = Path(__file__).parents[2] / "landrelease" / "web" / "static" / "casualties.js"
COUNTS = [(k, i) for k in (0, 1, 2, 1_234) for i in (0, 1, 3, 2_500)]


def test_the_map_writes_casualties_as_the_server_does() -> None:
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node missing: under CI=true the map's casualty words must be checked")
        pytest.skip("node missing (apt-get install nodejs)")
    program = (
        f"const m = await import('data:text/javascript,' + encodeURIComponent("
        f"{json.dumps(SCRIPT.read_text(encoding='utf-8'))}));"
        f"console.log(JSON.stringify({json.dumps(COUNTS)}.map(([k, i]) => m.casualtyWords(k, i))));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert json.loads(out) == [casualties(k, i) for k, i in COUNTS]
    assert casualties(0, 1) == "1 person injured"  # the words the map now shows for a tile point
