"""The demo: the main job on the built-in scenario, end to end.

Generates the Karabakh-like scenario, imports it into a fresh workspace, maps
the risk, recommends what to cancel, survey or clear, scores that against the
scenario's ground truth, and exports the workspace again. Each capability
joins here as it lands.
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
from landrelease.risk import compute_risk, store_risk, write_geotiff
from landrelease.store import Workspace
from landrelease.store.summary import WorkspaceStatus, workspace_status
from landrelease.survey import SurveyRule, decide, store_survey, write_decisions
from landrelease.survey.evaluate import evaluate_latest


@dataclass
class DemoResult:
    out: Path
    scenario: Any
    import_seconds: float
    records: int
    status: WorkspaceStatus
    risk: Any = None
    survey: Any = None
    evaluation: Any = None
    priorities: Any = None
    plan: Any = None
    forecast: Any = None
    web_login: tuple[str, str] | None = None
    """User name and password created for the web application."""
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

    say("Booking the approved activities in the land-release ledger")
    from landrelease.records import book_approved_activities

    book_approved_activities(ws, actor="demo")

    say("Mapping the risk and recommending cancel / technical survey / clearance for every hazard")
    t = time.perf_counter()
    run = compute_risk(ws, progress=progress)
    raster = write_geotiff(run, out / "risk.tif")
    survey = decide(run, SurveyRule.from_settings())
    decisions = write_decisions(survey, out / "decisions.gpkg")
    run_id = store_risk(ws, run, actor="demo", raster=raster)
    store_survey(ws, survey, risk_run_id=run_id, actor="demo")
    timings["risk and survey"] = time.perf_counter() - t

    say("Scoring the map and the decisions against the scenario's ground truth")
    evaluation = evaluate_latest(ws, package / "truth", out / "evaluation")

    say(
        "Prioritising the hazards, planning the assets month by month to 2032-12, forecasting with uncertainty"
    )
    from landrelease.planning import forecast, plan, prioritise

    t = time.perf_counter()
    priorities = prioritise(ws)
    planned = plan(ws, horizon="2032-12", out=out / "planning", search_seconds=3)
    forecasted = forecast(ws, runs=1000, out=out / "planning")
    timings["planning"] = time.perf_counter() - t

    say("Writing the monthly, donor, settlement and casualty reports (PDF, HTML, XLSX)")
    from landrelease.reports import standard_reports

    t = time.perf_counter()
    reports = standard_reports(ws, out / "reports", user="demo", formats=("pdf", "html", "xlsx"))
    timings["reports"] = time.perf_counter() - t

    say("Exporting the workspace as an evidence package")
    t = time.perf_counter()
    export_package(ws, out / "export")
    timings["export"] = time.perf_counter() - t
    say("Creating a demo user for the web application")
    import secrets

    from landrelease.web.auth import add_user

    password = secrets.token_urlsafe(
        12
    )  # never a default password: a new one each run, printed once
    add_user(ws, "demo", password=password, role="information_manager", actor="demo")
    status = workspace_status(ws)
    ws.close()
    return DemoResult(
        out=out,
        scenario=scenario,
        import_seconds=report.seconds,
        records=report.records,
        status=status,
        web_login=("demo", password),
        priorities=priorities,
        plan=planned,
        forecast=forecasted,
        risk=run,
        survey=survey,
        evaluation=evaluation,
        outputs={
            "scenario package (with truth/)": package,
            "workspace (open in QGIS)": ws_path,
            "risk map (GeoTIFF)": raster,
            "survey decisions (GeoPackage)": decisions,
            "area–recall chart": evaluation.chart,
            **{
                f"planning chart: {name}": path
                for name, path in {**planned.charts, **forecasted.charts}.items()
            },
            **{f"report: {label}": Path(path) for label, path in reports.items()},
            "exported package": out / "export",
        },
        timings=timings,
    )
