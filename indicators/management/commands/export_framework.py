"""Export one framework version to .xlsx (the layout `import_framework` reads)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Framework
from indicators.resources import framework_workbook
from indicators.selectors import node_list


class Command(BaseCommand):
    help = gettext_lazy("把指标体系导出为 Excel（可编辑后用 import_framework 导入为新的指标体系）")

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
        nodes = node_list(framework=framework).select_related("parent")
        Path(output).write_bytes(framework_workbook(framework, nodes))
        self.stdout.write(
            _("已导出 %(code)s v%(version)s → %(output)s")
            % {"code": framework.code, "version": framework.version, "output": output}
        )
