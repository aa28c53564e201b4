"""Load every fixtures/frameworks/*.json and fixtures/equipment/*.json (idempotent: unchanged files
do nothing). Files given by path are loaded by their shape: a "devices" list makes an equipment
catalogue, anything else a framework."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.equipment.catalog import CatalogError, catalog_from_dict
from indicators.services import (
    EquipmentCatalogError,
    FrameworkStructureError,
    LoadAction,
    equipment_catalog_load,
    framework_load,
)
from indicators.trees import SpecError, spec_from_dict


class Command(BaseCommand):
    help = (
        "加载 fixtures/frameworks/*.json 中的指标体系和 fixtures/equipment/*.json 中的设备配置目录"
        "（未变化的文件不做任何改动）"
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
            raise CommandError("没有找到指标体系文件")
        failed = 0
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("devices"), list):
                    result = equipment_catalog_load(spec=catalog_from_dict(data))
                else:
                    result = framework_load(spec=spec_from_dict(data))
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
        if failed:
            raise CommandError(f"{failed} 个文件未能加载")
