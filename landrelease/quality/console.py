"""How inspection plans and results look in a terminal."""

from __future__ import annotations

from landrelease.console import console
from landrelease.quality.inspection import InspectionPlan, InspectionResult


def show_plan(p: InspectionPlan, *, geojson: str | None = None) -> None:
    console.print(
        f"Inspection plan [bold]{p.plan_id}[/] for activity {p.activity_id} (seed {p.seed}):"
    )
    console.print(f"  {p.describe()}")
    console.print(f"  {p.cost_line()}")
    console.print(
        f"  The {len(p.samples):,} sample cells are in the workspace layer qa_samples (plan_id = {p.plan_id})"
        + (f" and in {geojson}." if geojson else ".")
    )
    console.print(
        f"  Record the result with: landrelease qa record {p.plan_id} --found N --date YYYY-MM-DD"
    )


def show_result(r: InspectionResult) -> None:
    colour = {"accepted": "green", "rejected": "red", "incomplete": "yellow"}[r.decision]
    console.print(f"Plan {r.plan_id}: [{colour}]{r.decision}[/]")
    console.print(f"  {r.statement}")
    console.print(
        f"  Recorded as QA visit {r.visit_id}"
        + (f"; non-conformity {r.nc_id} raised." if r.nc_id else ".")
    )
