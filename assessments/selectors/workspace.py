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


@dataclass(frozen=True)
class _Slot:
    """What the framework alone says about one answerable node (the same for every assessment)."""

    node: Node
    dimension: Node
    dimension_index: int  # position of the dimension among the roots
    path: list[Node]
    monitoring_points: list[Node]
    score_max: Decimal | None


@dataclass(frozen=True)
class _Skeleton:
    roots: tuple[Node, ...]
    slots: tuple[_Slot, ...]


def _skeleton(tree, nodes) -> _Skeleton:
    by_id = {n.pk: n for n in nodes}
    by_code = {n.code: n for n in nodes}
    children: dict[int, list[Node]] = {}
    for n in nodes:
        if n.parent_id:
            children.setdefault(n.parent_id, []).append(n)
    roots = tuple(n for n in nodes if n.parent_id is None)
    root_index = {n.pk: i for i, n in enumerate(roots)}
    slots = []
    for node in answerable_nodes(tree=tree, nodes=nodes):
        path, parent = [], by_id.get(node.parent_id)
        while parent is not None:  # the ancestors shown above the item ("1 … › 1.2 …")
            path.insert(0, parent)
            parent = by_id.get(parent.parent_id)
        dimension = by_code[tree.dimension_of[node.code]]
        slots.append(
            _Slot(
                node=node,
                dimension=dimension,
                dimension_index=root_index.get(dimension.pk, -1),
                path=path,
                monitoring_points=children.get(node.pk, []),
                score_max=tree.score_max.get(node.code),
            )
        )
    return _Skeleton(roots=roots, slots=tuple(slots))


# Skeletons of locked frameworks (whose nodes and scoring tree `indicators.selectors` keeps per
# process), each with the tree it was made from: a skeleton is used only with that very tree, so it
# is forgotten with the nodes (`clear_node_cache`). An unlocked framework's is made on every call.
_LOCKED_SKELETONS: dict[tuple[int, str], tuple[object, _Skeleton]] = {}


def _framework_skeleton(framework, tree, nodes) -> _Skeleton:
    if framework.locked_at is None:
        return _skeleton(tree, nodes)
    key = (framework.pk, framework.locked_at.isoformat())
    found = _LOCKED_SKELETONS.get(key)
    if found is None or found[0] is not tree:
        found = _LOCKED_SKELETONS[key] = (tree, _skeleton(tree, nodes))
    return found[1]


def assessment_workspace(*, assessment: Assessment) -> Workspace:
    """Everything the overview and item pages show, from two queries whatever the framework's size:
    the framework's nodes and the assessment's responses. Scores come from the scoring engine."""
    framework = assessment.campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    skeleton = _framework_skeleton(framework, tree, nodes)
    is_points = tree.is_points
    responses = {r.node_id: r for r in _RESPONSES.instances("responses", _responses_query, assessment.pk)}
    items: list[Item] = []
    answers = {}
    done = [0] * len(skeleton.roots)
    total = [0] * len(skeleton.roots)
    for slot in skeleton.slots:
        node = slot.node
        response = responses.get(node.pk)
        if response is None:  # a row missing from the eager creation: show it as unanswered
            response = ItemResponse(assessment=assessment, node=node)
        else:  # the row's own node and assessment (the ids are equal), as `response.node = node` would
            cache = response._state.fields_cache
            cache["node"] = node
            cache["assessment"] = assessment
        item = Item(
            node=node,
            response=response,
            index=len(items),
            dimension=slot.dimension,
            path=slot.path,
            monitoring_points=slot.monitoring_points,
            score_max=slot.score_max,
            starred=slot.dimension.starred,
        )
        items.append(item)
        answers[node.code] = response.self_value(is_points=is_points)
        if slot.dimension_index >= 0:
            total[slot.dimension_index] += 1
            if response.is_answered:
                done[slot.dimension_index] += 1
    result = score(tree, answers)
    dims = [
        DimensionProgress(root, done[i], total[i], result.nodes[root.code])
        for i, root in enumerate(skeleton.roots)
    ]
    return Workspace(
        assessment=assessment,
        is_points=is_points,
        items=items,
        dimensions=dims,
        result=result,
        by_code={i.node.code: i for i in items},
        tree=tree,
    )
