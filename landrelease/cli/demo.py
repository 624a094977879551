"""The demo: the main job on the built-in scenario, end to end.

Generates the Karabakh-like scenario, imports it into a fresh workspace, sets the programme
profile (Azerbaijan's official estimate, which no other workspace states), books its approved
activities, maps the risk and recommends what to cancel, survey or clear, scores that against
the scenario's ground truth, prioritises, plans and forecasts, writes the standard reports,
exports the workspace again and creates a user for the web application. The jobs of several
steps are those of :mod:`landrelease.pipeline`, the same the commands run.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from landrelease import settings
from landrelease.cli.common import handles_errors, whole_number
from landrelease.cli.display.terminal import console, step_progress

if TYPE_CHECKING:
    from landrelease.io.package import ImportReport
    from landrelease.pipeline import MapAndSurvey, PlanAndForecast
    from landrelease.scenario import ScenarioResult
    from landrelease.store import Workspace
    from landrelease.store.summary import WorkspaceStatus

ACTOR = "demo"
"""Who the demo's changes are recorded as, and the web user it creates."""
HORIZON = "2032-12"
PLAN_SEARCH_SECONDS = 3
FORECAST_RUNS = 1000
REPORT_FORMATS = ("pdf", "html", "xlsx")


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
    backtest: Any = None
    """The engine fitted a year before the latest record, checked on what came after."""
    confirmed: Any = None
    """The confirmation sample of the cancelled land, searched in the simulated field
    (``None``: nothing cancelled)."""
    priorities: Any = None
    plan: Any = None
    forecast: Any = None
    web_login: tuple[str, str] | None = None
    """User name and password created for the web application."""
    outputs: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    t = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - t


