"""Reads that depend on who asks. Every view gets its queryset here; out-of-scope rows do not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from indicators.models import Node
from indicators.scoring import score

from ..items import answerable_nodes, framework_nodes, scoring_tree
from ..models import Assessment, Campaign, ItemResponse, Membership, Region, School
from ..scoping import get_scope


def school_list(*, user, filters: dict | None = None) -> QuerySet[School]:
    """Schools the user may see: their own (CIO) or those in their region subtrees."""
    scope = get_scope(user)
    if scope.user_id is None:
        return School.objects.none()
    qs = School.objects.filter(scope.schools_q()).select_related("region", "region__parent")
    filters = filters or {}
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if region := filters.get("region"):
        qs = qs.filter(region__path__contains=f"/{region}/")
    if school_type := filters.get("school_type"):
        qs = qs.filter(school_type=school_type)
    return qs


def school_get(*, user, pk: int) -> School:
    """One school in scope, else 404 (the same answer as for a school that does not exist)."""
    return get_object_or_404(school_list(user=user), pk=pk)


def region_list(*, user) -> QuerySet[Region]:
    """Regions the user covers (subtrees of their region memberships) and the regions of their schools."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Region.objects.none()
    q = scope.regions_q()
    if scope.cio_school_ids:
        q |= Q(schools__id__in=sorted(scope.cio_school_ids))
    return Region.objects.filter(q).distinct().select_related("parent")


def region_overview(*, user) -> QuerySet[Region]:
    """Regions in scope annotated with the number of schools in scope in their whole subtree."""
    in_subtree = school_list(user=user).filter(region__path__startswith=OuterRef("path")).order_by()
    counts = in_subtree.annotate(n=Func(F("id"), function="COUNT")).values("n")
    return region_list(user=user).annotate(school_count=Coalesce(Subquery(counts[:1]), 0))


def commission_region_list(*, user) -> QuerySet[Region]:
    """The regions a commission user owns (the roots of their commission memberships): campaign owners."""
    scope = get_scope(user)
    if scope.is_superuser:
        return Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.CITY])
    return Region.objects.filter(path__in=scope.commission_paths)


def membership_list(*, user) -> QuerySet[Membership]:
    """Memberships commission staff may manage: those on schools or regions inside their subtrees."""
    scope = get_scope(user)
    if not scope.is_commission:
        return Membership.objects.none()
    if scope.is_superuser:
        return Membership.objects.select_related("user", "school", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(school__region__path__startswith=path) | Q(region__path__startswith=path)
    return Membership.objects.filter(q).select_related("user", "school", "region")


def user_list(*, user) -> QuerySet:
    """Users holding at least one membership that the commission user may manage."""
    User = get_user_model()
    scope = get_scope(user)
    if not scope.is_commission:
        return User.objects.none()
    if scope.is_superuser:
        return User.objects.all()
    return User.objects.filter(memberships__in=membership_list(user=user)).distinct()


def campaign_list(*, user) -> QuerySet[Campaign]:
    """Campaigns the user takes part in: owned by a commission region they cover, or with at least
    one assessment of a school in their scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Campaign.objects.none()
    if scope.is_superuser:
        return Campaign.objects.select_related("framework", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(region__path__startswith=path)
    in_scope = Assessment.objects.filter(scope.schools_q("school__")).values("campaign_id")
    return Campaign.objects.filter(q | Q(pk__in=in_scope)).select_related("framework", "region")


def assessment_list(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    """Assessments of the schools in the user's scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    qs = Assessment.objects.filter(scope.schools_q("school__")).select_related(
        "campaign", "campaign__framework", "school", "school__region"
    )
    filters = filters or {}
    if (campaign := filters.get("campaign")) and str(campaign).isdigit():
        qs = qs.filter(campaign_id=campaign)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    return qs


