"""Check a school's facts against a framework's rules, the way pages, submission and reports do.

    python manage.py evaluate_rules --framework zhejiang-k12 --school-type nine_year --facts facts.json --json

FILE is a JSON object of fact codes to values ({"students": 1200, "ipv6": true}); a fact left out
or null is missing and the rules that need it answer null (无法判断). `--fixtures` reads the rule
and fact fixture files instead of the database.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.facts import FactValueError, clean_fact_values, facts_from_dict
from indicators.levels import UnknownSchoolType, school_levels
from indicators.rules import RuleStatus, evaluate_rules, rules_from_dict
from indicators.selectors import fact_catalogue, framework_latest, rule_specs
from indicators.trees import SpecError

MARKS = {RuleStatus.PASS: "✓", RuleStatus.FAIL: "✗", RuleStatus.UNKNOWN: "?", RuleStatus.NOT_APPLICABLE: "—"}


class Command(BaseCommand):
    help = gettext_lazy("用学校的基本情况数据检查指标体系的自动校验规则（--json 输出机器可读结果）")

    def add_arguments(self, parser):
        parser.add_argument("--framework", required=True, help=gettext_lazy("指标体系代码，如 zhejiang-k12"))
        parser.add_argument(
            "--school-type",
            required=True,
            help=gettext_lazy("学校类型：primary、junior、senior、nine_year、complete、vocational、higher"),
        )
        parser.add_argument("--facts", required=True, help=gettext_lazy("JSON 文件：{事实代码: 数值}"))
        parser.add_argument("--json", action="store_true", help=gettext_lazy("以 JSON 输出"))
        parser.add_argument(
            "--fixtures",
            action="store_true",
            help=gettext_lazy("读取 fixtures 中的规则与事实目录（不读数据库）"),
        )

    def handle(self, *args, framework, school_type, facts, json: bool, fixtures: bool, **options):
        try:
            school_levels(school_type)
        except UnknownSchoolType as exc:
            raise CommandError(str(exc)) from None
        catalogue, rules = self._fixture_rules(framework) if fixtures else self._stored_rules(framework)
        values = self._read_facts(Path(facts), catalogue)
        results = evaluate_rules(rules, facts=values, school_type=school_type, catalogue=catalogue)
        if json:
            self.stdout.write(_dumps({"framework": framework, "results": [r.as_dict() for r in results]}))
            return
        for result in results:
            self.stdout.write(
                _("%(value)s %(node)s %(rule)s：%(message)s")
                % {
                    "value": MARKS[result.status],
                    "node": result.node,
                    "rule": result.rule,
                    "message": result.message,
                }
            )
        counts = {status: sum(r.status is status for r in results) for status in RuleStatus}
        self.stdout.write(
            _("共 %(n)s 条：符合 %(passed)s，不符合 %(failed)s，无法判断 %(unknown)s，不适用 %(na)s")
            % {
                "n": len(results),
                "passed": counts[RuleStatus.PASS],
                "failed": counts[RuleStatus.FAIL],
                "unknown": counts[RuleStatus.UNKNOWN],
                "na": counts[RuleStatus.NOT_APPLICABLE],
            }
        )

    def _stored_rules(self, code: str):
        framework = framework_latest(code=code)
        if framework is None:
            raise CommandError(_("找不到指标体系“%(code)s”（是否已运行 load_frameworks？）") % {"code": code})
        return fact_catalogue(), rule_specs(framework=framework)

    def _fixture_rules(self, code: str):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        path = fixtures / "rules" / f"{code}.json"
        if not path.exists():
            raise CommandError(
                _("找不到指标体系“%(code)s”的规则文件 fixtures/rules/%(code)s.json") % {"code": code}
            )
        try:
            facts = facts_from_dict(_load(fixtures / "facts.json"))
            _code, rules = rules_from_dict(_load(path))
        except (OSError, ValueError, SpecError) as exc:
            raise CommandError(_("无法读取规则或事实目录：%(exc)s") % {"exc": exc}) from None
        return {fact.code: fact for fact in facts}, rules

    def _read_facts(self, path: Path, catalogue) -> dict:
        try:
            raw = _load(path)
        except OSError as exc:
            raise CommandError(
                _("无法读取事实文件 %(path)s：%(value)s") % {"path": path, "value": _os_reason(exc)}
            ) from None
        except ValueError:
            raise CommandError(
                _("事实文件 %(path)s 不是有效的 JSON（应为 UTF-8 编码的 {事实代码: 数值} 对象）")
                % {"path": path}
            ) from None
        if not isinstance(raw, dict):
            raise CommandError(_("事实文件 %(path)s 应为 JSON 对象：{事实代码: 数值}") % {"path": path})
        try:
            return clean_fact_values(raw, catalogue)
        except FactValueError as exc:
            details = _("；").join(
                _("%(where)s：%(message)s") % {"where": p.where, "message": p.message} for p in exc.problems
            )
            raise CommandError(
                _("事实文件 %(path)s 有误：%(details)s") % {"path": path, "details": details}
            ) from None


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return _("文件不存在")
    if isinstance(exc, IsADirectoryError):
        return _("这是一个目录，不是文件")
    if isinstance(exc, PermissionError):
        return _("没有读取权限")
    return exc.strerror or str(exc)


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8-sig"))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
