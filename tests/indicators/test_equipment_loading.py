"""Equipment catalogues: loading, the equipment_catalog command, validation, admin."""

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.equipment.catalog import CatalogError, catalog_from_dict, catalog_report
from indicators.models import EquipmentCatalog, EquipmentDevice
from indicators.services import EquipmentCatalogError, LoadAction, equipment_catalog_load

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "equipment" / "beijing-k12-appendix-b.json"
CODE = "beijing-k12-appendix-b"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def load(data: dict):
    return equipment_catalog_load(spec=catalog_from_dict(data))


@pytest.fixture
def catalog(db) -> EquipmentCatalog:
    return load(fixture()).catalog


def test_load_frameworks_loads_the_catalogue_once(db):
    first = run("load_frameworks")
    assert f"{CODE}: 已创建" in first and "设备 42 行" in first
    devices = dict(EquipmentDevice.objects.values_list("code", "pk"))
    assert len(devices) == 42
    stamp = EquipmentCatalog.objects.get().updated_at
    second = run("load_frameworks")
    assert f"{CODE}: 未变化" in second
    assert dict(EquipmentDevice.objects.values_list("code", "pk")) == devices
    assert EquipmentCatalog.objects.get().updated_at == stamp


def test_changed_data_updates_devices_in_place(catalog):
    pks = dict(catalog.devices.values_list("code", "pk"))
    data = fixture()
    data["devices"][12]["specs"][0]["value"] = 86
    data["devices"].pop()  # 物联网关
    result = load(data)
    assert result.action == LoadAction.REPLACED
    panel = EquipmentDevice.objects.get(code="interactive-panel")
    assert panel.pk == pks["interactive-panel"] and panel.specs[0]["value"] == 86
    assert not EquipmentDevice.objects.filter(code="iot-gateway").exists()
    assert catalog.devices.count() == 41
    assert load(data).action == LoadAction.UNCHANGED


def test_reordered_rows_keep_their_identity(catalog):
    pks = dict(catalog.devices.values_list("code", "pk"))
    data = fixture()
    data["devices"][0], data["devices"][1] = data["devices"][1], data["devices"][0]
    data["devices"][0]["order"], data["devices"][1]["order"] = 1, 2
    load(data)
    first = EquipmentDevice.objects.get(catalog=catalog, order=1)
    assert first.code == "smart-blackboard" and first.pk == pks["smart-blackboard"]


def test_command_json_has_the_documented_shape(catalog):
    out = json.loads(run("equipment_catalog", "--json"))
    assert set(out) == {"source", "devices"}
    assert "附录 B" in out["source"] and "001_179c78e75d3b2cfe.txt" in out["source"]
    keys = ["order", "category", "name", "requirement", "rule", "group", "scene", "specs", "inferred", "note"]
    assert all(list(d) == keys for d in out["devices"])
    assert all(list(s) == ["what", "op", "value", "unit"] for d in out["devices"] for s in d["specs"])
    first = out["devices"][0]
    assert first["order"] == 1 and first["category"] == "书写板" and first["name"] == "绿板或白板"
    assert first["rule"] == "choose_one" and first["group"] == "writing-board"
    assert first["inferred"] is False and first["note"] == ""
    lectern = out["devices"][7]
    assert lectern["rule"] == "as_needed" and lectern["group"] is None
    panel = out["devices"][12]
    assert panel["specs"][0] == {"what": "屏幕尺寸", "op": ">=", "value": 80, "unit": "英寸"}
    assert isinstance(panel["specs"][0]["value"], int)
    assert {d["rule"] for d in out["devices"]} == {"choose_one", "choose_one_of_two", "required", "as_needed"}
    assert [d["order"] for d in out["devices"]] == list(range(1, 43))


def test_command_json_reproduces_the_fixture(catalog):
    out = json.loads(run("equipment_catalog", CODE, "--json"))
    expected = [{k: v for k, v in d.items() if k != "code"} for d in fixture()["devices"]]
    for device in expected:
        device["specs"] = [{k: s[k] for k in ("what", "op", "value", "unit")} for s in device["specs"]]
    assert out["devices"] == expected


def test_command_prints_a_readable_table(catalog):
    text = run("equipment_catalog")
    assert text.startswith("北京市中小学智慧教室建设规范 · 设施设备配置参考")
    assert "【显示设备】" in text and text.count("【显示设备】") == 2
    assert "13. 交互式触控一体机  二选一［display］" in text
    assert "参数：屏幕尺寸 ≥ 80 英寸；分辨率 ≥ 3840×2160 像素；显示比例 = 16:9；触控点数 ≥ 10 点" in text
    assert "灵敏度 > -50 ± 3 dB" in text


def test_command_without_a_catalogue_says_what_to_do(db):
    with pytest.raises(CommandError, match="load_frameworks"):
        run("equipment_catalog", "--json")
    with pytest.raises(CommandError, match="nope"):
        run("equipment_catalog", "nope")


