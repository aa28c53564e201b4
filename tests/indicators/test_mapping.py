"""The correspondence of two versions of a framework: derived from codes and wording, shown old ↔ new
with 新增 / 已删除, edited on a page or imported from Excel by commission staff, with history."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from indicators.mapping import MappingFileError
from indicators.models import FrameworkMapping, MappingMatch, Node, NodeMapping
from indicators.selectors import framework_mapping_view, node_mapping
from indicators.services import framework_mapping_import, framework_mapping_save
from smartcampus.errors import Invalid, Refused
from tests.factories import build_framework, small_points_framework


def next_version(old):
    """v2 of `old`'s code: 1.1 unchanged, 1.2 renamed (same code, other wording), old 2.2
    renumbered as 2.1 (same wording), old 2.1 removed, and a new 2.2."""
    new = build_framework(
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
        code=old.code,
        version=2,
    )
    Node.objects.filter(framework=new, code="1.2").update(name="指标1.2（修订）")
    moved = Node.objects.get(framework=old, code="2.2")
    Node.objects.filter(framework=new, code="2.1").update(name=moved.name, text=moved.text)
    Node.objects.filter(framework=new, code="2.2").update(name="数据治理", text="新增的要求")
    return new


@pytest.fixture
def versions(db):
    old = small_points_framework()
    old.locked_at = timezone.now()
    old.save()
    return old, next_version(old)


def _node(framework, code):
    return Node.objects.get(framework=framework, code=code)


def _codes(old, new, mapping):
    by_id = {n.pk: n.code for n in Node.objects.filter(framework__in=[old, new])}
    return {by_id[o]: by_id[n] for o, n in mapping.items()}


def test_automatic_mapping_across_a_version_change(versions):
    old, new = versions
    assert _codes(old, new, node_mapping(old, new)) == {"1.1": "1.1", "1.2": "1.2", "2.2": "2.1"}
    view = framework_mapping_view(from_framework=old, to_framework=new)
    matches = {r.old.code: (r.new.code if r.new else None, r.match) for r in view.rows}
    assert matches == {
        "1.1": ("1.1", MappingMatch.SAME),
        "1.2": ("1.2", MappingMatch.RENAMED),  # 已改名
        "2.1": (None, ""),  # 已删除
        "2.2": ("2.1", MappingMatch.MOVED),  # renumbered
    }
    assert [n.code for n in view.added] == ["2.2"]  # 新增
    assert not view.stored


def test_same_version_maps_to_itself(versions):
    old, _new = versions
    mapping = node_mapping(old, old)
    assert all(k == v for k, v in mapping.items()) and _node(old, "1.2").pk in mapping


def test_saving_stores_the_mapping_with_history_and_manual_changes(world, versions):
    old, new = versions
    commission = world.users["commission"]
    framework_mapping_save(
        from_framework=old,
        to_framework=new,
        pairs={_node(old, "2.1").pk: _node(new, "2.2").pk, _node(old, "1.2").pk: None},
        acting_user=commission,
    )
    assert _codes(old, new, node_mapping(old, new)) == {"1.1": "1.1", "2.1": "2.2", "2.2": "2.1"}
    row = NodeMapping.objects.get(from_node__code="2.1", mapping__from_framework=old)
    assert row.match == MappingMatch.MANUAL
    assert row.history.first().history_user == commission
    # removing 1.2 again is kept as a deleted row in the history
    assert NodeMapping.history.filter(from_node__code="1.2", history_type="-").count() == 0
    framework_mapping_save(
        from_framework=old, to_framework=new, pairs={_node(old, "1.1").pk: None}, acting_user=commission
    )
    assert NodeMapping.history.filter(from_node__code="1.1", history_type="-").count() == 1
    assert FrameworkMapping.objects.get().updated_by == commission


def test_one_new_item_takes_one_old_item(world, versions):
    old, new = versions
    with pytest.raises(Invalid) as exc:
        framework_mapping_save(
            from_framework=old,
            to_framework=new,
            pairs={_node(old, "2.1").pk: _node(new, "1.1").pk},
            acting_user=world.users["commission"],
        )
    assert "1.1" in exc.value.message
    assert not FrameworkMapping.objects.exists()


@pytest.mark.parametrize("role", ["cio", "reviewer"])
def test_only_commission_staff_change_it(world, versions, role):
    old, new = versions
    with pytest.raises(Refused):
        framework_mapping_save(from_framework=old, to_framework=new, pairs={}, acting_user=world.users[role])


def _xlsx(rows, header=("原编号", "原名称", "新编号", "新名称", "对应方式")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "对应关系"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_excel_import_and_its_errors_name_row_and_column(world, versions):
    old, new = versions
    commission = world.users["commission"]
    with pytest.raises(MappingFileError) as exc:
        framework_mapping_import(
            from_framework=old,
            to_framework=new,
            raw=_xlsx([("2.1", "", "9.9", "", ""), ("7.7", "", "", "", "")]),
            acting_user=commission,
        )
    assert exc.value.problems == [
        "第 2 行“新编号”列：新版本没有条目“9.9”",
        "第 3 行“原编号”列：原版本没有条目“7.7”",
    ]
    with pytest.raises(MappingFileError) as exc:
        framework_mapping_import(
            from_framework=old, to_framework=new, raw=_xlsx([], header=("编号",)), acting_user=commission
        )
    assert "缺少“原编号”列" in exc.value.problems[0]
    assert not FrameworkMapping.objects.exists()
    framework_mapping_import(
        from_framework=old, to_framework=new, raw=_xlsx([("2.1", "", "2.2", "", "")]), acting_user=commission
    )
    assert _codes(old, new, node_mapping(old, new))["2.1"] == "2.2"


def test_page_lists_old_and_new_and_saves(world, versions, client_for, django_assert_max_num_queries):
    old, new = versions
    url = reverse("indicators:framework-mapping", args=[old.code])
    client = client_for("commission")
    with django_assert_max_num_queries(20):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="mapping-row"') == 4 and html.count('data-testid="mapping-added"') == 1
    assert "已改名" in html and "已删除" in html and "新增" in html
    response = client.post(
        url, {"from": 1, "to": 2, f"map-{_node(old, '2.1').pk}": str(_node(new, "2.2").pk)}, follow=True
    )
    assert "对应关系已保存" in response.content.decode()
    assert _codes(old, new, node_mapping(old, new))["2.1"] == "2.2"
    for role in ("cio", "reviewer", "anonymous"):
        assert client_for(role).get(url).status_code in (302, 404)


def test_template_download_round_trips(world, versions, client_for):
    old, new = versions
    client = client_for("commission")
    url = reverse("indicators:framework-mapping-template", args=[old.code]) + "?from=1&to=2"
    response = client.get(url)
    rows = list(load_workbook(io.BytesIO(response.content))["对应关系"].iter_rows(values_only=True))
    assert rows[0] == ("原编号", "原名称", "新编号", "新名称", "对应方式")
    assert [(r[0], r[2]) for r in rows[1:]] == [("1.1", "1.1"), ("1.2", "1.2"), ("2.1", None), ("2.2", "2.1")]
    upload = io.BytesIO(_xlsx([("2.1", "", "2.2", "", "")]))
    upload.name = "mapping.xlsx"
    bad = io.BytesIO(_xlsx([("2.1", "", "9.9", "", "")]))
    bad.name = "bad.xlsx"
    import_url = reverse("indicators:framework-mapping-import", args=[old.code])
    refused = client.post(import_url, {"from": 1, "to": 2, "file": bad})
    assert refused.status_code == 400 and "第 2 行“新编号”列" in refused.content.decode()
    assert client.post(import_url, {"from": 1, "to": 2, "file": upload}).status_code == 302
    assert _codes(old, new, node_mapping(old, new))["2.1"] == "2.2"
