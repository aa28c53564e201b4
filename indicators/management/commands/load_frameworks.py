"""Load every fixtures/frameworks/*.json (idempotent: unchanged files do nothing)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.services import FrameworkStructureError, LoadAction, framework_load
from indicators.trees import SpecError, spec_from_dict


class Command(BaseCommand):
    help = "加载 fixtures/frameworks/*.json 中的指标体系（未变化的文件不做任何改动）"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="JSON files (default: fixtures/frameworks/*.json)")

    def handle(self, *args, files, **options):
        paths = [Path(f) for f in files] or sorted(
            (Path(settings.BASE_DIR) / "fixtures" / "frameworks").glob("*.json")
        )
        if not paths:
            raise CommandError("没有找到指标体系文件")
        failed = 0
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
        if failed:
            raise CommandError(f"{failed} 个文件未能加载")
