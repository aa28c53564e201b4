"""The reports side of rectification: the 整改通知书 made when the list is confirmed (and on the
reviewer's request), downloaded by the school; the workbook's 「整改台账」 (the same rows as the
`rectification_ledger` command); the school PDF's appendix 「整改事项」."""

# ruff: noqa: F811 — the rectification fixtures are imported by name and requested as arguments

from __future__ import annotations

import datetime
import io
import json
import subprocess

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Notification
from rectification import services as rectification_services
from rectification.models import RectificationItem
from reports.models import JobKind, JobStatus, ReportJob
from reports.school_report import school_report_pdf
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW
from tests.rectification.conftest import campaign, finalised  # noqa: F401 — fixtures

from .test_pdf import ARTIFACTS, needs_poppler


def _proposal_items(assessment) -> list[dict]:
    from rectification import selectors

    return [
        {
            "node": p.node_id,
            "source": p.source,
            "problem": p.problem,
            "action": p.action,
            "due_date": p.due_date,
        }
        for p in selectors.assessment_rectification_proposal(assessment=assessment)
    ]


def _confirm(world, assessment, items=None):
    return rectification_services.rectification_confirm(
        assessment=assessment,
        acting_user=world.users["reviewer"],
        items=_proposal_items(assessment) if items is None else items,
    )


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    # -raw: the content stream's order, so a table cell's wrapped lines stay together
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- the 整改通知书 ---------------------------------------------------------------------------------


@needs_poppler
def test_confirming_the_list_makes_the_notice_and_the_school_downloads_it(
    world, finalised, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        items = _confirm(world, finalised)
    assert len(items) == 1 and callbacks  # the job is sent once the confirmation commits
    job = ReportJob.objects.get(kind=JobKind.RECTIFICATION_NOTICE)
    assert job.assessment_id == finalised.pk and job.requested_by == world.users["reviewer"]
    assert job.status == JobStatus.DONE and job.result_name.endswith("整改通知书.pdf")

    url = reverse("reports:rectification-notice", args=[finalised.pk])
    notice = Notification.objects.get(user=world.users["cio"], url=url)
    assert notice.kind == Notification.Kind.RECTIFICATION and "整改通知书" in notice.title

    cio = client_for("cio")
    with django_assert_max_num_queries(8):
        response = cio.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text = _text(pdf, tmp_path)
    flat = text.replace("\n", "").replace(" ", "")
    item = items[0]
    assert "整改通知书" in flat and world.school_a1.name in flat and finalised.campaign.title in flat
    assert "1.2" in flat and item.problem.replace(" ", "") in flat
    assert item.action.replace(" ", "") in flat and f"{item.due_date:%Y-%m-%d}" in flat
    assert "评审组（签字）" in flat and "日期" in flat and "盖章" in flat

    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto" in line and "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)  # the CJK font is embedded
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(ARTIFACTS / "rectification-notice"),
        ],
        check=True,
    )

    for role in ("other_cio", "other_reviewer", "other_commission", "anonymous"):
        assert client_for(role).get(url).status_code in (404, 302), role
    assert client_for("other_cio").get(url).status_code == 404
    for role in ("reviewer", "commission"):
        assert client_for(role).get(url).status_code == 200, role


def test_an_empty_list_makes_no_notice_and_a_failed_confirmation_queues_nothing(world, finalised):
    assert _confirm(world, finalised, items=[]) == []
    assert not ReportJob.objects.filter(kind=JobKind.RECTIFICATION_NOTICE).exists()


def test_the_notice_row_is_written_with_the_confirmation(world, finalised, monkeypatch):
    """A confirmation that fails after the signal rolls the queued notice back with it."""
    from reports import services as report_services

    def boom(**kwargs):
        raise RuntimeError("queue write failed")

    monkeypatch.setattr(report_services, "rectification_notice_queue", boom)
    try:
        _confirm(world, finalised)
    except RuntimeError:
        pass
    assert not RectificationItem.objects.filter(assessment=finalised).exists()
    assert not ReportJob.objects.exists()


def test_the_reviewer_requests_the_notice_again_and_others_cannot(
    world, finalised, client_for, django_capture_on_commit_callbacks
):
    data = {"kind": "rectification_notice", "assessment": finalised.pk}
    request_url = reverse("reports:job-request")
    # before the list is confirmed there is nothing to notify: a conflict
    assert client_for("reviewer").post(request_url, data).status_code == 409
    _confirm(world, finalised)
    ReportJob.objects.all().delete()
    for role in ("cio", "commission", "other_reviewer", "other_cio"):
        assert client_for(role).post(request_url, data).status_code == 404, role
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("reviewer").post(request_url, data)
    assert response.status_code == 302
    job = ReportJob.objects.get(kind=JobKind.RECTIFICATION_NOTICE)
    assert job.status == JobStatus.DONE and default_storage.open(job.result.name).read(5) == b"%PDF-"
    # the reviewer follows it in their jobs; the assessment page offers it to the school
    assert client_for("reviewer").get(reverse("reports:job-detail", args=[job.pk])).status_code == 200
    page = client_for("cio").get(reverse("assessments:assessment-detail", args=[finalised.pk]))
    assert reverse("reports:rectification-notice", args=[finalised.pk]) in page.content.decode()


