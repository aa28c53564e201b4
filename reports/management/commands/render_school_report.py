"""Render one school's report to a PDF file, on the same code path as the worker's job."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from reports.school_report import school_report_pdf


class Command(BaseCommand):
    help = _("生成一所学校的评估报告 PDF：--assessment 学校自评 id，--out 输出文件。")

    def add_arguments(self, parser):
        parser.add_argument("--assessment", type=int, required=True, help=_("学校自评（Assessment）id"))
        parser.add_argument("--out", required=True, help=_("输出 PDF 文件路径"))

    def handle(self, *args, assessment: int, out: str, **options):
        found = (
            Assessment.objects.select_related(
                "campaign__framework", "campaign__region", "school__region__parent"
            )
            .filter(pk=assessment)
            .first()
        )
        if found is None:
            raise CommandError(_("学校自评 %(id)s 不存在") % {"id": assessment})
        pdf = school_report_pdf(assessment=found)
        Path(out).write_bytes(pdf)
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成 %(out)s（%(kb)s KB）：%(school)s")
                % {"out": out, "kb": len(pdf) // 1024, "school": found.school.name}
            )
        )
