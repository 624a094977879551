"""Operations records: the activity workflow (submit, approve, reject), single records (retire,
hand over, spend, personal-data access) and quality management (inspection plans, results)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.cli.common import (
    DbOpt,
    UserOpt,
    WorkspaceOpt,
    actor,
    handles_errors,
    iso_day,
    number,
    open_workspace,
    whole_number,
)
from landrelease.cli.display.terminal import console

activity_app = typer.Typer(
    help="The activity workflow: submit, approve or reject; only approved activities change the hazard register.",
    no_args_is_help=True,
)
record_app = typer.Typer(
    help="Single records: retire with a reason, hand over land, spending, access to victims' personal data.",
    no_args_is_help=True,
)
qa_app = typer.Typer(
    help="Quality management: post-clearance inspection plans (limiting-quality sampling) and their results.",
    no_args_is_help=True,
)


@activity_app.command("submit")
@handles_errors
def activity_submit(
    activity_id: Annotated[str, typer.Argument(help="The activity to submit.", show_default=False)],
    cancelled: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=2500), help="Area cancelled [m²].", show_default=False
        ),
    ] = None,
    reduced: Annotated[
        float | None,
        typer.Option(parser=number(0, example=2500), help="Area reduced [m²].", show_default=False),
    ] = None,
    cleared: Annotated[
        float | None,
        typer.Option(parser=number(0, example=2500), help="Area cleared [m²].", show_default=False),
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Submit a draft or rejected activity for approval; accreditation and release problems are flagged now.

    Without areas, the whole polygon counts under the activity's outcome.
    """
    from landrelease.cli.display.operations import show_review
    from landrelease.records import submit_activity

    claims = {
        k: v
        for k, v in (("cancelled", cancelled), ("reduced", reduced), ("cleared", cleared))
        if v is not None
    }
    with open_workspace(workspace, db) as ws:
        show_review(submit_activity(ws, activity_id, actor=actor(user), claims=claims or None))


