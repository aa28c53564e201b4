"""Reads of frameworks. Frameworks are reference data: every logged-in role may read every one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import Framework, Node
from .scoring import ScoringTree, scoring_tree_from_nodes
from .trees import FrameworkSpec, spec_from_models


def framework_list(*, user, all_versions: bool = False) -> QuerySet[Framework]:
    """Frameworks the user may read (all of them, for any authenticated user), latest versions only
    unless `all_versions`; annotated with `node_count`."""
    if not getattr(user, "is_authenticated", False):
        return Framework.objects.none()
    qs = Framework.objects.all() if all_versions else Framework.objects.latest_versions()
    return qs.annotate(
        node_count=Count("nodes", distinct=True),
        leaf_count=Count("nodes", filter=Q(nodes__children__isnull=True), distinct=True),
    ).order_by("code", "-version")


def framework_latest(*, code: str) -> Framework | None:
    """The highest version of `code`, or None."""
    return Framework.objects.filter(code=code).order_by("-version").first()


def framework_get(*, user, code: str, version: int | None = None) -> Framework:
    """One framework version (latest when `version` is None), else Http404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = Framework.objects.filter(code=code)
    framework = qs.filter(version=version).first() if version else qs.order_by("-version").first()
    if framework is None:
        raise Http404
    return framework


def node_list(*, framework: Framework) -> QuerySet[Node]:
    """The nodes of one framework version in tree (depth-first) order."""
    return Node.objects.filter(framework=framework).order_by("position")


def framework_spec(*, framework: Framework) -> FrameworkSpec:
    """The whole tree as plain data, in one query."""
    return spec_from_models(framework, list(node_list(framework=framework)))


@dataclass
class TreeNode:
    """A node with its children attached, for templates (no extra queries while rendering)."""

    node: Node
    children: list[TreeNode] = field(default_factory=list)


def framework_tree(*, framework: Framework) -> list[TreeNode]:
    """Roots of the tree, each with nested `children`, from a single query."""
    items: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for node in node_list(framework=framework):
        item = items[node.pk] = TreeNode(node)
        (items[node.parent_id].children if node.parent_id else roots).append(item)
    return roots


# --- the nodes every page of a campaign scores with -----------------------------------------------

# Nodes of locked frameworks, per process. A framework is locked when a campaign starts using it
# and can never change afterwards (indicators.services.framework_lock; the admin makes it read-only;
# a changed fixture becomes a new version), so every page of a campaign can share one read of its
# ~200 nodes instead of building them again on each request (~10 ms of a 25 ms page).
_LOCKED_NODES: dict[tuple[int, str], tuple[Node, ...]] = {}


def framework_nodes(*, framework: Framework) -> list[Node]:
    """Every node of the framework in tree order: one query, or none for a locked framework whose
    nodes this process has read before. Callers get their own list; the nodes must not be changed."""
    if framework.locked_at is None:
        return list(Node.objects.filter(framework_id=framework.pk).order_by("position"))
    key = (framework.pk, framework.locked_at.isoformat())
    nodes = _LOCKED_NODES.get(key)
    if nodes is None:
        nodes = _LOCKED_NODES[key] = tuple(
            Node.objects.filter(framework_id=framework.pk).order_by("position")
        )
    return list(nodes)


def clear_node_cache() -> None:
    """Forget every cached node list (tests, whose rolled-back databases reuse primary keys)."""
    _LOCKED_NODES.clear()


def scoring_tree(*, framework: Framework, nodes: Sequence[Node] | None = None) -> ScoringTree:
    """The scoring engine's tree of `framework` (from `nodes` when the caller has them already)."""
    if nodes is None:
        nodes = framework_nodes(framework=framework)
    return scoring_tree_from_nodes(nodes, scoring=framework.scoring, total_points=framework.total_points)


def answerable_nodes(*, tree: ScoringTree, nodes: Sequence[Node]) -> list[Node]:
    """The nodes that get an `ItemResponse` (the tree's `items`), in tree order."""
    items = set(tree.items)
    return [n for n in nodes if n.code in items]
