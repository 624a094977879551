"""The non-technical survey engine: land-release recommendations from the risk map."""

from landrelease.survey.battle_area import BattleAreaRule
from landrelease.survey.decisions import (
    DECISION_LABELS,
    DECISIONS,
    SurveyResult,
    SurveyRule,
    decide,
    decide_from_stored,
)
from landrelease.survey.store import (
    latest_backtest,
    read_parts,
    read_stored_sites,
    store_backtest,
    store_survey,
    write_decisions,
)

__all__ = [
    "DECISIONS",
    "DECISION_LABELS",
    "BattleAreaRule",
    "SurveyResult",
    "SurveyRule",
    "decide",
    "decide_from_stored",
    "latest_backtest",
    "read_parts",
    "read_stored_sites",
    "store_backtest",
    "store_survey",
    "write_decisions",
]
