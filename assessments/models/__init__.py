from .acceptance import Acceptance, AcceptanceDelegate, acceptance_withdraw_fields
from .accounts import AccountState
from .campaigns import (
    ANSWERED,
    AWAITING_REVIEW,
    CARRY_PENDING,
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    Consolidation,
    DeadlineExtension,
    ItemResponse,
    Progress,
    ResponseTally,
    ReviewVerdict,
)
from .clauses import ClauseCheck, ClauseSide
from .designations import Designation, DesignationKind, DesignationQuota, DesignationState, DesignationTitle
from .facts import FactSource, FactValue
from .notifications import Notification
from .organisations import Membership, Region, Role, School, SchoolType
from .results import PassRule, ResultRule
from .reviews import ItemReview, ReviewAssignment
from .sampling import CityReview, ReviewStage, Sample, SampleMethod, SampleSchool, Stratum

__all__ = [
    "Acceptance",
    "AcceptanceDelegate",
    "acceptance_withdraw_fields",
    "CityReview",
    "ReviewStage",
    "Sample",
    "SampleMethod",
    "SampleSchool",
    "Stratum",
    "AccountState",
    "ANSWERED",
    "AWAITING_REVIEW",
    "CARRY_PENDING",
    "Assessment",
    "AssessmentStatus",
    "Campaign",
    "ClauseCheck",
    "ClauseSide",
    "ComplianceStatus",
    "Consolidation",
    "DeadlineExtension",
    "Designation",
    "DesignationKind",
    "DesignationQuota",
    "DesignationState",
    "DesignationTitle",
    "FactSource",
    "FactValue",
    "ItemResponse",
    "ItemReview",
    "Membership",
    "Notification",
    "PassRule",
    "Progress",
    "Region",
    "ResultRule",
    "ReviewAssignment",
    "ResponseTally",
    "ReviewVerdict",
    "Role",
    "School",
    "SchoolType",
]