@activity_app.command("approve")
@handles_errors
def activity_approve(
    activity_id: Annotated[
        str, typer.Argument(help="The submitted activity to approve.", show_default=False)
    ],
    accept_flags: Annotated[
        bool,
        typer.Option(
            "--accept-flags", help="Approve although the organisation's accreditation is flagged."
        ),
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Approve an activity: book its release in the ledger and move its hazard on (refused, with the numbers, if its area breaks a rule)."""
    from landrelease.cli.display.operations import show_approval
    from landrelease.records import approve_activity

    with open_workspace(workspace, db) as ws:
        show_approval(
            approve_activity(ws, activity_id, actor=actor(user), accept_flags=accept_flags)
        )


@activity_app.command("reject")
@handles_errors
def activity_reject(
    activity_id: Annotated[
        str, typer.Argument(help="The submitted activity to reject.", show_default=False)
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why: sent to the operator.", show_default=False)
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Send a submitted activity back to its operator, with the reason."""
    from landrelease.cli.display.operations import show_review
    from landrelease.records import reject_activity

    with open_workspace(workspace, db) as ws:
        show_review(reject_activity(ws, activity_id, actor=actor(user), reason=reason))


@activity_app.command("queue")
@handles_errors
def activity_queue(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """Submitted activities awaiting a decision, with the flags raised at submission."""
    from landrelease.cli.display.operations import show_frame
    from landrelease.records import review_queue

    with open_workspace(workspace, db) as ws:
        show_frame(review_queue(ws), "Awaiting approval")


@activity_app.command("history")
@handles_errors
def activity_history_cmd(
    activity_id: Annotated[str, typer.Argument(help="The activity.", show_default=False)],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Every workflow step of an activity: who, when, why."""
    from landrelease.cli.display.operations import show_history
    from landrelease.records import activity_history

    with open_workspace(workspace, db) as ws:
        h = activity_history(ws, activity_id)
    show_history(h, activity_id)


@activity_app.command("book-imported")
@handles_errors
def activity_book_imported(
    workspace: WorkspaceOpt = None, db: DbOpt = None, user: UserOpt = None
) -> None:
    """Book in the land-release ledger the activities imported as approved (trimmed where they break a rule; each trim listed)."""
    from landrelease.cli.display.operations import show_backfill
    from landrelease.records import book_approved_activities

    with open_workspace(workspace, db) as ws:
        show_backfill(book_approved_activities(ws, actor=actor(user)))


@record_app.command("retire")
@handles_errors
def record_retire(
    table: Annotated[
        str, typer.Argument(help="A layer (e.g. incidents) or records table.", show_default=False)
    ],
    record_id: Annotated[str, typer.Argument(help="The record's id.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is retired.", show_default=False)],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Retire a record with a reason: it is kept, out of view, and the audit trail says who and why."""
    from landrelease.records import retire_record

    with open_workspace(workspace, db) as ws:
        retire_record(ws, table, record_id, actor=actor(user), reason=reason)
    console.print(f"Retired {table} {record_id}: {reason}")


@record_app.command("handover")
@handles_errors
def record_handover(
    hazard_id: Annotated[
        str, typer.Argument(help="A closed hazard with a completion record.", show_default=False)
    ],
    to: Annotated[str, typer.Option("--to", help="Who receives the land.", show_default=False)],
    on: Annotated[
        str,
        typer.Option("--on", parser=iso_day, help="Handover date, YYYY-MM-DD.", show_default=False),
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record the handover of a fully released hazard's land."""
    from landrelease.records import hand_over

    with open_workspace(workspace, db) as ws:
        hand_over(ws, hazard_id, to=to, on=on, actor=actor(user))
    console.print(f"Hazard {hazard_id} handed over to {to} on {on}.")


@record_app.command("spend")
@handles_errors
def record_spend(
    expenditure_id: Annotated[
        str, typer.Argument(help="An id for the expenditure.", show_default=False)
    ],
    date: Annotated[str, typer.Option(parser=iso_day, help="YYYY-MM-DD.", show_default=False)],
    source: Annotated[
        str, typer.Option(help="national, or the donor's name as in funding.", show_default=False)
    ],
    amount_usd: Annotated[
        float,
        typer.Option(parser=number(0, example=12500), help="Amount [USD].", show_default=False),
    ],
    purpose: Annotated[str | None, typer.Option(help="What it paid for.")] = None,
    activity: Annotated[str | None, typer.Option(help="The activity it paid for.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record money spent, by source of funds."""
    from landrelease.records.money import record_spending

    with open_workspace(workspace, db) as ws:
        record_spending(
            ws,
            expenditure_id=expenditure_id,
            date=date,
            source=source,
            amount_usd=amount_usd,
            purpose=purpose,
            activity_id=activity,
            actor=actor(user),
        )
    console.print(f"Recorded USD {amount_usd:,.2f} spent from {source} on {date}.")


@record_app.command("grant-personal-data")
@handles_errors
def record_grant(
    grantee: Annotated[str, typer.Argument(help="The user to entitle.", show_default=False)],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Take the entitlement away instead.")
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Entitle a user to victims' personal data in reports (only an entitled user may)."""
    from landrelease.records.victims import grant_personal_data

    with open_workspace(workspace, db) as ws:
        users = grant_personal_data(ws, grantee, actor=actor(user), revoke=revoke)
    console.print("Entitled to victims' personal data: " + (", ".join(users) or "nobody"))


@qa_app.command("plan")
@handles_errors
def qa_plan(
    activity: Annotated[
        str,
        typer.Option(
            "--activity",
            "-a",
            help="The approved activity whose released land is inspected.",
            show_default=False,
        ),
    ],
    limit_density: Annotated[
        float | None,
        typer.Option(
            "--limit-density",
            parser=number(0, example=1, above=True),
            help="Limiting quality [devices/ha]. Default: setting qa_limiting_density_per_ha.",
            show_default=False,
        ),
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            parser=number(0, 1, 0.95, above=True, below=True),
            help="Confidence, e.g. 0.95. Default: setting qa_confidence.",
            show_default=False,
        ),
    ] = None,
    acceptance_number: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(0, example=0),
            help="Devices the lot may show and pass. Default: setting qa_acceptance_number.",
            show_default=False,
        ),
    ] = None,
    cell_m2: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=100, above=True),
            help="Sampling cell [m²]. Default: setting qa_cell_m2.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str, typer.Option(help="hypergeometric (finite lot) or binomial.")
    ] = "hypergeometric",
    seed: Annotated[
        int,
        typer.Option(parser=whole_number(0, example=0), help="Random seed of the sample cells."),
    ] = 0,
    geojson: Annotated[
        Path | None, typer.Option(help="Also write the sample cells to this GeoJSON file.")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Plan the post-clearance inspection of released land: sample size from the lot, the limiting quality and the confidence; random cells as a map layer."""
    from landrelease.cli.display.operations import show_inspection_plan
    from landrelease.quality import plan_inspection

    with open_workspace(workspace, db) as ws:
        plan = plan_inspection(
            ws,
            activity_id=activity,
            actor=actor(user),
            limiting_density_per_ha=limit_density,
            confidence=confidence,
            acceptance_number=acceptance_number,
            cell_m2=cell_m2,
            method=method,
            seed=seed,
        )
    if geojson:
        plan.samples.to_file(geojson, driver="GeoJSON")
    show_inspection_plan(plan, geojson=str(geojson) if geojson else None)


def _found_by_sample(sample: list[str] | None) -> dict[int, int]:
    """``--sample NO=N`` options as sample number → devices found."""
    from landrelease.errors import UsageError

    by_sample: dict[int, int] = {}
    for item in sample or []:
        no, _, n = item.partition("=")
        if not (no.strip().isdigit() and n.strip().lstrip("-").isdigit()):
            raise UsageError(f"--sample {item!r}: give it as NO=N, e.g. --sample 12=1")
        by_sample[int(no)] = int(n)
    return by_sample


@qa_app.command("record")
@handles_errors
def qa_record(
    plan_id: Annotated[str, typer.Argument(help="The inspection plan.", show_default=False)],
    date: Annotated[
        str, typer.Option(parser=iso_day, help="Inspection date, YYYY-MM-DD.", show_default=False)
    ],
    found: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(0, example=0),
            help="Devices found in all the samples.",
            show_default=False,
        ),
    ] = None,
    sample: Annotated[
        list[str] | None,
        typer.Option(
            help="Devices found in one sample cell, as NO=N (repeat).", show_default=False
        ),
    ] = None,
    area_m2: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=2500, above=True),
            help="Area inspected [m²]. Default: the planned sample area.",
            show_default=False,
        ),
    ] = None,
    organisation: Annotated[str | None, typer.Option(help="Who inspected.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record an inspection's results: the lot is accepted or rejected and the confidence stated in words."""
    from landrelease.cli.display.operations import show_inspection_result
    from landrelease.quality import record_inspection

    by_sample = _found_by_sample(sample)
    with open_workspace(workspace, db) as ws:
        result = record_inspection(
            ws,
            plan_id=plan_id,
            actor=actor(user),
            date=date,
            devices_found=found,
            area_inspected_m2=area_m2,
            found_by_sample=by_sample or None,
            organisation=organisation,
        )
    show_inspection_result(result)


@qa_app.command("list")
@handles_errors
def qa_list(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """Inspection plans and their decisions."""
    from landrelease.cli.display.operations import show_inspection_plans
    from landrelease.quality import read_plans

    with open_workspace(workspace, db) as ws:
        plans = read_plans(ws)
    show_inspection_plans(plans)
