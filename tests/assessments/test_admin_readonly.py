"""The admin shows answers and assessments but offers no way around the services: no add, change,
delete, nor a revert from the history page (which simple_history would save on a POST)."""

import pytest
from django.urls import reverse

from assessments.models import Assessment, ItemResponse
from assessments.services import campaign_create, end_of_day, response_update
from tests.factories import UserFactory, small_points_framework


@pytest.fixture
def superuser_client(client, db):
    root = UserFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    return client


@pytest.fixture
def answered(world):
    from django.utils import timezone

    today = timezone.localdate()
    campaign = campaign_create(
        framework=small_points_framework(),
        year=2026,
        title="后台只读测试",
        region=world.city_a,
        self_deadline=end_of_day(today.replace(year=today.year + 1)),
        review_deadline=end_of_day(today.replace(year=today.year + 1)),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    response = campaign.assessments.get().responses.select_related("node", "assessment").get(node__code="1.1")
    return response_update(
        response=response, acting_user=world.users["cio"], version=response.version, self_score="1"
    )


@pytest.mark.parametrize("model", ["itemresponse", "assessment"])
def test_answers_and_assessments_are_read_only_in_the_admin(superuser_client, answered, model):
    obj = answered if model == "itemresponse" else answered.assessment
    change = reverse(f"admin:assessments_{model}_change", args=[obj.pk])
    page = superuser_client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "删除" not in html.split('id="content-main"', 1)[1]
    assert superuser_client.get(reverse(f"admin:assessments_{model}_add")).status_code == 403
    assert superuser_client.post(change, {"self_score": "3", "version": "9"}).status_code == 403
    delete = reverse(f"admin:assessments_{model}_delete", args=[obj.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = superuser_client.get(reverse(f"admin:assessments_{model}_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_no_revert_from_the_history_page(superuser_client, answered):
    first = answered.history.earliest()
    url = reverse("admin:assessments_itemresponse_simple_history", args=[answered.pk, first.history_id])
    page = superuser_client.get(url)
    assert page.status_code == 200 and "恢复" not in page.content.decode().split('id="content-main"', 1)[1]
    refused = superuser_client.post(
        url,
        {"assessment": answered.assessment_id, "node": answered.node_id, "self_score": "", "version": "1"},
    )
    assert refused.status_code == 403
    current = ItemResponse.objects.get(pk=answered.pk)
    assert (current.self_score, current.version) == (answered.self_score, answered.version)
    assert Assessment.objects.get(pk=answered.assessment_id).version == answered.assessment.version
