"""The orphan sweeper: stored evidence bytes without a row are deleted once past the grace period;
files with rows, their thumbnails and young files (an upload in flight) are kept."""

import datetime
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.management import call_command

from evidence import services
from evidence.sweeper import GUARD_MIN_ORPHANS, evidence_orphans_sweep
from evidence.tasks import evidence_orphans_sweep_task
from smartcampus.celery import app
from tests.samples import image_bytes, pdf_bytes

from .conftest import stored_files, upload

DAY = 24 * 3600


def _stored(name: str, content: bytes = b"orphan", age_hours: float = 0) -> str:
    """Write `name` through the storage API, then date it `age_hours` back."""
    storage = services.evidence_storage()
    saved = storage.save(name, ContentFile(content))
    when = time.time() - age_hours * 3600
    os.utime(storage.path(saved), (when, when))
    return saved


@pytest.fixture
def library(world, media_root, settings):
    """One PDF and one image with a thumbnail, all dated two days back like the orphans."""
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0
    cio = world.users["cio"]
    pdf = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    )
    png = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("b.png", image_bytes("PNG")), acting_user=cio
    )
    kept = [pdf.evidence_file.file.name, png.evidence_file.file.name, png.evidence_file.thumbnail_name]
    old = time.time() - 2 * DAY
    for name in kept:
        os.utime(media_root / name, (old, old))
    return kept


def test_old_orphans_go_rows_thumbnails_and_young_files_stay(world, media_root, library, caplog):
    old_orphan = _stored(f"evidence/{world.school_a1.pk}/{'a' * 32}.pdf", age_hours=30)
    old_thumbnail = _stored(f"evidence/{world.school_a1.pk}/thumbnails/{'b' * 32}.jpg", age_hours=30)
    in_flight = _stored(f"evidence/{world.school_a1.pk}/{'c' * 32}.pdf", age_hours=0.1)
    elsewhere = _stored(f"evidence/{world.school_b1.pk}/{'d' * 32}.png", age_hours=48)
    report_file = _stored("reports/2026/x.pdf", age_hours=48)  # not evidence: never looked at

    with caplog.at_level("INFO", logger="evidence.sweeper"):
        report = evidence_orphans_sweep()

    assert sorted(report.removed) == sorted([old_orphan, old_thumbnail, elsewhere])
    assert report.young == 1 and report.scanned == 7 and not report.failed
    remaining = {str(p.relative_to(media_root)) for p in stored_files(media_root)}
    assert remaining == {*library, in_flight, report_file}
    assert old_orphan in caplog.text and "deleted" in caplog.text


def test_dry_run_lists_without_deleting(world, media_root, library):
    orphan = _stored(f"evidence/{world.school_a1.pk}/{'e' * 32}.pdf", age_hours=30)
    report = evidence_orphans_sweep(dry_run=True)
    assert report.removed == [orphan] and report.dry_run
    assert (media_root / orphan).exists()


def test_grace_period_is_a_setting(world, media_root, library, settings):
    orphan = _stored(f"evidence/{world.school_a1.pk}/{'f' * 32}.pdf", age_hours=3)
    assert evidence_orphans_sweep().removed == []
    settings.EVIDENCE_ORPHAN_GRACE_HOURS = 2
    assert evidence_orphans_sweep().removed == [orphan]


def test_mass_orphans_stop_the_sweep_unless_forced(world, media_root, library, caplog):
    orphans = [
        _stored(f"evidence/{world.school_a1.pk}/{i:032x}.pdf", age_hours=48) for i in range(GUARD_MIN_ORPHANS)
    ]
    report = evidence_orphans_sweep()
    assert report.removed == [] and "deleting nothing" in report.stopped
    assert all((media_root / name).exists() for name in orphans)
    assert "sweep stopped" in caplog.text
    assert sorted(evidence_orphans_sweep(force=True).removed) == sorted(orphans)


def test_empty_storage(media_root, db):
    report = evidence_orphans_sweep()
    assert report.scanned == 0 and report.removed == []


def test_management_command(world, media_root, library):
    orphan = _stored(f"evidence/{world.school_a1.pk}/{'9' * 32}.pdf", age_hours=30)
    out = io.StringIO()
    call_command("sweep_evidence_orphans", "--dry-run", stdout=out)
    assert f"将删除 {orphan}" in out.getvalue() and (media_root / orphan).exists()
    call_command("sweep_evidence_orphans", "--grace-hours", "48", stdout=out)
    assert (media_root / orphan).exists()  # 30 hours old: inside a 48-hour grace period
    out = io.StringIO()
    call_command("sweep_evidence_orphans", stdout=out)
    assert f"已删除 {orphan}" in out.getvalue() and "删除 1 个无记录的文件" in out.getvalue()
    assert not (media_root / orphan).exists()


def test_daily_beat_entry_runs_the_task(world, media_root, library):
    entry = app.conf.beat_schedule["evidence-sweep-orphans"]
    assert entry["task"] == evidence_orphans_sweep_task.name == "evidence.sweep_orphans"
    assert entry["schedule"].remaining_estimate(datetime.datetime.now(datetime.UTC)).days < 1
    _stored(f"evidence/{world.school_a1.pk}/{'7' * 32}.pdf", age_hours=30)
    assert evidence_orphans_sweep_task.apply().get() == 1


def test_works_through_the_storage_api_alone(world, settings):
    """No filesystem path is used: the same sweep on Django's in-memory storage (as on S3)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0
    storage = services.evidence_storage()
    assert isinstance(storage, InMemoryStorage)  # no filesystem behind it
    kept = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("b.png", image_bytes("PNG")),
        acting_user=world.users["cio"],
    ).evidence_file
    orphan = storage.save(f"evidence/{world.school_a1.pk}/thumbnails/{'8' * 32}.jpg", ContentFile(b"x"))
    assert evidence_orphans_sweep().removed == []  # everything is young
    later = evidence_orphans_sweep(now=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2))
    assert later.removed == [orphan] and later.scanned == 3
    assert storage.exists(kept.file.name) and storage.exists(kept.thumbnail_name)
    assert not storage.exists(orphan)
