"""The terminal itself: the two consoles (results on stdout, messages on stderr) and progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@contextmanager
def record_progress(label: str) -> Iterator[Callable[[str, int], None]]:
    """A live line per file with the records read so far (shown on a terminal only)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[records]:,} records"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(file: str, records: int) -> None:
            if file not in tasks:
                tasks[file] = progress.add_task(f"{label} {file}", records=0, total=None)
            progress.update(tasks[file], records=records)

        yield update


@contextmanager
def step_progress(label: str) -> Iterator[Callable[[str, float], None]]:
    """A bar for work measured as a fraction done."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=1.0)

        def update(step: str, fraction: float) -> None:
            progress.update(task, description=f"{label}: {step}", completed=fraction)

        yield update


def escape(text: str) -> str:
    """Text shown as it is, even where it holds ``[`` (Rich would read it as markup)."""
    return text.replace("[", r"\[")


def pct(value: float) -> str:
    """A share as a whole percentage; a dash when it is not known (NaN)."""
    return "—" if value != value else f"{value:.0%}"
