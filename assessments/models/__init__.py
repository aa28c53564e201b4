from .campaigns import (
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    DeadlineExtension,
    ItemResponse,
    ReviewVerdict,
)
from .notifications import Notification
from .organisations import Membership, Region, Role, School, SchoolType
from .reviews import ItemReview, ReviewAssignment

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "Campaign",
    "ComplianceStatus",
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
