"""Equipment catalogues as plain data: the fixture format, reading and writing it, validation.

A `CatalogSpec` is the in-memory form of `fixtures/equipment/<code>.json` (docs/equipment.md),
independent of the database, as `trees.FrameworkSpec` is for frameworks. The loader,
`validate_frameworks`, `equipment_catalog` and the classroom check (`check.py`) all read it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from ..models import ConfigRule, source_citation
from ..trees import Problem
from .thresholds import Threshold, threshold_problems, thresholds_from_list

SLUG = re.compile(r"^[-a-z0-9]+$")


class CatalogError(ValueError):
    """The data cannot be read as a catalogue at all (wrong types, missing keys)."""


@dataclass
class DeviceSpec:
    code: str
    order: int
    category: str
    name: str
    requirement: str = ""
    rule: str = ConfigRule.AS_NEEDED
    group: str = ""
    scene: str = ""
    specs: list[Threshold] = field(default_factory=list)
    inferred: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.order} {self.name}"


@dataclass
class CatalogSpec:
    code: str
    title: str
    region: str = ""
    source_document: str = ""
    source_file: str = ""
    source_section: str = ""
    year: int | None = None
    seat_terminal: str = ""
    note: str = ""
    devices: list[DeviceSpec] = field(default_factory=list)  # table order

    def content_hash(self) -> str:
        """Stable hash of everything stored from this spec (reloading the same data is a no-op)."""
        blob = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def source(self) -> str:
        return source_citation(self.source_document, self.source_section, self.source_file)

    def device(self, code: str) -> DeviceSpec | None:
        return next((d for d in self.devices if d.code == code), None)

    def groups(self) -> dict[str, list[DeviceSpec]]:
        """Choice groups in table order: group code → its member devices."""
        out: dict[str, list[DeviceSpec]] = {}
        for device in self.devices:
            if device.group:
                out.setdefault(device.group, []).append(device)
        return out

    def category_runs(self) -> list[tuple[str, list[DeviceSpec]]]:
        """Consecutive rows of one category, in table order. A category that appears twice in the
        table (显示设备, 遮光设备, 接入传输设备 in Appendix B) is two runs."""
        runs: list[tuple[str, list[DeviceSpec]]] = []
        for device in self.devices:
            if runs and runs[-1][0] == device.category:
                runs[-1][1].append(device)
            else:
                runs.append((device.category, [device]))
        return runs


# --- from/to the fixture dict -------------------------------------------------------------------


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CatalogError(_("%(where)s：%(key)s 应为文本") % {"where": where, "key": key})
    return value


def catalog_from_dict(data) -> CatalogSpec:
    """Read a fixture dict. Raises CatalogError for data of the wrong shape; the rules of a sound
    catalogue (groups, orders, rules) are checked by `catalog_problems`."""
    if not isinstance(data, dict):
        raise CatalogError(_("顶层应为对象"))
    for key in ("code", "title", "devices"):
        if key not in data:
            raise CatalogError(_("缺少字段 %(key)s") % {"key": key})
    if not isinstance(data["devices"], list):
        raise CatalogError(_("devices 应为列表"))
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise CatalogError(_("year 应为整数"))
    catalog = CatalogSpec(
        code=str(data["code"]),
        title=_text(data, "title", "catalog"),
        region=_text(data, "region", "catalog"),
        source_document=_text(data, "source_document", "catalog"),
        source_file=_text(data, "source_file", "catalog"),
        source_section=_text(data, "source_section", "catalog"),
        year=year,
        seat_terminal=_text(data, "seat_terminal", "catalog"),
        note=_text(data, "note", "catalog"),
    )
    for i, item in enumerate(data["devices"], start=1):
        if not isinstance(item, dict):
            raise CatalogError(_("第 %(n)d 个设备应为对象") % {"n": i})
        where = _("第 %(n)d 个设备") % {"n": i}
        order = item.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            raise CatalogError(_("%(where)s：order 应为整数") % {"where": where})
        problems = threshold_problems(item.get("specs", []))
        if problems:
            raise CatalogError(
                _("%(where)s（%(name)s）：%(problems)s")
                % {"where": where, "name": item.get("name", ""), "problems": _("；").join(problems)}
            )
        catalog.devices.append(
            DeviceSpec(
                code=_text(item, "code", where),
                order=order,
                category=_text(item, "category", where),
                name=_text(item, "name", where),
                requirement=_text(item, "requirement", where),
                rule=_text(item, "rule", where),
                group=_text(item, "group", where),
                scene=_text(item, "scene", where),
                specs=thresholds_from_list(item.get("specs", [])),
                inferred=bool(item.get("inferred")),
                note=_text(item, "note", where),
            )
        )
    return catalog


PRINTED_SPEC_KEYS = ("what", "op", "value", "unit")


def device_dict(device: DeviceSpec) -> dict:
    """One device as printed by `equipment_catalog --json`: the fixture row without its `code`, each
    spec as {what, op, value, unit} (a tolerance stays in the stored spec and is spelled out in the
    row's note, so the printed shape is the same for every spec)."""
    return {
        "order": device.order,
        "category": device.category,
        "name": device.name,
        "requirement": device.requirement,
        "rule": device.rule,
        "group": device.group or None,
        "scene": device.scene,
        "specs": [{k: v for k, v in t.as_dict().items() if k in PRINTED_SPEC_KEYS} for t in device.specs],
        "inferred": device.inferred,
        "note": device.note,
    }


def catalog_dict(catalog: CatalogSpec) -> dict:
    """What `equipment_catalog --json` prints: {"source": …, "devices": [...]}."""
    return {"source": catalog.source, "devices": [device_dict(d) for d in catalog.devices]}


def catalog_from_models(catalog, devices) -> CatalogSpec:
    """The spec of a stored catalogue; `devices` in table order."""
    return CatalogSpec(
        code=catalog.code,
        title=catalog.title,
        region=catalog.region,
        source_document=catalog.source_document,
        source_file=catalog.source_file,
        source_section=catalog.source_section,
        year=catalog.year,
        seat_terminal=catalog.seat_terminal,
        note=catalog.note,
        devices=[
            DeviceSpec(
                code=d.code,
                order=d.order,
                category=d.category,
                name=d.name,
                requirement=d.requirement,
                rule=d.rule,
                group=d.group,
                scene=d.scene,
                specs=thresholds_from_list(d.specs),
                inferred=d.inferred,
                note=d.note,
            )
            for d in devices
        ],
    )


# --- validation ---------------------------------------------------------------------------------


@dataclass
class CatalogReport:
    errors: list[Problem]  # the catalogue is unusable: it is not loaded
    warnings: list[Problem]  # defects worth a look, kept as transcribed
    inferred: list[Problem]  # every reconstructed row with its note


def catalog_report(catalog: CatalogSpec) -> CatalogReport:
    """Check a catalogue: codes, orders, the rule vocabulary, choice groups, thresholds.

    Errors: a missing or duplicate device code, orders that are not 1, 2, 3… in table order, an
    empty category or name, a rule outside ConfigRule, a group on a device that is not 多选一/二选一
    (or none on one that is), a group with fewer than two members or members of different rules,
    a 二选一 group without exactly two members, malformed thresholds, an unknown `seat_terminal`.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if not SLUG.match(catalog.code or ""):
        errors.append(
            Problem(_("目录"), _("代码“%(code)s”应为小写字母、数字和连字符") % {"code": catalog.code})
        )
    if not catalog.title.strip():
        errors.append(Problem(_("目录"), _("缺少名称")))
    if not catalog.devices:
        errors.append(Problem(_("目录"), _("没有任何设备")))
    codes = Counter(d.code for d in catalog.devices)
    names = Counter(d.name for d in catalog.devices)
    for index, device in enumerate(catalog.devices, start=1):
        where = device.label
        if not SLUG.match(device.code or ""):
            errors.append(
                Problem(where, _("设备代码“%(code)s”应为小写字母、数字和连字符") % {"code": device.code})
            )
        elif codes[device.code] > 1:
            errors.append(Problem(where, _("设备代码 %(code)s 重复") % {"code": device.code}))
        if device.order != index:
            errors.append(Problem(where, _("序号应为 %(expected)d（按表格顺序）") % {"expected": index}))
        if not device.category.strip():
            errors.append(Problem(where, _("缺少分类")))
        if not device.name.strip():
            errors.append(Problem(where, _("缺少设备名称")))
        elif names[device.name] > 1:
            warnings.append(Problem(where, _("设备名称重复")))
        if device.rule not in ConfigRule.values:
            errors.append(
                Problem(
                    where,
                    _("配置要求“%(rule)s”无效（应为 %(rules)s）")
                    % {"rule": device.rule, "rules": " / ".join(ConfigRule.values)},
                )
            )
        elif device.rule in ConfigRule.choice_rules() and not device.group:
            errors.append(
                Problem(
                    where, _("%(rule)s的设备必须属于一个选择组") % {"rule": ConfigRule(device.rule).label}
                )
            )
        elif device.rule not in ConfigRule.choice_rules() and device.group:
            errors.append(
                Problem(where, _("%(rule)s的设备不能属于选择组") % {"rule": ConfigRule(device.rule).label})
            )
        if device.group and not SLUG.match(device.group):
            errors.append(
                Problem(where, _("选择组“%(group)s”应为小写字母、数字和连字符") % {"group": device.group})
            )
        for problem in threshold_problems([t.as_dict() for t in device.specs]):
            errors.append(Problem(where, problem))
        if not device.requirement.strip():
            warnings.append(Problem(where, _("缺少功能要求")))
        if not device.scene.strip():
            warnings.append(Problem(where, _("缺少应用场景")))
        if device.inferred and not device.note.strip():
            warnings.append(Problem(where, _("推定值没有说明来源")))
    positions = {d.code: i for i, d in enumerate(catalog.devices)}
    for group, members in catalog.groups().items():
        where = _("选择组 %(group)s") % {"group": group}
        rules = {m.rule for m in members}
        if len(members) < 2:
            errors.append(Problem(where, _("只有 1 台设备，选择组至少需要 2 台")))
        if len(rules) > 1:
            errors.append(Problem(where, _("组内设备的配置要求不一致")))
        elif rules == {ConfigRule.CHOOSE_ONE_OF_TWO} and len(members) != 2:
            errors.append(
                Problem(where, _("二选一的组应恰好有 2 台设备，实有 %(n)d 台") % {"n": len(members)})
            )
        spots = [positions[m.code] for m in members]
        if spots != list(range(spots[0], spots[0] + len(spots))):
            warnings.append(Problem(where, _("组内设备在表格中不相邻")))
        if len({m.category for m in members}) > 1:
            warnings.append(Problem(where, _("组内设备分属不同分类")))
    if catalog.seat_terminal and catalog.device(catalog.seat_terminal) is None:
        errors.append(
            Problem(_("目录"), _("生机比计数设备 %(code)s 不在目录中") % {"code": catalog.seat_terminal})
        )
    inferred = [
        Problem(d.label, d.note or _("（推定值，但没有说明）")) for d in catalog.devices if d.inferred
    ]
    return CatalogReport(errors=errors, warnings=warnings, inferred=inferred)
