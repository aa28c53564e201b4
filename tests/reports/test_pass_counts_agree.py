"""The workbook (区县统计 / 各市统计), the dashboard's cards and `campaign_results --json` give the
same number of passing schools per district, on a seeded city of each scoring mode (Zibo: points,
Zhejiang: compliance), and the same designations; the school PDF's cover shows the official
result and the designation."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

from django.core.management import call_command
from django.urls import reverse

from assessments import services
from assessments.models import Designation, School

from .test_numbers_agree import city, client_of, pdf_text, sheet_rows, workbook  # noqa: F401 — `city` is a fixture


def test_pass_counts_agree_per_district(city, tmp_path):  # noqa: F811
    campaign = city["campaign"]
    if not city["is_points"]:
        # the demo's compliance rule (every required item met) passes hardly any school: a new rule
        # version with a minimum 达标指数 decides the finalised schools again, some pass, some fail
        services.rule_save(
            campaign=campaign,
            acting_user=city["commission"],
            pass_rule="min_index",
            pass_min_percent=70,
            reason="按最低达标指数判定",
        )
    out = io.StringIO()
    call_command("campaign_results", campaign=campaign.pk, json=True, stdout=out)
    data = json.loads(out.getvalue())
    names = dict(School.objects.filter(assessments__campaign=campaign).values_list("code", "region__name"))
    counted, passed, named = Counter(), Counter(), Counter()
    for school in data["schools"]:
        district = names[school["school_code"]]
        counted[district] += school["status"] == "finalised"
        passed[district] += bool(school["passed"])
        named[district] += len(school["designations"])
    assert sum(passed.values()) == data["summary"]["passed"] > 0
    assert sum(counted.values()) == data["summary"]["counted"] > sum(passed.values())  # some fail
    if city["is_points"]:
        assert sum(named.values()) > 0  # the demo awarded designations

    # the workbook: the first row of each unit carries its 认定达标 count
    wb = workbook(city)
    rows = sheet_rows(wb[f"{'区县' if city['word'] == '区县' else '各市'}统计"])
    header, body = rows[0], rows[1:]
    column = header.index("认定达标")
    book = {}
    for row in body:
        if row[0] not in book and row[column] is not None:
            book[row[0]] = row[column]
    total = book.pop(next(k for k in book if str(k).startswith("合计")))
    assert total == data["summary"]["passed"]
    assert book == {d: passed[d] for d in book} and set(book) == set(counted)

    # the dashboard: a card per district 「达标 n / N」
    page = client_of(city["commission"]).get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    html = page.content.decode()
    cards = dict(re.findall(r'<div class="fw-semibold"[^>]*>([^<]+)</div>\s*<div>\s*达标 (\d+) / \d+', html))
    assert {k: int(v) for k, v in cards.items() if k in counted} == {d: passed[d] for d in counted}
    assert re.search(rf"达标 {data['summary']['passed']} / {data['summary']['counted']}", html)

    if city["is_points"]:
        # the school PDF's cover: the official result and the awarded designation
        awarded = Designation.objects.filter(campaign=campaign, state="awarded", kind="standard").first()
        assessment = next(a for a in city["assessments"] if a.pk == awarded.assessment_id)
        text = pdf_text(assessment, tmp_path)
        official = city["results"][assessment.pk].official
        assert f"认定结果{official.percent:.1f}%·{official.grade}·通过" in text
        assert "命名淄博市智慧校园" in text
