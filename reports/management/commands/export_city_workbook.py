"""Write a campaign's city-wide workbook to a file, on the same code path as the worker's job."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from assessments.models import Campaign, Region
from reports.workbook import city_workbook_write


class Command(BaseCommand):
    help = _(
        "导出自评活动的全市统计工作簿：--campaign 自评活动 id，--out 输出 .xlsx，可选 --region 地区 id。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True, help=_("自评活动（Campaign）id"))
        parser.add_argument("--out", required=True, help=_("输出 .xlsx 文件路径"))
        parser.add_argument("--region", type=int, help=_("只导出该地区（默认：活动的主管地区）"))

    def handle(self, *args, campaign: int, out: str, region: int | None, **options):
        found = Campaign.objects.select_related("framework", "region").filter(pk=campaign).first()
        if found is None:
            raise CommandError(_("自评活动 %(id)s 不存在") % {"id": campaign})
        scope = found.region
        if region is not None:
            scope = Region.objects.filter(pk=region).first()
            if scope is None:
                raise CommandError(_("地区 %(id)s 不存在") % {"id": region})

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {done}/{total}")

        with open(out, "wb") as fh:
            total = city_workbook_write(campaign=found, region=scope, out=fh, on_progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _("已导出 %(out)s：%(region)s，%(n)s 所学校") % {"out": out, "region": scope.name, "n": total}
            )
        )
