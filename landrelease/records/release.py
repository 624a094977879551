"""The release service: what an approved activity books in the land-release ledger, and how its
hazard follows — one path for an approval, for activities imported as already approved, and for
the preview a field officer sees while typing.

* :class:`ReleaseBook` — the hazards and the ledger as one approval or one booking sees them,
  in the workspace's metric CRS. :meth:`ReleaseBook.release` checks an activity's release
  against its hazard and the ledger (:func:`~landrelease.records.rules.check_release`), says
  which ledger lines it books and where its hazard goes (status and classification,
  :func:`~landrelease.records.rules.hazard_after`); :meth:`ReleaseBook.commit` keeps what was
  booked, so the next activity is checked against it;
* :func:`assess` — what an approval would do and refuse (the release, and the organisation's
  accreditation flags); :func:`preview_approval` does it for an activity not yet stored,
  writing nothing (the web forms show it as warnings);
* :func:`write_ledger`, :func:`write_hazards`, :func:`complete_hazards` — the writes, each in the
  audit trail;
* :func:`book_approved_activities` — activities imported as approved are booked through the
  same path, leniently: trimmed where they break a rule, each trim listed.

A strict check (an approval) refuses an activity on a closed hazard; activities approved
elsewhere are booked on a closed hazard too (they are often what closed it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.errors import Issue, IssueLog
from landrelease.records.changes import insert_audited, write_records
from landrelease.records.ledger import read_completions, read_ledger
from landrelease.records.rules import (
    FILE,
    METHODS_BY_TYPE,
    RELEASE_METHODS,
    Booking,
    ReleaseCheck,
    accreditation_flags,
    check_release,
    hazard_after,
    release_claims,
)
from landrelease.store import Connection, Workspace, WorkspaceView, WriteCounts, tables
from landrelease.store.crs import project, unproject
from landrelease.store.sql import now_iso

RELEASED_COLUMNS = ["activity_id", "method", "released_on", "geometry"]

Row = Mapping[Any, Any] | pd.Series
"""An activity or a hazard as a record: a mapping of its values, or a row of a frame."""


@dataclass(frozen=True)
class HazardMove:
    """How a hazard follows a release: statuses only move forward; a confirmation makes an SHA a CHA."""

    hazard_id: str
    area_m2: float
    status_before: str
    classification_before: str
    status_after: str
    classification_after: str
    released_before_m2: float
    remaining_m2: float


@dataclass
class Release:
    """What releasing one activity's land does (or, in a preview, would do)."""

    activity_id: str
    hazard_id: str
    released_on: Any
    check: ReleaseCheck | None
    """``None`` when the activity releases no land (its type or outcome books nothing)."""
    hazard: HazardMove | None
    """``None`` when its hazard is not a current one."""
    flags: list[str] = field(default_factory=list)
    """The organisation's accreditation problems (an approval needs the reviewer's override)."""

    @property
    def refusals(self) -> list[Issue]:
        """The problems an approval refuses (errors of the release check)."""
        return [] if self.check is None else self.check.errors

    @property
    def bookings(self) -> list[Booking]:
        return [] if self.check is None or self.check.errors else self.check.bookings

    @property
    def released_m2(self) -> float:
        return sum(b.area_m2 for b in self.bookings)


def books_land(activity: Row) -> bool:
    """Whether an activity releases land: its type has a release method and it reports an area
    per method or an outcome that is a method."""
    methods = METHODS_BY_TYPE.get(str(activity.get("type")), ())
    claims = release_claims(activity.get("extra"))
    return bool(methods) and (claims is not None or activity.get("outcome") in RELEASE_METHODS)


def closed_hazard_issue(activity_id: str, hazard_id: str) -> Issue:
    return Issue(
        FILE,
        activity_id,
        "hazard_id",
        repr(hazard_id),
        f"hazard {hazard_id} is closed already; no more of it can be released",
        "a hazard that is not closed",
    )