def response_list(*, user) -> QuerySet[ItemResponse]:
    """Item responses of the assessments in the user's scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return ItemResponse.objects.none()
    return ItemResponse.objects.filter(scope.schools_q("assessment__school__")).select_related(
        "assessment", "assessment__campaign", "assessment__school", "node"
    )


def campaign_get(*, user, pk: int) -> Campaign:
    return get_object_or_404(campaign_list(user=user), pk=pk)


def campaign_managed_list(*, user) -> QuerySet[Campaign]:
    """Campaigns the user manages as commission staff (owned by a region they cover)."""
    scope = get_scope(user)
    if not scope.is_commission:
        return Campaign.objects.none()
    if scope.is_superuser:
        return Campaign.objects.select_related("framework", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(region__path__startswith=path)
    return Campaign.objects.filter(q).select_related("framework", "region")


def response_count(q: Q | None = None) -> Coalesce:
    """Items of the outer assessment (matching `q`), as a correlated subquery: PostgreSQL evaluates
    it only for the rows of the page (after ORDER BY … LIMIT), and `count()` drops it, where a
    Count() over the join made every query of the queue (page, count, filters) group all responses
    of the reviewer's district."""
    rows = ItemResponse.objects.filter(assessment=OuterRef("pk"))
    if q is not None:
        rows = rows.filter(q)
    counted = rows.order_by().values("assessment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def campaign_assessments(*, user, campaign: Campaign) -> QuerySet[Assessment]:
    """The campaign's assessments in the user's scope, with answered/total counts (one query)."""
    answered = Q(self_score__isnull=False) | Q(self_status__isnull=False)
    return (
        assessment_list(user=user)
        .filter(campaign=campaign)
        .annotate(item_total=response_count(), item_done=response_count(answered))
        .order_by("school__region__path", "school__code")
    )


def assessment_get(*, user, pk: int) -> Assessment:
    """One assessment in scope, else 404."""
    return get_object_or_404(assessment_list(user=user), pk=pk)


# --- the CIO's workspace: the whole tree with answers and live results, in two queries ----------


@dataclass
class Item:
    """An answerable node with its response and what the form needs to know about it."""

    node: Node
    response: ItemResponse
    index: int  # position among the answerable items (0-based)
    dimension: Node
    path: list[Node]  # ancestors from the dimension down to the parent
    monitoring_points: list[Node]  # children shown as guidance (Beijing K-12 level 3)
    score_max: Decimal | None  # points mode: the maximum a score may reach
    starred: bool  # inside a starred dimension (score may exceed the nominal points)

    @property
    def done(self) -> bool:
        return self.response.is_answered


@dataclass
class DimensionProgress:
    node: Node
    done: int
    total: int
    result: object  # PointsNodeResult | ComplianceNodeResult

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass
class Workspace:
    assessment: Assessment
    is_points: bool
    items: list[Item]
    dimensions: list[DimensionProgress]
    result: object  # PointsResult | ComplianceResult
    by_code: dict[str, Item] = field(default_factory=dict)
    tree: object = None  # the ScoringTree (for scoring other answers, e.g. the reviewer's)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def missing(self) -> list[Item]:
        return [i for i in self.items if not i.done]


def assessment_workspace(*, assessment: Assessment) -> Workspace:
    """Everything the overview and item pages show, from two queries whatever the framework's size:
    the framework's nodes and the assessment's responses. Scores come from the scoring engine."""
    framework = assessment.campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    responses = {r.node_id: r for r in ItemResponse.objects.filter(assessment_id=assessment.pk)}
    by_id = {n.pk: n for n in nodes}
    children: dict[int, list[Node]] = {}
    for n in nodes:
        if n.parent_id:
            children.setdefault(n.parent_id, []).append(n)
    items: list[Item] = []
    for node in answerable_nodes(tree=tree, nodes=nodes):
        response = responses.get(node.pk)
        if response is None:  # a row missing from the eager creation: show it as unanswered
            response = ItemResponse(assessment=assessment, node=node)
        response.node = node
        response.assessment = assessment
        path, parent = [], by_id.get(node.parent_id)
        while parent is not None:
            path.insert(0, parent)
            parent = by_id.get(parent.parent_id)
        dimension = path[0] if path else node
        items.append(
            Item(
                node=node,
                response=response,
                index=len(items),
                dimension=dimension,
                path=path,
                monitoring_points=children.get(node.pk, []),
                score_max=tree.score_max.get(node.code),
                starred=dimension.starred,
            )
        )
    if tree.scoring == "points":
        answers = {i.node.code: i.response.self_score for i in items}
    else:
        answers = {i.node.code: i.response.self_status for i in items}
    result = score(tree, answers)
    dims = []
    for root in (n for n in nodes if n.parent_id is None):
        in_dim = [i for i in items if i.dimension.pk == root.pk]
        dims.append(
            DimensionProgress(root, sum(1 for i in in_dim if i.done), len(in_dim), result.nodes[root.code])
        )
    return Workspace(
        assessment=assessment,
        is_points=tree.scoring == "points",
        items=items,
        dimensions=dims,
        result=result,
        by_code={i.node.code: i for i in items},
        tree=tree,
    )


from .reviews import (  # noqa: E402, F401 — re-exported; they build on the workspace above
    ReviewItem,
    ReviewWorkspace,
    notification_list,
    notification_unread_count,
    review_assessment_get,
    review_assessment_list,
    review_queue,
    review_queue_counts,
    review_workbench,
)
