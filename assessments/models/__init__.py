from .campaigns import (
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    DeadlineExtension,
    ItemResponse,
)
from .organisations import Membership, Region, Role, School, SchoolType

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "Campaign",
    "ComplianceStatus",
    "DeadlineExtension",
    "ItemResponse",
    "Membership",
    "Region",
    "Role",
    "School",
    "SchoolType",
]
