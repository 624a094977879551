"""Check raw records against the layer registry, one vectorised pass per batch.

:class:`LayerChecker` turns each :class:`~landrelease.io.sources.RawBatch` of
one file into a :class:`RecordBatch` of clean, normalised values and
geometries in EPSG:4326, and records every problem in the file's issue list.
Ids are remembered across batches so duplicates are found in files of any size.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from landrelease.domain import Field, FieldKind, Layer
from landrelease.domain.records import RecordBatch
from landrelease.errors import MAX_KEPT_PER_FILE, FileIssues, Issue, Severity, show_value
from landrelease.io.sources import RawBatch
from landrelease.io.values import (
    CONVERTERS,
    date_hint,
    is_blank,
    is_str,
    plain_value,
    suggest,
    text_values,
)

WGS84 = "EPSG:4326"
GEOMETRY_FIELDS = frozenset({"geometry", "lon", "lat", "wkt"})
"""Where a reader reports a geometry it could not read."""
# --- the checker --------------------------------------------------------------


class LayerChecker:
    """Checks the successive batches of one file of one layer."""

    def __init__(self, layer: Layer, file: str, log: FileIssues, *, repair: bool = False) -> None:
        self.layer = layer
        self.file = file
        self.log = log
        self.repair = repair
        self.seen: dict[str, int] = {}
        self.derived_seen: dict[str, int] = {}
        self._transformers: dict[str, pyproj.Transformer | object | None] = {}
        self._missing_reported: set[str] = set()
        self._not_degrees = False
        self._degrees_declared_projected = False
        self._geometry_reported = np.zeros(0, bool)

    # -- reporting --
    def _flag(
        self,
        mask: np.ndarray,
        labels: np.ndarray,
        rows: np.ndarray,
        field: str,
        values: Any,
        problem: str | Callable[[Any], str],
        accepted: str = "",
        severity: Severity = Severity.ERROR,
        group: str | None = None,
        *,
        problem_by_index: bool = False,
    ) -> None:
        """Record each flagged record; ``problem`` words it from its value (or, with
        ``problem_by_index``, from its position in the batch)."""
        idx = np.flatnonzero(mask)
        group = group or (problem if isinstance(problem, str) else "invalid value")
        if not len(idx):
            return
        room = max(MAX_KEPT_PER_FILE - len(self.log.kept), 0)
        for i in idx[:room]:
            value = values[i] if values is not None else None
            key = i if problem_by_index else value
            text = problem(key) if callable(problem) else problem
            shown = "" if value is None else show_value(value)
            self.log.add(
                Issue(self.file, str(labels[i]), field, shown, text, accepted, severity),
                int(rows[i]),
                group,
            )
        rest = idx[room:]
        if len(rest):
            self.log.counts[severity] += len(rest)
            self.log.by_problem[(field, group)] += len(rest)
            if severity is Severity.ERROR:
                self.log.bad_records.update(rows[rest].tolist())

    # -- main --
    def check(self, raw: RawBatch) -> RecordBatch:
        layer, props = self.layer, raw.properties.reset_index(drop=True)
        n = len(props)
        rows = raw.offset + np.arange(n) + 1
        bad = np.zeros(n, bool)
        labels = np.array([f"#{r}" for r in rows], dtype=object)

        ids = self._check_ids(props, rows, labels, bad)
        # the reader's own problems, named by the record's id where it has one
        self._geometry_reported = np.zeros(n, bool)
        for i, issue in raw.issues:
            self.log.add(
                Issue(
                    self.file,
                    str(labels[i]),
                    issue.field,
                    issue.value,
                    issue.problem,
                    issue.accepted,
                ),
                int(rows[i]),
            )
            bad[i] = True
            self._geometry_reported[i] |= issue.field in GEOMETRY_FIELDS
        values: dict[str, np.ndarray] = {layer.id_field: ids}
        for f in layer.fields:
            if f.name == layer.id_field:
                continue
            values[f.name] = self._check_field(f, props, rows, labels, bad)

        extra = self._extras(props, raw.json_columns)
        geometry = self._check_geometry(raw, rows, labels, bad) if layer.spatial else None

        keep = ~bad
        frame = pd.DataFrame({k: pd.Series(v[keep], dtype=object) for k, v in values.items()})
        frame["extra"] = pd.Series(extra[keep], dtype=object)
        return RecordBatch(
            layer, self.file, frame, None if geometry is None else geometry[keep], rows[keep]
        )

    def _check_ids(
        self, props: pd.DataFrame, rows: np.ndarray, labels: np.ndarray, bad: np.ndarray
    ) -> np.ndarray:
        layer, name = self.layer, self.layer.id_field
        n = len(props)
        if name in props.columns:
            ids = np.array(text_values(props[name], layer.id)[0], dtype=object)
            blank = is_blank(props[name])
        else:
            ids, blank = np.full(n, None, dtype=object), np.ones(n, bool)
        if layer.derived_id and blank.any():
            ids[blank] = self._derive_ids(props[blank.tolist()] if blank.any() else props)
            blank = np.zeros(n, bool)
        if blank.any():
            self._flag(
                blank,
                labels,
                rows,
                name,
                None,
                "missing: every record needs an id",
                layer.id.accepted(),
            )
            bad |= blank
        labels[~blank] = ids[~blank]
        # duplicates inside this batch, then against earlier batches
        series = pd.Series(ids)
        dup_here = (series.duplicated(keep="first") & ~pd.Series(blank)).to_numpy()
        first_here = {v: int(r) for v, r in zip(ids[~blank][::-1], rows[~blank][::-1], strict=True)}
        earlier = np.array([v in self.seen for v in ids], dtype=bool) & ~blank
        dup = dup_here | earlier
        firsts = {**first_here, **self.seen}
        self._flag(
            dup,
            labels,
            rows,
            name,
            ids,
            lambda v: f"duplicate id: record #{firsts.get(v, '?')} has it already",
            "ids unique within a file",
            group="duplicate id",
        )
        bad |= dup
        for v, r in first_here.items():
            self.seen.setdefault(v, r)
        return ids

    def _derive_ids(self, props: pd.DataFrame) -> np.ndarray:
        """Ids for rows without one: a hash of the row's content plus its occurrence number."""
        cols = [c for c in props.columns if c != self.layer.id_field]
        hashes = pd.util.hash_pandas_object(props[cols].astype(str), index=False).to_numpy()
        out = np.empty(len(props), dtype=object)
        prefix = self.layer.name[:3].upper()
        for i, h in enumerate(hashes):
            key = f"{prefix}-{int(h) & 0xFFFFFFFFFF:010x}"
            k = self.derived_seen.get(key, 0) + 1
            self.derived_seen[key] = k
            out[i] = key if k == 1 else f"{key}-{k}"
        return out

    def _check_field(
        self, f: Field, props: pd.DataFrame, rows: np.ndarray, labels: np.ndarray, bad: np.ndarray
    ) -> np.ndarray:
        n = len(props)
        if f.name not in props.columns:
            if f.required:
                if f.name not in self._missing_reported:
                    near = difflib.get_close_matches(f.name, list(props.columns), n=1, cutoff=0.7)
                    hint = (
                        f"; found {near[0]!r} — names are case-sensitive and must match"
                        if near
                        else ""
                    )
                    self.log.add(
                        Issue(
                            self.file,
                            "",
                            f.name,
                            "",
                            f"required property missing from every record{hint}",
                            f.accepted(),
                        )
                    )
                    self._missing_reported.add(f.name)
                self.log.bad_records.update(rows.tolist())
                self.log.counts[Severity.ERROR] += 0
                bad[:] = True
            return np.full(n, None, dtype=object)
        s = props[f.name]
        blank = is_blank(s)
        s = s.where(~blank, None) if s.dtype == object else s
        converted = CONVERTERS[f.kind](s if is_str(s) or s.dtype == object else s.astype(object), f)
        out = np.array(converted.values, dtype=object)
        wrong = np.array(converted.bad, dtype=bool)
        out[blank] = None
        wrong &= ~blank
        raw = s.to_numpy(dtype=object)
        if converted.notes is not None:
            notes = converted.notes
            noted = ~wrong & ~blank & np.array([n is not None for n in notes], dtype=bool)
            self._flag(
                noted,
                labels,
                rows,
                f.name,
                raw,
                lambda i: str(notes[i]),
                severity=Severity.WARNING,
                group="accepted as read",
                problem_by_index=True,
            )
        if f.kind is FieldKind.ENUM:
            self._flag(
                wrong,
                labels,
                rows,
                f.name,
                raw,
                lambda v: " ".join(
                    filter(None, ["not an accepted value;", suggest(str(v), f.choices)])
                ).rstrip(";"),
                f.accepted(),
                group="not an accepted value",
            )
        elif f.kind is FieldKind.DATE:
            self._flag(
                wrong,
                labels,
                rows,
                f.name,
                raw,
                lambda v: "; ".join(filter(None, [_problem_for(f), date_hint(v)])),
                f.accepted(),
                group=_problem_for(f),
            )
        else:
            self._flag(wrong, labels, rows, f.name, raw, _problem_for(f), f.accepted())
        if f.required:
            self._flag(
                blank,
                labels,
                rows,
                f.name,
                None,
                "missing: this property is required",
                f.accepted(),
            )
            wrong |= blank
        bad |= wrong
        return out

    def _extras(self, props: pd.DataFrame, json_columns: frozenset[str]) -> np.ndarray:
        known = set(self.layer.field_names)
        cols = [c for c in props.columns if c not in known]
        out = np.empty(len(props), dtype=object)
        if not cols:
            out[:] = [{} for _ in range(len(props))]
            return out
        records = props[cols].to_dict("records")
        for i, rec in enumerate(records):
            out[i] = {
                k: _json_or_text(v) if k in json_columns else plain_value(v)
                for k, v in rec.items()
                if not _is_null(v)
            }
        return out

    # -- geometry --
    def _check_geometry(
        self, raw: RawBatch, rows: np.ndarray, labels: np.ndarray, bad: np.ndarray
    ) -> np.ndarray:
        """The batch's geometries, 2-D in EPSG:4326; each refusal flagged and marked in ``bad``."""
        geoms = self._read_geometries(raw, rows, labels, bad)
        has = ~pd.isna(geoms)
        geoms[has] = shapely.force_2d(geoms[has])
        ok = self._check_types(geoms, has, rows, labels, bad)
        geoms[ok] = self._to_wgs84(
            raw.crs if raw.crs_declared else None,
            geoms[ok],
            rows[ok],
            labels[ok],
            bad,
            np.flatnonzero(ok),
        )
        ok &= ~bad
        ok &= ~self._check_range(geoms, ok, rows, labels, bad)
        if any(t in ("Polygon", "MultiPolygon") for t in self.layer.geometry) and ok.any():
            self._check_polygons(geoms, ok, rows, labels, bad)
        return geoms

    def _read_geometries(
        self, raw: RawBatch, rows: np.ndarray, labels: np.ndarray, bad: np.ndarray
    ) -> np.ndarray:
        """The geometries as read (``None`` where missing or unreadable, both flagged)."""
        accepted = " or ".join(self.layer.geometry)
        if raw.wkb is not None:
            wkb = raw.wkb
            present = np.array([w is not None for w in wkb], dtype=bool)
            geoms = np.full(len(wkb), None, dtype=object)
            geoms[present] = shapely.from_wkb(wkb[present], on_invalid="ignore")
            unreadable = present & pd.isna(geoms)
            if unreadable.any() and self.repair:
                geoms[unreadable] = shapely.from_wkb(wkb[unreadable], on_invalid="fix")
                self._flag(
                    unreadable & ~pd.isna(geoms),
                    labels,
                    rows,
                    "geometry",
                    None,
                    "repaired: closed an unclosed ring",
                    severity=Severity.REPAIRED,
                )
                unreadable &= pd.isna(geoms)
            self._flag(
                unreadable,
                labels,
                rows,
                "geometry",
                None,
                "unreadable: an unclosed ring or too few points (--repair closes rings)",
                "closed rings (first point = last point) of at least 4 points",
            )
        else:
            geoms = (
                raw.geometry if raw.geometry is not None else np.full(len(rows), None, dtype=object)
            )
            present = ~pd.isna(geoms)
            unreadable = np.zeros(len(rows), bool)
        # a geometry the reader could not read is named once, by the reader
        missing = ~present & ~self._geometry_reported
        self._flag(missing, labels, rows, "geometry", None, "missing geometry", f"a {accepted}")
        bad |= missing | unreadable
        return geoms

    def _check_types(
        self,
        geoms: np.ndarray,
        has: np.ndarray,
        rows: np.ndarray,
        labels: np.ndarray,
        bad: np.ndarray,
    ) -> np.ndarray:
        """Which geometries are of a type the layer takes and not empty (the others flagged)."""
        accepted = " or ".join(self.layer.geometry)
        types = np.array([None] * len(geoms), dtype=object)
        types[has] = shapely.get_type_id(geoms[has])
        type_names = np.array(
            [_TYPE_NAMES.get(t) if t is not None else None for t in types], dtype=object
        )
        wrong_type = has & ~np.isin(type_names.astype(str), self.layer.geometry)
        self._flag(
            wrong_type,
            labels,
            rows,
            "geometry",
            type_names,
            lambda v: f"wrong geometry type {v}",
            accepted,
            group="wrong geometry type",
        )
        bad |= wrong_type
        empty = has & ~wrong_type & shapely.is_empty(geoms)
        self._flag(
            empty,
            labels,
            rows,
            "geometry",
            None,
            "empty geometry",
            f"a {accepted} with coordinates",
        )
        bad |= empty
        return np.asarray(has & ~wrong_type & ~empty, dtype=bool)

    def _check_range(
        self,
        geoms: np.ndarray,
        ok: np.ndarray,
        rows: np.ndarray,
        labels: np.ndarray,
        bad: np.ndarray,
    ) -> np.ndarray:
        """Which geometries lie outside longitude −180…180, latitude −90…90 (flagged)."""
        bounds = np.full((len(geoms), 4), np.nan)
        if ok.any():
            bounds[ok] = shapely.bounds(geoms[ok])
        with np.errstate(invalid="ignore"):
            out = ok & ~(
                (bounds[:, 0] >= -180)
                & (bounds[:, 2] <= 180)
                & (bounds[:, 1] >= -90)
                & (bounds[:, 3] <= 90)
            )
        shown = np.array(
            [f"lon {b[0]:.6g}…{b[2]:.6g}, lat {b[1]:.6g}…{b[3]:.6g}" for b in bounds], dtype=object
        )
        self._flag(
            out,
            labels,
            rows,
            "geometry",
            shown,
            "coordinates out of range",
            "longitude −180…180, latitude −90…90",
        )
        bad |= out
        return np.asarray(out, dtype=bool)

    def _check_polygons(
        self,
        geoms: np.ndarray,
        ok: np.ndarray,
        rows: np.ndarray,
        labels: np.ndarray,
        bad: np.ndarray,
    ) -> None:
        """Invalid polygons flagged (or, with ``repair``, made valid and listed as repaired)."""
        idx = np.flatnonzero(ok)
        invalid = idx[~shapely.is_valid(geoms[idx])]
        if not len(invalid):
            return
        reasons = np.full(len(geoms), None, dtype=object)
        reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
        mask = np.zeros(len(geoms), bool)
        mask[invalid] = True
        if self.repair:
            fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
            fixed_types = np.array([_TYPE_NAMES.get(t) for t in shapely.get_type_id(fixed)])
            good = np.isin(fixed_types, self.layer.geometry) & ~shapely.is_empty(fixed)
            geoms[invalid[good]] = fixed[good]
            done = np.zeros(len(geoms), bool)
            done[invalid[good]] = True
            self._flag(
                done,
                labels,
                rows,
                "geometry",
                reasons,
                lambda r: f"repaired: {r}",
                severity=Severity.REPAIRED,
                group="repaired",
            )
            mask[invalid[good]] = False
        hint = "" if self.repair else " (--repair fixes it)"
        self._flag(
            mask,
            labels,
            rows,
            "geometry",
            reasons,
            lambda r: f"invalid geometry: {r}{hint}",
            "a valid (OGC simple features) polygon",
            group="invalid geometry",
        )
        bad |= mask

    def _to_wgs84(
        self,
        crs: str | None,
        geoms: np.ndarray,
        rows: np.ndarray,
        labels: np.ndarray,
        bad: np.ndarray,
        where: np.ndarray,
    ) -> np.ndarray:
        if not len(geoms):
            return geoms
        key = crs or ""
        if key not in self._transformers:
            try:
                self._transformers[key] = _transformer_to_wgs84(crs)
            except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError) as exc:
                self.log.add(
                    Issue(
                        self.file,
                        "",
                        "crs",
                        show_value(crs),
                        f"the declared CRS cannot be used ({str(exc).splitlines()[0][:120]})",
                        "a coordinate reference system, e.g. EPSG:32638 (not a coordinate operation)",
                    )
                )
                self._transformers[key] = _UNUSABLE
        tr = self._transformers[key]
        if tr is _UNUSABLE:
            self.log.bad_records.update(rows.tolist())
            bad[where] = True
            return geoms
        if isinstance(tr, pyproj.Transformer):
            if self._degrees_under_projected(crs, geoms, rows, bad, where):
                return geoms
            return shapely.transform(
                geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
            )
        # Geographic or undeclared: the coordinates must look like degrees.
        b = shapely.bounds(geoms)
        degrees = (np.abs(b[:, [0, 2]]) <= 180).all(axis=1) & (np.abs(b[:, [1, 3]]) <= 90).all(
            axis=1
        )
        if self._not_degrees or degrees.mean() < 0.5:
            if not self._not_degrees:
                declared = (
                    f"the file declares {crs}"
                    if crs
                    else "the file declares no CRS (read as WGS84 longitude/latitude)"
                )
                self.log.add(
                    Issue(
                        self.file,
                        "",
                        "geometry",
                        f"x={b[0, 0]:.6g}, y={b[0, 1]:.6g}",
                        f"coordinates are not degrees but {declared}",
                        "WGS84 longitude/latitude, or a file that declares its CRS (a .prj, a GeoJSON crs member)",
                    )
                )
            self._not_degrees = True
            self.log.bad_records.update(rows.tolist())
            bad[where] = True
        return geoms

    def _degrees_under_projected(
        self,
        crs: str | None,
        geoms: np.ndarray,
        rows: np.ndarray,
        bad: np.ndarray,
        where: np.ndarray,
    ) -> bool:
        """Refuse, once per file, coordinates that look like degrees under a declared projected
        CRS (EPSG:3857 holding 46.9, 39.95): read so they would lie metres from 0°, 0°."""
        if not self._degrees_declared_projected:
            src = pyproj.CRS.from_user_input(crs) if crs else None
            if src is None or not src.is_projected:
                return False
            b = shapely.bounds(geoms)
            degrees = (np.abs(b[:, [0, 2]]) <= 180).all(axis=1) & (np.abs(b[:, [1, 3]]) <= 90).all(
                axis=1
            )
            if degrees.mean() < 0.5:
                return False
            unit = src.axis_info[0].unit_name if src.axis_info else "metre"
            self.log.add(
                Issue(
                    self.file,
                    "",
                    "geometry",
                    f"x={b[0, 0]:.6g}, y={b[0, 1]:.6g}",
                    f"coordinates look like degrees but the file declares {crs}, a projected "
                    f"CRS in {unit}s: read so, they would lie within {180:g} {unit}s of its "
                    "origin",
                    "coordinates in the declared CRS, or a file declaring EPSG:4326 (or no CRS) "
                    "for longitude/latitude",
                )
            )
            self._degrees_declared_projected = True
        self.log.bad_records.update(rows.tolist())
        bad[where] = True
        return True


