"""Backup and restore on the real PostgreSQL: scripts/backup.sh dumps the test database and copies
the storage directory; scripts/restore.sh restores both into an empty new database and directory;
every assessment, score, history entry and evidence file is found intact (sha256 re-verified)."""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, ItemResponse
from assessments.services import assessment_submit, campaign_create, end_of_day, response_update
from evidence.models import EvidenceFile
from evidence.services import evidence_upload_to_response
from tests.conftest import requires_services
from tests.factories import small_points_framework
from tests.samples import pdf_bytes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = requires_services

PDF = pdf_bytes("备份")


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}"


def _admin_connection():
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"],
        port=db["PORT"],
    )
    conn.autocommit = True
    return conn


@pytest.fixture
def empty_database():
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def data(transactional_db, world, tmp_path, settings):
    """Committed data (pg_dump runs in another session): scores, a submission, history, evidence."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    today = timezone.localdate()
    campaign = campaign_create(
        framework=small_points_framework(),
        year=2026,
        title="备份恢复测试",
        region=world.city_a,
        self_deadline=end_of_day(today + datetime.timedelta(days=10)),
        review_deadline=end_of_day(today + datetime.timedelta(days=20)),
        schools=[world.school_a1, world.school_a1b],
        acting_user=world.users["commission"],
    )
    assessment = campaign.assessments.get(school=world.school_a1)
    for i, response in enumerate(assessment.responses.order_by("node__position")):
        response_update(
            response=response,
            acting_user=world.users["cio"],
            version=1,
            self_score=Decimal("1.5"),
            statement=f"说明{i}",
        )
        evidence_upload_to_response(
            response=response,
            uploaded_file=SimpleUploadedFile(f"证明{i}.pdf", PDF + str(i).encode()),
            acting_user=world.users["cio"],
        )
    assessment_submit(assessment=assessment, acting_user=world.users["cio"])
    return tmp_path


QUERIES = {
    "assessments": "SELECT id, campaign_id, school_id, status, version, submitted_at FROM {a} ORDER BY id",
    "scores": "SELECT id, assessment_id, node_id, self_score, self_status, statement, version FROM {r} "
    "ORDER BY id",
    "assessment_history": "SELECT history_id, id, status, version, history_user_id, history_date FROM {ah} "
    "ORDER BY history_id",
    "response_history": "SELECT history_id, id, self_score, statement, history_user_id FROM {rh} "
    "ORDER BY history_id",
    "evidence": "SELECT id, school_id, file, original_name, sha256, size FROM {e} ORDER BY id",
}
TABLES = {
    "a": Assessment._meta.db_table,
    "r": ItemResponse._meta.db_table,
    "ah": Assessment.history.model._meta.db_table,
    "rh": ItemResponse.history.model._meta.db_table,
    "e": EvidenceFile._meta.db_table,
}


def _rows(cursor) -> dict[str, list]:
    result = {}
    for key, sql in QUERIES.items():
        cursor.execute(sql.format(**TABLES))
        result[key] = cursor.fetchall()
    return result


def test_backup_and_restore_round_trip(data, empty_database):
    tmp = data
    backup_dir = tmp / "backup"
    env = {
        **os.environ,
        "DATABASE_URL": _url(settings.DATABASES["default"]["NAME"]),
        "MEDIA_ROOT": str(tmp / "media"),
    }
    subprocess.run(
        [ROOT / "scripts/backup.sh", backup_dir], check=True, env=env, capture_output=True, timeout=120
    )
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar", "SHA256SUMS"}

    restored_media = tmp / "restored-media"
    env = {**os.environ, "DATABASE_URL": _url(empty_database), "MEDIA_ROOT": str(restored_media)}
    result = subprocess.run(
        [ROOT / "scripts/restore.sh", backup_dir], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr

    with connection.cursor() as cursor:
        original = _rows(cursor)
    db = settings.DATABASES["default"]
    restored_conn = psycopg2.connect(
        dbname=empty_database,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"],
        port=db["PORT"],
    )
    try:
        with restored_conn.cursor() as cursor:
            restored = _rows(cursor)
    finally:
        restored_conn.close()

    assert original["assessments"] and original["scores"] and original["evidence"]
    assert any(row[3] == "submitted" for row in original["assessments"])
    assert len(original["assessment_history"]) >= 1 and len(original["response_history"]) >= 4
    for key in QUERIES:
        assert restored[key] == original[key], key

    for _id, _school, name, _orig, sha256, size in restored["evidence"]:
        path = restored_media / name
        content = path.read_bytes()
        assert len(content) == size
        assert hashlib.sha256(content).hexdigest() == sha256, name


def test_restore_refuses_a_tampered_backup(data, empty_database):
    tmp = data
    backup_dir = tmp / "backup"
    env = {
        **os.environ,
        "DATABASE_URL": _url(settings.DATABASES["default"]["NAME"]),
        "MEDIA_ROOT": str(tmp / "media"),
    }
    subprocess.run(
        [ROOT / "scripts/backup.sh", backup_dir], check=True, env=env, capture_output=True, timeout=120
    )
    with open(backup_dir / "media.tar", "ab") as f:
        f.write(b"tampered")
    env = {**os.environ, "DATABASE_URL": _url(empty_database), "MEDIA_ROOT": str(tmp / "restored")}
    result = subprocess.run(
        [ROOT / "scripts/restore.sh", backup_dir], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "校验失败" in result.stderr
