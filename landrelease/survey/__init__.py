"""The non-technical survey engine: land-release recommendations from the risk map."""

from landrelease.survey.decisions import DECISIONS, SurveyResult, SurveyRule, decide
from landrelease.survey.store import read_parts, store_survey, write_decisions

__all__ = [
    "DECISIONS",
    "SurveyResult",
    "SurveyRule",
    "decide",
    "read_parts",
    "store_survey",
    "write_decisions",
]
