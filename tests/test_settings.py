"""Settings: the ranges declared hold their defaults, and a stray variable is named."""

from __future__ import annotations

import pytest

from landrelease import settings
from landrelease.errors import UsageError


def test_every_default_lies_in_its_declared_range() -> None:
    ranged = [s for s in settings.SETTINGS if s.accepted]
    assert len(ranged) >= 40
    assert all(s.in_range(s.default) for s in ranged), [s.name for s in ranged]


def test_the_closest_setting_is_named_and_other_variables_are_left_alone() -> None:
    warnings = settings.unknown_variables(
        {
            "LANDRELEASE_RISK_CEL_M": "20",
            "LANDRELEASE_USER": "ana",
            "LANDRELEASE_FORECAST_RUNS": "10",
            "LANDRELEASE_XYZZY": "1",
            "PATH": "/bin",
        }
    )
    assert warnings == [
        "LANDRELEASE_RISK_CEL_M names no setting and is ignored; did you mean "
        "LANDRELEASE_RISK_CELL_M? (`landrelease settings` lists them)",
        "LANDRELEASE_XYZZY names no setting and is ignored (`landrelease settings` lists them)",
    ]


def test_bounds_open_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_SURVEY_MAX_RESIDUAL", "0")
    assert settings.get("survey_max_residual") == 0.0
    monkeypatch.setenv("LANDRELEASE_SURVEY_MAX_RESIDUAL", "1")
    with pytest.raises(UsageError, match="must be at least 0 and below 1"):
        settings.get("survey_max_residual")
    monkeypatch.setenv("LANDRELEASE_RISK_BOUND_LEVEL", "0")
    with pytest.raises(UsageError, match="must be above 0 and below 1"):
        settings.check_environment()