def test_validate_frameworks_reports_the_catalogue(catalog):
    text = run("validate_frameworks", CODE)
    assert "设备配置目录 beijing-k12-appendix-b" in text
    assert "设备 42 行，分类 16 段（13 类）；配置要求：必配 2，多选一 7，二选一 4，按需配置 29" in text
    assert "display（二选一：交互式触控一体机、电子白板+投影机）" in text
    assert "参数 18 项（14 种设备）" in text
    assert "推定值（32）" in text and "22 高清实物展台：应用场景为空" in text
    assert "设备配置目录校验通过" in text


def test_validate_fixture_files_includes_the_catalogue(db):
    text = run("validate_frameworks", "--fixtures")
    assert "设备配置目录 beijing-k12-appendix-b.json" in text and "设备配置目录校验通过" in text


def test_validate_fails_on_a_broken_stored_catalogue(catalog):
    EquipmentDevice.objects.filter(code="electric-curtain").update(rule="choose_one")
    with pytest.raises(CommandError, match="设备配置目录有错误"):
        run("validate_frameworks", CODE)


def broken(change) -> list[str]:
    data = copy.deepcopy(fixture())
    change(data["devices"])
    return [str(p) for p in catalog_report(catalog_from_dict(data)).errors]


def by_name(devices, name) -> dict:
    return next(d for d in devices if d["name"] == name)


def test_validator_catches_a_group_of_one():
    def change(devices):
        by_name(devices, "电动窗帘").update(rule="as_needed", group=None)

    assert any("只有 1 台设备" in p for p in broken(change))


def test_validator_catches_a_choose_one_of_two_group_of_three():
    def change(devices):
        by_name(devices, "扩展显示屏").update(rule="choose_one_of_two", group="display")

    assert any("二选一的组应恰好有 2 台设备，实有 3 台" in p for p in broken(change))


def test_validator_catches_mixed_rules_in_a_group():
    def change(devices):
        by_name(devices, "书写屏幕")["rule"] = "choose_one_of_two"

    assert any("选择组 writing-board：组内设备的配置要求不一致" in p for p in broken(change))


def test_validator_catches_rules_outside_the_vocabulary_and_groups_on_other_rules():
    def change(devices):
        by_name(devices, "路由器")["rule"] = "必配"
        by_name(devices, "交换机")["group"] = "network"
        by_name(devices, "台式机")["rule"] = "choose_one"

    problems = broken(change)
    assert any("15 路由器：配置要求“必配”无效" in p for p in problems)
    assert any("16 交换机：必配的设备不能属于选择组" in p for p in problems)
    assert any("11 台式机：多选一的设备必须属于一个选择组" in p for p in problems)


def test_validator_catches_orders_and_duplicate_codes():
    def change(devices):
        by_name(devices, "智能窗帘")["order"] = 99
        by_name(devices, "灯光控制器")["code"] = "environment-monitor"

    problems = broken(change)
    assert any("99 智能窗帘：序号应为 36" in p for p in problems)
    assert any("设备代码 environment-monitor 重复" in p for p in problems)


def test_malformed_specs_cannot_be_read(db, tmp_path):
    data = fixture()
    by_name(data["devices"], "功率放大器")["specs"] = [
        {"what": "功率", "op": "≥", "value": "50", "unit": "W"}
    ]
    with pytest.raises(CatalogError) as error:
        catalog_from_dict(data)
    assert "第 20 个设备（功率放大器）：第 1 项参数的 op“≥”无效" in str(error.value)
    assert "value 应为数字或两个数的数对" in str(error.value)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_frameworks", str(path))
    assert not EquipmentCatalog.objects.exists()


def test_loader_refuses_a_broken_catalogue_and_changes_nothing(catalog, tmp_path):
    data = fixture()
    by_name(data["devices"], "电动窗帘").update(rule="as_needed", group=None)
    data["devices"][0]["name"] = "改过的名字"
    with pytest.raises(EquipmentCatalogError):
        load(data)
    assert EquipmentDevice.objects.get(code="chalk-or-whiteboard").name == "绿板或白板"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_frameworks", str(path))


def test_loader_reads_a_catalogue_file_given_by_path(db):
    assert "已创建" in run("load_frameworks", str(FIXTURE))
    assert EquipmentDevice.objects.count() == 42


def test_admin_shows_the_catalogue_read_only(catalog, admin_client):
    response = admin_client.get(f"/admin/indicators/equipmentcatalog/{catalog.pk}/change/")
    assert response.status_code == 200
    assert "交互式触控一体机" in response.content.decode()
    assert admin_client.get("/admin/indicators/equipmentdevice/").status_code == 200
    assert admin_client.get("/admin/indicators/equipmentcatalog/add/").status_code == 403
    device = catalog.devices.get(code="router")
    assert admin_client.post(f"/admin/indicators/equipmentdevice/{device.pk}/change/", {}).status_code == 403