class ReleaseBook:
    """The hazards and the land-release ledger as one approval or booking sees them (metric CRS).

    What :meth:`commit` books is added at once: the next activity is checked against it and
    its hazard moves on from where the previous one left it.
    """

    def __init__(
        self,
        crs: str,
        hazards: pd.DataFrame,
        ledger: pd.DataFrame,
        *,
        hazards_metric: gpd.GeoDataFrame | None = None,
    ) -> None:
        self.crs = crs
        self.closure_share = float(settings.get("closure_remaining_share"))
        self.tolerance_share = float(settings.get("approval_tolerance_share"))
        self.hazards: dict[str, Row] = {str(r["hazard_id"]): r for r in hazards.to_dict("records")}
        self.state = {
            h: (str(r["status"]), str(r["classification"])) for h, r in self.hazards.items()
        }
        area = (
            pd.to_numeric(ledger["area_m2"], errors="coerce").fillna(0.0) if len(ledger) else None
        )
        self.totals: dict[str, float] = (
            {str(k): float(v) for k, v in area.groupby(ledger["hazard_id"]).sum().items()}
            if area is not None
            else {}
        )
        self._ledger = ledger
        self._old: tuple[pd.DataFrame, np.ndarray, shapely.STRtree] | None = None
        self._frame = hazards
        self._metric: dict[str, Any] | None = (
            None
            if hazards_metric is None
            else dict(zip(self.hazards, hazards_metric.geometry.values, strict=True))
        )
        self._new: dict[str, list[dict[str, Any]]] = {}
        self._tree: tuple[np.ndarray, shapely.STRtree] | None = None

    @classmethod
    def read(
        cls,
        ws: Workspace,
        conn: Connection,
        crs: str,
        *,
        hazard_ids: Sequence[str] | None = None,
    ) -> ReleaseBook:
        """The book as a write transaction sees it (only ``hazard_ids`` when given)."""
        hazards = ws.read_layer(
            "hazards", ids=None if hazard_ids is None else list(hazard_ids), conn=conn
        )
        return cls(crs, hazards, read_ledger(conn))

    @classmethod
    def of_view(cls, view: WorkspaceView) -> ReleaseBook:
        """The book of a read-model snapshot (for a preview), its hazards projected once."""
        return cls(
            view.metric_crs,
            view.layer("hazards"),
            view.ledger(),
            hazards_metric=view.metric("hazards"),
        )

    # -- geometry -----------------------------------------------------------------------------
    def hazard_metric(self, hazard_id: str) -> Any:
        """A hazard's polygon in the metric CRS (all hazards projected at once, on first use)."""
        if self._metric is None:
            geoms = project(np.asarray(self._frame.geometry.values, dtype=object), self.crs)
            self._metric = dict(zip(self.hazards, geoms, strict=True))
        return self._metric.get(hazard_id)

    def _released_near(self, activity_id: str, geom: Any) -> pd.DataFrame:
        """Ledger lines (metric) that may touch ``geom``: those stored, and those booked since."""
        if self._old is None:
            led = self._ledger
            frame = pd.DataFrame({c: led[c].to_numpy(dtype=object) for c in RELEASED_COLUMNS[:3]})
            geoms = project(np.asarray(led.geometry.values, dtype=object), self.crs)
            self._old = (frame, geoms, shapely.STRtree(geoms))
        frame, geoms, tree = self._old
        hit = tree.query(geom, predicate="intersects")
        cols: dict[str, list[Any]] = {
            c: list(frame[c].to_numpy()[hit]) for c in RELEASED_COLUMNS[:3]
        }
        cols["geometry"] = list(geoms[hit])
        if self._new:
            if self._tree is None:
                ids = np.array(list(self.hazards), dtype=object)
                self._tree = (ids, shapely.STRtree([self.hazard_metric(h) for h in ids]))
            ids, htree = self._tree
            for hid in ids[htree.query(geom, predicate="intersects")]:
                for line in self._new.get(str(hid), []):
                    for c in RELEASED_COLUMNS:
                        cols[c].append(line[c])
        keep = [i for i, a in enumerate(cols["activity_id"]) if a != activity_id]
        return pd.DataFrame(
            {c: [v[i] for i in keep] for c, v in cols.items()}, columns=RELEASED_COLUMNS
        )

    # -- the one path -------------------------------------------------------------------------
    def release(self, act: Row, *, strict: bool, metric_geometry: Any = None) -> Release:
        """Check an activity's release, and where its hazard would go; nothing is kept yet.

        Strict (an approval): every problem refuses it, a closed hazard too. Lenient
        (activities approved elsewhere): the area is trimmed, each trim a warning.
        ``metric_geometry``: the activity's polygon already projected (else it is projected).
        """
        aid, hid = str(act["activity_id"]), str(act["hazard_id"])
        check = (
            self._check(act, aid, hid, strict=strict, geom=metric_geometry)
            if books_land(act)
            else None
        )
        rel = Release(aid, hid, act.get("end"), check, None)
        hz = self.hazards.get(hid)
        if hz is not None:
            status, classification = self.state[hid]
            before = self.totals.get(hid, 0.0)
            state = hazard_after(
                status=status,
                classification=classification,
                area_m2=float(hz["area_m2"]),
                released_m2=before + rel.released_m2,
                outcome=act.get("outcome"),
                closure_share=self.closure_share,
            )
            rel.hazard = HazardMove(
                hid,
                float(hz["area_m2"]),
                status,
                classification,
                state.status,
                state.classification,
                before,
                state.remaining_m2,
            )
        return rel

    def _check(self, act: Row, aid: str, hid: str, *, strict: bool, geom: Any) -> ReleaseCheck:
        a_geom = geom
        if a_geom is None and act.get("geometry") is not None:
            a_geom = project([act.get("geometry")], self.crs)[0]
        h_geom = self.hazard_metric(hid)
        released = (
            self._released_near(aid, a_geom)
            if a_geom is not None and not shapely.is_empty(a_geom)
            else pd.DataFrame(columns=RELEASED_COLUMNS)
        )
        check = check_release(
            activity_id=aid,
            activity_type=str(act.get("type")),
            outcome=act.get("outcome"),
            claims=release_claims(act.get("extra")),
            activity_geom=a_geom,
            hazard_id=hid,
            hazard_geom=h_geom,
            released=released,
            tolerance_share=self.tolerance_share,
            strict=strict,
        )
        if strict and self.state.get(hid, ("",))[0] == "closed":
            check.issues.append(closed_hazard_issue(aid, hid))
        return check

    def commit(self, rel: Release) -> None:
        """Keep a release: its land counts as released, its hazard stands where it moved."""
        if rel.bookings:
            assert rel.check is not None
            for b in rel.bookings:
                self._new.setdefault(rel.hazard_id, []).append(
                    {
                        "activity_id": rel.activity_id,
                        "method": b.method,
                        "released_on": rel.released_on,
                        "geometry": rel.check.geometry,
                    }
                )
            self.totals[rel.hazard_id] = self.totals.get(rel.hazard_id, 0.0) + rel.released_m2
        if rel.hazard is not None:
            self.state[rel.hazard_id] = (rel.hazard.status_after, rel.hazard.classification_after)

    def remaining_m2(self, hazard_id: str) -> float:
        area = float(self.hazards[hazard_id]["area_m2"])
        return max(area - self.totals.get(hazard_id, 0.0), 0.0)


