"""Import a new framework from an .xlsx workbook (the export layout) or a fixture-format JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.services import FrameworkStructureError, framework_import


class Command(BaseCommand):
    help = gettext_lazy("从 Excel（导出格式）或 JSON 导入新的指标体系；任何一行有误则不导入")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code", help=gettext_lazy("新指标体系的代码（默认取“框架信息”表中的代码）"))

    def handle(self, *args, file, code, **options):
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取 %(path)s：%(exc)s") % {"path": path, "exc": exc}) from None
        try:
            framework = framework_import(raw=raw, filename=path.name, code=code)
        except FrameworkStructureError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("导入失败：%(n_problems)s 处错误，未导入任何数据") % {"n_problems": len(exc.problems)}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(code)s v%(version)s · %(name)s · %(value)s 个指标")
                % {
                    "code": framework.code,
                    "version": framework.version,
                    "name": framework.name,
                    "value": framework.nodes.count(),
                }
            )
        )
