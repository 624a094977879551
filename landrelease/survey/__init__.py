"""The non-technical survey engine: land-release recommendations from the risk map."""

from landrelease.survey.decisions import (
    DECISIONS,
    SurveyResult,
    SurveyRule,
    decide,
    decide_from_stored,
)
from landrelease.survey.store import read_parts, store_survey, write_decisions

__all__ = [
    "DECISIONS",
    "SurveyResult",
    "SurveyRule",
    "decide",
    "decide_from_stored",
    "read_parts",
    "store_survey",
    "write_decisions",
]
