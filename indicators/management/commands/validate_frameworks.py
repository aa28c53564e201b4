"""Check stored frameworks and equipment catalogues (or fixture files): counts, declared vs summed
points, every inconsistency, the automatic-check rules of each framework, choice groups and
thresholds of each catalogue.

Exit status is non-zero only for structural errors (the tree or catalogue is unusable) and for rules
that cannot be evaluated (unknown node or fact, a clause not quoted verbatim, an expression
refused); defects of the source (totals that do not add up, reconstructed values) are reported
but kept as declared.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.clauses import numbering_problems, optional_clause_problems, parse_clauses
from indicators.equipment.catalog import CatalogError, CatalogSpec, catalog_from_dict, catalog_report
from indicators.facts import fact_problems, facts_from_dict
from indicators.models import ConfigRule, EquipmentCatalog, Framework, Severity
from indicators.rules import RuleSpec, rule_problems, rules_from_dict
from indicators.selectors import equipment_catalog_spec, fact_catalogue, framework_spec, rule_specs
from indicators.trees import (
    FrameworkSpec,
    SpecError,
    fmt_points,
    source_report,
    spec_from_dict,
    structure_errors,
)


class Command(BaseCommand):
    help = "校验指标体系和设备配置目录：各级数量、声明分值与合计、选择组与参数、结构错误与原文瑕疵"

    def add_arguments(self, parser):
        parser.add_argument(
            "codes", nargs="*", help="指标体系或设备配置目录代码（默认全部，指标体系取最新版本）"
        )
        parser.add_argument(
            "--fixtures",
            action="store_true",
            help="校验 fixtures/frameworks/*.json 和 fixtures/equipment/*.json 文件本身（不读数据库）",
        )

    def handle(self, *args, codes, fixtures, **options):
        specs: list[tuple[str, FrameworkSpec | None, str]] = []
        rule_sets: dict[str, tuple[list[RuleSpec] | None, str]] = {}  # label → (rules, why unreadable)
        catalog_specs: list[tuple[str, CatalogSpec | None, str]] = []
        broken = 0
        if fixtures:
            catalogue, broken = self._fixture_catalogue()
            for path in sorted((Path(settings.BASE_DIR) / "fixtures" / "frameworks").glob("*.json")):
                if codes and path.stem not in codes:
                    continue
                try:
                    specs.append(
                        (path.name, spec_from_dict(json.loads(path.read_text(encoding="utf-8"))), "")
                    )
                except (json.JSONDecodeError, SpecError) as exc:
                    specs.append((path.name, None, str(exc)))
                    continue
                rule_sets[path.name] = _fixture_rules(specs[-1][1].code)
            for path in sorted((Path(settings.BASE_DIR) / "fixtures" / "equipment").glob("*.json")):
                if codes and path.stem not in codes:
                    continue
                try:
                    catalog = catalog_from_dict(json.loads(path.read_text(encoding="utf-8")))
                    catalog_specs.append((path.name, catalog, ""))
                except (json.JSONDecodeError, CatalogError) as exc:
                    catalog_specs.append((path.name, None, str(exc)))
        else:
            catalogue = fact_catalogue()
            frameworks = Framework.objects.latest_versions().order_by("code")
            catalogs = EquipmentCatalog.objects.order_by("code")
            if codes:
                frameworks = frameworks.filter(code__in=codes)
                catalogs = catalogs.filter(code__in=codes)
                missing = (
                    set(codes)
                    - set(frameworks.values_list("code", flat=True))
                    - set(catalogs.values_list("code", flat=True))
                )
                if missing:
                    raise CommandError("找不到指标体系或设备配置目录：" + "、".join(sorted(missing)))
            for fw in frameworks:
                specs.append((f"{fw.code} v{fw.version}", framework_spec(framework=fw), ""))
                rule_sets[specs[-1][0]] = (rule_specs(framework=fw), "")
            for catalog in catalogs:
                catalog_specs.append((catalog.code, equipment_catalog_spec(catalog=catalog), ""))
        for label, spec, error in specs:
            tree_ok = self._report(label, spec, error)
            rules_ok = spec is None or self._report_rules(spec, *rule_sets.get(label, ([], "")), catalogue)
            broken += not (tree_ok and rules_ok)
        broken_catalogs = sum(not self._report_catalog(*item) for item in catalog_specs)
        failures = []
        if broken:
            failures.append(f"{broken} 个指标体系（或事实目录）有结构错误或规则错误")
        if broken_catalogs:
            failures.append(f"{broken_catalogs} 个设备配置目录有错误")
        if failures:
            raise CommandError("；".join(failures))

    def _fixture_catalogue(self):
        path = Path(settings.BASE_DIR) / "fixtures" / "facts.json"
        try:
            facts = facts_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, SpecError) as exc:
            self.stdout.write(self.style.ERROR(f"== 事实目录 facts.json: 无法读取：{exc}"))
            return {}, 1
        problems = fact_problems(facts)
        self.stdout.write(self.style.MIGRATE_HEADING(f"== 事实目录 facts.json · {len(facts)} 项"))
        for problem in problems:
            self.stdout.write(self.style.ERROR(f"  错误 · {problem}"))
        return {fact.code: fact for fact in facts}, int(bool(problems))

    def _report_rules(self, spec: FrameworkSpec, rules: list[RuleSpec] | None, error: str, catalogue) -> bool:
        """Print every rule of the framework and every problem; False when a rule is unusable."""
        out = self.stdout.write
        if rules is None:
            out(self.style.ERROR(f"  规则文件无法读取：{error}"))
            return False
        if not rules:
            out("  自动校验规则：无")
            return True
        blocking = sum(rule.severity == Severity.BLOCKING for rule in rules)
        out(f"  自动校验规则（{len(rules)}）：阻止提交 {blocking}，提示 {len(rules) - blocking}")
        labels = dict(Severity.choices)
        for rule in rules:
            severity = labels.get(rule.severity, rule.severity)
            parts = [f"{name} = {source}" for name, source in rule.values]
            parts += [f"适用：{rule.when}"] if rule.when else []
            extra = f"（{'；'.join(parts)}）" if parts else ""
            out(f"    - {rule.node} {rule.code} [{severity}] {rule.expression}{extra}")
        nodes = {node.code: (node.name, node.text, node.note) for node in spec.nodes}
        problems = rule_problems(rules, nodes=nodes, catalogue=catalogue)
        for problem in problems:
            out(self.style.ERROR(f"  规则错误 · {problem}"))
        if problems:
            out(self.style.ERROR(f"  规则错误 {len(problems)} 处"))
        return not problems

    def _report(self, label: str, spec: FrameworkSpec | None, error: str) -> bool:
        out = self.stdout.write
        if spec is None:
            out(self.style.ERROR(f"== {label}: 无法读取：{error}"))
            return False
        out(self.style.MIGRATE_HEADING(f"== {label} · {spec.name} · {spec.scoring}"))
        report = source_report(spec)
        out("  各级指标数：" + "，".join(f"{lvl}级 {n}" for lvl, n in report.counts.items()))
        if spec.scoring == "points":
            root_sum = sum((n.points or 0 for n in spec.nodes if n.level == 1), 0)
            out(f"  声明总分：{fmt_points(spec.total_points)}；一级指标合计：{fmt_points(root_sum)}")
        starred = [n.code for n in spec.nodes if n.starred]
        if starred:
            out("  带*维度（综合评估，维度内可超出单项分值，维度封顶）：" + "、".join(starred))
        optional = sum(n.optional for n in spec.nodes)
        clauses = sum(bool(n.optional_clauses) for n in spec.nodes)
        if optional or clauses:
            out(f"  可选条目 {optional} 个；含可选条款的条目 {clauses} 个")
        self._report_clauses(spec)
        errors = structure_errors(spec.nodes)
        for problem in errors:
            out(self.style.ERROR(f"  结构错误 · {problem}"))
        if report.mismatches:
            out(f"  分值不一致（{len(report.mismatches)}）：")
            for problem in report.mismatches:
                out(self.style.WARNING(f"    - {problem}"))
        elif spec.scoring == "points":
            out("  分值一致：每个上级指标的声明分值都等于下级合计")
        for problem in report.warnings:
            out(self.style.WARNING(f"  提示 · {problem}"))
        if report.inferred:
            out(f"  推定值（{len(report.inferred)}）：")
            for problem in report.inferred:
                out(f"    - {problem}")
        out(
            self.style.SUCCESS("  结构正确")
            if not errors
            else self.style.ERROR(f"  结构错误 {len(errors)} 处")
        )
        return not errors

    def _report_clauses(self, spec: FrameworkSpec) -> None:
        """Items whose text splits into numbered clauses (the checklist of the item pages), and every
        item whose numbering is broken or whose optional clauses disagree with its text — reported,
        never renumbered: the text is kept verbatim."""
        out = self.stdout.write
        with_clauses = [
            (n, parse_clauses(n.text, note=n.note, optional_clauses=n.optional_clauses)) for n in spec.nodes
        ]
        with_clauses = [(n, clauses) for n, clauses in with_clauses if clauses]
        if not with_clauses:
            return
        total = sum(len(clauses) for _, clauses in with_clauses)
        optional = sum(c.optional for _, clauses in with_clauses for c in clauses)
        out(f"  含编号条款的条目 {len(with_clauses)} 个，条款 {total} 条（其中选配 {optional} 条）")
        for node, _clauses in with_clauses:
            problems = numbering_problems(node.text) + optional_clause_problems(
                text=node.text, note=node.note, optional_clauses=node.optional_clauses
            )
            for problem in problems:
                out(self.style.WARNING(f"  条款编号 · {node.code} {node.name}：{problem}"))

    def _report_catalog(self, label: str, catalog: CatalogSpec | None, error: str) -> bool:
        out = self.stdout.write
        if catalog is None:
            out(self.style.ERROR(f"== 设备配置目录 {label}: 无法读取：{error}"))
            return False
        out(self.style.MIGRATE_HEADING(f"== 设备配置目录 {label} · {catalog.title}"))
        report = catalog_report(catalog)
        runs = catalog.category_runs()
        rules = "，".join(
            f"{rule.label} {n}" for rule in ConfigRule if (n := sum(d.rule == rule for d in catalog.devices))
        )
        out(
            f"  设备 {len(catalog.devices)} 行，分类 {len(runs)} 段（{len({c for c, _ in runs})} 类）；"
            f"配置要求：{rules}"
        )
        groups = catalog.groups()
        if groups:
            out(
                f"  选择组 {len(groups)} 个："
                + "；".join(
                    f"{group}（{ConfigRule(members[0].rule).label}：{'、'.join(m.name for m in members)}）"
                    for group, members in groups.items()
                )
            )
        with_specs = [d for d in catalog.devices if d.specs]
        out(f"  参数 {sum(len(d.specs) for d in with_specs)} 项（{len(with_specs)} 种设备）")
        for problem in report.errors:
            out(self.style.ERROR(f"  错误 · {problem}"))
        for problem in report.warnings:
            out(self.style.WARNING(f"  提示 · {problem}"))
        if report.inferred:
            out(f"  推定值（{len(report.inferred)}）：")
            for problem in report.inferred:
                out(f"    - {problem}")
        out(
            self.style.SUCCESS("  设备配置目录校验通过")
            if not report.errors
            else self.style.ERROR(f"  设备配置目录错误 {len(report.errors)} 处")
        )
        return not report.errors


def _fixture_rules(code: str) -> tuple[list[RuleSpec] | None, str]:
    path = Path(settings.BASE_DIR) / "fixtures" / "rules" / f"{code}.json"
    if not path.exists():
        return [], ""
    try:
        file_code, rules = rules_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, SpecError) as exc:
        return None, f"rules/{path.name}：{exc}"
    if file_code != code:
        return None, f"rules/{path.name} 属于 {file_code}，不是 {code}"
    return rules, ""
