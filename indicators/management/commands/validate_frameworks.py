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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    help = gettext_lazy(
        "校验指标体系和设备配置目录：各级数量、声明分值与合计、选择组与参数、结构错误与原文瑕疵"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "codes",
            nargs="*",
            help=gettext_lazy("指标体系或设备配置目录代码（默认全部，指标体系取最新版本）"),
        )
        parser.add_argument(
            "--fixtures",
            action="store_true",
            help=gettext_lazy(
                "校验 fixtures/frameworks/*.json 和 fixtures/equipment/*.json 文件本身（不读数据库）"
            ),
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
                    raise CommandError(_("找不到指标体系或设备配置目录：") + _("、").join(sorted(missing)))
            for fw in frameworks:
                specs.append((f"{fw.code} v{fw.version}", framework_spec(framework=fw), ""))
                rule_sets[specs[-1][0]] = (
                    rule_specs(framework=fw, fresh=True),
                    "",
                )  # as stored, whatever wrote it
            for catalog in catalogs:
                catalog_specs.append((catalog.code, equipment_catalog_spec(catalog=catalog), ""))
        for label, spec, error in specs:
            tree_ok = self._report(label, spec, error)
            rules_ok = spec is None or self._report_rules(spec, *rule_sets.get(label, ([], "")), catalogue)
            broken += not (tree_ok and rules_ok)
        broken_catalogs = sum(not self._report_catalog(*item) for item in catalog_specs)
        failures = []
        if broken:
            failures.append(_("%(broken)s 个指标体系（或事实目录）有结构错误或规则错误") % {"broken": broken})
        if broken_catalogs:
            failures.append(
                _("%(broken_catalogs)s 个设备配置目录有错误") % {"broken_catalogs": broken_catalogs}
            )
        if failures:
            raise CommandError(_("；").join(failures))

    def _fixture_catalogue(self):
        path = Path(settings.BASE_DIR) / "fixtures" / "facts.json"
        try:
            facts = facts_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, SpecError) as exc:
            self.stdout.write(self.style.ERROR(_("== 事实目录 facts.json: 无法读取：%(exc)s") % {"exc": exc}))
            return {}, 1
        problems = fact_problems(facts)
        self.stdout.write(
            self.style.MIGRATE_HEADING(_("== 事实目录 facts.json · %(n_facts)s 项") % {"n_facts": len(facts)})
        )
        for problem in problems:
            self.stdout.write(self.style.ERROR(_("  错误 · %(problem)s") % {"problem": problem}))
        return {fact.code: fact for fact in facts}, int(bool(problems))

    def _report_rules(self, spec: FrameworkSpec, rules: list[RuleSpec] | None, error: str, catalogue) -> bool:
        """Print every rule of the framework and every problem; False when a rule is unusable."""
        out = self.stdout.write
        if rules is None:
            out(self.style.ERROR(_("  规则文件无法读取：%(error)s") % {"error": error}))
            return False
        if not rules:
            out(_("  自动校验规则：无"))
            return True
        blocking = sum(rule.severity == Severity.BLOCKING for rule in rules)
        out(
            _("  自动校验规则（%(n_rules)s）：阻止提交 %(blocking)s，提示 %(value)s")
            % {"n_rules": len(rules), "blocking": blocking, "value": len(rules) - blocking}
        )
        labels = dict(Severity.choices)
        for rule in rules:
            severity = labels.get(rule.severity, rule.severity)
            parts = [f"{name} = {source}" for name, source in rule.values]
            parts += [_("适用：%(when)s") % {"when": rule.when}] if rule.when else []
            extra = _("（%(value)s）") % {"value": _("；").join(parts)} if parts else ""
            out(f"    - {rule.node} {rule.code} [{severity}] {rule.expression}{extra}")
        nodes = {node.code: (node.name, node.text, node.note) for node in spec.nodes}
        problems = rule_problems(rules, nodes=nodes, catalogue=catalogue)
        for problem in problems:
            out(self.style.ERROR(_("  规则错误 · %(problem)s") % {"problem": problem}))
        if problems:
            out(self.style.ERROR(_("  规则错误 %(n_problems)s 处") % {"n_problems": len(problems)}))
        return not problems

    def _report(self, label: str, spec: FrameworkSpec | None, error: str) -> bool:
        out = self.stdout.write
        if spec is None:
            out(self.style.ERROR(_("== %(label)s: 无法读取：%(error)s") % {"label": label, "error": error}))
            return False
        out(self.style.MIGRATE_HEADING(f"== {label} · {spec.name} · {spec.scoring}"))
        report = source_report(spec)
        out(
            _("  各级指标数：")
            + _("，").join(_("%(lvl)s级 %(n)s") % {"lvl": lvl, "n": n} for lvl, n in report.counts.items())
        )
        if spec.scoring == "points":
            root_sum = sum((n.points or 0 for n in spec.nodes if n.level == 1), 0)
            out(
                _("  声明总分：%(value)s；一级指标合计：%(value2)s")
                % {"value": fmt_points(spec.total_points), "value2": fmt_points(root_sum)}
            )
        starred = [n.code for n in spec.nodes if n.starred]
        if starred:
            out(_("  带*维度（综合评估，维度内可超出单项分值，维度封顶）：") + _("、").join(starred))
        optional = sum(n.optional for n in spec.nodes)
        clauses = sum(bool(n.optional_clauses) for n in spec.nodes)
        if optional or clauses:
            out(
                _("  可选条目 %(optional)s 个；含可选条款的条目 %(clauses)s 个")
                % {"optional": optional, "clauses": clauses}
            )
        self._report_clauses(spec)
        errors = structure_errors(spec.nodes)
        for problem in errors:
            out(self.style.ERROR(_("  结构错误 · %(problem)s") % {"problem": problem}))
        if report.mismatches:
            out(_("  分值不一致（%(n_mismatches)s）：") % {"n_mismatches": len(report.mismatches)})
            for problem in report.mismatches:
                out(self.style.WARNING(f"    - {problem}"))
        elif spec.scoring == "points":
            out(_("  分值一致：每个上级指标的声明分值都等于下级合计"))
        for problem in report.warnings:
            out(self.style.WARNING(_("  提示 · %(problem)s") % {"problem": problem}))
        if report.inferred:
            out(_("  推定值（%(n_inferred)s）：") % {"n_inferred": len(report.inferred)})
            for problem in report.inferred:
                out(f"    - {problem}")
        out(
            self.style.SUCCESS(_("  结构正确"))
            if not errors
            else self.style.ERROR(_("  结构错误 %(n_errors)s 处") % {"n_errors": len(errors)})
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
        out(
            _("  含编号条款的条目 %(n_with_clauses)s 个，条款 %(total)s 条（其中选配 %(optional)s 条）")
            % {"n_with_clauses": len(with_clauses), "total": total, "optional": optional}
        )
        for node, _clauses in with_clauses:
            problems = numbering_problems(node.text) + optional_clause_problems(
                text=node.text, note=node.note, optional_clauses=node.optional_clauses
            )
            for problem in problems:
                out(
                    self.style.WARNING(
                        _("  条款编号 · %(code)s %(name)s：%(problem)s")
                        % {"code": node.code, "name": node.name, "problem": problem}
                    )
                )

    def _report_catalog(self, label: str, catalog: CatalogSpec | None, error: str) -> bool:
        out = self.stdout.write
        if catalog is None:
            out(
                self.style.ERROR(
                    _("== 设备配置目录 %(label)s: 无法读取：%(error)s") % {"label": label, "error": error}
                )
            )
            return False
        out(
            self.style.MIGRATE_HEADING(
                _("== 设备配置目录 %(label)s · %(title)s") % {"label": label, "title": catalog.title}
            )
        )
        report = catalog_report(catalog)
        runs = catalog.category_runs()
        rules = _("，").join(
            f"{rule.label} {n}" for rule in ConfigRule if (n := sum(d.rule == rule for d in catalog.devices))
        )
        out(
            _("  设备 %(n_devices)s 行，分类 %(n_runs)s 段（%(n_items)s 类）；配置要求：%(rules)s")
            % {
                "n_devices": len(catalog.devices),
                "n_runs": len(runs),
                "n_items": len({c for c, _ in runs}),
                "rules": rules,
            }
        )
        groups = catalog.groups()
        if groups:
            out(
                _("  选择组 %(n_groups)s 个：") % {"n_groups": len(groups)}
                + _("；").join(
                    _("%(group)s（%(label)s：%(value)s）")
                    % {
                        "group": group,
                        "label": ConfigRule(members[0].rule).label,
                        "value": _("、").join(m.name for m in members),
                    }
                    for group, members in groups.items()
                )
            )
        with_specs = [d for d in catalog.devices if d.specs]
        out(
            _("  参数 %(value)s 项（%(n_with_specs)s 种设备）")
            % {"value": sum(len(d.specs) for d in with_specs), "n_with_specs": len(with_specs)}
        )
        for problem in report.errors:
            out(self.style.ERROR(_("  错误 · %(problem)s") % {"problem": problem}))
        for problem in report.warnings:
            out(self.style.WARNING(_("  提示 · %(problem)s") % {"problem": problem}))
        if report.inferred:
            out(_("  推定值（%(n_inferred)s）：") % {"n_inferred": len(report.inferred)})
            for problem in report.inferred:
                out(f"    - {problem}")
        out(
            self.style.SUCCESS(_("  设备配置目录校验通过"))
            if not report.errors
            else self.style.ERROR(_("  设备配置目录错误 %(n_errors)s 处") % {"n_errors": len(report.errors)})
        )
        return not report.errors


def _fixture_rules(code: str) -> tuple[list[RuleSpec] | None, str]:
    path = Path(settings.BASE_DIR) / "fixtures" / "rules" / f"{code}.json"
    if not path.exists():
        return [], ""
    try:
        file_code, rules = rules_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, SpecError) as exc:
        return None, _("rules/%(name)s：%(exc)s") % {"name": path.name, "exc": exc}
    if file_code != code:
        return None, _("rules/%(name)s 属于 %(file_code)s，不是 %(code)s") % {
            "name": path.name,
            "file_code": file_code,
            "code": code,
        }
    return rules, ""
