"""How the demo's run looks in a terminal: each step's figures in turn, then every file written."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from landrelease.cli.display.land_release import (
    show_backtest,
    show_confirmed,
    show_evaluation,
    show_risk,
    show_survey,
)
from landrelease.cli.display.terminal import console
from landrelease.cli.display.workspace_data import show_scenario, show_status
from landrelease.store.summary import WorkspaceStatus


class DemoFigures(Protocol):
    """What the demo shows (:class:`landrelease.cli.demo.DemoResult` has it)."""

    scenario: Any
    status: WorkspaceStatus
    records: int
    import_seconds: float
    risk: Any
    survey: Any
    evaluation: Any
    backtest: Any
    confirmed: Any
    priorities: Any
    plan: Any
    forecast: Any
    outputs: dict[str, Path]


def show_demo(result: DemoFigures) -> None:
    show_scenario(result.scenario)
    show_status(result.status)
    console.print(
        f"Imported {result.records:,} records in {result.import_seconds:.1f} s "
        f"({result.records / max(result.import_seconds, 1e-9):,.0f} records/s, every rule checked)."
    )
    if result.risk is not None:
        show_risk(result.risk, result.outputs["risk map (GeoTIFF)"], 1)
        show_survey(result.survey, result.outputs["survey decisions (GeoPackage)"], 1)
        if result.confirmed is not None:
            show_confirmed(result.confirmed)
        show_evaluation(result.evaluation)
    if result.backtest is not None:
        show_backtest(result.backtest)
    if result.plan is not None:
        from landrelease.cli.display.plans import show_forecast, show_plan, show_priorities

        show_priorities(result.priorities, top=10)
        show_plan(result.plan)
        show_forecast(result.forecast)
    console.print("\n[bold]Outputs[/]")
    for label, path in result.outputs.items():
        console.print(f"  {label}: {path}")
