"""Operations records: the activity workflow, the release service (what an approval books in the
land-release ledger and how the hazard follows), completion and handover, victim assistance,
spending, and changes to single records with their audit trail."""

from landrelease.records.changes import retire_record, save_records
from landrelease.records.ledger import area_by_method, hazard_balance, read_ledger
from landrelease.records.release import Release, preview_approval
from landrelease.records.rules import RELEASE_METHODS, accreditation_flags, check_release
from landrelease.records.workflow import (
    ApprovalResult,
    BackfillResult,
    ReviewResult,
    activity_history,
    approve_activity,
    book_approved_activities,
    hand_over,
    reject_activity,
    review_queue,
    submit_activity,
)

__all__ = [
    "RELEASE_METHODS",
    "ApprovalResult",
    "BackfillResult",
    "Release",
    "ReviewResult",
    "accreditation_flags",
    "activity_history",
    "approve_activity",
    "area_by_method",
    "book_approved_activities",
    "check_release",
    "hand_over",
    "hazard_balance",
    "preview_approval",
    "read_ledger",
    "reject_activity",
    "retire_record",
    "review_queue",
    "save_records",
    "submit_activity",
]
