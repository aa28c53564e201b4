"""Demo evidence for a filled campaign (`manage.py seed_demo --campaign … --fill`).

A few tiny but real files (two PDFs, two PNGs, made once in memory) are stored for each school
through the evidence storage, like an upload would, and each is attached to several answered items:
the same bytes give the same sha256, so a school has one `EvidenceFile` per sample (at most four)
however many items it supports. A few items get a web link as well. Rows are bulk-created without
history (see assessments/demo/fill.py for why); re-running adds nothing that is already there.
"""

from __future__ import annotations

import hashlib
import random
import struct
import uuid
import zlib
from dataclasses import dataclass
from functools import cache

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from assessments.models import Campaign, ItemResponse

from .models import EvidenceFile, EvidenceLink, ResponseEvidence
from .services import evidence_storage

ATTACH_SHARE = 0.3  # share of answered items with at least one file
LINK_SHARE = 0.04


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str
    content_type: str
    extension: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _pdf(title: str) -> bytes:
    """A one-page PDF with one line of text, with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 760 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small striped RGB PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    dark = bytes(c // 2 for c in rgb)
    rows = b"".join(b"\x00" + (bytes(rgb) if (y // 8) % 2 else dark) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


@cache
def samples() -> tuple[Sample, ...]:
    return (
        Sample(
            "智慧校园建设规划.pdf",  # i18n: data
            "pdf",
            "application/pdf",
            "pdf",
            _pdf("Smart campus plan 2026"),
        ),
        Sample(
            "设备运行记录.pdf",  # i18n: data
            "pdf",
            "application/pdf",
            "pdf",
            _pdf("Equipment operation log"),
        ),
        Sample("智慧教室照片.png", "png", "image/png", "png", _png(64, 48, (40, 110, 200))),  # i18n: data
        Sample("平台使用统计.png", "png", "image/png", "png", _png(80, 40, (60, 170, 90))),  # i18n: data
    )


def evidence_demo_fill(*, campaign: Campaign, seed: int = 2026) -> dict[str, int]:
    """Store and attach demo evidence to the answered items of `campaign`. Returns counts."""
    answered = (
        ItemResponse.objects.filter(assessment__campaign=campaign)
        .filter(Q(self_score__isnull=False) | Q(self_status__isnull=False))
        .order_by("assessment__school_id", "node__position")
        .values_list("pk", "assessment__school_id", "node__code")
    )
    by_school: dict[int, list[tuple[int, str]]] = {}
    for pk, school_id, code in answered:
        by_school.setdefault(school_id, []).append((pk, code))
    shas = {s.sha256: s for s in samples()}
    existing = {
        (school_id, sha): pk
        for pk, school_id, sha in EvidenceFile.objects.filter(
            school_id__in=list(by_school), sha256__in=list(shas)
        ).values_list("pk", "school_id", "sha256")
    }
    attached = set(
        ResponseEvidence.objects.filter(response__assessment__campaign=campaign).values_list(
            "response_id", "file__sha256"
        )
    )
    with_links = set(
        EvidenceLink.objects.filter(response__assessment__campaign=campaign).values_list(
            "response_id", flat=True
        )
    )
    storage = evidence_storage()
    new_files: list[EvidenceFile] = []
    plan: list[tuple[int, int, str]] = []  # (response id, school id, sha256)
    links: list[EvidenceLink] = []
    stored: list[str] = []
    for school_id, responses in by_school.items():
        rng = random.Random(f"{seed}:evidence:{campaign.framework.code}:{school_id}")  # noqa: S311 — demo
        chosen = rng.sample(samples(), k=rng.randint(2, 4))
        for sample in chosen:
            stem = uuid.UUID(
                int=rng.getrandbits(128), version=4
            ).hex  # drawn always: same sequence on re-runs
            if (school_id, sample.sha256) not in existing:
                name = f"evidence/{school_id}/{stem}.{sample.extension}"
                stored.append(storage.save(name, ContentFile(sample.data)))
                new_files.append(
                    EvidenceFile(
                        school_id=school_id,
                        file=stored[-1],
                        original_name=sample.name,
                        content_type=sample.content_type,
                        kind=sample.kind,
                        size=len(sample.data),
                        sha256=sample.sha256,
                    )
                )
        for response_id, _code in responses:
            if rng.random() < ATTACH_SHARE:
                for sample in rng.sample(chosen, k=1 if rng.random() < 0.75 else min(2, len(chosen))):
                    if (response_id, sample.sha256) not in attached:
                        plan.append((response_id, school_id, sample.sha256))
            if rng.random() < LINK_SHARE and response_id not in with_links:
                links.append(
                    EvidenceLink(
                        response_id=response_id,
                        url=f"https://edu.example.cn/cases/{school_id}/{_code}",
                        title="学校公众号专题报道",  # i18n: data
                    )
                )
    try:
        with transaction.atomic():
            for row in EvidenceFile.objects.bulk_create(new_files, batch_size=1000):
                existing[(row.school_id, row.sha256)] = row.pk
            ResponseEvidence.objects.bulk_create(
                [ResponseEvidence(response_id=r, file_id=existing[(s, sha)]) for r, s, sha in plan],
                batch_size=5000,
                ignore_conflicts=True,
            )
            EvidenceLink.objects.bulk_create(links, batch_size=2000)
    except BaseException:
        for name in stored:  # bytes without rows are orphans: remove them again
            storage.delete(name)
        raise
    return {"files": len(new_files), "attachments": len(plan), "links": len(links)}
