"""The jobs that chain several steps, each written once: the command line, the demo and the
web call these, so a job's steps run in the same order whoever starts it.

Every function takes an open workspace or one read of it (a
:class:`~landrelease.store.WorkspaceView`: pass the same view to several jobs and each layer
is read once), prints nothing and returns what it made; progress goes to an optional
``progress(step, fraction)`` callback. The steps' own packages are
imported when a job runs, so importing this module costs nothing.

* :func:`map_risk` — compute the risk map, write its GeoTIFF, keep the run in the workspace;
* :func:`map_and_survey` — the survey engine's recommendation for every hazard, from the
  stored risk map when it is current (:func:`current_risk_map`), else from a new one;
* :func:`check_engine` — the backtest on the programme's own history, kept for the next survey;
* :func:`plan_and_forecast` — priorities, the operations plan and the forecast;
* :func:`report_formats`, :func:`publish_report`, :func:`monthly_report_for` — one report;
* :func:`write_reports` — the standard set of reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from landrelease.planning import ForecastResult, PlanResult, PriorityResult
    from landrelease.reports import Report
    from landrelease.risk import RiskRun, StoredRiskRun
    from landrelease.store import Workspace, WorkspaceView
    from landrelease.survey import SurveyResult, SurveyRule
    from landrelease.survey.backtest import Backtest

    Source = Workspace | WorkspaceView

Progress = Callable[[str, float], None]
"""Told the step running and the fraction of the job done."""


def _actor(actor: str | None) -> str:
    from landrelease.store import default_actor

    return actor or default_actor()


def map_risk(
    ws: Source,
    *,
    raster: Path,
    cell_m: float | None = None,
    model: str | None = None,
    scheduler: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> tuple[RiskRun, int]:
    """Compute the risk map, write it to ``raster`` (GeoTIFF) and keep the run in the workspace.

    Returns the run and its id in the workspace (``risk_runs``).
    """
    from landrelease.risk import compute_risk, store_risk, write_geotiff
    from landrelease.store import WorkspaceView

    view = WorkspaceView.of(ws)
    run = compute_risk(view, cell_m=cell_m, model=model, scheduler=scheduler, progress=progress)
    written = write_geotiff(run, raster)
    run_id = store_risk(view, run, actor=_actor(actor), raster=written.resolve())
    return run, run_id


@dataclass
class MapAndSurvey:
    """A risk map and the survey recommendation made from it, both kept in the workspace."""

    run: RiskRun | None
    """The risk map computed for this survey; ``None`` when the survey used the stored one."""
    run_id: int
    """The risk run's id in the workspace (``risk_runs``)."""
    result: SurveyResult
    survey_id: int
    """The survey run's id in the workspace."""
    raster: Path
    """The risk map's GeoTIFF."""
    decisions: Path
    """The GeoPackage of the recommended parts."""
    stored: StoredRiskRun | None = None
    """The stored risk map the survey decided from, when it did not compute one."""
    recomputed_because: list[str] = field(default_factory=list)
    """Why a stored map could not be used (empty when none was kept, or it was used)."""


def current_risk_map(
    ws: Source, *, cell_m: float | None = None, model: str | None = None
) -> tuple[StoredRiskRun | None, list[str]]:
    """The latest stored risk map if a survey may decide from it, else ``None`` and why not:
    the records changed since, its GeoTIFF is gone, or another cell size or model is asked."""
    from landrelease.risk import latest_risk_run, stale_layers

    stored = latest_risk_run(ws)
    if stored is None:
        return None, []
    why = [f"{name} changed since" for name in stale_layers(ws, stored)]
    if stored.raster is None or not stored.raster.exists():
        why.append("its GeoTIFF is missing")
    if cell_m is not None and float(cell_m) != float(stored.cell_m):
        why.append(f"cells of {cell_m:g} m asked, the map has {stored.cell_m:g} m")
    if model is not None and model != stored.model:
        why.append(f"the {model} model asked, the map used {stored.model}")
    return (None, why) if why else (stored, [])


