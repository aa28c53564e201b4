from .accounts import AccountState
from .campaigns import (
    ANSWERED,
    AWAITING_REVIEW,
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    Consolidation,
    DeadlineExtension,
    ItemResponse,
    ReviewVerdict,
)
from .notifications import Notification
from .organisations import Membership, Region, Role, School, SchoolType
from .reviews import ItemReview, ReviewAssignment

__all__ = [
    "AccountState",
    "ANSWERED",
    "AWAITING_REVIEW",
    "Assessment",
    "AssessmentStatus",
    "Campaign",
    "ComplianceStatus",
    "Consolidation",
    "DeadlineExtension",
    "ItemResponse",
    "ItemReview",
    "Membership",
    "Notification",
    "Region",
    "ReviewAssignment",
    "ReviewVerdict",
    "Role",
    "School",
    "SchoolType",
]
