"""Post-clearance inspection of released land: plan it, record it, state what it shows.

:func:`plan_inspection` takes the land an approved activity released (its
lines in the land-release ledger), cuts it into cells, sizes a
limiting-quality sample (:mod:`landrelease.quality.sampling`) and draws the
cells at random with a seed; the plan and its cells are stored
(``qa_sampling_plans``, ``qa_samples``: map layers in QGIS).
:func:`record_inspection` stores what the inspectors found, accepts or
rejects the lot, writes the statement in words, a QA visit and, when a
device is found, a critical non-conformity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.quality.nonconformities import raise_non_conformity
from landrelease.quality.sampling import (
    M2_PER_HA,
    METHODS,
    SamplingPlan,
    cell_squares,
    density_upper_bound,
    draw_sample,
    lot_cells,
    make_plan,
)
from landrelease.records.changes import audit, row_json, save_records
from landrelease.store import Connection, Workspace, WorkspaceView, tables
from landrelease.store.crs import project, unproject
from landrelease.store.sql import now_iso


@dataclass
class InspectionPlan:
    """A stored inspection plan with its sample cells and what it costs."""

    plan_id: str
    activity_id: str
    plan: SamplingPlan
    seed: int
    usd_per_m2: float
    samples: gpd.GeoDataFrame
    """The sample cells (EPSG:4326): sample_no, area_m2, geometry."""

    @property
    def inspection_cost_usd(self) -> float:
        return self.plan.sample_area_m2 * self.usd_per_m2

    @property
    def cost_per_m2_released(self) -> float:
        """Inspection cost spread over the lot, USD per m² of released land."""
        return self.inspection_cost_usd / self.plan.lot_area_m2 if self.plan.lot_area_m2 else 0.0

    @property
    def reclearance_cost_usd(self) -> float:
        """What re-clearing the whole lot would cost."""
        return self.plan.lot_area_m2 * self.usd_per_m2

    def describe(self) -> str:
        p = self.plan
        return (
            f"Inspect {p.sample_cells:,} of {p.lot_cells:,} cells of {p.cell_m2:g} m² "
            f"({p.sample_area_m2 / M2_PER_HA:,.2f} ha of {p.lot_area_m2 / M2_PER_HA:,.2f} ha, "
            f"{100 * p.sampling_fraction:.1f} %); accept the lot if at most {p.acceptance_number} "
            f"device(s) are found. A lot at the limiting quality ({p.limiting_density_per_ha:g} devices per ha) "
            f"is accepted with probability {p.consumer_risk:.3f} (≤ {1 - p.confidence:.2f}; {p.method})."
        )

    def cost_line(self) -> str:
        return (
            f"Inspection costs USD {self.cost_per_m2_released:,.3f} per m² released "
            f"(USD {self.inspection_cost_usd:,.0f} for {self.plan.sample_area_m2:,.0f} m² inspected), "
            f"against USD {self.usd_per_m2:,.2f} per m² (USD {self.reclearance_cost_usd:,.0f}) "
            "to re-clear all of it."
        )


@dataclass
class InspectionResult:
    plan_id: str
    activity_id: str
    decision: str
    """accepted, rejected or incomplete (less area inspected than planned)."""
    devices_found: int
    area_inspected_m2: float
    density_bound_per_ha: float
    statement: str
    visit_id: str
    nc_id: str | None


def _fmt_density(v: float) -> str:
    if not math.isfinite(v):
        return "an unknown number of"
    if v >= 10:
        return f"{v:,.0f}"
    return f"{v:.1f}" if v >= 1 else f"{v:.2g}"


def statement(
    *,
    confidence: float,
    density_bound_per_ha: float,
    lot_area_m2: float,
    activity_id: str,
    decision: str,
    devices_found: int,
) -> str:
    """The inspection's conclusion in words."""
    pct = f"{100 * confidence:g} %"
    ha = f"{lot_area_m2 / M2_PER_HA:,.2f} ha"
    head = {
        "accepted": f"Accepted: {devices_found} device(s) found.",
        "rejected": f"Rejected: {devices_found} device(s) found, more than the plan accepts.",
        "incomplete": "Not accepted: less area was inspected than the plan requires.",
    }[decision]
    return (
        f"{head} We are {pct} confident that fewer than {_fmt_density(density_bound_per_ha)} "
        f"devices per hectare remain in the {ha} released by activity {activity_id}."
    )