def test_no_notice_is_a_404_for_everyone(world, finalised, client_for):
    url = reverse("reports:rectification-notice", args=[finalised.pk])
    assert client_for("cio").get(url).status_code == 404


# --- the workbook's 「整改台账」 ----------------------------------------------------------------------


def _several_states(world, finalised):
    """1.2 (adjusted down) confirmed, plus 2.1 and 2.2 added by the reviewer; 2.1 moved on to
    整改中, 2.2 verified, and 1.2 made overdue (test data)."""
    nodes = {r.node.code: r.node for r in finalised.responses.select_related("node")}
    due = timezone.localdate() + datetime.timedelta(days=30)
    extra = [
        {
            "node": nodes[c].pk,
            "source": "onsite",
            "problem": f"{c}现场核验发现问题",
            "action": "补齐",
            "due_date": due,
        }
        for c in ("2.1", "2.2")
    ]
    items = {i.node.code: i for i in _confirm(world, finalised, items=_proposal_items(finalised) + extra)}
    cio, reviewer = world.users["cio"], world.users["reviewer"]
    for code in ("2.1", "2.2"):
        item = rectification_services.rectification_plan_submit(
            item=items[code], acting_user=cio, version=1, plan="方案", responsible="王老师"
        )
        item = rectification_services.rectification_plan_approve(item=item, acting_user=reviewer, version=2)
        items[code] = item
    item = rectification_services.rectification_complete(
        item=items["2.2"], acting_user=cio, version=3, report="已完成"
    )
    rectification_services.rectification_verify(item=item, acting_user=reviewer, version=4)
    RectificationItem.objects.filter(pk=items["1.2"].pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )


def test_workbook_sheet_rows_are_the_ledger_commands_items(world, finalised):
    _several_states(world, finalised)
    campaign = finalised.campaign
    out = io.BytesIO()
    city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "整改台账"
    ws = wb["整改台账"]
    rows = [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    header, data = rows[0], rows[1:-1]
    assert header == [
        "区县", "学校标识码", "学校名称", "指标编号", "指标名称", "来源", "状态", "整改期限", "逾期",
        "验收日期", "最近变更",
    ]  # fmt: skip
    assert ws.freeze_panes == "D3"

    stdout = io.StringIO()
    call_command("rectification_ledger", campaign=campaign.pk, json=True, stdout=stdout)
    ledger = json.loads(stdout.getvalue())
    from rectification.models import RectificationSource, RectificationState

    expected = [
        [
            i["school_code"],
            i["node"],
            str(RectificationSource(i["source"]).label),
            str(RectificationState(i["state"]).label),
            i["due_date"],
            "是" if i["overdue"] else "否",
        ]
        for i in ledger["items"]
    ]
    assert [[r[1], r[3], r[5], r[6], r[7], r[8]] for r in data] == expected
    assert len(data) == ledger["summary"]["total"] == 3
    by_node = {r[3]: r for r in data}
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert by_node["2.2"][6] == "已验收" and by_node["2.2"][9] == today
    assert by_node["1.2"][8] == "是" and by_node["1.2"][9] is None
    assert all(r[2] == world.school_a1.name and r[0] == "甲一区" and r[10] for r in data)
    s = ledger["summary"]
    assert rows[-1][0] == "合计" and rows[-1][2] == (
        f"共 {s['total']} 项：未办结 {s['open']}，逾期 {s['overdue']}，"
        f"已验收 {s['verified']}，免于整改 {s['waived']}"
    )
    assert (s["open"], s["overdue"], s["verified"]) == (2, 1, 1)


def test_no_sheet_without_rectification_items(world, finalised):
    out = io.BytesIO()
    city_workbook_write(campaign=finalised.campaign, region=finalised.campaign.region, out=out)
    out.seek(0)
    assert "整改台账" not in load_workbook(out).sheetnames


# --- the school PDF's appendix ---------------------------------------------------------------------


@needs_poppler
def test_school_pdf_lists_the_rectification_items_in_an_appendix(world, finalised, tmp_path):
    assert "整改事项" not in _text(school_report_pdf(assessment=finalised), tmp_path).replace(" ", "")
    _several_states(world, finalised)
    pdf = school_report_pdf(assessment=finalised)
    text = _text(pdf, tmp_path)
    flat = text.replace(" ", "").replace("\u3000", "").replace("\n", "")
    assert "附录整改事项" in flat
    appendix = flat.split("附录整改事项")[-1]
    for item in RectificationItem.objects.filter(assessment=finalised).select_related("node"):
        assert item.node.code in appendix and item.get_state_display() in appendix
        assert f"{item.due_date:%Y-%m-%d}" in appendix
    assert "已逾期" in appendix and "已验收" in appendix
    path = tmp_path / "school.pdf"
    path.write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    last = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            str(last),
            "-l",
            str(last),
            str(path),
            str(ARTIFACTS / "school-report-rectification"),
        ],
        check=True,
    )
