"""Delete expired report jobs and their files; also fail jobs stuck past their time limit."""

from django.core.management.base import BaseCommand

from reports.services import report_files_cleanup, report_jobs_sweep


class Command(BaseCommand):
    help = "清理过期的报告文件，并将超时未完成的报告任务标记为失败（与定时任务相同）。"

    def handle(self, *args, **options):
        failed = report_jobs_sweep()
        deleted = report_files_cleanup(log=self.stdout.write if options["verbosity"] > 1 else None)
        self.stdout.write(
            self.style.SUCCESS(f"标记失败 {failed} 个卡住的任务，删除 {deleted} 个过期任务及其文件。")
        )