def map_and_survey(
    ws: Source,
    rule: SurveyRule | None = None,
    *,
    decisions_path: Path,
    raster: Path,
    cell_m: float | None = None,
    model: str | None = None,
    scheduler: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
    reuse: bool = True,
) -> MapAndSurvey:
    """Recommend, for every active hazard, what to cancel, survey or clear.

    The survey decides from the latest risk map kept in the workspace when it is current
    (:func:`current_risk_map`) and ``reuse`` is true; otherwise it maps the risk first to
    ``raster`` and decides from that map. Files are written before anything is kept in the
    workspace: the risk run, then the survey run that points to it. ``rule`` defaults to the
    settings' survey rule.
    """
    from landrelease.risk import compute_risk, store_risk, write_geotiff
    from landrelease.store import WorkspaceView
    from landrelease.survey import (
        SurveyRule,
        decide,
        decide_from_stored,
        latest_backtest,
        store_survey,
        write_decisions,
    )

    view = WorkspaceView.of(ws)
    checked = latest_backtest(view)
    rule = rule if rule is not None else SurveyRule.from_settings()
    who = _actor(actor)
    stored, why = current_risk_map(view, cell_m=cell_m, model=model) if reuse else (None, [])
    if stored is not None:
        assert stored.raster is not None
        result = decide_from_stored(view, rule, run_id=stored.run_id, backtest=checked)
        decisions = write_decisions(result, decisions_path)
        survey_id = store_survey(view, result, risk_run_id=stored.run_id, actor=who)
        return MapAndSurvey(
            None, stored.run_id, result, survey_id, stored.raster, decisions, stored
        )
    run = compute_risk(view, cell_m=cell_m, model=model, scheduler=scheduler, progress=progress)
    written = write_geotiff(run, raster)
    result = decide(run, rule, backtest=checked)
    decisions = write_decisions(result, decisions_path)
    run_id = store_risk(view, run, actor=who, raster=written.resolve())
    result.risk_run_id = run_id
    survey_id = store_survey(view, result, risk_run_id=run_id, actor=who)
    return MapAndSurvey(run, run_id, result, survey_id, written, decisions, None, why)