_UNUSABLE = object()
"""A declared CRS that cannot be read: every record of the file is refused, the CRS named once."""


def _transformer_to_wgs84(crs: str | None) -> pyproj.Transformer | None:
    if not crs:
        return None
    src = pyproj.CRS.from_user_input(crs)
    if src.is_geographic and src.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    if src.is_geographic and src.ellipsoid and src.ellipsoid.name.startswith("WGS 84"):
        return None
    return pyproj.Transformer.from_crs(src, WGS84, always_xy=True)


_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _json_or_text(v: Any) -> Any:
    """A nested GeoJSON value GDAL handed over as JSON text, parsed back (plain text stays text)."""
    if isinstance(v, str) and v[:1] in ("{", "["):
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    return plain_value(v)


def _is_null(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and np.isnan(v)


def _problem_for(f: Field) -> str:
    return {
        FieldKind.INT: "not a whole number in range",
        FieldKind.FLOAT: "not a number in range",
        FieldKind.BOOL: "not true or false",
        FieldKind.DATE: "not a valid date",
        FieldKind.DATETIME: "not a valid ISO 8601 date or date-time",
        FieldKind.ENUM_LIST: "not a list of accepted values",
        FieldKind.ENUM_OR_LIST: "not an accepted value or list of them",
        FieldKind.TEXT_LIST: "not a list",
        FieldKind.VICTIMS: "not a valid list of victims",
    }.get(f.kind, "not accepted")
