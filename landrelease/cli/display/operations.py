"""How operations records look in a terminal: the activity workflow, single records, and
quality management's inspection plans and results."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from landrelease.cli.display.terminal import console
from landrelease.errors import Severity
from landrelease.quality import InspectionPlan, InspectionResult
from landrelease.records import ApprovalResult, BackfillResult, ReviewResult

M2_PER_HA = 10_000.0


def show_review(r: ReviewResult) -> None:
    line = f"Activity [bold]{r.activity_id}[/] {r.step} (was {r.status_before or 'a draft'})"
    if r.reason:
        line += f": {r.reason}"
    console.print(line)
    for f in r.flags:
        console.print(f"  [yellow]![/] {f}")
    if r.flags and r.step == "submitted":
        console.print(
            "  The reviewer sees these flags; release problems must be fixed before approval."
        )


def show_approval(r: ApprovalResult) -> None:
    console.print(f"Activity [bold]{r.activity_id}[/] approved (was {r.status_before}).")
    for f in r.flags:
        console.print(f"  [yellow]![/] flag accepted: {f}")
    if r.bookings:
        parts = ", ".join(f"{b.area_m2 / M2_PER_HA:,.2f} ha {b.method}" for b in r.bookings)
        console.print(f"  Booked in the land-release ledger: {parts}.")
    else:
        console.print("  No land released: nothing booked in the ledger.")
    if r.devices:
        console.print(
            "  Devices destroyed: " + ", ".join(f"{n:,} {d}" for d, n in r.devices.items())
        )
    if r.hazard_status_before is not None:
        console.print(
            f"  Hazard {r.hazard_id}: {r.hazard_status_before} → {r.hazard_status_after}"
            + (
                f", {r.classification_before} → {r.classification_after}"
                if r.classification_before != r.classification_after
                else ""
            )
            + f"; {r.remaining_m2 / M2_PER_HA:,.2f} ha of {r.hazard_area_m2 / M2_PER_HA:,.2f} ha remain."
        )
    if r.hazard_note:
        console.print(f"  [yellow]![/] {r.hazard_note}")
    if r.hazard_closed:
        console.print(f"  Hazard {r.hazard_id} is fully released: completion record written.")


def show_backfill(r: BackfillResult) -> None:
    if not r.bookings:
        console.print(
            "Every approved activity is in the land-release ledger already; nothing booked."
        )
    else:
        parts = ", ".join(
            f"{v / M2_PER_HA:,.1f} ha {m}" for m, v in r.area_by_method_m2.items() if v
        )
        console.print(
            f"Booked {r.activities:,} approved activities ({r.bookings:,} ledger lines): {parts}. "
            f"Hazards moved on: {r.hazards_updated:,} ({r.hazards_not_updated:,} left as reported later); "
            f"completion records: {r.completions:,}."
        )
    warnings = r.log.issues(Severity.WARNING)
    errors = r.log.issues(Severity.ERROR)
    for i in [*errors, *warnings][:20]:
        mark = "[red]✗[/]" if i.severity is Severity.ERROR else "[yellow]![/]"
        console.print(f"  {mark} {i.record}: {i.field}: {i.problem}")
    if len(errors) + len(warnings) > 20:
        console.print(f"  … and {len(errors) + len(warnings) - 20:,} more")


def show_frame(frame: pd.DataFrame, title: str) -> None:
    if not len(frame):
        console.print(f"{title}: none.")
        return
    t = Table(title=title, title_justify="left")
    for c in frame.columns:
        t.add_column(str(c))
    for row in frame.itertuples(index=False):
        t.add_row(*["—" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row])
    console.print(t)


def show_history(history: pd.DataFrame, activity_id: str) -> None:
    """Every workflow step of an activity: who, when, why."""
    show_frame(
        history[["step", "status_before", "at", "actor", "reason", "flags"]],
        f"Workflow of {activity_id}",
    )


def show_inspection_plans(plans: pd.DataFrame) -> None:
    """Inspection plans and their decisions."""
    cols = [
        "plan_id",
        "activity_id",
        "method",
        "sample_cells",
        "lot_cells",
        "decision",
        "devices_found",
    ]
    show_frame(plans[cols] if len(plans) else plans, "Inspection plans")


def show_inspection_plan(p: InspectionPlan, *, geojson: str | None = None) -> None:
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


def show_inspection_result(r: InspectionResult) -> None:
    colour = {"accepted": "green", "rejected": "red", "incomplete": "yellow"}[r.decision]
    console.print(f"Plan {r.plan_id}: [{colour}]{r.decision}[/]")
    console.print(f"  {r.statement}")
    console.print(
        f"  Recorded as QA visit {r.visit_id}"
        + (f"; non-conformity {r.nc_id} raised." if r.nc_id else ".")
    )
