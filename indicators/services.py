"""Writes to frameworks: loading (fixtures and imports), versioning, locking; the fact catalogue and
the rules attached to frameworks."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from smartcampus.errors import Invalid, Refused

from .equipment.catalog import CatalogSpec, catalog_report
from .facts import FactSpec, fact_problems
from .models import (
    EquipmentCatalog,
    EquipmentDevice,
    FactDefinition,
    Framework,
    FrameworkMapping,
    MappingMatch,
    Node,
    NodeMapping,
    Rule,
)
from .rules import RuleSpec, rule_problems, rules_from_dict
from .trees import FrameworkSpec, Problem, SpecError, spec_from_dict, structure_errors


class FrameworkStructureError(ValueError):
    """The tree is structurally broken; `problems` lists every error (row-level where known)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("；").join(str(p) for p in problems[:5]))


class LoadAction(enum.StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    NEW_VERSION = "new_version"


@dataclass(frozen=True)
class LoadResult:
    framework: Framework
    action: LoadAction
    level_counts: tuple[int, ...]

    def summary(self) -> str:
        fw = self.framework
        counts = "/".join(str(c) for c in self.level_counts)
        label = {
            LoadAction.CREATED: _("已创建"),
            LoadAction.UNCHANGED: _("未变化"),
            LoadAction.REPLACED: _("已更新（原版本未被使用，原地替换）"),
            LoadAction.NEW_VERSION: _("已锁定的版本保持不变，新建版本"),
        }[self.action]
        return f"{fw.code} v{fw.version}: {label} · {fw.name} · {_('各级指标数')} {counts}"


def _apply_metadata(framework: Framework, spec: FrameworkSpec) -> None:
    framework.name = spec.name
    framework.region = spec.region
    framework.school_level = spec.school_level
    framework.source_document = spec.source_document
    framework.source_file = spec.source_file
    framework.year = spec.year
    framework.scoring = spec.scoring
    framework.total_points = spec.total_points
    framework.note = spec.note
    framework.content_hash = spec.content_hash()


def _create_nodes(framework: Framework, spec: FrameworkSpec) -> list[int]:
    """Bulk-insert the nodes level by level (one INSERT per level), parents before children."""
    position = {node.code: i for i, node in enumerate(spec.nodes)}
    saved: dict[str, Node] = {}
    counts: list[int] = []
    for level in sorted({n.level for n in spec.nodes}):
        batch = [
            Node(
                framework=framework,
                parent=saved[n.parent_code] if n.parent_code else None,
                level=n.level,
                code=n.code,
                position=position[n.code],
                name=n.name,
                text=n.text,
                points=n.points,
                optional=n.optional,
                optional_clauses=list(n.optional_clauses),
                starred=n.starred,
                points_inferred=n.points_inferred,
                note=n.note,
                source_section=n.source_section,
            )
            for n in spec.nodes
            if n.level == level
        ]
        for node in batch:
            node.full_clean(
                exclude=["framework", "parent"], validate_unique=False, validate_constraints=False
            )
        # Node.pk is set by bulk_create on SQLite and PostgreSQL, so children can point to parents.
        for node in Node.objects.bulk_create(batch):
            saved[node.code] = node
        counts.append(len(batch))
    return counts


def _check(spec: FrameworkSpec) -> None:
    problems = structure_errors(spec.nodes)
    if problems:
        raise FrameworkStructureError(problems)


@transaction.atomic
def framework_load(*, spec: FrameworkSpec) -> LoadResult:
    """Store `spec` under its code, idempotently.

    Unchanged data (same content hash as the latest version) → nothing happens. Changed data for an
    unlocked latest version → that version is rewritten in place. Changed data for a locked version
    (a campaign uses it) → a new version; the locked one is never touched.
    """
    _check(spec)
    latest = Framework.objects.filter(code=spec.code).select_for_update().order_by("-version").first()
    new_hash = spec.content_hash()
    if latest is not None and latest.content_hash == new_hash:
        return LoadResult(latest, LoadAction.UNCHANGED, _level_counts(latest))
    if latest is None:
        framework, action = Framework(code=spec.code, version=1), LoadAction.CREATED
    elif latest.locked_at is None:
        framework, action = latest, LoadAction.REPLACED
        # a stored correspondence names the replaced nodes: the automatic one applies again
        FrameworkMapping.objects.filter(Q(from_framework=latest) | Q(to_framework=latest)).delete()
        latest.nodes.all().delete()
    else:
        framework, action = Framework(code=spec.code, version=latest.version + 1), LoadAction.NEW_VERSION
    _apply_metadata(framework, spec)
    framework.full_clean(validate_unique=False)
    framework.save()
    counts = _create_nodes(framework, spec)
    if action == LoadAction.REPLACED:  # its rules went with the old nodes
        framework_rules_changed(framework=framework)
    return LoadResult(framework, action, tuple(counts))


@transaction.atomic
def framework_create(*, spec: FrameworkSpec) -> Framework:
    """Create a brand-new framework (Excel import of another region). Refuses an existing code."""
    _check(spec)
    if Framework.objects.filter(code=spec.code).exists():
        raise FrameworkStructureError([Problem(_("代码"), _("代码 %(code)s 已被使用") % {"code": spec.code})])
    framework = Framework(code=spec.code, version=1)
    _apply_metadata(framework, spec)
    framework.full_clean(validate_unique=False)
    framework.save()
    _create_nodes(framework, spec)
    return framework


@transaction.atomic
def framework_lock(*, framework: Framework) -> Framework:
    """Freeze this version: called when a campaign starts using it. Idempotent."""
    locked = Framework.objects.select_for_update().get(pk=framework.pk)
    if locked.locked_at is None:
        locked.locked_at = timezone.now()
        locked._change_reason = "locked by a campaign"
        locked.save(update_fields=["locked_at", "updated_at"])
    framework.locked_at = locked.locked_at
    return locked


def _level_counts(framework: Framework) -> tuple[int, ...]:
    rows = framework.nodes.values("level").annotate(n=Count("id")).order_by("level")
    return tuple(row["n"] for row in rows)


def framework_import(*, raw: bytes, filename: str = "framework.xlsx", code: str | None = None) -> Framework:
    """Create a new framework from an uploaded workbook (.xlsx layout of `resources`) or fixture JSON.

    Every problem (bad cells, missing parents, duplicate codes, cycles, wrong levels) is collected
    and raised together as FrameworkStructureError; nothing is saved unless the whole file is sound.
    """
    from .resources import WorkbookError, spec_from_workbook

    if filename.lower().endswith(".json"):
        try:
            spec = spec_from_dict(json.loads(raw.decode("utf-8-sig")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise FrameworkStructureError([Problem(_("文件"), _("不是有效的 JSON 文件"))]) from None
        except SpecError as exc:
            raise FrameworkStructureError([Problem(_("文件"), str(exc))]) from None
        if code:
            spec.code = code
    else:
        try:
            spec = spec_from_workbook(raw, code=code)
        except WorkbookError as exc:
            raise FrameworkStructureError(exc.problems) from None
    return framework_create(spec=spec)


# --- fact catalogue and rules ---------------------------------------------------------------------


class RuleSetError(ValueError):
    """A fact catalogue or rule set that cannot be stored; `problems` lists every error."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("；").join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class CatalogueLoadResult:
    total: int
    created: int
    updated: int

    def summary(self) -> str:
        if not self.created and not self.updated:
            return _("事实目录：%(n)d 项 · 未变化") % {"n": self.total}
        return _("事实目录：%(n)d 项 · 新增 %(c)d，更新 %(u)d") % {
            "n": self.total,
            "c": self.created,
            "u": self.updated,
        }


def framework_rules_changed(*, framework: Framework) -> None:
    """Give `framework` a new `content_version`, in the caller's transaction: every write of its
    rules (or of the nodes they name) calls it, or processes keep evaluating the old rules."""
    from .selectors import specs_changed

    framework.content_version = uuid.uuid4()
    Framework.objects.filter(pk=framework.pk).update(content_version=framework.content_version)
    specs_changed()


@transaction.atomic
def fact_catalogue_load(*, specs: list[FactSpec]) -> CatalogueLoadResult:
    """Store the fact catalogue, matched by code. Facts absent from `specs` are kept: values recorded
    against them must not disappear with a catalogue edit."""
    problems = fact_problems(specs)
    if problems:
        raise RuleSetError(problems)
    existing = {fact.code: fact for fact in FactDefinition.objects.select_for_update()}
    new: list[FactDefinition] = []
    updated = 0
    for position, spec in enumerate(specs):
        fact = existing.get(spec.code) or FactDefinition(code=spec.code)
        before = (fact.spec(), fact.position) if fact.pk else None
        fact.label, fact.unit, fact.kind, fact.help_text = spec.label, spec.unit, spec.kind, spec.help_text
        fact.choices = [[value, label] for value, label in spec.choices]
        fact.levels = list(spec.levels)
        fact.part_of = spec.part_of
        fact.position = position
        if before == (fact.spec(), fact.position):
            continue
        fact.full_clean(validate_unique=False)
        if before is None:
            new.append(fact)
        else:
            fact.save()
            updated += 1
    FactDefinition.objects.bulk_create(new)
    return CatalogueLoadResult(total=len(specs), created=len(new), updated=updated)


@dataclass(frozen=True)
class RuleLoadResult:
    framework: Framework
    total: int
    created: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def summary(self) -> str:
        fw = self.framework
        head = _("%(code)s v%(v)d: 自动校验规则 %(n)d 条") % {
            "code": fw.code,
            "v": fw.version,
            "n": self.total,
        }
        if not self.changed:
            return f"{head} · {_('未变化')}"
        return f"{head} · " + _("新增 %(c)d，更新 %(u)d，删除 %(d)d") % {
            "c": self.created,
            "u": self.updated,
            "d": self.deleted,
        }


@transaction.atomic
def rule_set_load(*, framework: Framework, specs: list[RuleSpec]) -> RuleLoadResult:
    """Make `specs` the rules of this framework version, all or nothing.

    Every rule is checked first (node exists, clause quoted verbatim from it, expressions parse and
    use known facts, message placeholders); RuleSetError lists every problem and nothing changes.
    Rules are matched by code: an unchanged rule keeps its row, a changed one is updated in place,
    a rule no longer listed is deleted (all recorded in history). Rules describe checks on facts,
    not the indicator tree, so a version used by a campaign may still get corrected rules.
    """
    from .selectors import fact_catalogue

    nodes = {node.code: node for node in Node.objects.filter(framework=framework)}
    catalogue = fact_catalogue()
    problems = rule_problems(
        specs,
        nodes={code: (node.name, node.text, node.note) for code, node in nodes.items()},
        catalogue=catalogue,
    )
    if problems:
        raise RuleSetError(problems)
    codes = {node.pk: node.code for node in nodes.values()}
    existing = {rule.code: rule for rule in Rule.objects.select_for_update().filter(framework=framework)}
    new: list[Rule] = []
    updated = 0
    for position, spec in enumerate(specs):
        rule = existing.pop(spec.code, None) or Rule(framework=framework, code=spec.code)
        before = (rule.spec(node_code=codes.get(rule.node_id, "")), rule.position) if rule.pk else None
        rule.node = nodes[spec.node]
        rule.position = position
        rule.clause, rule.applies_to, rule.when = spec.clause, spec.applies_to, spec.when
        rule.values = [[name, source] for name, source in spec.values]
        rule.expression, rule.severity, rule.message = spec.expression, spec.severity, spec.message
        rule.edge, rule.note = spec.edge, spec.note
        if before == (rule.spec(node_code=spec.node), rule.position):
            continue
        # framework and node were just read; codes are unique within the set (rule_problems)
        rule.full_clean(exclude=["framework", "node"], validate_unique=False, validate_constraints=False)
        if before is None:
            new.append(rule)
        else:
            rule.save()
            updated += 1
    for rule in existing.values():
        rule.delete()
    bulk_create_with_history(new, Rule)
    if new or updated or existing:
        framework_rules_changed(framework=framework)
    return RuleLoadResult(
        framework=framework, total=len(specs), created=len(new), updated=updated, deleted=len(existing)
    )


def rules_import(*, framework: Framework, raw: bytes, filename: str = "rules.xlsx") -> RuleLoadResult:
    """Replace the rules of `framework` from an uploaded workbook (the `rule_workbook` layout) or a
    rule file (JSON). Every problem is raised together as RuleSetError; nothing is saved unless the
    whole file is sound."""
    from .resources import WorkbookError, rules_from_workbook

    if filename.lower().endswith(".json"):
        try:
            code, specs = rules_from_dict(json.loads(raw.decode("utf-8-sig")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RuleSetError([Problem(_("文件"), _("不是有效的 JSON 文件"))]) from None
        except SpecError as exc:
            raise RuleSetError([Problem(_("文件"), str(exc))]) from None
        if code != framework.code:
            raise RuleSetError(
                [
                    Problem(
                        _("文件"), _("该文件是 %(a)s 的规则，不是 %(b)s") % {"a": code, "b": framework.code}
                    )
                ]
            )
    else:
        try:
            specs = rules_from_workbook(raw)
        except WorkbookError as exc:
            raise RuleSetError(exc.problems) from None
    return rule_set_load(framework=framework, specs=specs)


# --- equipment catalogues -------------------------------------------------------------------------


class EquipmentCatalogError(ValueError):
    """The catalogue cannot be stored; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("；").join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class EquipmentLoadResult:
    catalog: EquipmentCatalog
    action: LoadAction  # CREATED, UNCHANGED or REPLACED (updated in place)
    device_count: int

    def summary(self) -> str:
        label = {
            LoadAction.CREATED: _("已创建"),
            LoadAction.UNCHANGED: _("未变化"),
            LoadAction.REPLACED: _("已更新"),
        }[self.action]
        rows = _("设备 %(n)d 行") % {"n": self.device_count}
        return f"{self.catalog.code}: {label} · {self.catalog.title} · {rows}"


_DEVICE_FIELDS = (
    "order",
    "category",
    "name",
    "requirement",
    "rule",
    "group",
    "scene",
    "specs",
    "inferred",
    "note",
)


@transaction.atomic
def equipment_catalog_load(*, spec: CatalogSpec) -> EquipmentLoadResult:
    """Store `spec` under its code, idempotently.

    Unchanged data (same content hash) → nothing happens. Changed data → the catalogue and its
    devices are updated in place, matched by device code, so anything referring to a device keeps
    pointing at it; a device that disappeared from the data is deleted, which fails (and changes
    nothing) if something still refers to it. A catalogue with errors (`catalog_report`) is refused.
    """
    problems = catalog_report(spec).errors
    if problems:
        raise EquipmentCatalogError(problems)
    catalog = EquipmentCatalog.objects.select_for_update().filter(code=spec.code).first()
    new_hash = spec.content_hash()
    if catalog is not None and catalog.content_hash == new_hash:
        return EquipmentLoadResult(catalog, LoadAction.UNCHANGED, catalog.devices.count())
    action = LoadAction.CREATED if catalog is None else LoadAction.REPLACED
    catalog = catalog or EquipmentCatalog(code=spec.code)
    for name in (
        "title",
        "region",
        "source_document",
        "source_file",
        "source_section",
        "year",
        "seat_terminal",
        "note",
    ):
        setattr(catalog, name, getattr(spec, name))
    catalog.content_hash = new_hash
    catalog.full_clean(validate_unique=False)
    catalog.save()

    existing = {d.code: d for d in catalog.devices.all()} if action == LoadAction.REPLACED else {}
    new, changed = [], []
    for item in spec.devices:
        device = existing.pop(item.code, None)
        if device is None:
            device = EquipmentDevice(catalog=catalog, code=item.code)
            new.append(device)
        else:
            changed.append(device)
        for name in _DEVICE_FIELDS:
            setattr(device, name, getattr(item, name))
        device.specs = [t.as_dict() for t in item.specs]
        # catalog_report has already enforced the unique codes and the group/rule constraint
        device.full_clean(exclude=["catalog"], validate_unique=False, validate_constraints=False)
    if existing:
        try:
            EquipmentDevice.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
        except (ProtectedError, RestrictedError):
            raise EquipmentCatalogError(
                [
                    Problem(d.name, _("设备已被引用，不能从目录中删除（代码 %(code)s）") % {"code": d.code})
                    for d in existing.values()
                ]
            ) from None
    if changed:
        EquipmentDevice.objects.bulk_update(changed, _DEVICE_FIELDS)
    EquipmentDevice.objects.bulk_create(new)
    return EquipmentLoadResult(catalog, action, len(spec.devices))


# --- node mappings between versions ---------------------------------------------------------------


def mapping_editor(user) -> bool:
    """Whether `user` may change the correspondence of framework versions. Who looks after the
    frameworks is decided where the roles are known: the setting FRAMEWORK_MAPPING_EDITORS names a
    `(*, user) -> bool`; without it, superusers."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    if not getattr(user, "is_authenticated", False):
        return False
    path = getattr(settings, "FRAMEWORK_MAPPING_EDITORS", "")
    return bool(import_string(path)(user=user)) if path else user.is_superuser


@transaction.atomic
def framework_mapping_save(
    *, from_framework: Framework, to_framework: Framework, pairs: Mapping[int, int | None], acting_user
) -> FrameworkMapping:
    """Store the correspondence of two versions with the changes `pairs` gives (old item id → new
    item id, None: 已删除); items not in `pairs` keep what they map to now (stored, or the automatic
    match the first save stores). A changed pair is recorded as 人工指定; each row keeps its history."""
    from .mapping import match_nodes
    from .selectors import framework_mapping_get, mapping_items

    if not mapping_editor(acting_user):
        raise Refused(_("只有教委工作人员可以修改版本对应关系。"), code="not_commission")
    header = framework_mapping_get(from_framework=from_framework, to_framework=to_framework)
    old = {n.pk: n for n in mapping_items(framework=from_framework)}
    new = {n.pk: n for n in mapping_items(framework=to_framework)}
    unknown_old = [pk for pk in pairs if pk not in old]
    unknown_new = [pk for pk in pairs.values() if pk is not None and pk not in new]
    if unknown_old or unknown_new:
        raise Invalid(_("所选条目不属于这两个版本。"), code="invalid_node")
    if header is None:
        header = FrameworkMapping(from_framework=from_framework, to_framework=to_framework)
        current = {m.from_id: (m.to_id, m.match) for m in match_nodes(list(old.values()), list(new.values()))}
        rows: dict[int, NodeMapping] = {}
    else:
        header = FrameworkMapping.objects.select_for_update().get(pk=header.pk)
        rows = {r.from_node_id: r for r in header.rows.all()}
        current = {f: (r.to_node_id, r.match) for f, r in rows.items()}
    wanted = dict(current)
    for from_id, to_id in pairs.items():
        if to_id is None:
            wanted.pop(from_id, None)
        elif current.get(from_id, (None, ""))[0] != to_id:
            wanted[from_id] = (to_id, MappingMatch.MANUAL)
    targets: dict[int, list[int]] = {}
    for from_id, (to_id, _match) in wanted.items():
        targets.setdefault(to_id, []).append(from_id)
    doubled = [(new[t], [old[f] for f in fs]) for t, fs in targets.items() if len(fs) > 1]
    if doubled:
        target, sources = doubled[0]
        message = _("新版本条目 %(new)s 只能对应一个原条目（现为 %(old)s）。") % {
            "new": target.code,
            "old": _("、").join(s.code for s in sources),
        }
        raise Invalid(message, code="doubled", fields={str(sources[-1].pk): [message]})
    header.updated_by = acting_user
    header._history_user = acting_user
    header.full_clean(validate_unique=False)
    header.save()
    for from_id, row in list(rows.items()):
        if wanted.get(from_id, (None, ""))[0] != row.to_node_id:
            row._history_user = acting_user
            row.delete()
            rows.pop(from_id)
    for from_id, (to_id, match) in wanted.items():
        if from_id in rows:
            continue
        row = NodeMapping(mapping=header, from_node_id=from_id, to_node_id=to_id, match=match)
        row._history_user = acting_user
        row.full_clean(exclude=["mapping", "from_node", "to_node"], validate_unique=False)
        row.save()
    return header


def framework_mapping_import(
    *, from_framework: Framework, to_framework: Framework, raw: bytes, acting_user
) -> FrameworkMapping:
    """Store the correspondence given by an uploaded workbook (`mapping.mapping_from_workbook`): the
    listed items take what the file says; items the file does not list keep what they map to now.
    A file with any error stores nothing (`MappingFileError` lists the rows)."""
    from .mapping import mapping_from_workbook
    from .selectors import mapping_items

    if not mapping_editor(acting_user):
        raise Refused(_("只有教委工作人员可以修改版本对应关系。"), code="not_commission")
    old = {n.code: n.pk for n in mapping_items(framework=from_framework)}
    new = {n.code: n.pk for n in mapping_items(framework=to_framework)}
    by_code = mapping_from_workbook(raw, old_codes=set(old), new_codes=set(new))
    pairs = {old[o]: (new[n] if n else None) for o, n in by_code.items()}
    return framework_mapping_save(
        from_framework=from_framework, to_framework=to_framework, pairs=pairs, acting_user=acting_user
    )
