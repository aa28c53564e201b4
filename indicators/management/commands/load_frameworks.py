"""Load every fixtures/frameworks/*.json (idempotent: unchanged files do nothing), the fact catalogue
(fixtures/facts.json) and the rules of each loaded framework (fixtures/rules/<code>.json)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.facts import facts_from_dict
from indicators.rules import rules_from_dict
from indicators.services import (
    FrameworkStructureError,
    LoadAction,
    RuleSetError,
    fact_catalogue_load,
    framework_load,
    rule_set_load,
)
from indicators.trees import SpecError, spec_from_dict


class Command(BaseCommand):
    help = "加载 fixtures/frameworks/*.json 中的指标体系、事实目录与自动校验规则（未变化的文件不做任何改动）"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="JSON files (default: fixtures/frameworks/*.json)")

    def handle(self, *args, files, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        paths = [Path(f) for f in files] or sorted((fixtures / "frameworks").glob("*.json"))
        if not paths:
            raise CommandError("没有找到指标体系文件")
        failed = self._load_facts(fixtures / "facts.json")
        for path in paths:
            try:
                spec = spec_from_dict(json.loads(path.read_text(encoding="utf-8")))
                result = framework_load(spec=spec)
            except (OSError, json.JSONDecodeError, SpecError, FrameworkStructureError) as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{path.name}: {exc}"))
                continue
            style = self.style.SUCCESS if result.action != LoadAction.UNCHANGED else (lambda s: s)
            self.stdout.write(style(result.summary()))
            failed += self._load_rules(fixtures / "rules" / f"{spec.code}.json", result.framework)
        if failed:
            raise CommandError(f"{failed} 个文件未能加载")

    def _load_facts(self, path: Path) -> int:
        if not path.exists():
            return 0
        try:
            result = fact_catalogue_load(specs=facts_from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError, SpecError, RuleSetError) as exc:
            self.stderr.write(self.style.ERROR(f"{path.name}: {exc}"))
            return 1
        self.stdout.write(result.summary())
        return 0

    def _load_rules(self, path: Path, framework) -> int:
        """Rules of a just-loaded framework, from its rule file if there is one."""
        if not path.exists():
            return 0
        try:
            code, specs = rules_from_dict(json.loads(path.read_text(encoding="utf-8")))
            if code != framework.code:
                raise SpecError(f"规则文件属于 {code}，不是 {framework.code}")
            result = rule_set_load(framework=framework, specs=specs)
        except (OSError, json.JSONDecodeError, SpecError, RuleSetError) as exc:
            self.stderr.write(self.style.ERROR(f"rules/{path.name}: {exc}"))
            return 1
        self.stdout.write(self.style.SUCCESS(result.summary()) if result.changed else result.summary())
        return 0
