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
    Progress,
    ReviewVerdict,
)
from .notifications import Notification
from .organisations import Membership, Region, Role, School, SchoolType
from .reviews import ItemReview, ReviewAssignment

__all__ = [
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
    "Progress",
    "Region",
    "ReviewAssignment",
    "ReviewVerdict",
    "Role",
    "School",
    "SchoolType",
]
