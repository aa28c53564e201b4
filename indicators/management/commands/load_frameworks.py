"""Load every fixtures/frameworks/*.json (idempotent: unchanged files do nothing), the fact catalogue
(fixtures/facts.json), the rules of each loaded framework (fixtures/rules/<code>.json) and every
fixtures/equipment/*.json. Files given by path are loaded by their shape: a "devices" list makes an
equipment catalogue, anything else a framework."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.equipment.catalog import CatalogError, catalog_from_dict
from indicators.facts import facts_from_dict
from indicators.rules import rules_from_dict
from indicators.services import (
    EquipmentCatalogError,
    FrameworkStructureError,
    LoadAction,
    RuleSetError,
    equipment_catalog_load,
    fact_catalogue_load,
    framework_load,
    rule_set_load,
)
from indicators.trees import SpecError, spec_from_dict


class Command(BaseCommand):
    help = gettext_lazy(
        "加载 fixtures/frameworks/*.json 中的指标体系、事实目录与自动校验规则，"
        "以及 fixtures/equipment/*.json 中的设备配置目录（未变化的文件不做任何改动）"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            help="JSON files (default: fixtures/frameworks/*.json, fixtures/equipment/*.json)",
        )

    def handle(self, *args, files, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        paths = [Path(f) for f in files] or [
            *sorted((fixtures / "frameworks").glob("*.json")),
            *sorted((fixtures / "equipment").glob("*.json")),
        ]
        if not paths:
            raise CommandError(_("没有找到指标体系文件"))
        failed = self._load_facts(fixtures / "facts.json")
        for path in paths:
            framework_code = None
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("devices"), list):
                    result = equipment_catalog_load(spec=catalog_from_dict(data))
                else:
                    spec = spec_from_dict(data)
                    framework_code = spec.code
                    result = framework_load(spec=spec)
            except (
                OSError,
                json.JSONDecodeError,
                SpecError,
                FrameworkStructureError,
                CatalogError,
                EquipmentCatalogError,
            ) as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{path.name}: {exc}"))
                continue
            style = self.style.SUCCESS if result.action != LoadAction.UNCHANGED else (lambda s: s)
            self.stdout.write(style(result.summary()))
            if framework_code is not None:
                failed += self._load_rules(fixtures / "rules" / f"{framework_code}.json", result.framework)
        if failed:
            raise CommandError(_("%(failed)s 个文件未能加载") % {"failed": failed})

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
                raise SpecError(
                    _("规则文件属于 %(code)s，不是 %(code2)s") % {"code": code, "code2": framework.code}
                )
            result = rule_set_load(framework=framework, specs=specs)
        except (OSError, json.JSONDecodeError, SpecError, RuleSetError) as exc:
            self.stderr.write(self.style.ERROR(f"rules/{path.name}: {exc}"))
            return 1
        self.stdout.write(self.style.SUCCESS(result.summary()) if result.changed else result.summary())
        return 0
