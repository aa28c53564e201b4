"""Delete stored evidence files that no library row refers to (the same as the daily Celery task)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from evidence.sweeper import evidence_orphans_sweep, orphan_grace


class Command(BaseCommand):
    help = _("删除存储中没有对应材料记录、且早于宽限期的佐证文件（与每日定时任务相同）。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只列出将被删除的文件，不删除"))
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help=_("宽限期（小时），更新的文件不动；默认 EVIDENCE_ORPHAN_GRACE_HOURS（%(hours)s）")
            % {"hours": orphan_grace()},
        )
        parser.add_argument(
            "--force", action="store_true", help=_("超过半数文件无记录时也删除（默认停止并报错）")
        )

    def handle(self, *args, **options):
        grace = options["grace_hours"]
        report = evidence_orphans_sweep(
            grace=datetime.timedelta(hours=grace) if grace is not None else None,
            dry_run=options["dry_run"],
            force=options["force"],
            log=lambda name: self.stdout.write(
                "  " + (_("将删除 %(name)s") if options["dry_run"] else _("已删除 %(name)s")) % {"name": name}
            ),
        )
        if report.stopped:
            self.stderr.write(self.style.ERROR(_("未删除任何文件：%(why)s") % {"why": report.stopped}))
            return
        verb = _("将删除") if report.dry_run else _("删除")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "检查 %(scanned)s 个文件：%(verb)s %(removed)s 个无记录的文件，"
                    "%(young)s 个无记录但仍在宽限期内（保留），%(failed)s 个删除失败。"
                )
                % {
                    "scanned": report.scanned,
                    "verb": verb,
                    "removed": len(report.removed),
                    "young": report.young,
                    "failed": len(report.failed),
                }
            )
        )
