"""Reads that depend on who asks, one module per sub-domain; everything is importable from here.
Every view gets its queryset here; out-of-scope rows do not exist."""

from .campaigns import (
    Change,
    assessment_changes,
    assessment_get,
    assessment_list,
    campaign_assessments,
    campaign_get,
    campaign_list,
    campaign_managed_list,
    response_count,
    response_list,
)
from .notifications import notification_list, notification_unread_count
from .organisations import (
    commission_region_list,
    membership_list,
    region_list,
    region_overview,
    school_get,
    school_list,
    user_list,
)
from .reviews import (
    ReviewItem,
    ReviewWorkspace,
    review_assessment_get,
    review_assessment_list,
    review_queue,
    review_queue_counts,
    review_workbench,
)
from .workspace import DimensionProgress, Item, Workspace, assessment_workspace

__all__ = [
    "Change",
    "DimensionProgress",
    "Item",
    "ReviewItem",
    "ReviewWorkspace",
    "Workspace",
    "assessment_changes",
    "assessment_get",
    "assessment_list",
    "assessment_workspace",
    "campaign_assessments",
    "campaign_get",
    "campaign_list",
    "campaign_managed_list",
    "commission_region_list",
    "membership_list",
    "notification_list",
    "notification_unread_count",
    "region_list",
    "region_overview",
    "response_count",
    "response_list",
    "review_assessment_get",
    "review_assessment_list",
    "review_queue",
    "review_queue_counts",
    "review_workbench",
    "school_get",
    "school_list",
    "user_list",
]