def assess(book: ReleaseBook, act: Row, organisations: pd.DataFrame) -> Release:
    """What approving ``act`` would do and refuse: its release (strict) and its accreditation flags."""
    rel = book.release(act, strict=True)
    rel.flags = accreditation_flags(act, organisations)
    return rel


def preview_approval(source: Workspace | WorkspaceView, activity: Row) -> Release:
    """What an approval of ``activity`` (a record: activity_id, type, hazard_id, outcome,
    organisation, asset, start, end, extra, geometry in EPSG:4326) would book and refuse,
    against the workspace as it is now. Nothing is written."""
    view = WorkspaceView.of(source)
    return assess(ReleaseBook.of_view(view), activity, view.layer("organisations"))


# -- writing -------------------------------------------------------------------------------


def write_ledger(
    conn: Connection,
    releases: Sequence[Release],
    *,
    crs: str,
    source: str,
    actor: str,
    now: str,
    note: str,
) -> list[dict[str, Any]]:
    """Write the ledger lines of releases (one per method booked), each in the audit trail."""
    rows: list[dict[str, Any]] = []
    booked = [r for r in releases if r.bookings]
    back = unproject([r.check.geometry for r in booked if r.check is not None], crs)
    for rel, geom in zip(booked, back, strict=True):
        mp = tables.as_multipolygon(geom)
        rows += [
            {
                "activity_id": rel.activity_id,
                "hazard_id": rel.hazard_id,
                "method": b.method,
                "area_m2": round(b.area_m2, 3),
                "released_on": rel.released_on,
                "source": source,
                "booked_at": now,
                "booked_by": actor,
                "geom": mp,
            }
            for b in rel.bookings
        ]
    insert_audited(conn, "land_release", rows, key="activity_id", actor=actor, at=now, note=note)
    return rows


