"""Print an equipment catalogue: as JSON ({"source", "devices"}) or as a readable table by category."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.equipment.catalog import catalog_dict
from indicators.models import ConfigRule, EquipmentCatalog
from indicators.selectors import equipment_catalog_get, equipment_catalog_spec


class Command(BaseCommand):
    help = gettext_lazy("打印设备配置目录（--json 输出 {source, devices}）")

    def add_arguments(self, parser):
        parser.add_argument("code", nargs="?", help=gettext_lazy("目录代码（只有一个目录时可省略）"))
        parser.add_argument("--json", action="store_true", help=gettext_lazy("以 JSON 输出"))

    def handle(self, *args, code, json: bool, **options):
        catalog = equipment_catalog_get(code=code)
        if catalog is None:
            codes = list(EquipmentCatalog.objects.order_by("code").values_list("code", flat=True))
            if code is not None:
                raise CommandError(_("找不到设备配置目录 %(code)s") % {"code": code})
            if not codes:
                raise CommandError(_("尚未加载设备配置目录（先运行 manage.py load_frameworks）"))
            raise CommandError(_("有多个设备配置目录，请指定代码：") + _("、").join(codes))
        spec = equipment_catalog_spec(catalog=catalog)
        if json:
            self.stdout.write(_dumps(catalog_dict(spec)))
            return
        out = self.stdout.write
        out(
            _("%(title)s（%(code)s，%(n_devices)s 行设备）")
            % {"title": spec.title, "code": spec.code, "n_devices": len(spec.devices)}
        )
        out(_("来源：%(source)s") % {"source": spec.source})
        for category, devices in spec.category_runs():
            out("")
            out(_("【%(category)s】") % {"category": category})
            for device in devices:
                rule = ConfigRule(device.rule).label
                group = _("［%(group)s］") % {"group": device.group} if device.group else ""
                mark = _("  （含推定值）") if device.inferred else ""
                out(f"  {device.order:>2}. {device.name}  {rule}{group}  {device.scene}{mark}")
                out(_("      功能要求：%(requirement)s") % {"requirement": device.requirement})
                if device.specs:
                    out(_("      参数：") + _("；").join(str(t) for t in device.specs))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
