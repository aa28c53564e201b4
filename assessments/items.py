"""Which indicators of a framework a school answers, and the scoring tree behind them.

Points mode: the scoring node (the deepest node of its branch that carries points — level 2 in
Beijing K-12, level 3 in Zibo). Compliance mode: every leaf. The scoring engine
(`indicators.scoring`) decides both, so the platform and the engine never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from indicators.models import Framework, Node
from indicators.scoring import ScoringTree, scoring_tree_from_nodes


def framework_nodes(*, framework: Framework) -> list[Node]:
    """Every node of the framework in tree order, in one query."""
    return list(Node.objects.filter(framework_id=framework.pk).order_by("position"))


def scoring_tree(*, framework: Framework, nodes: Sequence[Node]) -> ScoringTree:
    return scoring_tree_from_nodes(nodes, scoring=framework.scoring, total_points=framework.total_points)


def answerable_nodes(*, tree: ScoringTree, nodes: Sequence[Node]) -> list[Node]:
    """The nodes that get an `ItemResponse`, in tree order."""
    if tree.scoring == "points":
        return [n for n in nodes if n.code in tree.score_max]
    parents = {n.parent_id for n in nodes}
    return [n for n in nodes if n.pk not in parents]
