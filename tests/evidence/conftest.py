"""Evidence fixtures: an isolated MEDIA_ROOT per test and a draft assessment with item responses.
The files uploaded are built by `tests/samples.py`."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Assessment, Campaign, ItemResponse
from indicators.models import Framework, Node


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Every test writes into its own MEDIA_ROOT, a child of tmp_path (so "outside" can be checked)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def campaign(world):
    framework = Framework.objects.create(
        code="test-fw", name="测试指标体系", school_level="k12", scoring="compliance"
    )
    n1 = Node.objects.create(framework=framework, level=1, code="1", position=1, name="基础设施")
    Node.objects.create(framework=framework, parent=n1, level=2, code="1.1", position=2, name="校园网络")
    Node.objects.create(framework=framework, parent=n1, level=2, code="1.2", position=3, name="数据中心")
    now = timezone.now()
    return Campaign.objects.create(
        framework=framework,
        year=2026,
        title="2026 年度自评",
        region=world.city_a,
        self_deadline=now + datetime.timedelta(days=30),
        review_deadline=now + datetime.timedelta(days=60),
    )


def _assessment(campaign, school) -> Assessment:
    assessment = Assessment.objects.create(campaign=campaign, school=school)
    for node in campaign.framework.nodes.filter(level=2):
        ItemResponse.objects.create(assessment=assessment, node=node)
    return assessment


@pytest.fixture
def assessment(campaign, world) -> Assessment:
    """The draft assessment of school_a1 (CIO "cio")."""
    return _assessment(campaign, world.school_a1)


@pytest.fixture
def response(assessment) -> ItemResponse:
    return assessment.responses.order_by("node__position").first()


@pytest.fixture
def response2(assessment) -> ItemResponse:
    return assessment.responses.order_by("node__position").last()


@pytest.fixture
def other_response(campaign, world) -> ItemResponse:
    """A response of school_a2 (CIO "other_cio")."""
    return _assessment(campaign, world.school_a2).responses.first()


# --- Real tiny files (built in tests/samples.py) --------------------------------------------------


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())
