"""The three planning jobs under their former address (kept so existing imports keep working).

The jobs now live by concept: :mod:`~landrelease.planning.ranking`
(:func:`prioritise`), :mod:`~landrelease.planning.operations` (:func:`plan`),
:mod:`~landrelease.planning.forecasting` (:func:`forecast`); what they share in
:mod:`~landrelease.planning.basis`; what they return in
:mod:`~landrelease.planning.results`.
"""

from __future__ import annotations

from landrelease.planning.basis import Basis, basis
from landrelease.planning.forecasting import forecast
from landrelease.planning.operations import parse_budget, plan
from landrelease.planning.ranking import prioritise
from landrelease.planning.results import ForecastResult, PlanResult, PriorityResult, ScenarioResult

__all__ = [
    "Basis",
    "ForecastResult",
    "PlanResult",
    "PriorityResult",
    "ScenarioResult",
    "basis",
    "forecast",
    "parse_budget",
    "plan",
    "prioritise",
]
