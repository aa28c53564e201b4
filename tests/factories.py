"""factory_boy factories shared by every test module."""

import factory
from django.contrib.auth import get_user_model

from assessments.models import Membership, Region, Role, School, SchoolType

PASSWORD = "Test-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Region.Level.DISTRICT
    parent = None


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:09d}")
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    school_type = SchoolType.PRIMARY
    region = factory.SubFactory(RegionFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.SCHOOL_CIO
    school = None
    region = None


# --- campaigns and assessments ---------------------------------------------------------------------

import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

from assessments.models import Assessment, Campaign, ItemResponse  # noqa: E402
from indicators.models import Framework, Node  # noqa: E402


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"test-fw-{n}")
    version = 1
    name = factory.Sequence(lambda n: f"测试指标体系{n}")
    school_level = "k12"
    scoring = "points"
    total_points = Decimal(20)


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    framework = factory.SubFactory(FrameworkFactory)
    parent = None
    level = 1
    code = factory.Sequence(lambda n: f"{n + 1}")
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"指标{n}")
    text = factory.Sequence(lambda n: f"要求原文{n}")


def build_framework(scoring: str, rows: list[tuple], **kwargs) -> Framework:
    """`rows` = (code, points, optional, starred) in tree order; the parent is the code's prefix."""
    framework = FrameworkFactory(scoring=scoring, **kwargs)
    saved: dict[str, Node] = {}
    for position, (code, points, optional, starred) in enumerate(rows):
        parent_code = code.rpartition(".")[0] or None
        saved[code] = NodeFactory(
            framework=framework,
            parent=saved.get(parent_code) if parent_code else None,
            level=code.count(".") + 1,
            code=code,
            position=position,
            name=f"指标{code}",
            text=f"指标{code}的要求原文\n第二行",
            points=None if points is None else Decimal(str(points)),
            optional=optional,
            starred=starred,
        )
    return framework


def small_points_framework() -> Framework:
    """1 (10) → 1.1 (4, monitoring points 1.1.1, 1.1.2), 1.2 (6); *2 (10, starred) → 2.1 (5), 2.2 (5)."""
    return build_framework(
        "points",
        [
            ("1", 10, False, False),
            ("1.1", 4, False, False),
            ("1.1.1", None, False, False),
            ("1.1.2", None, False, False),
            ("1.2", 6, False, False),
            ("2", 10, False, True),
            ("2.1", 5, False, False),
            ("2.2", 5, False, False),
        ],
        total_points=Decimal(20),
    )


def small_compliance_framework() -> Framework:
    """1 → 1.1 (required), 1.2 (optional); 2 → 2.1 (required)."""
    return build_framework(
        "compliance",
        [
            ("1", None, False, False),
            ("1.1", None, False, False),
            ("1.2", None, True, False),
            ("2", None, False, False),
            ("2.1", None, False, False),
        ],
        total_points=None,
    )


class CampaignFactory(factory.django.DjangoModelFactory):
    """A bare campaign row; use `assessments.services.campaign_create` for the real thing."""

    class Meta:
        model = Campaign

    framework = factory.SubFactory(FrameworkFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"2026年测试自评{n}")
    region = factory.SubFactory(RegionFactory)
    self_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    review_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=60))


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    campaign = factory.SubFactory(CampaignFactory)
    school = factory.SubFactory(SchoolFactory)


class ItemResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemResponse

    assessment = factory.SubFactory(AssessmentFactory)
    node = factory.SubFactory(NodeFactory)


# --- district review -----------------------------------------------------------------------------


def fill_and_submit(assessment, cio, *, score="1", status="met") -> Assessment:
    """Answer every item of `assessment` through the service as `cio` and submit it."""
    from assessments import services

    points = assessment.campaign.framework.scoring == "points"
    for r in assessment.responses.select_related("node", "assessment"):
        value = {"self_score": score} if points else {"self_status": status}
        services.response_update(response=r, acting_user=cio, version=r.version, statement="已建设", **value)
    return services.assessment_submit(assessment=assessment, acting_user=cio)