def _lot(ws: Workspace, conn: Connection, activity_id: str) -> shapely.Geometry:
    """The land the activity released, as its ledger lines hold it (EPSG:4326)."""
    mine = tables.read_table(conn, "land_release", where={"activity_id": activity_id})
    if not len(mine):
        acts = ws.read_layer("activities", ids=[activity_id], conn=conn)
        if not len(acts):
            raise UsageError(f"no activity {activity_id!r} in this workspace")
        raise UsageError(
            f"activity {activity_id} ({acts.iloc[0]['status'] or 'draft'}) has released no land in the "
            "ledger; only land released by an approved activity is inspected"
        )
    return shapely.union_all(np.asarray(mine.geometry.values, dtype=object))


def plan_inspection(
    source: Workspace | WorkspaceView,
    *,
    activity_id: str,
    actor: str,
    limiting_density_per_ha: float | None = None,
    confidence: float | None = None,
    acceptance_number: int | None = None,
    cell_m2: float | None = None,
    method: str = "hypergeometric",
    seed: int = 0,
) -> InspectionPlan:
    """Plan the post-clearance inspection of the land an approved activity released; store it.

    Unset parameters come from the settings (``qa_*``). The sample cells are
    drawn at random with ``seed``: the same seed gives the same cells; the
    cells are cut in the workspace's metric CRS.
    """
    cell = float(cell_m2 if cell_m2 is not None else settings.get("qa_cell_m2"))
    if method not in METHODS:
        raise UsageError(f"unknown sampling method {method!r}; use {' or '.join(METHODS)}")
    view = WorkspaceView.of(source)
    ws = view.ws
    with ws.begin() as conn:
        lot = _lot(ws, conn, activity_id)
        crs = view.metric_crs
        lot_m = project([lot], crs)[0]
        cx, cy = lot_cells(lot_m, cell)
        if not len(cx):
            raise UsageError(
                f"the land released by {activity_id} ({lot_m.area:,.0f} m²) holds no whole cell of "
                f"{cell:g} m²; choose a smaller --cell-m2"
            )
        try:
            plan = make_plan(
                lot_cells=len(cx),
                cell_m2=cell,
                limiting_density_per_ha=float(
                    _setting(limiting_density_per_ha, "qa_limiting_density_per_ha")
                ),
                confidence=float(_setting(confidence, "qa_confidence")),
                acceptance_number=int(_setting(acceptance_number, "qa_acceptance_number")),
                method=method,
                lot_area_m2=float(lot_m.area),
            )
        except ValueError as exc:
            raise UsageError(f"no sampling plan for {activity_id}: {exc}") from None
        chosen = draw_sample(len(cx), plan.sample_cells, seed=seed)
        picked = unproject(cell_squares(cx[chosen], cy[chosen], cell), crs)
        done = InspectionPlan(
            "",
            activity_id,
            plan,
            seed,
            float(settings.get("qa_usd_per_m2")),
            gpd.GeoDataFrame(
                {"sample_no": np.arange(1, len(picked) + 1), "area_m2": cell},
                geometry=gpd.GeoSeries(picked, crs="EPSG:4326"),
            ),
        )
        _store_plan(conn, done, lot, actor=actor)
    return done


def _setting(given: float | None, name: str) -> float:
    return float(given) if given is not None else float(settings.get(name))


