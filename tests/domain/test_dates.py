"""Days and months given by a user: one reading, and a message saying what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from landrelease.domain.dates import day_problem, month_problem, parse_day, parse_month
from landrelease.errors import UsageError
from landrelease.planning.common import parse_month as plan_month


def test_a_day_written_right_that_does_not_exist_is_refused_for_what_it_is() -> None:
    assert day_problem("2026-02-30") == "2026-02-30 is not a date: February 2026 has 28 days"
    assert day_problem("2024-02-30") == "2024-02-30 is not a date: February 2024 has 29 days"
    assert day_problem("2026-04-31") == "2026-04-31 is not a date: April 2026 has 30 days"
    assert day_problem("2026-13-01") == "2026-13-01 is not a date: a year has 12 months (01 to 12)"
    assert day_problem("2026-02-28") is None and day_problem("2024-02-29") is None
    assert "give it as YYYY-MM-DD" in str(day_problem("30/02/2026"))
    with pytest.raises(UsageError, match=r"^--from 2026-02-30 is not a date: February 2026"):
        parse_day("2026-02-30", what="--from")
    assert parse_day("2026-02-28") == dt.date(2026, 2, 28)


def test_a_month_that_does_not_exist_is_refused_for_what_it_is() -> None:
    assert month_problem("2026-13") == "2026-13 is not a month: a year has 12 months (01 to 12)"
    assert month_problem("2026-00") is not None
    assert "give it as YYYY-MM" in str(month_problem("Dec 2032"))
    assert parse_month("2032-12") == (2032, 12)
    assert parse_month("2032-12-31") == (2032, 12)
    with pytest.raises(UsageError, match="February 2032 has 29 days"):
        parse_month("2032-02-30", what="--start")


def test_the_plan_reads_its_months_the_same_way() -> None:
    assert str(plan_month("2026-11", what="--start")) == "2026-11"
    with pytest.raises(UsageError, match=r"^--horizon 2032-13 is not a month"):
        plan_month("2032-13", what="--horizon")
