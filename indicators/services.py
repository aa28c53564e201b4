"""Writes to frameworks: loading (fixtures and imports), versioning, locking."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .equipment.catalog import CatalogSpec, catalog_report
from .models import EquipmentCatalog, EquipmentDevice, Framework, Node
from .trees import FrameworkSpec, Problem, SpecError, spec_from_dict, structure_errors


class FrameworkStructureError(ValueError):
    """The tree is structurally broken; `problems` lists every error (row-level where known)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(str(p) for p in problems[:5]))


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
        latest.nodes.all().delete()
    else:
        framework, action = Framework(code=spec.code, version=latest.version + 1), LoadAction.NEW_VERSION
    _apply_metadata(framework, spec)
    framework.full_clean(validate_unique=False)
    framework.save()
    counts = _create_nodes(framework, spec)
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


# --- equipment catalogues -------------------------------------------------------------------------


class EquipmentCatalogError(ValueError):
    """The catalogue cannot be stored; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(str(p) for p in problems[:5]))


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
