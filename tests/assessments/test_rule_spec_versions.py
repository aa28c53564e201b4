"""A process keeps the specs of a framework's rules by the framework's `content_version`, which every
write of its rules (or of the nodes they name) changes in the same transaction, and builds the fact
catalogue's specs once per distinct content (its rows are read on every call). Every write path must
show on the next request, also in a process that kept the specs of before (simulated by putting
its cache back as it was before the write)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from indicators import selectors
from indicators.models import Framework, Rule
from indicators.rules import RULE_KEYS, rules_from_dict
from indicators.selectors import fact_catalogue, rule_specs
from indicators.services import fact_catalogue_load, framework_load, rule_set_load, rules_import
from indicators.trees import spec_from_dict

from ..factories import UserFactory
from .facts_support import RULES, answer_all, load_catalogue, ruled_campaign
from .test_facts_pages import record


@pytest.fixture
def assessment(world):
    campaign = ruled_campaign(world)
    a = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    record(a, world.users["cio"], uplink_mbps="500")
    answer_all(a, world.users["cio"])
    return a


def kept():
    """The specs this process keeps now: what another process still has after a write here."""
    return dict(selectors._RULE_SPECS.items), dict(selectors._CATALOGUES.items)


def elsewhere(state) -> None:
    """Continue as a process that kept `state` and did not make the write since."""
    rules, catalogues = state
    selectors.specs_changed()
    for key, value in rules.items():
        selectors._RULE_SPECS.put(key, value)
    for key, value in catalogues.items():
        selectors._CATALOGUES.put(key, value)


def item_page(client, assessment, code="1.1") -> str:
    return client.get(reverse("assessments:assessment-item", args=[assessment.pk, code])).content.decode()


def changed_rules(message: str) -> list:
    return [replace(r, message=message) if r.code == "gigabit" else r for r in RULES]


def rule_file(framework, message: str) -> bytes:
    """The rules of `changed_rules(message)` as a rule file (JSON, the fixtures' format)."""
    rules = [
        {**{k: getattr(r, k) for k in RULE_KEYS}, "values": dict(r.values)} for r in changed_rules(message)
    ]
    return json.dumps({"framework": framework.code, "rules": rules}, ensure_ascii=False).encode()


def test_rules_are_read_once_per_version_and_callers_get_their_own_list(assessment):
    framework = Framework.objects.get(pk=assessment.campaign.framework_id)
    first = rule_specs(framework=framework)
    with CaptureQueriesContext(connection) as queries:
        second = rule_specs(framework=framework)
    assert len(queries) == 0 and second == first and second is not first
    second.clear()
    assert rule_specs(framework=framework) == first
    assert rule_specs(framework=framework, fresh=True) == first


def test_a_rule_set_loaded_shows_on_the_next_request_of_every_process(world, assessment, client_for):
    client = client_for("cio")
    assert "出口带宽 500 Mbps（千兆 = 1000 Mbps）" in item_page(client, assessment)
    before = kept()
    framework = Framework.objects.get(pk=assessment.campaign.framework_id)
    version = framework.content_version
    rule_set_load(framework=framework, specs=changed_rules("上行带宽仅 {uplink_mbps} Mbps"))
    assert "上行带宽仅 500 Mbps" in item_page(client, assessment)  # this process
    elsewhere(before)
    html = item_page(client, assessment)
    assert "上行带宽仅 500 Mbps" in html and "出口带宽 500 Mbps" not in html
    assert Framework.objects.get(pk=framework.pk).content_version != version


def test_an_unchanged_rule_set_keeps_the_version(assessment):
    framework = Framework.objects.get(pk=assessment.campaign.framework_id)
    version = framework.content_version
    assert not rule_set_load(framework=framework, specs=RULES).changed
    assert Framework.objects.get(pk=framework.pk).content_version == version


def test_a_rule_workbook_imported_in_the_admin_shows_on_the_next_request(
    world, assessment, client_for, client
):
    page = client_for("cio")
    assert "出口带宽 500 Mbps" in item_page(page, assessment)
    before = kept()
    framework = assessment.campaign.framework
    admin = UserFactory(username="rules-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    upload = rule_file(framework, "带宽 {uplink_mbps}，不足千兆")
    response = client.post(
        reverse("admin:indicators_rule_import"),
        {"framework": framework.pk, "file": SimpleUploadedFile("rules.json", upload)},
    )
    assert response.status_code == 302
    elsewhere(before)
    assert "带宽 500，不足千兆" in item_page(page, assessment)


def test_rules_imported_through_the_service_show_in_every_process(assessment):
    framework = Framework.objects.get(pk=assessment.campaign.framework_id)
    rule_specs(framework=framework)
    before = kept()
    rules_import(framework=framework, raw=rule_file(framework, "改过 {uplink_mbps}"), filename="rules.json")
    elsewhere(before)
    fresh = Framework.objects.get(pk=framework.pk)
    assert {s.code: s.message for s in rule_specs(framework=fresh)}["gigabit"] == "改过 {uplink_mbps}"


def test_a_framework_rewritten_in_place_drops_its_rules_in_every_process(world):
    fixtures = Path(settings.BASE_DIR) / "fixtures"
    load_catalogue()
    spec = spec_from_dict(json.loads((fixtures / "frameworks" / "zibo-k12.json").read_text("utf-8")))
    framework = framework_load(spec=spec).framework  # not used by a campaign: unlocked
    rules = rules_from_dict(json.loads((fixtures / "rules" / "zibo-k12.json").read_text("utf-8")))[1]
    rule_set_load(framework=framework, specs=rules)
    assert len(rule_specs(framework=framework)) == len(rules) > 0
    before = kept()
    result = framework_load(spec=replace(spec, name=spec.name + "（修订）"))
    assert result.framework.pk == framework.pk and not Rule.objects.filter(framework=framework).exists()
    elsewhere(before)
    assert rule_specs(framework=Framework.objects.get(pk=framework.pk)) == []
    assert rule_specs(framework=result.framework) == []


def test_saving_an_instance_read_before_a_change_keeps_the_new_version(assessment):
    stale = Framework.objects.get(pk=assessment.campaign.framework_id)
    rule_set_load(framework=Framework.objects.get(pk=stale.pk), specs=changed_rules("新 {uplink_mbps}"))
    current = Framework.objects.get(pk=stale.pk).content_version
    stale.note = "说明改过"
    stale.save()
    saved = Framework.objects.get(pk=stale.pk)
    assert saved.note == "说明改过" and saved.content_version == current != stale.content_version


def test_a_catalogue_change_shows_on_the_next_request_of_every_process(world, assessment, client_for):
    client = client_for("cio")
    assert "缺少在校学生数（人）" in item_page(client, assessment, "2.1")
    before = kept()
    catalogue = fact_catalogue()
    specs = [replace(s, label="在籍学生数") if s.code == "students" else s for s in catalogue.values()]
    fact_catalogue_load(specs=specs)
    elsewhere(before)
    assert "缺少在籍学生数（人）" in item_page(client, assessment, "2.1")
