"""The visit and publication pages: what each role sees and does, the public results page showing
nothing beyond the chosen fields, and query-count guards."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.models import FindingVerdict, ObjectionState, Publication

from .conftest import pdf, png

TODAY = timezone.localdate()


def test_the_commission_schedules_a_visit_on_the_page(world, client_for, finalised, node_ids):
    client = client_for("commission")
    url = reverse("inspections:visit-schedule", args=[finalised.pk])
    page = client.get(url)
    assert page.status_code == 200 and "reviewer" in page.content.decode()
    answer = client.post(
        url,
        {
            "date": (TODAY + datetime.timedelta(days=2)).isoformat(),
            "team": [world.users["reviewer"].pk],
            "items": [node_ids["1.2"]],
        },
    )
    assert answer.status_code == 302
    assert client.post(url, {"date": "", "team": [], "items": []}).status_code == 400


def test_a_finding_is_recorded_and_turned_into_a_rectification_item(world, client_for, visit):
    client = client_for("reviewer")
    finding = visit.findings.get(node__code="1.2")
    answer = client.post(
        reverse("inspections:finding-record", args=[finding.pk]),
        {"verdict": FindingVerdict.DISCREPANCY, "text": "设备缺失", "photos": [png()]},
    )
    assert answer.status_code == 302
    answer = client.post(
        reverse("inspections:finding-rectify", args=[finding.pk]),
        {"action": "补齐", "due_date": (TODAY + datetime.timedelta(days=30)).isoformat()},
    )
    assert answer.status_code == 302
    page = client.get(reverse("inspections:visit-detail", args=[visit.pk])).content.decode()
    assert "设备缺失" in page and "现场照片.png" in page and "已转为整改事项" in page
    # a completed visit: the sheet is refused while 2.1 is unrecorded (409, with the message)
    answer = client.post(reverse("inspections:visit-sheet", args=[visit.pk]), {"sheet": pdf()})
    assert answer.status_code == 409 and "2.1" in answer.content.decode()


def test_the_visit_page_keeps_its_query_count(world, client_for, visit, django_assert_max_num_queries):
    client = client_for("reviewer")
    client.get(reverse("inspections:visit-detail", args=[visit.pk]))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("inspections:visit-detail", args=[visit.pk])).status_code == 200


def test_the_school_objects_on_its_page(world, client_for, publication, finalised, node_ids):
    client = client_for("cio")
    url = reverse("inspections:publication-school", args=[publication.pk, finalised.pk])
    page = client.get(url).content.decode()
    assert page.count("提出申辩") >= 2
    raise_url = reverse("inspections:objection-raise", args=[publication.pk, finalised.pk])
    assert client.post(raise_url, {"node": node_ids["1.2"], "reason": "已整改"}).status_code == 302
    again = client.post(raise_url, {"node": node_ids["1.2"], "reason": "再次"})
    assert again.status_code == 409 and "待处理的申辩" in again.content.decode()
    assert client.post(raise_url, {"node": "", "reason": ""}).status_code == 400


def test_the_commission_decides_on_the_publication_page(world, client_for, publication, finalised, node_ids):
    objection = services.objection_raise(
        publication=publication,
        assessment=finalised,
        acting_user=world.users["cio"],
        reason="理由",
        node_id=node_ids["1.2"],
    )
    client = client_for("commission")
    page = client.get(reverse("inspections:publication-detail", args=[publication.pk])).content.decode()
    assert "申辩成立" in page and "理由" in page
    answer = client.post(
        reverse("inspections:objection-decide", args=[objection.pk, "uphold"]), {"reason": "成立"}
    )
    assert answer.status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.UPHELD
    close = client.post(reverse("inspections:publication-close", args=[publication.pk]))
    assert close.status_code == 409 and "尚未重新完成评审" in close.content.decode()


def test_the_publication_page_keeps_its_query_count(
    world, client_for, publication, finalised, node_ids, django_assert_max_num_queries
):
    for code in ("1.2", "2.1"):
        services.objection_raise(
            publication=publication,
            assessment=finalised,
            acting_user=world.users["cio"],
            reason="理由",
            node_id=node_ids[code],
        )
    client = client_for("commission")
    url = reverse("inspections:publication-detail", args=[publication.pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


# --- the results page ---------------------------------------------------------------------------


def test_the_publication_pages_count_and_leave_out_schools_not_accepted(
    world, client_for, publication, finalised, campaign
):
    from assessments.models import Assessment, Role

    from ..factories import MembershipFactory, UserFactory, fill_and_submit
    from ..rectification.conftest import finalise

    other = Assessment.objects.get(campaign=campaign, school=world.school_a1b)
    cio = MembershipFactory(
        user=UserFactory(username="a1b_cio"), role=Role.SCHOOL_CIO, school=world.school_a1b
    )
    fill_and_submit(other, cio.user, score="3")
    finalise(other, world.users["reviewer"])
    page = client_for("commission").get(reverse("inspections:publication-detail", args=[publication.pk]))
    counts = page.content.decode()
    assert "已验收 1 所" in counts and "待验收 1 所" in counts
    results = client_for("commission").get(reverse("inspections:results", args=[publication.token]))
    assert world.school_a1.name in results.content.decode()
    assert world.school_a1b.name not in results.content.decode()
    client = client_for("cio")
    client.force_login(cio.user)
    own = client.get(reverse("inspections:publication-school", args=[publication.pk, other.pk]))
    text = own.content.decode()
    assert own.status_code == 200 and "尚未通过市级验收" in text and "提交申辩" not in text


def test_the_public_page_shows_only_the_chosen_fields(client, publication, finalised):
    finalised.refresh_from_db()
    url = reverse("inspections:results", args=[publication.token])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert finalised.school.name in body and "是否达标" in body and "达标" in body
    # not chosen: the grade, the percent, designations; never items, codes or internal ids
    assert finalised.result_grade and finalised.result_grade not in body
    assert str(finalised.result_percent) not in body
    assert "等级" not in body and "综合得分率" not in body and "命名" not in body
    for code in ("1.1", "1.2", "2.1"):
        assert f">{code}" not in body and f"{code} " not in body
    assert f"/{finalised.pk}/" not in body and f"/{publication.pk}/" not in body
    assert finalised.school.code not in body
    assert "总体达标" not in body  # the review's conclusion


def test_chosen_fields_appear(client, world, publication, finalised):
    Publication.objects.filter(pk=publication.pk).update(show_grade=True, show_total=True, show_pass=False)
    finalised.refresh_from_db()
    body = client.get(reverse("inspections:results", args=[publication.token])).content.decode()
    assert finalised.result_grade in body and str(finalised.result_percent) in body
    assert "是否达标" not in body


def test_a_login_only_page_asks_to_sign_in_and_is_closed_to_other_cities(client_for, publication):
    Publication.objects.filter(pk=publication.pk).update(visibility="login")
    url = reverse("inspections:results", args=[publication.token])
    anonymous = client_for("anonymous").get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert client_for("cio").get(url).status_code == 200
    assert client_for("other_commission").get(url).status_code == 404


def test_an_unknown_token_is_404(client, publication):
    assert client.get(reverse("inspections:results", args=["x" + publication.token[1:]])).status_code == 404


def test_the_results_page_keeps_its_query_count(
    client, world, campaign, publication, django_assert_max_num_queries
):
    Publication.objects.filter(pk=publication.pk).update(show_designation=True)
    url = reverse("inspections:results", args=[publication.token])
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role,status", [("commission", 200), ("reviewer", 200), ("cio", 404)])
def test_the_visit_list(client_for, visit, role, status):
    assert client_for(role).get(reverse("inspections:visit-list")).status_code == status
