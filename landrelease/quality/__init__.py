"""Quality management: post-clearance inspection by limiting-quality sampling, non-conformities."""

from landrelease.quality.inspection import (
    InspectionPlan,
    InspectionResult,
    plan_inspection,
    read_plan,
    read_plans,
    record_inspection,
)
from landrelease.quality.nonconformities import (
    close_non_conformity,
    raise_non_conformity,
    read_non_conformities,
)
from landrelease.quality.sampling import SamplingPlan, make_plan

__all__ = [
    "InspectionPlan",
    "InspectionResult",
    "SamplingPlan",
    "close_non_conformity",
    "make_plan",
    "plan_inspection",
    "raise_non_conformity",
    "read_non_conformities",
    "read_plan",
    "read_plans",
    "record_inspection",
]
