"""Export the rules of one framework version to .xlsx (the layout `import_rules` reads)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Framework
from indicators.resources import rule_workbook
from indicators.selectors import fact_catalogue, rule_list


class Command(BaseCommand):
    help = gettext_lazy("把指标体系的自动校验规则导出为 Excel（可编辑后用 import_rules 导入）")

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("output", help=gettext_lazy("输出文件 .xlsx"))
        parser.add_argument("--version", dest="fw_version", type=int)

    def handle(self, *args, code, output, fw_version, **options):
        qs = Framework.objects.filter(code=code)
        framework = qs.filter(version=fw_version).first() if fw_version else qs.order_by("-version").first()
        if framework is None:
            raise CommandError(_("找不到指标体系 %(code)s") % {"code": code})
        rules = rule_list(framework=framework)
        Path(output).write_bytes(rule_workbook(framework, rules, fact_catalogue()))
        self.stdout.write(
            _("已导出 %(code)s v%(version)s 的 %(value)s 条规则 → %(output)s")
            % {"code": framework.code, "version": framework.version, "value": rules.count(), "output": output}
        )
