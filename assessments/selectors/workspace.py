"""The school's workspace: the whole framework tree with the assessment's answers and live
results, in two queries whatever the framework's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from indicators.models import Node
from indicators.scoring import score
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree
from smartcampus.db import KeyedInstances

from ..models import Assessment, ItemResponse


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


def _responses_query(assessment_id: int):
    # unordered: the rows go into a map, and the model's default order would join the nodes
    return ItemResponse.objects.filter(assessment_id=assessment_id).order_by()


# the responses' statement, compiled once per process (every page of an assessment runs it)
_RESPONSES = KeyedInstances()


def assessment_workspace(*, assessment: Assessment) -> Workspace:
    """Everything the overview and item pages show, from two queries whatever the framework's size:
    the framework's nodes and the assessment's responses. Scores come from the scoring engine."""
    framework = assessment.campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    responses = {r.node_id: r for r in _RESPONSES.instances("responses", _responses_query, assessment.pk)}
    by_id = {n.pk: n for n in nodes}
    by_code = {n.code: n for n in nodes}
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
        while parent is not None:  # the ancestors shown above the item ("1 … › 1.2 …")
            path.insert(0, parent)
            parent = by_id.get(parent.parent_id)
        dimension = by_code[tree.dimension_of[node.code]]
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
    answers = {i.node.code: i.response.self_value(is_points=tree.is_points) for i in items}
    result = score(tree, answers)
    dims = []
    for root in (n for n in nodes if n.parent_id is None):
        in_dim = [i for i in items if i.dimension.pk == root.pk]
        dims.append(
            DimensionProgress(root, sum(1 for i in in_dim if i.done), len(in_dim), result.nodes[root.code])
        )
    return Workspace(
        assessment=assessment,
        is_points=tree.is_points,
        items=items,
        dimensions=dims,
        result=result,
        by_code={i.node.code: i for i in items},
        tree=tree,
    )