def write_hazards(
    ws: Workspace,
    conn: Connection,
    book: ReleaseBook,
    dated: Mapping[str, str],
    *,
    actor: str,
    note: str,
) -> WriteCounts:
    """Write the hazards the book moved (``dated``: hazard → the date of information to give it),
    by the date-of-information rule: a hazard reported later is left as reported (stale)."""
    rows = []
    for hid, doi in dated.items():
        hz = book.hazards[hid]
        status, classification = book.state[hid]
        if (status, classification) != (hz["status"], hz["classification"]):
            rows.append(
                {
                    **hz,
                    "status": status,
                    "classification": classification,
                    "date_of_information": doi,
                }
            )
    if not rows:
        return WriteCounts()
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return write_records(ws, conn, "hazards", frame, actor=actor, note=note)


def complete_hazards(
    ws: Workspace,
    conn: Connection,
    book: ReleaseBook,
    hazard_ids: Sequence[str],
    *,
    actor: str,
    now: str,
) -> int:
    """Write completion records for the hazards now closed whose ledger leaves no more than the
    closure share of their area, and that have none; return how many were written."""
    if not hazard_ids:
        return 0
    current = ws.read_layer("hazards", ids=list(hazard_ids), conn=conn)
    closed = [
        str(h)
        for h, s in zip(current["hazard_id"], current["status"], strict=True)
        if s == "closed"
        and book.remaining_m2(str(h)) <= book.closure_share * float(book.hazards[str(h)]["area_m2"])
    ]
    if not closed:
        return 0
    done = set(read_completions(conn)["hazard_id"])
    todo = [h for h in closed if h not in done]
    lines = tables.read_table(
        conn,
        "land_release",
        where={"hazard_id": todo},
        columns=["activity_id", "hazard_id", "method", "area_m2", "released_on"],
    )
    if not len(lines):
        return 0
    by_hazard = lines.groupby("hazard_id")
    area = pd.to_numeric(lines["area_m2"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    sums: dict[tuple[str, str], float] = {}
    for h, m, a in zip(lines["hazard_id"], lines["method"], area, strict=True):
        sums[(str(h), str(m))] = sums.get((str(h), str(m)), 0.0) + float(a)
    last = by_hazard["released_on"].max()
    acts = by_hazard["activity_id"].agg(lambda a: sorted(set(a)))
    rows = [
        {
            "hazard_id": hid,
            "completed_on": str(last[hid]),
            "hazard_area_m2": float(book.hazards[hid]["area_m2"]),
            **{f"{m}_m2": sums.get((hid, m), 0.0) for m in RELEASE_METHODS},
            "activities": acts[hid],
            "created_at": now,
            "created_by": actor,
        }
        for hid in todo
        if hid in last.index
    ]
    insert_audited(
        conn,
        "hazard_completions",
        rows,
        key="hazard_id",
        actor=actor,
        at=now,
        note="hazard fully released",
    )
    return len(rows)


# -- activities approved elsewhere ---------------------------------------------------------


@dataclass
class BackfillResult:
    """What booking the already-approved activities did."""

    activities: int
    bookings: int
    area_by_method_m2: dict[str, float]
    hazards_updated: int
    hazards_not_updated: int
    completions: int
    log: IssueLog


def _to_book(acts: pd.DataFrame, booked: set[str]) -> pd.DataFrame:
    """Approved activities that release land and are not in the ledger, in the order they ended."""
    records = acts.to_dict("records")
    mask = np.array(
        [
            r["status"] == "approved" and r["activity_id"] not in booked and books_land(r)
            for r in records
        ],
        dtype=np.bool_,
    )
    return acts[mask].sort_values(["end", "activity_id"], kind="stable")


def book_approved_activities(source: Workspace | WorkspaceView, *, actor: str) -> BackfillResult:
    """Book in the ledger the approved activities that are not in it yet (imported approvals).

    Each is booked as its approval would have booked it, in the order they ended: the same
    checks against its hazard and the ledger, the same ledger lines, the same move of its
    hazard (status, and an SHA becomes a CHA when the activity confirmed contamination). Where
    one breaks a rule its release is trimmed to what the rules allow, each trim a warning. A
    hazard's date of information becomes the activity's end date, so a later report about the
    hazard is never overridden.
    """
    view = WorkspaceView.of(source)
    ws = view.ws
    log = IssueLog()
    with ws.begin() as conn:
        ledger = read_ledger(conn)
        todo = _to_book(ws.read_layer("activities", conn=conn), set(ledger["activity_id"]))
        if not len(todo):
            return BackfillResult(0, 0, dict.fromkeys(RELEASE_METHODS, 0.0), 0, 0, 0, log)
        book = ReleaseBook(view.metric_crs, ws.read_layer("hazards", conn=conn), ledger)
        booked: list[Release] = []
        last_end: dict[str, str] = {}
        geoms = project(np.asarray(todo.geometry.values, dtype=object), book.crs)
        for rec, geom in zip(todo.to_dict("records"), geoms, strict=True):
            rel = book.release(rec, strict=False, metric_geometry=geom)
            assert rel.check is not None
            log.extend(rel.check.issues)
            if rel.refusals or not rel.bookings:
                continue
            book.commit(rel)
            booked.append(rel)
            last_end[rel.hazard_id] = max(last_end.get(rel.hazard_id, ""), str(rec["end"]))
        now = now_iso()
        rows = write_ledger(
            conn,
            booked,
            crs=book.crs,
            source="imported",
            actor=actor,
            now=now,
            note="approved activity booked",
        )
        moved = {h: d for h, d in last_end.items() if h in book.hazards}
        counts = write_hazards(
            ws,
            conn,
            book,
            moved,
            actor=actor,
            note="follows approved activities booked in the ledger",
        )
        made = complete_hazards(ws, conn, book, list(moved), actor=actor, now=now)
    sums = pd.DataFrame(rows).groupby("method")["area_m2"].sum() if rows else pd.Series()
    return BackfillResult(
        activities=len(booked),
        bookings=len(rows),
        area_by_method_m2={m: float(sums.get(m, 0.0)) for m in RELEASE_METHODS},
        hazards_updated=counts.updated,
        hazards_not_updated=counts.stale,
        completions=made,
        log=log,
    )
