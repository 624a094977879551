"""A day or month the calendar does not have is refused in the same words by the command line
and by the reports it calls: one line, exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.errors import UsageError
from landrelease.reports.data import date_period, month_period


@pytest.mark.parametrize(
    ("args", "refused", "said"),
    [
        (
            ("report", "donor", "--from", "2024-01-01", "--to", "2024-06-31"),
            lambda: date_period("2024-01-01", "2024-06-31"),
            "2024-06-31 is not a date: June 2024 has 30 days",
        ),
        (
            ("report", "donor", "--from", "2023-02-29", "--to", "2023-12-31"),
            lambda: date_period("2023-02-29", "2023-12-31"),
            "2023-02-29 is not a date: February 2023 has 28 days",
        ),
        (
            ("report", "monthly", "--month", "2024-13"),
            lambda: month_period("2024-13"),
            "2024-13 is not a month: a year has 12 months (01 to 12)",
        ),
    ],
)
def test_the_command_line_and_the_reports_refuse_a_date_in_the_same_words(
    tmp_path: Path, args: tuple[str, ...], refused: Callable[[], object], said: str
) -> None:
    result = CliRunner().invoke(app, [*args, "-w", str(tmp_path / "none.gpkg")])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if said in line]) == 1, result.output
    assert not (tmp_path / "none.gpkg").exists()
    with pytest.raises(UsageError) as error:
        refused()
    assert str(error.value).endswith(said) and "\n" not in str(error.value)
