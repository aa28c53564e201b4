"""The official result rule of a campaign, one row per version.

A campaign's commission sets how the official result of each school is decided: the pass rule, the
grade bands, the items or dimensions left out of the decision, the target share of schools passing.
The latest version is the rule in force (`assessments.selectors.current_rule`). Until the first
school of the campaign is finalised the rule is edited in place; after that a change is a new
version with a reason, and every finalised school says which version decided its result.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.choices import PassRule, Scoring
from indicators.outcomes import RuleSpec

from .campaigns import Campaign
from .organisations import Region

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
SHARE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]
GRADE_LABEL_MAX_LENGTH = 20
__all__ = ["PassRule", "ResultRule"]


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class ResultRule(models.Model):
    """One version of a campaign's result rule.

    `pass_min_percent`: points, the pass line as a percent of the declared total; compliance with
    「最低达标指数」, the least 达标指数 × 100. `dimension_min_percent` ({dimension code: percent},
    points only) adds a minimum per dimension. `grades` are bands [{"label", "min_percent"}] in
    descending order of their minimum, the last one at 0 so every result has a grade (empty: no
    grades). `excluded` lists node codes (items or whole dimensions) left out of the pass decision,
    the dimension minimums and the grade. `target_share` is the share of schools the city aims to see
    pass, `district_targets` ({region code: share}) the districts' own targets.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="result_rules"
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    pass_rule = models.CharField(_("达标判定方式"), max_length=16, choices=PassRule.choices)
    pass_min_percent = models.DecimalField(
        _("合格线（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("计分制为得分率；达标制“最低达标指数”为达标指数 × 100。"),
    )
    dimension_min_percent = models.JSONField(_("各维度最低得分率（%）"), default=dict, blank=True)
    grades = models.JSONField(_("等级划分"), default=list, blank=True)
    excluded = models.JSONField(_("不计入达标判定的指标"), default=list, blank=True)
    target_share = models.DecimalField(
        _("达标目标比例"), max_digits=4, decimal_places=3, null=True, blank=True, validators=SHARE_VALIDATORS
    )
    district_targets = models.JSONField(_("各区县达标目标比例"), default=dict, blank=True)
    reason = models.TextField(_("修改原因"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("结果判定规则")
        verbose_name_plural = _("结果判定规则")
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="resultrule_unique_campaign_version")
        ]

    def __str__(self) -> str:
        return _("%(c)s · 第 %(v)d 版") % {"c": self.campaign, "v": self.version}

    def spec(self) -> RuleSpec:
        """The rule as the pure function `indicators.outcomes.official_outcome` takes it."""
        return RuleSpec.of(
            pass_rule=self.pass_rule,
            pass_min_percent=self.pass_min_percent,
            dimension_min_percent=self.dimension_min_percent or {},
            grades=self.grades or (),
            excluded=self.excluded or (),
        )

    # --- validation ---------------------------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, list] = {}
        framework = self.campaign.framework if self.campaign_id else None
        scoring = framework.scoring if framework is not None else None
        if scoring and self.pass_rule and self.pass_rule not in PassRule.for_scoring(scoring):
            errors.setdefault("pass_rule", []).append(
                _("计分制指标体系按得分率判定达标；达标制指标体系按必选项全部达标或最低达标指数判定。")
            )
        if self.pass_rule in (PassRule.PERCENT, PassRule.MIN_INDEX) and self.pass_min_percent is None:
            errors.setdefault("pass_min_percent", []).append(_("请填写合格线。"))
        if self.version and self.version > 1 and not (self.reason or "").strip():
            errors.setdefault("reason", []).append(_("规则已锁定，修改须填写原因。"))
        codes = self._framework_codes(framework)
        self._clean_grades(errors)
        self._clean_excluded(errors, codes)
        self._clean_dimensions(errors, codes, scoring)
        self._clean_district_targets(errors)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _framework_codes(framework) -> dict[str, int]:
        """Code → level of every node of the framework."""
        if framework is None:
            return {}
        return dict(framework.nodes.values_list("code", "level"))

    def _clean_grades(self, errors: dict) -> None:
        grades = self.grades
        if grades in (None, ""):
            self.grades = grades = []
        if not isinstance(grades, list):
            errors.setdefault("grades", []).append(_("等级划分格式不正确。"))
            return
        cleaned, labels, previous = [], set(), None
        for position, band in enumerate(grades, start=1):
            label = str(band.get("label", "") if isinstance(band, dict) else "").strip()
            minimum = _number(band.get("min_percent") if isinstance(band, dict) else None)
            if not label:
                errors.setdefault("grades", []).append(_("第 %(n)d 个等级没有名称。") % {"n": position})
            elif len(label) > GRADE_LABEL_MAX_LENGTH:
                errors.setdefault("grades", []).append(
                    _("等级名称“%(l)s”过长（最多 %(m)d 字）。") % {"l": label, "m": GRADE_LABEL_MAX_LENGTH}
                )
            elif label in labels:
                errors.setdefault("grades", []).append(_("等级名称“%(l)s”重复。") % {"l": label})
            labels.add(label)
            if minimum is None or not 0 <= minimum <= 100:
                errors.setdefault("grades", []).append(
                    _("等级“%(l)s”的最低得分率须为 0 到 100 之间的数。") % {"l": label or position}
                )
                continue
            if previous is not None and minimum >= previous:
                errors.setdefault("grades", []).append(
                    _("等级须按最低得分率从高到低排列，且不能重叠（“%(l)s”）。") % {"l": label}
                )
            previous = minimum
            cleaned.append({"label": label, "min_percent": float(minimum)})
        if cleaned and previous != 0:
            errors.setdefault("grades", []).append(
                _("最后一个等级的最低得分率须为 0（低于其他各等级的结果都归入它）。")
            )
        if "grades" not in errors:
            self.grades = cleaned

    def _clean_excluded(self, errors: dict, codes: dict[str, int]) -> None:
        excluded = self.excluded
        if excluded in (None, ""):
            self.excluded = excluded = []
        if not isinstance(excluded, list):
            errors.setdefault("excluded", []).append(_("不计入达标判定的指标格式不正确。"))
            return
        cleaned = []
        for code in excluded:
            code = str(code).strip()
            if codes and code not in codes:
                errors.setdefault("excluded", []).append(
                    _("指标体系中没有编号为“%(c)s”的指标。") % {"c": code}
                )
            elif code and code not in cleaned:
                cleaned.append(code)
        if "excluded" not in errors:
            self.excluded = cleaned

    def _clean_dimensions(self, errors: dict, codes: dict[str, int], scoring: str | None) -> None:
        minimums = self.dimension_min_percent
        if minimums in (None, ""):
            self.dimension_min_percent = minimums = {}
        if not isinstance(minimums, dict):
            errors.setdefault("dimension_min_percent", []).append(_("各维度最低得分率格式不正确。"))
            return
        if minimums and scoring and scoring != Scoring.POINTS:
            errors.setdefault("dimension_min_percent", []).append(
                _("只有计分制指标体系可以设定维度最低得分率。")
            )
            return
        cleaned = {}
        for code, value in minimums.items():
            code = str(code).strip()
            minimum = _number(value)
            if codes and codes.get(code) != 1:
                errors.setdefault("dimension_min_percent", []).append(
                    _("“%(c)s”不是指标体系的一级指标（维度）。") % {"c": code}
                )
            elif minimum is None or not 0 <= minimum <= 100:
                errors.setdefault("dimension_min_percent", []).append(
                    _("维度 %(c)s 的最低得分率须为 0 到 100 之间的数。") % {"c": code}
                )
            else:
                cleaned[code] = float(minimum)
        if "dimension_min_percent" not in errors:
            self.dimension_min_percent = cleaned

    def _clean_district_targets(self, errors: dict) -> None:
        targets = self.district_targets
        if targets in (None, ""):
            self.district_targets = targets = {}
        if not isinstance(targets, dict):
            errors.setdefault("district_targets", []).append(_("各区县达标目标比例格式不正确。"))
            return
        cleaned = {}
        known = set()
        if targets and self.campaign_id:
            known = set(
                Region.objects.filter(
                    code__in=[str(c).strip() for c in targets], path__startswith=self.campaign.region.path
                ).values_list("code", flat=True)
            )
        for code, value in targets.items():
            share = _number(value)
            if str(code).strip() not in known:
                errors.setdefault("district_targets", []).append(
                    _("“%(c)s”不是本活动主管地区内的区县代码。") % {"c": code}
                )
            elif share is None or not 0 <= share <= 1:
                errors.setdefault("district_targets", []).append(
                    _("区县 %(c)s 的达标目标比例须为 0 到 1 之间的数。") % {"c": code}
                )
            else:
                cleaned[str(code).strip()] = float(share)
        if "district_targets" not in errors:
            self.district_targets = cleaned
