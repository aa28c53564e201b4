"""Replace a framework's rules from an .xlsx workbook (the export layout) or a rule file (JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Framework
from indicators.services import RuleSetError, rules_import


class Command(BaseCommand):
    help = gettext_lazy("从 Excel（导出格式）或 JSON 导入指标体系的自动校验规则；任何一行有误则不导入")

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code", help=gettext_lazy("指标体系代码"))
        parser.add_argument("file")
        parser.add_argument(
            "--version", dest="fw_version", type=int, help=gettext_lazy("版本号（默认最新版本）")
        )

    def handle(self, *args, code, file, fw_version, **options):
        qs = Framework.objects.filter(code=code)
        framework = qs.filter(version=fw_version).first() if fw_version else qs.order_by("-version").first()
        if framework is None:
            raise CommandError(_("找不到指标体系 %(code)s") % {"code": code})
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取 %(path)s：%(exc)s") % {"path": path, "exc": exc}) from None
        try:
            result = rules_import(framework=framework, raw=raw, filename=path.name)
        except RuleSetError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("导入失败：%(n_problems)s 处错误，未导入任何规则") % {"n_problems": len(exc.problems)}
            ) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
