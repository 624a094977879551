"""Analytics on the records: casualties (who, doing what, where), hotspots, risk-education priorities."""

from landrelease.analytics.casualties import (
    AGE_GROUPS,
    Density,
    age_group,
    breakdown,
    by_month,
    eore_priorities,
    hotspots,
    kernel_density,
    victims_frame,
)

__all__ = [
    "AGE_GROUPS",
    "Density",
    "age_group",
    "breakdown",
    "by_month",
    "eore_priorities",
    "hotspots",
    "kernel_density",
    "victims_frame",
]
