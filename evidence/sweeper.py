"""The orphan sweeper: stored evidence bytes that no `EvidenceFile` row refers to are deleted.

Bytes are written before their row (see `services`), so an upload whose transaction rolled back, or
whose process died between the two writes, leaves a file without a row. Those files are found by
listing `evidence/` through the storage API (local disk and S3-compatible alike), comparing with the
rows' files and their thumbnails, and deleted once they are older than `EVIDENCE_ORPHAN_GRACE_HOURS`
— an upload still in flight is minutes old, never hours. Run daily by Celery beat
(`evidence.sweep_orphans`) and by `manage.py sweep_evidence_orphans [--dry-run]`.

A safety stop: when more than half of the files (and at least `GUARD_MIN_ORPHANS`) look orphaned,
the sweeper deletes nothing and logs an error — that is a storage pointed at the wrong database or a
restore in progress, not leftovers. `force=True` overrides it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from .images import thumbnail_name
from .models import EvidenceFile
from .services import evidence_storage

logger = logging.getLogger(__name__)

ROOT = "evidence"
GUARD_MIN_ORPHANS = 20
GUARD_FRACTION = 0.5


@dataclass
class SweepReport:
    """What one sweep saw and did; `removed` lists the storage names deleted (or, dry, to delete)."""

    scanned: int = 0
    young: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stopped: str = ""
    dry_run: bool = False


def orphan_grace() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.EVIDENCE_ORPHAN_GRACE_HOURS)


def _walk(storage, folder: str) -> Iterator[str]:
    folders = [folder]
    while folders:
        current = folders.pop()
        try:
            subfolders, files = storage.listdir(current)
        except FileNotFoundError:
            continue
        folders.extend(f"{current}/{name}" for name in subfolders)
        yield from (f"{current}/{name}" for name in files)


def _referenced() -> set[str]:
    names: set[str] = set()
    rows = EvidenceFile.objects.values_list("file", "kind").iterator(chunk_size=2000)
    for name, kind in rows:
        names.add(name)
        if kind in ("jpeg", "png"):
            names.add(thumbnail_name(name))
    return names


def evidence_orphans_sweep(
    *,
    grace: datetime.timedelta | None = None,
    dry_run: bool = False,
    force: bool = False,
    now: datetime.datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepReport:
    """Delete files under `evidence/` with no row that are older than `grace`; see the module doc."""
    storage = evidence_storage()
    cutoff = (now or timezone.now()) - (grace if grace is not None else orphan_grace())
    report = SweepReport(dry_run=dry_run)
    # Listed before the rows are read: a row committed meanwhile is seen, so its file is kept.
    stored = list(_walk(storage, ROOT))
    referenced = _referenced()
    report.scanned = len(stored)
    candidates = []
    for name in stored:
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, OSError):
            continue  # deleted meanwhile
        if modified > cutoff:
            report.young += 1
        else:
            candidates.append(name)
    if (
        not force
        and len(candidates) >= GUARD_MIN_ORPHANS
        and len(candidates) > GUARD_FRACTION * report.scanned
    ):
        report.stopped = (
            f"{len(candidates)} of {report.scanned} stored evidence files have no row: deleting nothing "
            "(wrong database or storage, or a restore in progress?); run with --force if they are leftovers"
        )
        logger.error("evidence orphan sweep stopped: %s", report.stopped)
        return report
    for name in candidates:
        if not dry_run:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("evidence orphan sweep could not delete %s", name, exc_info=True)
                report.failed.append(name)
                continue
        report.removed.append(name)
        logger.info("evidence orphan %s: %s", "found (dry run)" if dry_run else "deleted", name)
        if log:
            log(name)
    if report.removed and not dry_run:
        logger.warning("evidence orphan sweep deleted %d file(s) without a row", len(report.removed))
    return report
