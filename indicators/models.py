"""Indicator frameworks (指标体系) and their node trees.

This app is the bottom layer: it knows nothing about regions, schools or campaigns. `region` on a
framework is free text ("北京市") for that reason.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ComplianceStatus, SchoolLevel, Scoring

__all__ = [
    "ComplianceStatus",
    "Framework",
    "FrameworkMapping",
    "FrameworkQuerySet",
    "MappingMatch",
    "Node",
    "NodeMapping",
    "SchoolLevel",
    "Scoring",
]

MAX_DEPTH = 3


class FrameworkQuerySet(models.QuerySet):
    def latest_versions(self) -> FrameworkQuerySet:
        """Only the highest version of every framework code."""
        newer = Framework.objects.filter(code=OuterRef("code"), version__gt=OuterRef("version"))
        return self.filter(~Exists(newer))


class Framework(models.Model):
    """One version of an indicator framework published by an education authority.

    `code` + `version` identify it. Once a campaign uses a version, `locked_at` is set (by
    `services.framework_lock`) and the version's nodes never change again: loading different data
    for that code creates version + 1. An unlocked version may be rewritten in place.
    `content_hash` is the hash of the data it was loaded from, so reloading unchanged data is a no-op.
    """

    code = models.SlugField(_("代码"), max_length=64, help_text=_("稳定的标识，如 beijing-k12"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=200)
    region = models.CharField(_("发布地区"), max_length=64, blank=True, help_text=_("如“北京市”，自由文本"))
    school_level = models.CharField(_("学段"), max_length=10, choices=SchoolLevel.choices)
    source_document = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_file = models.CharField(_("来源文本文件"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("发布年份"), null=True, blank=True)
    scoring = models.CharField(_("评价方式"), max_length=12, choices=Scoring.choices)
    total_points = models.DecimalField(
        _("声明总分"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    note = models.TextField(_("说明"), blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)
    # A new random value with every change of what `selectors.rule_specs` reads (its rules, or its
    # nodes rewritten in place), in the same transaction: processes keep the specs until it changes.
    # Random, not counted: a rolled-back change's value never comes back with other content.
    content_version = models.UUIDField(_("版本"), default=uuid.uuid4, editable=False)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()
    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="indicators_framework_code_version")
        ]

    def __str__(self) -> str:
        return _("%(name)s（v%(version)s）") % {"name": self.name, "version": self.version}

    def save(self, *args, **kwargs) -> None:
        # `content_version` is written when the row is created and by `services.framework_rules_changed`
        # alone: saving an instance read before a change of the rules must not put the old one back
        if not self._state.adding and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "content_version"
            ]
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_points(self) -> bool:
        return self.scoring == Scoring.POINTS


class Node(models.Model):
    """One indicator of a framework: 一级指标 (level 1), 二级指标 (2) or 三级指标/监测点/条目 (3).

    `code` is positional ("2.3.1"); `position` is the node's index in depth-first order within the
    framework, so ordering by it yields the tree as printed. `points` is the value declared by the
    source (never "fixed"); `points_inferred` marks names/points reconstructed after a lossy
    extraction, explained in `note`.
    """

    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    code = models.CharField(_("编号"), max_length=32)
    position = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=255, blank=True)
    text = models.TextField(_("要求原文"), blank=True)
    points = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    optional = models.BooleanField(_("选配/可选项"), default=False)
    optional_clauses = models.JSONField(_("可选条款"), default=list, blank=True)
    starred = models.BooleanField(_("带*维度"), default=False)
    points_inferred = models.BooleanField(_("推定值"), default=False)
    note = models.TextField(_("备注"), blank=True)
    source_section = models.CharField(_("原文位置"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicators_node_framework_code"),
        ]
        indexes = [models.Index(fields=["framework", "position"], name="indicators_node_fw_pos")]

    def __str__(self) -> str:
        return f"{self.code} {self.name or self.text[:20]}"

    @property
    def title(self) -> str:
        """What to show as the node's heading: its name, or the start of its text for unnamed items."""
        return self.name or self.text


