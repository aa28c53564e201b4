"""Reads of frameworks. Frameworks are reference data: every logged-in role may read every one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from smartcampus.db import CompiledQuery, Lru

from .equipment.catalog import CatalogSpec, catalog_from_models
from .facts import FactSpec
from .models import (
    EquipmentCatalog,
    EquipmentDevice,
    FactDefinition,
    Framework,
    Node,
    Rule,
)
from .rules import RULE_KEYS, RuleSpec
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
# Their scoring trees likewise (~5 ms to build from the nodes). An unlocked framework can still be
# edited, so its tree is built on every call.
_LOCKED_TREES: dict[tuple[int, str], ScoringTree] = {}


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
    """Forget every cached node list and spec (tests, whose rolled-back databases reuse primary keys)."""
    _LOCKED_NODES.clear()
    _LOCKED_TREES.clear()
    specs_changed()


def scoring_tree(*, framework: Framework, nodes: Sequence[Node] | None = None) -> ScoringTree:
    """The scoring engine's tree of `framework` (from `nodes` when the caller has them already).
    A locked framework's tree is built once per process and shared: callers must not change it."""
    if framework.locked_at is None:
        if nodes is None:
            nodes = framework_nodes(framework=framework)
        return scoring_tree_from_nodes(nodes, scoring=framework.scoring, total_points=framework.total_points)
    key = (framework.pk, framework.locked_at.isoformat())
    tree = _LOCKED_TREES.get(key)
    if tree is None:
        if nodes is None:
            nodes = framework_nodes(framework=framework)
        tree = _LOCKED_TREES[key] = scoring_tree_from_nodes(
            nodes, scoring=framework.scoring, total_points=framework.total_points
        )
    return tree


def answerable_nodes(*, tree: ScoringTree, nodes: Sequence[Node]) -> list[Node]:
    """The nodes that get an `ItemResponse` (the tree's `items`), in tree order."""
    items = set(tree.items)
    return [n for n in nodes if n.code in items]


# --- equipment catalogues (reference data, readable by every logged-in role) ---------------------


def equipment_catalog_get(*, code: str | None = None) -> EquipmentCatalog | None:
    """The catalogue `code`; without a code, the only catalogue there is (None if there are none
    or several)."""
    if code is not None:
        return EquipmentCatalog.objects.filter(code=code).first()
    catalogs = list(EquipmentCatalog.objects.order_by("code")[:2])
    return catalogs[0] if len(catalogs) == 1 else None


def equipment_device_list(*, catalog: EquipmentCatalog) -> QuerySet[EquipmentDevice]:
    """The devices of one catalogue in table order."""
    return EquipmentDevice.objects.filter(catalog=catalog).order_by("order")


def equipment_catalog_spec(*, catalog: EquipmentCatalog) -> CatalogSpec:
    """The whole catalogue as plain data (what `equipment.check.classroom_check` takes), one query."""
    return catalog_from_models(catalog, list(equipment_device_list(catalog=catalog)))


# Specs made from a row's stored values (and, for the wording, the active language): a pure function
# of what the query read, so a spec is made once per distinct content and the query still runs on
# every call (any change to a row gives it a new key). Bounded: the map is emptied when it grows.
_SPECS: dict[tuple, object] = {}
_SPECS_MAX = 20_000

FACT_SPEC_FIELDS = ("code", "label", "kind", "unit", "help_text", "levels", "choices", "part_of")
# a rule's stored fields as its spec takes them (the node comes as its code, read apart)
RULE_SPEC_FIELDS = tuple(key for key in RULE_KEYS if key != "node")


def _spec_of(kind: str, row: tuple, make):
    key = (kind, get_language(), repr(row))
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        spec = _SPECS[key] = make()
    return spec


def _catalogue_rows_query():
    return FactDefinition.objects.order_by("position", "code").values_list(*FACT_SPEC_FIELDS)


