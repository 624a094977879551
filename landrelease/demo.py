"""The demo: the main job on the built-in scenario, end to end.

Generates the Karabakh-like scenario, imports it into a fresh workspace,
summarises it and exports it again. Each capability joins here as it lands.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease.errors import DataError
from landrelease.io import export_package, import_package
from landrelease.store import Workspace
from landrelease.store.summary import WorkspaceStatus, workspace_status


@dataclass
class DemoResult:
    out: Path
    scenario: Any
    import_seconds: float
    records: int
    status: WorkspaceStatus
    outputs: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def run_demo(
    out: Path,
    *,
    scale: str,
    seed: int,
    step: Callable[[str], None] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> DemoResult:
    """Generate, import, summarise and export the scenario under ``out`` (replaced if present)."""
    from landrelease.scenario import generate

    say = step or (lambda _: None)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    timings: dict[str, float] = {}

    say(f"Generating the Karabakh-like scenario ({scale} scale, seed {seed})")
    t = time.perf_counter()
    package = out / "scenario"
    scenario = generate(region="karabakh", seed=seed, scale=scale, out=package, progress=progress)
    timings["scenario"] = time.perf_counter() - t

    say("Importing the evidence package into a new workspace")
    ws_path = out / "workspace.gpkg"
    ws = Workspace.create(str(ws_path), actor="demo")
    t = time.perf_counter()
    report = import_package(ws, package, actor="demo")
    timings["import"] = time.perf_counter() - t
    if not report.committed:
        raise DataError(
            f"the scenario failed the importer's checks ({report.log.errors} problems)", report.log
        )

    say("Exporting the workspace as an evidence package")
    t = time.perf_counter()
    export_package(ws, out / "export")
    timings["export"] = time.perf_counter() - t
    status = workspace_status(ws)
    ws.close()
    return DemoResult(
        out=out,
        scenario=scenario,
        import_seconds=report.seconds,
        records=report.records,
        status=status,
        outputs={
            "scenario package (with truth/)": package,
            "workspace (open in QGIS)": ws_path,
            "exported package": out / "export",
        },
        timings=timings,
    )