def _store_plan(
    conn: Connection, done: InspectionPlan, lot: shapely.Geometry, *, actor: str
) -> None:
    """Number the plan (``PCI-<activity>-<n>``), write it, its sample cells and the audit entry."""
    plan, activity_id = done.plan, done.activity_id
    n_before = tables.count_where(conn, "qa_sampling_plans", {"activity_id": activity_id})
    done.plan_id = f"PCI-{activity_id}-{n_before + 1}"
    done.samples.insert(0, "plan_id", done.plan_id)
    now = now_iso()
    row = {
        "plan_id": done.plan_id,
        "activity_id": activity_id,
        "method": plan.method,
        "confidence": plan.confidence,
        "limiting_density_per_ha": plan.limiting_density_per_ha,
        "acceptance_number": plan.acceptance_number,
        "cell_m2": plan.cell_m2,
        "lot_area_m2": round(plan.lot_area_m2, 3),
        "lot_cells": plan.lot_cells,
        "sample_cells": plan.sample_cells,
        "sample_area_m2": plan.sample_area_m2,
        "usd_per_m2": done.usd_per_m2,
        "seed": done.seed,
        "created_at": now,
        "created_by": actor,
        "geom": tables.as_multipolygon(lot),
    }
    tables.insert_records(conn, "qa_sampling_plans", [row])
    tables.insert_records(
        conn,
        "qa_samples",
        [
            {
                "plan_id": done.plan_id,
                "sample_no": int(no),
                "area_m2": plan.cell_m2,
                "inspected": False,
                "geom": tables.as_multipolygon(g),
            }
            for no, g in zip(done.samples["sample_no"], done.samples.geometry, strict=True)
        ],
    )
    audit(
        conn,
        actor=actor,
        action="insert",
        table="qa_sampling_plans",
        record_id=done.plan_id,
        after={k: v for k, v in row.items() if k != "geom"},
        at=now,
        note=f"post-clearance inspection planned (seed {done.seed})",
    )


def read_plan(
    source: Workspace | WorkspaceView, plan_id: str
) -> tuple[pd.Series, gpd.GeoDataFrame]:
    """A stored plan (its row) and its sample cells."""
    with WorkspaceView.of(source).ws.engine.connect() as conn:
        plans = tables.read_table(conn, "qa_sampling_plans", where={"plan_id": plan_id})
        if not len(plans):
            raise UsageError(f"no inspection plan {plan_id!r}; `landrelease qa plan` makes one")
        samples = tables.read_table(conn, "qa_samples", where={"plan_id": plan_id})
    assert isinstance(samples, gpd.GeoDataFrame)
    return plans.iloc[0], samples


def record_inspection(
    source: Workspace | WorkspaceView,
    *,
    plan_id: str,
    actor: str,
    date: str,
    devices_found: int | None = None,
    area_inspected_m2: float | None = None,
    found_by_sample: Mapping[int, int] | None = None,
    organisation: str | None = None,
) -> InspectionResult:
    """Store an inspection's results: decide, state the confidence in words, record the visit.

    Give the devices found in all (``devices_found``) or per sample cell
    (``found_by_sample``: sample number → devices). ``area_inspected_m2``
    defaults to the planned sample area.
    """
    ws = WorkspaceView.of(source).ws
    row, samples = read_plan(ws, plan_id)
    if row["decision"]:
        raise UsageError(
            f"plan {plan_id} was recorded already ({row['decision']} on {row['decided_at']})"
        )
    found = _devices_found(plan_id, samples, devices_found, found_by_sample)
    planned = float(row["sample_area_m2"])
    area = float(area_inspected_m2 if area_inspected_m2 is not None else planned)
    if area <= 0:
        raise UsageError("the area inspected must be above 0 m²")
    if area > float(row["lot_area_m2"]) * 1.001 + float(row["cell_m2"]):
        raise UsageError(
            f"{area:,.0f} m² inspected is more than the lot's {float(row['lot_area_m2']):,.0f} m²"
        )
    bound = density_upper_bound(
        found=found,
        inspected_cells=math.floor(area / float(row["cell_m2"]) + 1e-9),
        cell_m2=float(row["cell_m2"]),
        confidence=float(row["confidence"]),
        method=str(row["method"]),
        lot_cells=int(row["lot_cells"]),
    )
    if found > int(row["acceptance_number"]):
        decision = "rejected"
    elif area + 1e-6 < planned:
        decision = "incomplete"
    else:
        decision = "accepted"
    text = statement(
        confidence=float(row["confidence"]),
        density_bound_per_ha=bound,
        lot_area_m2=float(row["lot_area_m2"]),
        activity_id=str(row["activity_id"]),
        decision=decision,
        devices_found=found,
    )
    result = InspectionResult(
        plan_id, str(row["activity_id"]), decision, found, area, bound, text, f"QA-{plan_id}", None
    )
    with ws.begin() as conn:
        _store_result(
            ws, conn, row, result, found_by_sample, actor=actor, date=date, org=organisation
        )
    return result


