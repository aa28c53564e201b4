"""Which indicators of a framework a school answers, and the scoring tree behind them.

Points mode: the scoring node (the deepest node of its branch that carries points — level 2 in
Beijing K-12, level 3 in Zibo). Compliance mode: every leaf. The scoring engine
(`indicators.scoring`) decides both, so the platform and the engine never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from indicators.models import Framework, Node
from indicators.scoring import ScoringTree, scoring_tree_from_nodes

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


def scoring_tree(*, framework: Framework, nodes: Sequence[Node]) -> ScoringTree:
    return scoring_tree_from_nodes(nodes, scoring=framework.scoring, total_points=framework.total_points)


def answerable_nodes(*, tree: ScoringTree, nodes: Sequence[Node]) -> list[Node]:
    """The nodes that get an `ItemResponse`, in tree order."""
    if tree.scoring == "points":
        return [n for n in nodes if n.code in tree.score_max]
    parents = {n.parent_id for n in nodes}
    return [n for n in nodes if n.pk not in parents]