def run_demo(
    out: Path,
    *,
    scale: str,
    seed: int,
    step: Callable[[str], None] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> DemoResult:
    """Run every step under ``out`` (replaced if present); ``step`` is told each one as it starts."""
    from landrelease.scenario import generate
    from landrelease.scenario.programme import KARABAKH_PROGRAMME
    from landrelease.store import Workspace
    from landrelease.store.programme import write_programme

    say = step or (lambda _: None)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    timings: dict[str, float] = {}

    say(f"Generating the Karabakh-like scenario ({scale} scale, seed {seed})")
    package = out / "scenario"
    with _timed(timings, "scenario"):
        scenario = generate(
            region="karabakh", seed=seed, scale=scale, out=package, progress=progress
        )

    say("Importing the evidence package into a new workspace")
    ws_path = out / "workspace.gpkg"
    with Workspace.create(str(ws_path), actor=ACTOR) as ws:
        report = _import(ws, package, timings)
        say("Setting the programme profile: Azerbaijan's official estimate for the forecast")
        write_programme(ws, KARABAKH_PROGRAMME, actor=ACTOR)
        say("Recording the money spent on the approved activities, as `record spend` does")
        record_scenario_spending(ws, scenario)
        done = _analyse(ws, out, package, say=say, progress=progress, timings=timings)
    return DemoResult(
        out=out,
        scenario=scenario,
        import_seconds=report.seconds,
        records=report.records,
        status=done.status,
        web_login=done.web_login,
        priorities=done.planned.priorities,
        plan=done.planned.plan,
        forecast=done.planned.forecast,
        risk=done.mapped.run,
        survey=done.mapped.result,
        evaluation=done.evaluation,
        backtest=done.backtest,
        confirmed=done.confirmed,
        outputs={
            "scenario package (with truth/)": package,
            "workspace (open in QGIS)": ws_path,
            "risk map (GeoTIFF)": done.mapped.raster,
            "survey decisions (GeoPackage)": done.mapped.decisions,
            "area–recall chart": done.evaluation.chart,
            **{f"backtest {label}": path for label, path in done.backtest.outputs.items()},
            **{
                f"planning chart: {name}": path
                for name, path in {
                    **done.planned.plan.charts,
                    **done.planned.forecast.charts,
                }.items()
            },
            **{f"report: {label}": Path(path) for label, path in done.reports.items()},
            "exported package": out / "export",
        },
        timings=timings,
    )


def record_scenario_spending(ws: Workspace, scenario: ScenarioResult) -> int:
    """Record the scenario's expenditures in ``ws`` (imported from its package) through the
    function ``landrelease record spend`` calls; returns how many."""
    from landrelease.records.money import record_expenditures

    spent = scenario.expenditures
    if spent is None or not len(spent):
        return 0
    cols = spent.columns
    rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
    return record_expenditures(ws, rows, actor=ACTOR)


def _import(ws: Workspace, package: Path, timings: dict[str, float]) -> ImportReport:
    from landrelease.errors import DataError
    from landrelease.io import import_package

    with _timed(timings, "import"):
        report = import_package(ws, package, actor=ACTOR)
    if not report.committed:
        raise DataError(
            f"the scenario failed the importer's checks ({report.log.errors} problems)", report.log
        )
    return report


@dataclass
class _Analysed:
    mapped: MapAndSurvey
    confirmed: Any
    evaluation: Any
    backtest: Any
    planned: PlanAndForecast
    reports: dict[str, Path]
    web_login: tuple[str, str]
    status: WorkspaceStatus


def _analyse(
    ws: Workspace,
    out: Path,
    package: Path,
    *,
    say: Callable[[str], None],
    progress: Callable[[str, float], None] | None,
    timings: dict[str, float],
) -> _Analysed:
    """Every step after the import, in order."""
    from landrelease import pipeline
    from landrelease.io import export_package
    from landrelease.records import book_approved_activities
    from landrelease.store import WorkspaceView
    from landrelease.store.summary import workspace_status
    from landrelease.survey import SurveyRule
    from landrelease.survey.backtest import default_as_of
    from landrelease.survey.evaluate import evaluate_latest

    say("Booking the approved activities in the land-release ledger")
    book_approved_activities(ws, actor=ACTOR)
    view = WorkspaceView(ws)  # one read of the records for every step from here on

    say("Backtesting: the engine fitted on what was known a year before the latest record")
    with _timed(timings, "backtest"):
        checked = pipeline.check_engine(
            view, default_as_of(view), out=out / "backtest", actor=ACTOR, progress=progress
        )

    say("Mapping the risk and recommending cancel / technical survey / clearance for every hazard")
    with _timed(timings, "risk and survey"):
        mapped = pipeline.map_and_survey(
            view,
            SurveyRule.from_settings(),
            decisions_path=out / "decisions.gpkg",
            raster=out / "risk.tif",
            actor=ACTOR,
            progress=progress,
        )

    confirmed = None
    terms = mapped.result.summary.get("confirmation")
    if terms is not None and mapped.result.sites is not None:
        say(
            f"The field, simulated from the scenario's truth: teams search the {terms['sites']:,} "
            "confirmation sites of the cancelled land; the decisions follow what they find"
        )
        confirmed = _search_confirmation_sites(view, mapped, package, terms)

    say("Scoring the map and the decisions against the scenario's ground truth")
    evaluation = evaluate_latest(view, package / "truth", out / "evaluation")

    say(
        f"Prioritising the hazards, planning the assets month by month to {HORIZON}, forecasting with uncertainty"
    )
    with _timed(timings, "planning"):
        planned = pipeline.plan_and_forecast(
            view,
            horizon=HORIZON,
            out=out / "planning",
            search_seconds=PLAN_SEARCH_SECONDS,
            runs=FORECAST_RUNS,
        )

    say("Writing the monthly, donor, settlement and casualty reports (PDF, HTML, XLSX)")
    with _timed(timings, "reports"):
        reports = pipeline.write_reports(view, out / "reports", user=ACTOR, formats=REPORT_FORMATS)

    say("Exporting the workspace as an evidence package")
    with _timed(timings, "export"):
        export_package(view, out / "export")

    say("Creating a demo user for the web application")
    login = _web_user(ws)
    return _Analysed(
        mapped, confirmed, evaluation, checked, planned, reports, login, workspace_status(ws)
    )


def _search_confirmation_sites(
    view: Any, mapped: MapAndSurvey, package: Path, terms: dict[str, Any]
) -> Any:
    """What a programme's teams do with the sites the decisions drew: search each one, fill in
    the GeoPackage, and hand it to `landrelease confirm`."""
    import pyogrio

    from landrelease import pipeline
    from landrelease.scenario.field import search_sites
    from landrelease.survey.store import SITE_LAYER, read_sites

    found = search_sites(
        read_sites(mapped.decisions), package / "truth", site_m=terms["site_m"], seed=1
    )
    pyogrio.write_dataframe(found, mapped.decisions, layer=SITE_LAYER, driver="GPKG")
    return pipeline.confirm_decisions(
        view, mapped.decisions, decisions_path=mapped.decisions, actor=ACTOR
    )


def _web_user(ws: Workspace) -> tuple[str, str]:
    """A web user for the demo, with a new password each run (never a default), printed once."""
    import secrets

    from landrelease.web.auth import add_user

    password = secrets.token_urlsafe(12)
    add_user(ws, ACTOR, password=password, role="information_manager", actor=ACTOR)
    return ACTOR, password


@handles_errors
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for everything the demo writes (replaced).")
    ] = Path("demo-output"),
    scale: Annotated[
        str | None,
        typer.Option(help="Scenario scale (default: setting demo_scale).", show_default=False),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(0, example=2020),
            help="Scenario seed (default: setting demo_seed).",
            show_default=False,
        ),
    ] = None,
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="End by serving the demo workspace in the browser."
        ),
    ] = True,
    port: Annotated[
        int,
        typer.Option(
            parser=whole_number(1, 65535, example=8000), help="Port of the web application."
        ),
    ] = 8000,
) -> None:
    """Run the main job on the built-in scenario, then serve it.

    Generates the Karabakh-like scenario, imports it, maps the risk, recommends what to cancel, survey or clear, scores that against ground truth, writes the reports, exports the workspace, and serves it at http://127.0.0.1:8000/map.
    """
    from landrelease.cli.display.demo import show_demo

    with step_progress("demo") as progress:
        result = run_demo(
            out,
            scale=scale or str(settings.get("demo_scale")),
            seed=seed if seed is not None else int(settings.get("demo_seed")),
            step=lambda text: console.print(f"[bold]→[/] {text}"),
            progress=progress,
        )
    show_demo(result)
    if serve_after:
        from landrelease.web.server import serve as run_server

        user, password = result.web_login or ("", "")
        console.print(
            f"\n[bold]Serving the demo workspace at http://127.0.0.1:{port}/map[/] "
            f"(log in as [bold]{user}[/] with password [bold]{password}[/]; Ctrl-C stops)"
        )
        run_server(str(result.outputs["workspace (open in QGIS)"]), host="127.0.0.1", port=port)
