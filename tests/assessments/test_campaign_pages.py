"""Creating a campaign in the browser's forms: every required field is there, every error shows next
to its field, preview then confirm, past deadlines need a confirmation, only frameworks that fit the
commission's region are offered, and schools whose type does not fit the framework are refused (in
the form, the service and the API alike)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, Campaign, SchoolType
from smartcampus.errors import Invalid
from tests.factories import SchoolFactory, build_framework, small_points_framework
from tests.html import document, field_errors, field_names, form_errors, text

URL = "assessments:campaign-create"


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def higher_framework(**kwargs):
    return build_framework(
        "compliance",
        [("1", None, False, False), ("1.1", None, False, False)],
        total_points=None,
        school_level="higher",
        **kwargs,
    )


@pytest.fixture
def frameworks(world):
    return {
        "a": small_points_framework(),  # no region: fits every region
        "a_named": build_framework(
            "points", [("1", 5, False, False)], total_points=Decimal(5), region="甲市"
        ),
        "b": build_framework("points", [("1", 5, False, False)], total_points=Decimal(5), region="乙市"),
        "higher": higher_framework(region="甲市"),
    }


@pytest.fixture
def university(world):
    return SchoolFactory(
        code="U-A1", name="甲市大学", region=world.district_a1, school_type=SchoolType.HIGHER
    )


def data(world, framework, **extra):
    return {
        "framework": framework.pk,
        "year": 2027,
        "title": "2027年甲市自评",
        "region": world.city_a.pk,
        "self_deadline": day(30),
        "review_deadline": day(60),
        **extra,
    }


def test_every_required_field_is_on_the_page(world, client_for, frameworks):
    html = client_for("commission").get(reverse(URL)).content
    names = field_names(html)
    assert {"framework", "year", "title", "region", "self_deadline", "review_deadline"} <= names
    assert {"scope_region", "school_types", "school_codes"} <= names
    offered = {o.get("value") for o in document(html).xpath("//select[@name='framework']/option")}
    assert str(frameworks["a"].pk) in offered and str(frameworks["a_named"].pk) in offered
    assert str(frameworks["b"].pk) not in offered  # another city's standard


def test_an_empty_form_shows_each_error_next_to_its_field(world, client_for, frameworks):
    r = client_for("commission").post(reverse(URL), {})
    assert r.status_code == 400
    errors = field_errors(r.content)
    assert set(errors) == {"framework", "year", "title", "region", "self_deadline", "review_deadline"}
    assert "处需要修改" in form_errors(r.content)


def test_review_deadline_before_self_deadline_is_an_error_on_that_field(world, client_for, frameworks):
    r = client_for("commission").post(reverse(URL), data(world, frameworks["a"], review_deadline=day(10)))
    assert r.status_code == 400
    assert "不能早于" in field_errors(r.content)["review_deadline"][0]


def test_preview_then_back_to_edit_then_confirm(world, client_for, frameworks):
    client = client_for("commission")
    r = client.post(reverse(URL), data(world, frameworks["a"]))
    assert r.status_code == 200
    preview = text(r.content, "preview")
    assert "将为 3 所学校创建自评" in preview and "甲一区" in preview and "小学" in preview
    assert not Campaign.objects.exists()
    back = client.post(reverse(URL), {**data(world, frameworks["a"]), "edit": "1"})
    assert text(back.content, "campaign-form") and not text(back.content, "preview")
    assert document(back.content).xpath("//input[@name='title']/@value") == ["2027年甲市自评"]
    r = client.post(reverse(URL), {**data(world, frameworks["a"]), "confirm": "1"})
    campaign = Campaign.objects.get()
    assert r.url == reverse("assessments:campaign-detail", args=[campaign.pk])
    assert campaign.assessments.count() == 3
    # 23:59:59 Asia/Shanghai on the chosen day
    assert timezone.localtime(campaign.self_deadline).time() == datetime.time(23, 59, 59)


def test_a_past_deadline_needs_an_explicit_confirmation(world, client_for, frameworks):
    client = client_for("commission")
    past = data(world, frameworks["a"], self_deadline=day(-2), review_deadline=day(20))
    r = client.post(reverse(URL), past)
    assert r.status_code == 400
    errors = field_errors(r.content)
    assert "已经过去" in errors["self_deadline"][0] and "past_deadline_ok" in errors
    assert "past_deadline_ok" in field_names(r.content)  # the checkbox appears only now
    r = client.post(reverse(URL), {**past, "past_deadline_ok": "on"})
    assert r.status_code == 200 and "已过去" in text(r.content, "preview")
    client.post(reverse(URL), {**past, "past_deadline_ok": "True", "confirm": "1"})
    assert Campaign.objects.get().self_deadline < timezone.now()


def test_a_framework_of_another_region_is_refused_on_its_field(world, client_for, frameworks):
    r = client_for("commission").post(reverse(URL), data(world, frameworks["b"]))
    assert r.status_code == 400
    assert "framework" in field_errors(r.content)
    assert selectors.framework_fits_region(framework=frameworks["a_named"], region=world.district_a1)
    assert not selectors.framework_fits_region(framework=frameworks["b"], region=world.city_a)


def test_schools_whose_type_does_not_fit_the_framework_are_left_out_or_refused(
    world, client_for, frameworks, university
):
    client = client_for("commission")
    # a university framework over the whole city: only the university, the others are counted out
    r = client.post(reverse(URL), data(world, frameworks["higher"]))
    assert "将为 1 所学校创建自评" in text(r.content, "preview")
    assert "另有 3 所学校的类型不适用" in text(r.content, "excluded")
    # choosing a K-12 type for it is an error on that field
    r = client.post(reverse(URL), data(world, frameworks["higher"], school_types=["primary"]))
    assert r.status_code == 400 and "school_types" in field_errors(r.content)
    # naming the university in a K-12 campaign is an error on the list of codes
    r = client.post(reverse(URL), data(world, frameworks["a"], school_codes="S-A1\nU-A1"))
    assert r.status_code == 400 and "甲市大学" in field_errors(r.content)["school_codes"][0]
    # the form offers only the fitting types for the campaign's framework
    campaign = services.campaign_create(
        framework=frameworks["a"],
        year=2027,
        title="K12",
        region=world.city_a,
        self_deadline=timezone.now() + datetime.timedelta(days=5),
        review_deadline=timezone.now() + datetime.timedelta(days=9),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    html = client.get(reverse("assessments:campaign-detail", args=[campaign.pk])).content
    types = set(document(html).xpath("//input[@name='school_types']/@value"))
    assert "primary" in types and "higher" not in types
    r = client.post(reverse("assessments:campaign-add-schools", args=[campaign.pk]), {"school_codes": "U-A1"})
    assert r.status_code == 400 and "甲市大学" in field_errors(r.content)["school_codes"][0]


def test_the_service_and_the_api_refuse_a_university_in_a_k12_campaign(world, client_for, university):
    framework = small_points_framework()
    with pytest.raises(Invalid) as exc:
        services.campaign_create(
            framework=framework,
            year=2027,
            title="K12",
            region=world.city_a,
            self_deadline=timezone.now() + datetime.timedelta(days=5),
            review_deadline=timezone.now() + datetime.timedelta(days=9),
            schools=[world.school_a1, university],
            acting_user=world.users["commission"],
        )
    assert exc.value.code == "school_level" and "甲市大学（高等学校）" in exc.value.message
    assert not Campaign.objects.exists()
    r = client_for("commission").post(
        "/api/campaigns/",
        {
            "framework": framework.pk,
            "year": 2027,
            "title": "接口",
            "region": world.city_a.pk,
            "self_deadline": "2027-06-30T23:59:59+08:00",
            "review_deadline": "2027-07-30T23:59:59+08:00",
            "schools": [world.school_a1.pk, university.pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "school_level" and "甲市大学" in body["fields"]["schools"][0]
    assert not Assessment.objects.exists()


def test_deadline_extension_errors_show_next_to_their_fields(world, client_for):
    campaign = services.campaign_create(
        framework=small_points_framework(),
        year=2027,
        title="延期",
        region=world.city_a,
        self_deadline=timezone.now() + datetime.timedelta(days=5),
        review_deadline=timezone.now() + datetime.timedelta(days=9),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    a = campaign.assessments.get()
    url = reverse("assessments:assessment-extend", args=[a.pk])
    r = client_for("commission").post(url, {"new_deadline": day(1), "reason": "停电"})
    assert r.status_code == 400
    assert "须晚于" in field_errors(r.content)["new_deadline"][0]  # the service's field error
    r = client_for("commission").post(url, {"new_deadline": day(20), "reason": ""})
    assert r.status_code == 400 and "reason" in field_errors(r.content)
