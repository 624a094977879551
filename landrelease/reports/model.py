"""What a report is, independent of its format: sections of sentences, tables and figures.

A report is built once from the records (``monthly``, ``donor``,
``settlement``, ``casualties``) and rendered to HTML, PDF, XLSX or CSV by
:mod:`landrelease.reports.render`. Tables keep raw values (numbers stay
numbers in XLSX and CSV) and say how to show them; units are in the column
labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from landrelease.domain.programme import Programme


def tuples(frame: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples, untyped (values are whatever the column holds)."""
    return frame.itertuples()


def items(frame: pd.DataFrame) -> Iterator[tuple[Any, Any]]:
    """A frame's (index, row) pairs, untyped."""
    return frame.iterrows()


@dataclass(frozen=True)
class Column:
    label: str
    """Shown as the header, with the unit: ``area (ha)``."""
    fmt: str = ""
    """A format spec for numbers (``,.1f``); empty: as it is."""

    def show(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "—"
        if self.fmt and isinstance(value, (int, float)):
            return format(value, self.fmt)
        return str(value)


@dataclass
class Table:
    key: str
    """Sheet and file name: short, letters, digits and underscores."""
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    total: list[Any] | None = None
    """A totals row shown in bold, kept apart from the data rows."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]{1,31}", self.key):
            raise ValueError(f"table key {self.key!r}: use 1–31 lower-case letters, digits, _")
        for r in self.rows:
            if len(r) != len(self.columns):
                raise ValueError(
                    f"table {self.key}: a row has {len(r)} values, not {len(self.columns)}"
                )

    def column(self, label: str) -> list[Any]:
        """The values of one column (by label), for tests and reconciliation."""
        i = [c.label for c in self.columns].index(label)
        return [r[i] for r in self.rows]


@dataclass
class Figure:
    key: str
    title: str
    png: bytes
    caption: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    """monthly, donor, settlement or casualties."""
    title: str
    subtitle: str
    name: str
    """File stem, e.g. ``monthly-2026-01``."""
    headline: list[str]
    """The few sentences a reader must not miss."""
    sections: list[Section]
    generated_at: str
    workspace: str
    personal_data: bool = False
    footnotes: list[str] = field(default_factory=list)
    has_data: bool = True
    programme: Programme = field(default_factory=Programme)
    """Whose report it is: the programme's name and logo head it."""

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str) -> Table:
        for t in self.tables():
            if t.key == key:
                return t
        raise KeyError(f"no table {key!r} in the {self.kind} report")

    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]

    def text(self) -> str:
        """All sentences of the report, for searching."""
        parts = [self.title, self.subtitle, *self.headline]
        for s in self.sections:
            parts += [s.heading, *s.paragraphs]
            parts += [t.title for t in s.tables] + [t.note for t in s.tables]
        return "\n".join(parts + self.footnotes)
