"""Import a new framework from an .xlsx workbook (the export layout) or a fixture-format JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.services import FrameworkStructureError, framework_import


class Command(BaseCommand):
    help = "从 Excel（导出格式）或 JSON 导入新的指标体系；任何一行有误则不导入"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code", help="新指标体系的代码（默认取“框架信息”表中的代码）")

    def handle(self, *args, file, code, **options):
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from None
        try:
            framework = framework_import(raw=raw, filename=path.name, code=code)
        except FrameworkStructureError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"导入失败：{len(exc.problems)} 处错误，未导入任何数据") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {framework.code} v{framework.version} · {framework.name}"
                f" · {framework.nodes.count()} 个指标"
            )
        )