# the catalogue's rows as the database gives them (JSON undecoded), compiled once per process
_CATALOGUE_ROWS = CompiledQuery(_catalogue_rows_query, arity=0)
# The catalogue made from those rows, keyed by them and the language of its wording: read on every
# call, built only when they change.
_CATALOGUES = Lru(8)
# Specs of a framework's rules by its `content_version` (every write of its rules, or of the nodes
# they name, changes it in the same transaction) and the language. The process that writes also
# forgets them (`specs_changed`): an instance it read before its own change keeps the old version.
_RULE_SPECS = Lru(256)


def specs_changed() -> None:
    """Forget this process's cached rule specs and catalogues (after a write of rules, and in tests,
    whose rolled-back databases reuse primary keys)."""
    _CATALOGUES.clear()
    _RULE_SPECS.clear()


def fact_catalogue() -> dict[str, FactSpec]:
    """The fact catalogue in display order, code → FactSpec (one query). Reference data, like
    frameworks: the same for every user. Callers get their own dict; the specs are shared."""
    return dict(catalogue_of_rows(_CATALOGUE_ROWS.rows()))


def catalogue_of_rows(rows) -> dict[str, FactSpec]:
    """The catalogue made from rows of `FACT_SPEC_FIELDS` in display order (JSON undecoded, as the
    database gives them). Shared: the same dict for the same rows in the same language, not to be changed."""
    language = get_language()
    try:
        key = (language, tuple(rows))
        found = _CATALOGUES.get(key)
    except TypeError:  # a driver that decodes JSON itself: lists in the rows
        key = (language, repr(rows))
        found = _CATALOGUES.get(key)
    if found is None:
        found = _fact_specs(rows)
        _CATALOGUES.put(key, found)
    return found


_JSON_COLUMNS = tuple(
    (i, FactDefinition._meta.get_field(name))
    for i, name in enumerate(FACT_SPEC_FIELDS)
    if FactDefinition._meta.get_field(name).get_internal_type() == "JSONField"
)


def _fact_specs(raw_rows) -> dict[str, FactSpec]:
    from django.db import connection

    specs = {}
    for raw in raw_rows:
        row = list(raw)
        for i, json_field in _JSON_COLUMNS:
            if isinstance(row[i], str):
                row[i] = json_field.from_db_value(row[i], None, connection)
        row = tuple(row)
        specs[row[0]] = _spec_of(
            "fact",
            row,
            lambda row=row: FactDefinition(**dict(zip(FACT_SPEC_FIELDS, row, strict=True))).spec(),
        )
    return specs


def rule_list(*, framework: Framework) -> QuerySet[Rule]:
    """The rules of one framework version in tree order (node position, then file order)."""
    return (
        Rule.objects.filter(framework=framework).select_related("node").order_by("node__position", "position")
    )


def rule_specs(*, framework: Framework, fresh: bool = False) -> list[RuleSpec]:
    """The rules of one framework version as plain data, ready for `rules.evaluate_rules`: one query,
    none when this process has read the rules of the framework's `content_version` before (unless
    `fresh`: commands that check what is stored, whatever wrote it). Callers get their own list;
    the specs are shared and frozen."""
    if fresh:
        return _rule_specs_read(framework)
    key = (framework.pk, framework.content_version, get_language())
    found = _RULE_SPECS.get(key)
    if found is None:
        found = tuple(_rule_specs_read(framework))
        _RULE_SPECS.put(key, found)
    return list(found)


def _rule_specs_read(framework: Framework) -> list[RuleSpec]:
    rows = rule_list(framework=framework).values_list("node__code", *RULE_SPEC_FIELDS)
    return [
        _spec_of(
            "rule",
            row,
            lambda row=row: Rule(**dict(zip(RULE_SPEC_FIELDS, row[1:], strict=True))).spec(node_code=row[0]),
        )
        for row in rows
    ]


