"""The console's backtest sentences on the land the decisions would have cancelled."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from rich.console import Console

from landrelease.cli.display import land_release


def _printed(monkeypatch: pytest.MonkeyPatch, **totals: Any) -> str:
    out = Console(record=True, width=400)
    monkeypatch.setattr(land_release, "console", out)
    base = {
        "searched_cells": 1000,
        "activities": 4,
        "area_ha": 12.0,
        "expected_found": 10.0,
        "expected_devices": 20.0,
        "found_devices": 9,
        "expected_per_found": 10 / 9,
        "by_type": {},
        "verdict": "consistent",
        "found_outside_the_map": 0,
        "cancellation_withheld": None,
        "share_cancelled": 0.031,
        "cancelled_ha_worked_later": 0.0,
        "found_in_cancelled": 0,
        "bound_in_cancelled": 0.0,
    }
    activities = pd.DataFrame(
        {
            "activity_id": ["TS-1"],
            "hazard_id": ["HZ-1"],
            "end": ["2025-01-02"],
            "area_ha": [3.0],
            "expected_found": [4.0],
            "found_devices": [2],
            "found_in_cancelled": [0],
        }
    )
    result = SimpleNamespace(
        as_of="2024-12-31", totals={**base, **totals}, activities=activities, outputs={}
    )
    land_release.show_backtest(result)
    return " ".join(out.export_text().split())


def test_no_cancelled_land_worked_later_is_said_to_check_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _printed(monkeypatch)
    assert (
        "None of the land the decisions would have cancelled then (3.1% of the hazard area) "
        "was worked later, so this backtest cannot check the cancellations yet" in text
    )
    assert "held" not in text.replace("held-out", "")


@pytest.mark.parametrize(("found", "verdict"), [(2, "held"), (7, "broken")])
def test_cancelled_land_worked_later_is_checked_against_its_bound(
    monkeypatch: pytest.MonkeyPatch, found: int, verdict: str
) -> None:
    text = _printed(
        monkeypatch, cancelled_ha_worked_later=1.5, found_in_cancelled=found, bound_in_cancelled=4.2
    )
    assert (
        f"Land the decisions would have cancelled and teams worked later: 1.5 ha, where they "
        f"found {found} devices (the bound stated for it then: at most 4.2; {verdict})." in text
    )