def _devices_found(
    plan_id: str,
    samples: pd.DataFrame,
    devices_found: int | None,
    found_by_sample: Mapping[int, int] | None,
) -> int:
    """The devices found in all, checked against the per-sample counts when given."""
    if found_by_sample:
        unknown = sorted(set(found_by_sample) - set(samples["sample_no"].astype(int)))
        if unknown:
            raise UsageError(
                f"plan {plan_id} has no sample(s) {unknown}; samples are 1–{len(samples)}"
            )
        if any(v < 0 for v in found_by_sample.values()):
            raise UsageError("devices found cannot be negative")
        total = int(sum(found_by_sample.values()))
        if devices_found is not None and devices_found != total:
            raise UsageError(f"{devices_found} devices given but the samples add up to {total}")
        devices_found = total
    if devices_found is None:
        raise UsageError("give the devices found (--found N or --sample NO=N)")
    if devices_found < 0:
        raise UsageError("devices found cannot be negative")
    return devices_found


VISIT_RESULT = {
    "accepted": "conforming",
    "rejected": "critical_nonconformity",
    "incomplete": "minor_nonconformity",
}
"""The QA visit's result for each decision on the lot."""


def _store_result(
    ws: Workspace,
    conn: Connection,
    row: pd.Series,
    r: InspectionResult,
    found_by_sample: Mapping[int, int] | None,
    *,
    actor: str,
    date: str,
    org: str | None,
) -> None:
    """The QA visit, the plan's decision, the samples inspected, the audit entry and, when the
    lot is rejected, a critical non-conformity (its id kept in ``r``)."""
    visit = {
        "visit_id": r.visit_id,
        "date": date,
        "kind": "post_clearance_inspection",
        "activity_id": row["activity_id"],
        "organisation": org,
        "result": VISIT_RESULT[r.decision],
        "devices_found": r.devices_found,
        "area_inspected_m2": round(r.area_inspected_m2, 3),
        "notes": r.statement,
        "geometry": row["geometry"],
    }
    note = f"post-clearance inspection {r.plan_id}"
    save_records(ws, "qa_visits", [visit], actor=actor, note=note, conn=conn)
    before = row_json(row.drop(labels=["geometry"], errors="ignore"))
    now = now_iso()
    values = {
        "decision": r.decision,
        "devices_found": r.devices_found,
        "area_inspected_m2": round(r.area_inspected_m2, 3),
        "statement": r.statement,
        "visit_id": r.visit_id,
        "decided_at": now,
        "decided_by": actor,
    }
    tables.update_where(conn, "qa_sampling_plans", values, {"plan_id": r.plan_id})
    if found_by_sample:
        for no, n in found_by_sample.items():
            tables.update_where(
                conn,
                "qa_samples",
                {"inspected": True, "devices_found": int(n)},
                {"plan_id": r.plan_id, "sample_no": int(no)},
            )
    elif r.decision != "incomplete":
        tables.update_where(conn, "qa_samples", {"inspected": True}, {"plan_id": r.plan_id})
    audit(
        conn,
        actor=actor,
        action="update",
        table="qa_sampling_plans",
        record_id=r.plan_id,
        before=before,
        after={**before, **values},
        at=now,
        note=f"inspection recorded: {r.decision}",
    )
    if r.decision == "rejected":
        r.nc_id = raise_non_conformity(
            ws,
            conn=conn,
            actor=actor,
            severity="critical",
            description=(
                f"{r.devices_found} device(s) found by post-clearance inspection {r.plan_id} in "
                f"land released by activity {row['activity_id']}"
            ),
            raised_on=date,
            visit_id=r.visit_id,
            activity_id=str(row["activity_id"]),
            organisation=org,
        )


def read_plans(source: Workspace | WorkspaceView) -> pd.DataFrame:
    """Every current inspection plan with its decision (if recorded)."""
    return WorkspaceView.of(source).table("qa_sampling_plans")