def rule_specs_by_framework(*, framework_ids: Iterable[int]) -> dict[int, list[RuleSpec]]:
    """The rules of several framework versions at once (one query): framework id → specs in tree
    order; a framework without rules maps to an empty list."""
    ids = sorted(set(framework_ids))
    specs: dict[int, list[RuleSpec]] = {pk: [] for pk in ids}
    for rule in (
        Rule.objects.filter(framework_id__in=ids)
        .select_related("node")
        .order_by("framework_id", "node__position", "position")
    ):
        specs[rule.framework_id].append(rule.spec(node_code=rule.node.code))
    return specs


# --- node mappings between versions ---------------------------------------------------------------


@dataclass(frozen=True)
class MappingRow:
    """An item of the old version and what it became (`new` None: 已删除)."""

    old: Node
    new: Node | None
    match: str  # a MappingMatch value, "" when deleted


@dataclass(frozen=True)
class MappingView:
    """The correspondence of two versions as the mapping page shows it: one row per old item, the
    new items nothing maps to (新增), and whether it is stored or derived."""

    from_framework: Framework
    to_framework: Framework
    rows: list[MappingRow]
    added: list[Node]
    old_items: list[Node]
    new_items: list[Node]
    stored: bool
    updated_by: object = None
    updated_at: object = None


def mapping_items(*, framework: Framework) -> list[Node]:
    """The items a mapping pairs: the answerable nodes (those that get an answer), in tree order."""
    nodes = framework_nodes(framework=framework)
    return answerable_nodes(tree=scoring_tree(framework=framework, nodes=nodes), nodes=nodes)


def framework_mapping_get(*, from_framework: Framework, to_framework: Framework):
    """The stored `FrameworkMapping` of the pair, or None."""
    from .models import FrameworkMapping

    return (
        FrameworkMapping.objects.filter(from_framework=from_framework, to_framework=to_framework)
        .select_related("updated_by")
        .first()
    )


def _pairs(from_framework: Framework, to_framework: Framework, old: list[Node], new: list[Node]):
    """(old id → (new id, match)), stored mapping or None."""
    from .mapping import match_nodes

    stored = framework_mapping_get(from_framework=from_framework, to_framework=to_framework)
    if stored is not None:
        pairs = {
            f: (t, m) for f, t, m in stored.rows.order_by().values_list("from_node_id", "to_node_id", "match")
        }
    else:
        pairs = {m.from_id: (m.to_id, m.match) for m in match_nodes(old, new)}
    return pairs, stored


def framework_mapping_view(*, from_framework: Framework, to_framework: Framework) -> MappingView:
    old = mapping_items(framework=from_framework)
    new = mapping_items(framework=to_framework)
    pairs, stored = _pairs(from_framework, to_framework, old, new)
    new_by_id = {n.pk: n for n in new}
    rows = []
    for o in old:
        to_id, match = pairs.get(o.pk, (None, ""))
        rows.append(MappingRow(o, new_by_id.get(to_id), match if to_id in new_by_id else ""))
    used = {r.new.pk for r in rows if r.new is not None}
    return MappingView(
        from_framework=from_framework,
        to_framework=to_framework,
        rows=rows,
        added=[n for n in new if n.pk not in used],
        old_items=old,
        new_items=new,
        stored=stored is not None,
        updated_by=stored.updated_by if stored else None,
        updated_at=stored.updated_at if stored else None,
    )


def node_mapping(from_framework: Framework, to_framework: Framework) -> dict[int, int]:
    """old node id → new node id for the answerable items of two versions of one framework code:
    the stored mapping when someone saved one, else the automatic one (`mapping.match_nodes`). The
    same version maps every item to itself; items without a counterpart are absent."""
    if from_framework.pk == to_framework.pk:
        return {n.pk: n.pk for n in framework_nodes(framework=from_framework)}
    old = mapping_items(framework=from_framework)
    new = mapping_items(framework=to_framework)
    pairs, _stored = _pairs(from_framework, to_framework, old, new)
    return {f: t for f, (t, _m) in pairs.items()}


def framework_versions(*, code: str) -> list[Framework]:
    """Every version of `code`, oldest first."""
    return list(Framework.objects.filter(code=code).order_by("version"))
