"""Render one school's report to a PDF file, on the same code path as the worker's job."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment
from reports.school_report import school_report_pdf


class Command(BaseCommand):
    help = "生成一所学校的评估报告 PDF：--assessment 学校自评 id，--out 输出文件。"

    def add_arguments(self, parser):
        parser.add_argument("--assessment", type=int, required=True, help="学校自评（Assessment）id")
        parser.add_argument("--out", required=True, help="输出 PDF 文件路径")

    def handle(self, *args, assessment: int, out: str, **options):
        found = (
            Assessment.objects.select_related(
                "campaign__framework", "campaign__region", "school__region__parent"
            )
            .filter(pk=assessment)
            .first()
        )
        if found is None:
            raise CommandError(f"学校自评 {assessment} 不存在")
        pdf = school_report_pdf(assessment=found)
        Path(out).write_bytes(pdf)
        self.stdout.write(self.style.SUCCESS(f"已生成 {out}（{len(pdf) // 1024} KB）：{found.school.name}"))
