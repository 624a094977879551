"""Changing records one by one: every change checked, merged by id and kept in the audit trail.

Imports change many records at once (:mod:`landrelease.io`); a programme's
daily work changes a few: an activity is submitted, a hazard closes, a QA
visit is recorded, a record is retired. These functions do that through the
same rules: values are checked by the importer's own :class:`LayerChecker`,
records are merged by :meth:`Workspace.write_batch` (ids as keys, the
date-of-information rule, content hashes) and every change lands in
``audit_log`` with who, when, the record before and after, and a note.
Nothing is deleted: :func:`retire_record` marks a record retired with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease.domain import Layer, layer_by_name
from landrelease.domain.records import RecordBatch
from landrelease.errors import DataError, IssueLog, UsageError
from landrelease.io.sources import RawBatch
from landrelease.io.validate import LayerChecker
from landrelease.store import Connection, Workspace, WriteContext, WriteCounts, tables
from landrelease.store.sql import now_iso

RETIRABLE_TABLES: dict[str, str] = {
    "victim_assistance": "assistance_id",
    "expenditures": "expenditure_id",
    "non_conformities": "nc_id",
    "qa_sampling_plans": "plan_id",
}
"""Records tables (beside the layers) that can be retired, with their id column."""


def audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    table: str,
    record_id: str,
    before: Any = None,
    after: Any = None,
    note: str | None = None,
    at: str | None = None,
) -> None:
    """Write one entry of the audit trail; ``before``/``after`` are records (dicts) or JSON text."""

    def _text(v: Any) -> str | None:
        if v is None or isinstance(v, str):
            return v
        return json.dumps(_finite(v), ensure_ascii=False, default=str)

    tables.insert_records(
        conn,
        "audit_log",
        [
            {
                "at": at or now_iso(),
                "actor": actor,
                "action": action,
                "layer": table,
                "record_id": record_id,
                "import_id": None,
                "before": _text(before),
                "after": _text(after),
                "note": note,
            }
        ],
    )


def insert_audited(
    conn: Connection,
    table: str,
    rows: list[dict[str, Any]],
    *,
    key: str,
    actor: str,
    at: str,
    note: str,
) -> None:
    """Insert records into ``table`` and write an audit entry for each (its ``key`` as the
    record id; geometry left out of the entry)."""
    tables.insert_records(conn, table, rows)
    for r in rows:
        audit(
            conn,
            actor=actor,
            action="insert",
            table=table,
            record_id=str(r[key]),
            after={k: v for k, v in r.items() if k != "geom"},
            at=at,
            note=note,
        )


def _finite(v: Any) -> Any:
    """JSON has no NaN: null instead, everywhere in the value."""
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _batch(layer: Layer, frame: pd.DataFrame, file: str) -> RecordBatch:
    """A batch of records read from the workspace, ready to be merged back."""
    values = pd.DataFrame(
        {
            f.name: pd.Series(frame[f.name].to_numpy(dtype=object), dtype=object)
            for f in layer.fields
        }
    )
    values["extra"] = pd.Series(
        [v if isinstance(v, dict) else {} for v in frame["extra"]], dtype=object
    )
    geoms = np.asarray(frame.geometry.values, dtype=object) if layer.spatial else None
    return RecordBatch(layer, file, values, geoms, np.arange(1, len(frame) + 1))


def write_records(
    ws: Workspace,
    conn: Connection,
    layer_name: str,
    frame: pd.DataFrame,
    *,
    actor: str,
    note: str | None = None,
    file: str = "records",
) -> WriteCounts:
    """Merge records in their domain form (as :meth:`Workspace.read_layer` gives them).

    The date-of-information rule applies: a record replaces the stored one only
    when its ``date_of_information`` is later. The audit entries get ``note``.
    """
    layer = layer_by_name(layer_name)
    if not len(frame):
        return WriteCounts()
    ctx = WriteContext(actor=actor, import_id=None, now=now_iso(), note=note)
    return ws.write_batch(conn, _batch(layer, frame, file), ctx)


def save_records(
    ws: Workspace,
    layer_name: str,
    records: Sequence[Mapping[str, Any]] | pd.DataFrame,
    *,
    actor: str,
    note: str | None = None,
    conn: Connection | None = None,
) -> WriteCounts:
    """Check records of a layer with the importer's rules and merge them into the workspace.

    ``records`` are mappings of property values (a ``geometry`` entry as a
    shapely geometry or a GeoJSON mapping, EPSG:4326) or a (Geo)DataFrame.
    Raises :class:`DataError` listing every problem; nothing is written then.
    """
    layer = layer_by_name(layer_name)
    if isinstance(records, pd.DataFrame):
        props = pd.DataFrame(records.drop(columns="geometry", errors="ignore"))
        geoms = (
            np.asarray(records.geometry.values, dtype=object)
            if isinstance(records, gpd.GeoDataFrame)
            else None
        )
    else:
        rows = [dict(r) for r in records]
        raw_geoms = [r.pop("geometry", None) for r in rows]
        props = pd.DataFrame(rows)
        geoms = np.array(
            [shapely.geometry.shape(g) if isinstance(g, Mapping) else g for g in raw_geoms],
            dtype=object,
        )
    props = props.astype(object).where(pd.notna(props), None)
    log = IssueLog()
    checker = LayerChecker(
        layer, f"{layer.name} (entered)", log.for_file(f"{layer.name} (entered)")
    )
    checked = checker.check(
        RawBatch(properties=props, geometry=geoms if layer.spatial else None, crs="EPSG:4326")
    )
    if log.errors:
        raise DataError(
            f"{log.errors} problem(s) in the {layer.name} entered; nothing was written:\n"
            + "\n".join(f"  ✗ {i}" for i in log.issues()[:20]),
            log,
        )

    def _write(c: Connection) -> WriteCounts:
        return ws.write_batch(c, checked, WriteContext(actor, None, now_iso(), note))

    if conn is not None:
        return _write(conn)
    with ws.begin() as c:
        return _write(c)


def retire_record(ws: Workspace, table: str, record_id: str, *, actor: str, reason: str) -> None:
    """Retire a record (a layer's or a records table's) with a reason; it stays, out of view."""
    if not reason.strip():
        raise UsageError("give the reason for retiring the record")
    with ws.begin() as conn:
        before: Any
        if table in RETIRABLE_TABLES:
            key = RETIRABLE_TABLES[table]
            found = tables.read_table(conn, table, where={key: record_id})
            if not len(found):
                raise UsageError(f"no current record {record_id!r} in {table}")
            before = row_json(found.iloc[0])
        else:
            try:
                layer = layer_by_name(table)
            except KeyError:
                known = ", ".join([*RETIRABLE_TABLES])
                raise UsageError(f"unknown table {table!r}; a layer or one of {known}") from None
            key = layer.id_field
            before_map = ws.records_as_json(conn, layer, [record_id])
            frame = ws.read_layer(table, ids=[record_id], conn=conn)
            if not len(frame):
                raise UsageError(f"no current record {record_id!r} in {table}")
            before = before_map.get(record_id)
        now = now_iso()
        tables.update_where(
            conn,
            table,
            {"retired_at": now, "retired_by": actor, "retired_reason": reason},
            {key: record_id, "retired_at": None},
        )
        audit(
            conn,
            actor=actor,
            action="retire",
            table=table,
            record_id=record_id,
            before=before,
            note=reason,
            at=now,
        )


def row_json(row: pd.Series) -> dict[str, Any]:
    """A records-table row as a JSON-ready dict (for the audit trail): NaN as null, geometry as GeoJSON."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, shapely.Geometry):
            v = json.loads(shapely.to_geojson(v))
        elif isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and np.isnan(v):
            v = None
        out[str(k)] = v
    return out
