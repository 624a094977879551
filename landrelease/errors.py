"""Problems found in input data or requests, collected and raised once.

Every problem names the file, the record (its id, or its position when it has
none), the field, the value found and what would be accepted. A file with a
million bad records keeps only the first :data:`MAX_KEPT_PER_FILE` in memory
but counts all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

MAX_KEPT_PER_FILE = 1000
"""Problems kept in memory per file; the rest are counted."""


class Severity(StrEnum):
    ERROR = "error"
    """The record breaks a rule; the import writes nothing unless asked to keep the valid records."""
    REPAIRED = "repaired"
    """The record was repaired because the user asked for it (``--repair``)."""
    WARNING = "warning"
    """Worth a look; does not stop the import."""


@dataclass(frozen=True)
class Issue:
    """One problem with one value of one record."""

    file: str
    record: str
    """The record's id, or ``#N`` (its position, from 1) when it has none."""
    field: str
    value: str
    problem: str
    accepted: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}" if self.record else self.file
        text = f"{where}: {self.field}" if self.field else where
        if self.value:
            text += f" = {self.value}"
        text += f": {self.problem}"
        if self.accepted:
            text += f" (accepted: {self.accepted})"
        return text


def show_value(value: object, limit: int = 60) -> str:
    """Render a value for a message: quoted text, truncated, control characters escaped."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class FileIssues:
    """Problems of one file: the first ones kept, all of them counted."""

    file: str
    kept: list[Issue] = field(default_factory=list)
    counts: Counter[Severity] = field(default_factory=Counter)
    by_problem: Counter[tuple[str, str]] = field(default_factory=Counter)
    bad_records: set[int] = field(default_factory=set)

    def add(self, issue: Issue, row: int | None = None, group: str | None = None) -> None:
        """Keep (up to the cap) and count a problem; ``group`` names its kind for the summary."""
        self.counts[issue.severity] += 1
        self.by_problem[(issue.field, group or issue.problem)] += 1
        if issue.severity is Severity.ERROR and row is not None:
            self.bad_records.add(row)
        if len(self.kept) < MAX_KEPT_PER_FILE:
            self.kept.append(issue)

    @property
    def errors(self) -> int:
        return self.counts[Severity.ERROR]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class IssueLog:
    """All problems of a package, file by file."""

    files: dict[str, FileIssues] = field(default_factory=dict)

    def for_file(self, file: str) -> FileIssues:
        if file not in self.files:
            self.files[file] = FileIssues(file)
        return self.files[file]

    def add(self, issue: Issue, row: int | None = None) -> None:
        self.for_file(issue.file).add(issue, row)

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.add(issue)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files.values())

    def count(self, severity: Severity) -> int:
        return sum(f.counts[severity] for f in self.files.values())

    def __iter__(self) -> Iterator[Issue]:
        for f in self.files.values():
            yield from f.kept

    def issues(self, severity: Severity | None = None) -> list[Issue]:
        return [i for i in self if severity is None or i.severity is severity]


class DataError(Exception):
    """Input data broke the rules: raised once, with every problem found."""

    def __init__(self, message: str, log: IssueLog | None = None) -> None:
        super().__init__(message)
        self.log = log or IssueLog()


class UsageError(Exception):
    """The user asked for something that cannot be done as asked (exit code 2)."""
