"""Crosswalk profiles: another system's names for our layers, fields and values.

A profile is a TOML file (the built-in ones in ``landrelease/io/profiles/``, e.g.
``imsma_core``) that says, for each of the other system's objects, which layer it fills,
which of its fields is which of ours, and which of its values is which value of our
vocabulary. :func:`load_profile` reads one by name or path; the importer applies it to each
batch as read (:meth:`Profile.transformer`), before the same checks as any package, so a
value the profile does not translate is refused with the accepted list like any other.
Columns the profile does not map are never dropped: they are kept among the record's extra
properties, and each file lists them once in a warning.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from landrelease.domain import FieldKind, Layer, layer_by_name
from landrelease.errors import FileIssues, Issue, Severity, UsageError
from landrelease.io.sources import GEOMETRY_COLUMNS, RawBatch


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


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    title: str
    layers: tuple[LayerMap, ...]
    path: str = ""

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
        self, name: str, layer: Layer, log: FileIssues
    ) -> Callable[[RawBatch], RawBatch] | None:
        """What turns a batch of their object ``name`` into one of ``layer`` (``None`` if the
        file carries our layer's own name: it is read as it is)."""
        mapping = self.map_for(name)
        if mapping is None or mapping.layer != layer.name:
            return None
        listed: set[str] = set()

        def apply(raw: RawBatch) -> RawBatch:
            raw.properties = _translate(raw.properties, mapping, layer)
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
    if problems:
        raise UsageError(f"profile {where} is not usable: " + "; ".join(problems))
    return Profile(
        str(doc["name"]), str(doc["version"]), str(doc.get("title", "")), tuple(layers), where
    )
