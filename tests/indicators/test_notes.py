"""Data notes (how the standards were transcribed) are for commission staff, in a collapsed
「数据说明」; school users and reviewers read the standard and its own remarks (备注), no warnings."""

import re

import pytest

from indicators.notes import is_data_note

from .conftest import CODES, fixture_data


def notes(code):
    def walk(nodes):
        for node in nodes:
            yield node
            yield from walk(node.get("children", []))

    return [
        (n["code"], n["note"], n.get("points_inferred", False)) for n in walk(fixture_data(code)["nodes"])
    ]


def test_every_shipped_note_is_classified():
    """Beijing higher education copies its 备注 column (remarks of the standard); every other note of
    the four frameworks explains the transcription."""
    remarks = {
        code: [
            c
            for c, note, inferred in notes(code)
            if note and not is_data_note(note=note, points_inferred=inferred)
        ]
        for code in CODES
    }
    assert remarks["beijing-k12"] == remarks["zibo-k12"] == remarks["zhejiang-k12"] == []
    higher = dict((c, note) for c, note, _i in notes("beijing-higher") if note)
    assert len(remarks["beijing-higher"]) == len(higher) - 1
    assert "10.1" not in remarks["beijing-higher"]  # "原文该部分无二级标题，按一级标题补足层级"
    assert higher["1.1.6"] == "选配" and "1.1.6" in remarks["beijing-higher"]


@pytest.mark.parametrize("role", ["cio", "reviewer"])
def test_schools_and_reviewers_see_no_transcription_work(frameworks, client_for, role):
    html = client_for(role).get("/frameworks/beijing-k12/").content.decode()
    assert "普适性数字终端环境" in html  # the reconstructed name is the standard's name
    for hidden in (
        "推定值",
        "数据说明",
        "原文提取丢失",
        "text-bg-warning",
        frameworks["beijing-k12"].note[:30],
    ):
        assert hidden not in html, hidden
    assert "分值为原文声明值" not in html  # not all of them are: that is the commission's business
    zhejiang = client_for(role).get("/frameworks/zhejiang-k12/").content.decode()
    assert "原文标注(0)" not in zhejiang and "可选" in zhejiang
    # the standard's own remarks stay for everyone
    higher = client_for(role).get("/frameworks/beijing-higher/").content.decode()
    assert "备注：学校可制定校园网弱电机房建设标准。" in higher
    assert "补足层级" not in higher


def test_commission_staff_read_the_data_notes_collapsed(frameworks, client_for):
    html = client_for("commission").get("/frameworks/beijing-k12/").content.decode()
    framework_notes = re.search(
        r'<details class="mt-2 small" data-testid="data-notes">(.*?)</details>', html, re.S
    )
    assert framework_notes and frameworks["beijing-k12"].note[:30] in framework_notes.group(1)
    node_notes = re.findall(r'<details class="small mb-2 data-note" data-testid="node-data-note">', html)
    assert len(node_notes) == sum(1 for _c, note, _i in notes("beijing-k12") if note)
    assert "数据说明" in html and "推定值" in html and "项为推定值" in html
    assert "<details open" not in html  # collapsed
    higher = client_for("commission").get("/frameworks/beijing-higher/").content.decode()
    assert "备注：学校可制定校园网弱电机房建设标准。" in higher and "补足层级" in higher


def test_superusers_without_a_role_read_them_too(frameworks, client):
    from tests.factories import UserFactory

    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    client.force_login(root)
    assert "数据说明" in client.get("/frameworks/zibo-k12/").content.decode()
