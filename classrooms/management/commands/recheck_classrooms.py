"""Check every classroom against its catalogue again and store the outcome.

The services keep each classroom's stored check current, and a catalogue reload through
`load_frameworks` rechecks on its own; this command is for data that changed some other way (a
restored backup, a catalogue edited in the database)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classrooms.services import classrooms_recheck
from indicators.models import EquipmentCatalog


class Command(BaseCommand):
    help = gettext_lazy("按设备配置目录重新检查所有教室，并保存检查结果。")

    def handle(self, *args, **options) -> None:
        for catalog in EquipmentCatalog.objects.filter(classrooms__isnull=False).distinct().order_by("code"):
            changed = classrooms_recheck(catalog=catalog)
            total = catalog.classrooms.count()
            self.stdout.write(
                _("%(code)s: 教室 %(total)s 间，检查结果变化 %(changed)s 间。")
                % {"code": catalog.code, "total": total, "changed": changed}
            )