def check_engine(
    ws: Source,
    as_of: dt.date,
    *,
    out: Path | None = None,
    cell_m: float | None = None,
    model: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> Backtest:
    """The backtest as of ``as_of`` (:func:`~landrelease.survey.backtest.backtest`), kept in the
    workspace so that the next survey reads its verdict."""
    from landrelease.survey import store_backtest
    from landrelease.survey.backtest import backtest

    result = backtest(ws, as_of, out=out, cell_m=cell_m, model=model, progress=progress)
    store_backtest(
        ws,
        as_of=as_of.isoformat(),
        model=result.run.model,
        totals=result.totals,
        actor=_actor(actor),
    )
    return result


@dataclass
class Confirmed:
    """The confirmation sample's verdict and the decisions it left, kept as a new survey run."""

    verdict: dict[str, Any]
    """``verdict`` (passed, failed or incomplete), ``searched``, ``found`` and ``text``."""
    survey_id: int
    """The new survey run (its parts: the cancelled ones moved to technical survey if failed)."""
    confirmed_run: int
    """The survey run whose sample the teams searched."""
    decisions: Path | None
    """The decisions GeoPackage rewritten, when one was asked for."""


def confirm_decisions(
    ws: Source, sites_path: Path, *, decisions_path: Path | None = None, actor: str | None = None
) -> Confirmed:
    """Read what the teams found at the confirmation sites (:func:`~landrelease.survey.store.read_sites`),
    judge the cancelled land by it (:func:`~landrelease.survey.confirm.confirmation_verdict`)
    and keep the decisions that follow as a new survey run, audited; only the latest decisions'
    sample is accepted. ``decisions_path``: also rewrite the decisions GeoPackage there."""
    from landrelease.errors import DataError, UsageError
    from landrelease.records.changes import audit
    from landrelease.store import WorkspaceView, runs
    from landrelease.survey import (
        SurveyResult,
        SurveyRule,
        read_parts,
        store_survey,
        write_decisions,
    )
    from landrelease.survey.confirm import confirmation_verdict
    from landrelease.survey.decisions import confirmed_parts, decision_totals
    from landrelease.survey.store import read_sites, survey_of_sample

    view = WorkspaceView.of(ws)
    sites = read_sites(sites_path)
    sample_id = str(sites["sample_id"].iloc[0])
    run, current = survey_of_sample(view, sample_id)
    if run is None:
        raise UsageError(
            f"the sites in {sites_path} (sample {sample_id}) belong to no decisions of this "
            "workspace; give the GeoPackage `landrelease survey` wrote for it"
        )
    if not current:
        with view.ws.engine.connect() as conn:
            latest = runs.latest_run(conn, "survey")
        raise UsageError(
            f"the sites in {sites_path} are those of survey run {run['fid']}, but the latest "
            f"decisions are run {latest}: search the sites written with the latest decisions"
        )
    terms = run["summary"]["confirmation"]
    if len(sites) != int(terms["sites"]):
        raise DataError(
            f"{sites_path} holds {len(sites):,} confirmation sites where the sample drew "
            f"{int(terms['sites']):,}: sites were added or removed; nothing was recorded"
        )
    searched = sites["searched"].to_numpy()
    verdict = confirmation_verdict(
        terms,
        searched=int(searched.sum()),
        found=int(sites["devices_found"].to_numpy()[searched].sum()),
    )
    parts = confirmed_parts(read_parts(view, survey_id=int(run["fid"])), verdict)
    summary = {**run["summary"], "confirmation_result": verdict}
    if verdict["verdict"] == "failed":  # the totals change; otherwise they stand, bound and all
        summary.update(decision_totals(parts))
        summary["cancellation_withheld"] = verdict["text"]
        summary["cancellation_limit"] = None
    result = SurveyResult(
        parts,
        SurveyRule.from_settings(),
        summary,
        risk_run_id=run["risk_run_id"],
        sites=sites.to_crs("EPSG:4326"),  # kept with the new run, as the teams searched them
    )
    written = None
    if decisions_path is not None:
        written = write_decisions(result, decisions_path)
    who = _actor(actor)
    survey_id = store_survey(view, result, risk_run_id=run["risk_run_id"], actor=who)
    with view.ws.begin() as conn:
        audit(
            conn,
            actor=who,
            action="confirm",
            table="survey_runs",
            record_id=str(survey_id),
            after=verdict,
            note=verdict["text"],
        )
    return Confirmed(verdict, survey_id, int(run["fid"]), written)


@dataclass
class PlanAndForecast:
    """Priorities, the operations plan and the forecast, each kept in the workspace as a run."""

    priorities: PriorityResult
    plan: PlanResult
    forecast: ForecastResult


def plan_and_forecast(
    ws: Source,
    *,
    horizon: str,
    out: Path | None = None,
    search_seconds: float | None = None,
    runs: int | None = None,
    seed: int | None = None,
) -> PlanAndForecast:
    """Rank the hazards, plan the assets month by month to ``horizon`` (YYYY-MM), then forecast
    with uncertainty. Charts go to ``out``; defaults come from the settings and the workspace.
    The three jobs share one read of the workspace."""
    from landrelease.planning import forecast, plan, prioritise
    from landrelease.store import WorkspaceView

    view = WorkspaceView.of(ws)
    priorities = prioritise(view)
    planned = plan(view, horizon=horizon, out=out, search_seconds=search_seconds)
    forecasted = forecast(view, runs=runs, seed=seed, out=out)
    return PlanAndForecast(priorities=priorities, plan=planned, forecast=forecasted)


def report_formats(text: str) -> list[str]:
    """The formats named in ``text`` (comma-separated, e.g. ``pdf,html``); a usage error names
    any unknown one."""
    from landrelease.errors import UsageError
    from landrelease.reports import FORMATS

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS)) or ([] if formats else ["(none)"])
    if unknown:
        raise UsageError(f"unknown report format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    return formats


def publish_report(
    ws: Workspace,
    build: Callable[[Workspace, bool], Report],
    out: Path,
    formats: Sequence[str],
) -> tuple[Report, dict[str, Path]]:
    """Build a report (with figures when a format shows them) and write it in every format.

    ``build(ws, figures)`` is one of the report builders with its arguments bound. Returns
    the report and format → file written.
    """
    from landrelease.reports import write_report

    report = build(ws, bool({"pdf", "html"} & set(formats)))
    return report, write_report(report, out, formats)


def monthly_report_for(ws: Workspace, month: str | None, *, figures: bool) -> Report:
    """The monthly report of ``month`` (YYYY-MM), by default the last month with land released."""
    from landrelease.errors import UsageError
    from landrelease.reports import last_month, load_records, monthly_report

    rec = load_records(ws)
    m = month or last_month(rec)
    if m is None:
        raise UsageError("the workspace holds no dated records; give --month YYYY-MM")
    return monthly_report(ws, month=m, records=rec, figures=figures)


def write_reports(
    ws: Source, out: Path, *, user: str, formats: Sequence[str] = ("pdf", "html", "xlsx")
) -> dict[str, Path]:
    """The standard reports (monthly, donor, settlement, casualty) under ``out``, written as
    ``user`` (whose entitlements decide what personal data shows). Returns label → file."""
    from landrelease.reports import standard_reports

    return standard_reports(ws, out, user=user, formats=formats)
