"""Delete expired report jobs and their files; also fail jobs stuck past their time limit."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from reports.services import report_files_cleanup, report_jobs_sweep


class Command(BaseCommand):
    help = _("清理过期的报告文件，并将超时未完成的报告任务标记为失败（与定时任务相同）。")

    def handle(self, *args, **options):
        failed = report_jobs_sweep()
        deleted = report_files_cleanup(log=self.stdout.write if options["verbosity"] > 1 else None)
        self.stdout.write(
            self.style.SUCCESS(
                _("标记失败 %(failed)s 个卡住的任务，删除 %(deleted)s 个过期任务及其文件。")
                % {"failed": failed, "deleted": deleted}
            )
        )