# --- node mappings between versions -----------------------------------------------------------------


class MappingMatch(models.TextChoices):
    """How an item of one version was found in another (`indicators.mapping.match_nodes`)."""

    SAME = "same", _("编号与原文相同")
    MOVED = "moved", _("原文相同，编号变化")
    RENAMED = "renamed", _("已改名")
    MANUAL = "manual", _("人工指定")


class FrameworkMapping(models.Model):
    """The stored correspondence of the answerable items of two versions of one framework code.

    Without a row, `selectors.node_mapping` derives the correspondence from codes and texts; once
    someone saves or imports it, the stored `NodeMapping` rows are the answer (an item without a row
    is 已删除 on the old side, 新增 on the new side). Both keep their history.
    """

    from_framework = models.ForeignKey(
        Framework, verbose_name=_("原版本"), on_delete=models.CASCADE, related_name="mappings_from"
    )
    to_framework = models.ForeignKey(
        Framework, verbose_name=_("新版本"), on_delete=models.CASCADE, related_name="mappings_to"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("最后修改时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("版本对应关系")
        verbose_name_plural = _("版本对应关系")
        constraints = [
            models.UniqueConstraint(
                fields=["from_framework", "to_framework"], name="indicators_mapping_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_framework} → {self.to_framework}"

    def clean(self) -> None:
        if self.from_framework_id and self.to_framework_id:
            if self.from_framework_id == self.to_framework_id:
                raise ValidationError({"to_framework": _("不能与自身对应。")})
            if self.from_framework.code != self.to_framework.code:
                raise ValidationError({"to_framework": _("只能对应同一指标体系的不同版本。")})


class NodeMapping(models.Model):
    """One item of the old version and the item it became in the new version (one to one)."""

    mapping = models.ForeignKey(
        FrameworkMapping, verbose_name=_("版本对应关系"), on_delete=models.CASCADE, related_name="rows"
    )
    from_node = models.ForeignKey(Node, verbose_name=_("原指标"), on_delete=models.CASCADE, related_name="+")
    to_node = models.ForeignKey(Node, verbose_name=_("新指标"), on_delete=models.CASCADE, related_name="+")
    match = models.CharField(_("对应方式"), max_length=10, choices=MappingMatch.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标对应")
        verbose_name_plural = _("指标对应")
        ordering = ["mapping", "from_node__position"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "from_node"], name="indicators_nodemapping_from"),
            models.UniqueConstraint(fields=["mapping", "to_node"], name="indicators_nodemapping_to"),
        ]

    def __str__(self) -> str:
        return f"{self.from_node.code} → {self.to_node.code}"


# --- equipment catalogues (智慧教室设施设备配置参考) ---------------------------------------------------


class ConfigRule(models.TextChoices):
    """How a catalogue device must be configured in a classroom (配置要求)."""

    REQUIRED = "required", _("必配")
    CHOOSE_ONE = "choose_one", _("多选一")
    CHOOSE_ONE_OF_TWO = "choose_one_of_two", _("二选一")
    AS_NEEDED = "as_needed", _("按需配置")

    @classmethod
    def choice_rules(cls) -> tuple[str, ...]:
        """Rules whose devices form a choice group: the group is satisfied by any one member."""
        return (cls.CHOOSE_ONE, cls.CHOOSE_ONE_OF_TWO)


def source_citation(document: str, section: str, file: str) -> str:
    """Where a catalogue comes from, in one line: “document section（file）”."""
    where = " ".join(part for part in (document, section) if part)
    return _("%(where)s（%(file)s）") % {"where": where, "file": file} if file else where


class EquipmentCatalog(models.Model):
    """A published equipment configuration table for classrooms, e.g. Beijing K-12 Appendix B.

    Reference data loaded from `fixtures/equipment/<code>.json` (docs/equipment.md). Reloading
    changed data updates the devices in place by their `code`, so rows that refer to a device keep
    pointing at it. `seat_terminal` names the device counted per seat for the terminal-to-seat
    ratio (生机比), which is reported, never judged.
    """

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    region = models.CharField(_("发布地区"), max_length=64, blank=True)
    source_document = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_file = models.CharField(_("来源文本文件"), max_length=255, blank=True)
    source_section = models.CharField(_("原文位置"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("发布年份"), null=True, blank=True)
    seat_terminal = models.SlugField(
        _("生机比计数设备"), max_length=64, blank=True, help_text=_("按座位计算生机比的设备代码")
    )
    note = models.TextField(_("说明"), blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("设备配置目录")
        verbose_name_plural = _("设备配置目录")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    @property
    def source(self) -> str:
        return source_citation(self.source_document, self.source_section, self.source_file)


class EquipmentDevice(models.Model):
    """One row of an equipment catalogue: a device, its requirement text and configuration rule.

    `order` is the row's 1-based position in the source table; `category` is repeated on every row
    (a category that appears twice in the table is two runs of rows, never merged). Rows of one
    多选一/二选一 share `group`; other rules have no group. `specs` are the numeric thresholds parsed
    from the requirement text: a list of {"what", "op", "value", "unit"[, "tolerance"]}
    (indicators/equipment/thresholds.py). `inferred` marks values reconstructed after a lossy extraction,
    explained in `note`.
    """

    catalog = models.ForeignKey(
        EquipmentCatalog, verbose_name=_("设备配置目录"), on_delete=models.CASCADE, related_name="devices"
    )
    code = models.SlugField(_("设备代码"), max_length=64)
    order = models.PositiveSmallIntegerField(_("序号"))
    category = models.CharField(_("分类"), max_length=64)
    name = models.CharField(_("设备"), max_length=100)
    requirement = models.TextField(_("功能要求"), blank=True)
    rule = models.CharField(_("配置要求"), max_length=24, choices=ConfigRule.choices)
    group = models.SlugField(_("选择组"), max_length=64, blank=True, help_text=_("多选一/二选一的组代码"))
    scene = models.CharField(_("应用场景"), max_length=100, blank=True)
    specs = models.JSONField(_("参数"), default=list, blank=True)
    inferred = models.BooleanField(_("推定值"), default=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("目录设备")
        verbose_name_plural = _("目录设备")
        ordering = ["catalog", "order"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "code"], name="indicators_equipmentdevice_code"),
            models.CheckConstraint(
                condition=(
                    models.Q(rule__in=ConfigRule.choice_rules()) & ~models.Q(group="")
                    | ~models.Q(rule__in=ConfigRule.choice_rules()) & models.Q(group="")
                ),
                name="indicators_equipmentdevice_group_iff_choice",
                violation_error_message=_("多选一/二选一的设备必须有选择组，其他设备不能有选择组"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.name}"

    def clean(self) -> None:
        from .equipment.thresholds import threshold_problems

        problems = threshold_problems(self.specs)
        if problems:
            raise ValidationError({"specs": problems})


# --- school facts and automatic checks ----------------------------------------------------------


class FactKind(models.TextChoices):
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数")
    PERCENT = "percent", _("百分比")
    BOOL = "bool", _("是/否")
    CHOICE = "choice", _("等级")


class Severity(models.TextChoices):
    """How a failing rule weighs. Advisory: listed to the school and the reviewer. Blocking: the
    clause is a basic requirement stated without hedging; a claim of 达标 / full marks on its item is
    not credible while the rule fails (the workflow decides what that refuses)."""

    ADVISORY = "advisory", _("提示")
    BLOCKING = "blocking", _("阻止提交")


class FactDefinition(models.Model):
    """One entry of the fact catalogue: a number (or yes/no, or a grade) a school records about
    itself — students, computers, bandwidth… — that rules check against the standards' thresholds.

    The catalogue is reference data loaded from `fixtures/facts.json` by load_frameworks (upserted by
    `code`, never deleted: values recorded against a fact must not disappear). `code` is the name
    rule expressions use. `levels` lists the school levels (`levels.Level`) the fact concerns, empty
    for all; `part_of` names the fact this one is a subset of; `choices` are [value, label] pairs for
    the `choice` kind.
    """

    code = models.CharField(_("代码"), max_length=64, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=FactKind.choices)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    levels = models.JSONField(_("适用学段"), default=list, blank=True, help_text=_("为空表示所有学段"))
    part_of = models.CharField(_("所属总量"), max_length=64, blank=True)
    help_text = models.TextField(_("填写说明"), blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("学校基本情况事实")
        verbose_name_plural = _("学校基本情况事实")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def spec(self):
        """The fact as plain data, its wording in the active language (indicators/fact_strings.py
        lists the catalogue's wording for translation; wording without a translation shows as stored)."""
        from .fact_strings import UNIT_CONTEXT
        from .facts import FactSpec

        return FactSpec(
            code=self.code,
            label=gettext(self.label) if self.label else "",
            kind=self.kind,
            unit=pgettext(UNIT_CONTEXT, self.unit) if self.unit else "",
            help_text=gettext(self.help_text) if self.help_text else "",
            levels=tuple(self.levels or ()),
            choices=tuple((int(value), gettext(str(label))) for value, label in self.choices or ()),
            part_of=self.part_of,
        )


class Rule(models.Model):
    """An automatic check of one numeric clause of a framework, attached to the node that states it.

    `expression` is a condition over facts in the language of `indicators.expressions` (never
    evaluated by Python's eval); `when`, if given, restricts the rule to the schools it concerns
    (“24个班级以上的学校”), described in words by `applies_to`; `values` names intermediate numbers
    (`[["ratio", "students / student_pcs"]]`) that the expression and the message may use. `message` is
    the Chinese template shown with the numbers filled in ({students}, {ratio}, {level}). `clause`
    quotes the source verbatim (a substring of the node's text or note; several quoted parts are
    joined by “……”), `edge` says how the wording decides the limit.

    Rules belong to one framework version and are loaded from `fixtures/rules/<code>.json` (or an
    Excel workbook) as a set: matched by `code`, unchanged rules keep their row.
    """

    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="rules"
    )
    node = models.ForeignKey(Node, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("规则编号"), max_length=64)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    clause = models.TextField(_("条款原文"))
    applies_to = models.CharField(_("适用范围"), max_length=200, blank=True)
    when = models.TextField(_("适用条件"), blank=True)
    values = models.JSONField(_("中间量"), default=list, blank=True, help_text=_("[名称, 表达式] 列表"))
    expression = models.TextField(_("判定表达式"))
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.BLOCKING
    )
    message = models.TextField(_("提示信息模板"))
    edge = models.TextField(_("边界说明"), blank=True)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("自动校验规则")
        verbose_name_plural = _("自动校验规则")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicators_rule_framework_code"),
        ]

    def __str__(self) -> str:
        return f"{self.node.code if self.node_id else '?'} {self.code}"

    def clean(self) -> None:
        if self.node_id and self.framework_id and self.node.framework_id != self.framework_id:
            raise ValidationError({"node": _("指标不属于该指标体系")})

    def spec(self, node_code: str | None = None):
        """The rule as plain data; pass `node_code` to avoid reading the node."""
        from .rules import RuleSpec

        return RuleSpec(
            code=self.code,
            node=node_code if node_code is not None else self.node.code,
            clause=self.clause,
            applies_to=self.applies_to,
            when=self.when,
            values=tuple((str(name), str(source)) for name, source in self.values or ()),
            expression=self.expression,
            severity=self.severity,
            message=self.message,
            edge=self.edge,
            note=self.note,
        )
