"""Crosswalk profiles: another system's names for our layers, fields and values.

A profile is a TOML file (the built-in ones in ``landrelease/io/profiles/``, e.g.
``imsma_core``) that says, for each of the other system's objects, which layer it fills,
which of its fields is which of ours, and which of its values is which value of our
vocabulary. :func:`load_profile` reads one by name or path; the importer applies it to each
batch as read (:meth:`Profile.transformer`), before the same checks as any package, so a
value the profile does not translate is refused with the accepted list like any other.
Columns the profile does not map are never dropped: they are kept among the record's extra
properties, and each file lists them once in a warning.

Victims are another system's object of their own (a ``victim`` file whose rows name their
accident); a profile's ``[victims]`` table maps them both ways: on import each victim row is
checked and attached to its accident's ``victims`` list, on export each incident's victims
are written back as rows. A victim carries only age, gender and outcome here (the data
contract keeps names and addresses out of the workspace), so their other columns are listed
as not kept, never silently dropped.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from landrelease.domain import FieldKind, Layer, layer_by_name, vocab
from landrelease.errors import FileIssues, Issue, IssueLog, Severity, UsageError
from landrelease.io.sources import GEOMETRY_COLUMNS, LayerSource, RawBatch, read_batches
from landrelease.io.values import VICTIM_KEYS


@dataclass(frozen=True)
class LayerMap:
    """How one object of the other system fills one of our layers."""

    source: str
    layer: str
    fields: dict[str, str] = field(default_factory=dict)
    """Their field (lower case) → our field."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Our field → their value (lower case) → our value."""
    export_fields: dict[str, str] = field(default_factory=dict)
    """Our field → their field, as the profile first writes it (for exports)."""
    export_values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Our field → our value → their value, as the profile first writes it (for exports)."""

    def exported(self, table: pd.DataFrame, layer: Layer) -> tuple[pd.DataFrame, list[str]]:
        """A table of ``layer`` in their names and values; the fields it cannot name stay ours
        and are returned (listed, never dropped)."""
        out = table.copy()
        for ours, theirs in self.export_values.items():
            f = layer.field(ours)
            if ours in out.columns and f is not None:
                lists = f.kind in (FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST)
                out[ours] = out[ours].map(
                    lambda v, t=theirs, lists=lists: _value(v, t, lists=lists, exact=True)
                )
        unmapped = [
            str(c)
            for c in out.columns
            if str(c) not in self.export_fields and str(c) not in GEOMETRY_COLUMNS
        ]
        return out.rename(columns=self.export_fields), unmapped


VICTIM_CHOICES: dict[str, tuple[str, ...]] = {
    "gender": vocab.GENDERS,
    "outcome": vocab.VICTIM_OUTCOMES,
}


@dataclass(frozen=True)
class VictimMap:
    """How the other system's victim object maps onto an incident's ``victims`` list."""

    source: str
    """Their object (the file or sheet), e.g. ``victim``."""
    parent: str
    """Their field (lower case) that names the victim's accident: our ``incident_id``."""
    fields: dict[str, str] = field(default_factory=dict)
    """Their field (lower case) → ``age``, ``gender`` or ``outcome``."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """``gender`` / ``outcome`` → their value (lower case) → ours."""
    export_parent: str = ""
    export_fields: dict[str, str] = field(default_factory=dict)
    export_values: dict[str, dict[str, str]] = field(default_factory=dict)

    def read(self, sources: list[LayerSource], log: IssueLog, label: str) -> VictimBook:
        """Every victim of ``sources`` checked (field, value, what is accepted) and grouped by
        their accident's id; columns that are not age, gender or outcome listed as not kept."""
        book = VictimBook(self.parent)
        for src in sources:
            file_log = log.for_file(src.display)
            listed = False
            for raw in read_batches(src):
                props = raw.properties.rename(columns=lambda c: str(c).strip().lower())
                if not listed:
                    listed = True
                    _list_unkept(props.columns, self, file_log, label)
                for i, rec in enumerate(props.to_dict("records")):
                    row = {str(k): v for k, v in rec.items()}
                    record = f"#{raw.offset + i + 1}"
                    parent = _text(row.get(self.parent))
                    if parent is None:
                        file_log.add(
                            Issue(
                                src.display,
                                record,
                                self.parent,
                                "",
                                "a victim without the id of its accident",
                                "the accident's id, as in the accident file",
                            )
                        )
                        continue
                    victim = self._victim(row, src.display, record, file_log)
                    if victim is not None:
                        book.by_incident.setdefault(parent, []).append(victim)
                        book.where[parent] = (src.display, record)
        return book

    def _victim(
        self, row: dict[str, Any], file: str, record: str, log: FileIssues
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        ok = True
        for theirs, ours in self.fields.items():
            raw = _text(row.get(theirs))
            if raw is None:
                continue
            if ours == "age":
                try:
                    age = float(raw)
                except ValueError:
                    age = -1.0
                if not (age.is_integer() and 0 <= age <= 120):
                    log.add(Issue(file, record, theirs, raw, "not an age", "a whole number 0–120"))
                    ok = False
                    continue
                out["age"] = int(age)
                continue
            value = self.values.get(ours, {}).get(raw.lower(), raw)
            if value not in VICTIM_CHOICES[ours]:
                accepted = sorted(set(self.values.get(ours, {})) | set(VICTIM_CHOICES[ours]))
                log.add(
                    Issue(
                        file, record, theirs, raw, f"not a {ours}", "one of " + ", ".join(accepted)
                    )
                )
                ok = False
                continue
            out[ours] = value
        return out if ok else None

    def rows(self, incidents: pd.DataFrame) -> pd.DataFrame:
        """Each incident's victims as rows in their names and values (for an export)."""
        rows = []
        for iid, victims in zip(incidents["incident_id"], incidents["victims"], strict=True):
            for v in victims if isinstance(victims, list) else []:
                row = {self.export_parent: iid}
                for ours in ("age", "gender", "outcome"):
                    if ours in self.export_fields and v.get(ours) is not None:
                        val = v[ours]
                        row[self.export_fields[ours]] = self.export_values.get(ours, {}).get(
                            str(val), val
                        )
                rows.append(row)
        columns = [self.export_parent] + [
            self.export_fields[k] for k in ("age", "gender", "outcome") if k in self.export_fields
        ]
        return pd.DataFrame(rows, columns=columns)


@dataclass
class VictimBook:
    """Victims read from the other system's file, by their accident's id, until attached."""

    parent: str
    """Their field that names a victim's accident (in messages)."""
    by_incident: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Accident id → (file, record) of its last victim, to name it when it has no accident."""
    attached: set[str] = field(default_factory=set)

    def attach(self, props: pd.DataFrame) -> pd.DataFrame:
        """Fill ``victims`` of the incidents in ``props`` that have victims in the book."""
        if "incident_id" not in props.columns or not self.by_incident:
            return props
        ids = props["incident_id"].map(_text)
        found = [i in self.by_incident for i in ids]
        if not any(found):
            return props
        props = props.copy()
        if "victims" not in props.columns:
            props["victims"] = None
        props["victims"] = [
            json.dumps(self.by_incident[i]) if hit else v
            for i, hit, v in zip(ids, found, props["victims"], strict=True)
        ]
        self.attached.update(i for i, hit in zip(ids, found, strict=True) if hit)
        return props

    def orphans(self, log: IssueLog) -> None:
        """An error for each accident id that victims name but no accident of the package has."""
        for iid in sorted(set(self.by_incident) - self.attached):
            file, record = self.where[iid]
            log.add(
                Issue(
                    file,
                    record,
                    self.parent,
                    iid,
                    "victims of an accident that is not in the package",
                    "the id of an accident of the accident file",
                )
            )


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    t = str(v).strip()
    return t or None


def _list_unkept(columns: Any, m: VictimMap, log: FileIssues, label: str) -> None:
    unkept = [str(c) for c in columns if str(c) not in m.fields and str(c) != m.parent and str(c)]
    if unkept:
        log.add(
            Issue(
                log.file,
                "",
                ", ".join(unkept),
                "",
                f"not kept ({label}): a victim carries only "
                + ", ".join(sorted(VICTIM_KEYS))
                + " (names, addresses and other personal details stay out of the workspace)",
                "fields the profile maps: " + ", ".join(sorted([m.parent, *m.fields])),
                severity=Severity.WARNING,
            )
        )


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    title: str
    layers: tuple[LayerMap, ...]
    path: str = ""
    victims: VictimMap | None = None
    source_note: str = ""
    """Where the profile's names come from (a document, its commit)."""

    @property
    def attached(self) -> dict[str, str]:
        """Their victim object (lower case) → the layer its rows belong to."""
        return {} if self.victims is None else {self.victims.source.lower(): "incidents"}

    @property
    def label(self) -> str:
        return f"profile {self.name} {self.version}"

    @property
    def aliases(self) -> dict[str, str]:
        """Their object names (lower case) → our layer names: the files the importer reads."""
        return {m.source.lower(): m.layer for m in self.layers}

    def map_of_layer(self, layer: str) -> LayerMap | None:
        """The first object of theirs that fills our ``layer`` (what an export writes it as)."""
        return next((m for m in self.layers if m.layer == layer), None)

    def map_for(self, name: str) -> LayerMap | None:
        key = Path(name).stem.lower()
        return next((m for m in self.layers if m.source.lower() == key), None)

    def transformer(
        self, name: str, layer: Layer, log: FileIssues, victims: VictimBook | None = None
    ) -> Callable[[RawBatch], RawBatch] | None:
        """What turns a batch of their object ``name`` into one of ``layer`` (``None`` if the
        file carries our layer's own name: it is read as it is); ``victims`` read from their
        victim file are attached to the incidents."""
        mapping = self.map_for(name)
        if mapping is None or mapping.layer != layer.name:
            return None
        listed: set[str] = set()

        def apply(raw: RawBatch) -> RawBatch:
            raw.properties = _translate(raw.properties, mapping, layer)
            if victims is not None and layer.field("victims") is not None:
                raw.properties = victims.attach(raw.properties)
            unmapped = [
                str(c)
                for c in raw.properties.columns
                if layer.field(str(c)) is None and str(c) not in GEOMETRY_COLUMNS
            ]
            new = [c for c in unmapped if c not in listed]
            if new:
                listed.update(new)
                log.add(
                    Issue(
                        log.file,
                        "",
                        ", ".join(new),
                        "",
                        f"not mapped by {self.label}: kept among the records' extra properties",
                        "fields the profile maps: " + ", ".join(sorted(mapping.fields)),
                        severity=Severity.WARNING,
                    )
                )
            return raw

        return apply


def _translate(props: pd.DataFrame, mapping: LayerMap, layer: Layer) -> pd.DataFrame:
    renames: dict[Any, str] = {}
    for col in props.columns:
        ours = mapping.fields.get(str(col).strip().lower())
        if ours is not None and ours not in renames.values() and ours not in props.columns:
            renames[col] = ours
    props = props.rename(columns=renames)
    for ours, values in mapping.values.items():
        f = layer.field(ours)
        if ours not in props.columns or f is None:
            continue
        lists = f.kind in (FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST)
        props[ours] = props[ours].map(
            lambda v, values=values, lists=lists: _value(v, values, lists=lists)
        )
    return props


def _value(v: Any, values: dict[str, str], *, lists: bool, exact: bool = False) -> Any:
    """A value translated (theirs ignoring case and spaces; ours, ``exact``, as stored); a value
    the table does not know stays as it is, for the checks to refuse it with the accepted list."""
    if isinstance(v, list) and lists:
        return ", ".join(str(_value(x, values, lists=False, exact=exact)) for x in v)
    if not isinstance(v, str):
        return v
    if lists and ("," in v or v.startswith("[")):
        import json

        items = json.loads(v) if v.startswith("[") else [p.strip() for p in v.split(",")]
        return ", ".join(str(_value(x, values, lists=False, exact=exact)) for x in items)
    if exact:
        return values.get(v, v)
    return values.get(v.strip().lower(), v)


BUILT_IN = "landrelease.io.profiles"


def built_in_profiles() -> list[str]:
    return sorted(
        Path(p.name).stem for p in resources.files(BUILT_IN).iterdir() if p.name.endswith(".toml")
    )


def load_profile(name_or_path: str) -> Profile:
    """A built-in profile by name (``imsma_core``) or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".toml" and path.is_file():
        text, where = path.read_text(encoding="utf-8"), str(path)
    elif name_or_path in built_in_profiles():
        text = resources.files(BUILT_IN).joinpath(f"{name_or_path}.toml").read_text("utf-8")
        where = name_or_path
    else:
        raise UsageError(
            f"no profile {name_or_path!r}: give a .toml file or one of "
            + ", ".join(built_in_profiles())
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"profile {where} is not valid TOML: {exc}") from None
    return _parse(doc, where)


def _parse(doc: dict[str, Any], where: str) -> Profile:
    problems: list[str] = []
    layers = []
    for i, entry in enumerate(doc.get("layers", []), 1):
        source, target = entry.get("source"), entry.get("layer")
        try:
            layer = layer_by_name(str(target))
        except KeyError as exc:
            problems.append(f"layers #{i} ({source}): {exc.args[0]}")
            continue
        given = {str(k): str(v) for k, v in entry.get("fields", {}).items()}
        fields = {k.lower(): v for k, v in given.items()}
        export_fields: dict[str, str] = {}
        for theirs, ours in given.items():
            export_fields.setdefault(ours, theirs)
        for theirs, ours in fields.items():
            if layer.field(ours) is None:
                problems.append(
                    f"layers #{i} ({source}): {theirs} = {ours!r}: {layer.name} has no field {ours!r}"
                )
        values = {}
        export_values: dict[str, dict[str, str]] = {}
        for ours, table in entry.get("values", {}).items():
            f = layer.field(ours)
            if f is None or not f.choices:
                problems.append(f"layers #{i} ({source}): values.{ours}: not a vocabulary field")
                continue
            bad = [v for v in table.values() if v not in f.choices]
            if bad:
                problems.append(
                    f"layers #{i} ({source}): values.{ours}: {', '.join(map(repr, bad))} not in "
                    f"{', '.join(f.choices)}"
                )
            values[ours] = {str(k).strip().lower(): str(v) for k, v in table.items()}
            export_values[ours] = {}
            for theirs, our_value in table.items():
                export_values[ours].setdefault(str(our_value), str(theirs))
        layers.append(
            LayerMap(str(source), layer.name, fields, values, export_fields, export_values)
        )
    if not doc.get("name") or not doc.get("version"):
        problems.append("a profile needs a name and a version")
    victims = _parse_victims(doc.get("victims"), problems)
    if problems:
        raise UsageError(f"profile {where} is not usable: " + "; ".join(problems))
    return Profile(
        str(doc["name"]),
        str(doc["version"]),
        str(doc.get("title", "")),
        tuple(layers),
        where,
        victims,
        str(doc.get("source", "")),
    )


def _parse_victims(entry: dict[str, Any] | None, problems: list[str]) -> VictimMap | None:
    if not entry:
        return None
    source, parent = entry.get("source"), entry.get("parent")
    if not source or not parent:
        problems.append(
            "[victims]: needs source (their victim object) and parent (their field "
            "naming the accident)"
        )
        return None
    given = {str(k): str(v) for k, v in entry.get("fields", {}).items()}
    for theirs, ours in given.items():
        if ours not in VICTIM_KEYS:
            problems.append(
                f"[victims]: {theirs} = {ours!r}: a victim has only {', '.join(sorted(VICTIM_KEYS))}"
            )
    values: dict[str, dict[str, str]] = {}
    export_values: dict[str, dict[str, str]] = {}
    for ours, table in entry.get("values", {}).items():
        if ours not in VICTIM_CHOICES:
            problems.append(f"[victims]: values.{ours}: only gender and outcome have values")
            continue
        bad = [v for v in table.values() if v not in VICTIM_CHOICES[ours]]
        if bad:
            problems.append(
                f"[victims]: values.{ours}: {', '.join(map(repr, bad))} not in "
                f"{', '.join(VICTIM_CHOICES[ours])}"
            )
        values[ours] = {str(k).strip().lower(): str(v) for k, v in table.items()}
        export_values[ours] = {}
        for theirs, our_value in table.items():
            export_values[ours].setdefault(str(our_value), str(theirs))
    export_fields: dict[str, str] = {}
    for theirs, ours in given.items():
        export_fields.setdefault(ours, theirs)
    return VictimMap(
        str(source),
        str(parent).lower(),
        {k.lower(): v for k, v in given.items()},
        values,
        str(parent),
        export_fields,
        export_values,
    )
