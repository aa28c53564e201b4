"""Delete stored evidence files that no library row refers to (the same as the daily Celery task)."""

import datetime

from django.core.management.base import BaseCommand

from evidence.sweeper import evidence_orphans_sweep, orphan_grace


class Command(BaseCommand):
    help = "删除存储中没有对应材料记录、且早于宽限期的佐证文件（与每日定时任务相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将被删除的文件，不删除")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help=f"宽限期（小时），更新的文件不动；默认 EVIDENCE_ORPHAN_GRACE_HOURS（{orphan_grace()}）",
        )
        parser.add_argument(
            "--force", action="store_true", help="超过半数文件无记录时也删除（默认停止并报错）"
        )

    def handle(self, *args, **options):
        grace = options["grace_hours"]
        report = evidence_orphans_sweep(
            grace=datetime.timedelta(hours=grace) if grace is not None else None,
            dry_run=options["dry_run"],
            force=options["force"],
            log=lambda name: self.stdout.write(f"  {'将删除' if options['dry_run'] else '已删除'} {name}"),
        )
        if report.stopped:
            self.stderr.write(self.style.ERROR(f"未删除任何文件：{report.stopped}"))
            return
        verb = "将删除" if report.dry_run else "删除"
        self.stdout.write(
            self.style.SUCCESS(
                f"检查 {report.scanned} 个文件：{verb} {len(report.removed)} 个无记录的文件，"
                f"{report.young} 个无记录但仍在宽限期内（保留），{len(report.failed)} 个删除失败。"
            )
        )
