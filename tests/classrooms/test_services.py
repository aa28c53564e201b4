"""Writes of the classroom inventory: who may change it, versions, the stored check, history."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.scoping import Action, get_scope
from classrooms import services
from classrooms.models import CheckStatus, Classroom, ClassroomDevice, ClassroomEvidence, ClassroomKind
from evidence.services import evidence_file_delete, evidence_upload
from indicators.equipment.catalog import catalog_from_dict
from indicators.services import equipment_catalog_load
from smartcampus.errors import Conflict, ErrorKind, Invalid, Refused
from tests.samples import image_bytes

from .conftest import BASICS, COMPLETE, NETWORK, PANEL, catalogue_data

pytestmark = pytest.mark.django_db


def test_a_complete_classroom_meets_the_configuration(make_classroom):
    classroom = make_classroom(rows=COMPLETE)
    assert classroom.status == CheckStatus.MET
    assert classroom.interactive and classroom.networked


def test_without_a_display_device_the_two_of_choice_fails(make_classroom):
    classroom = make_classroom(rows=[*BASICS, *NETWORK])
    assert classroom.status == CheckStatus.NOT_MET
    assert not classroom.interactive
    assert classroom.networked


def test_a_missing_measurement_leaves_the_classroom_unverified(make_classroom):
    classroom = make_classroom(rows=[*BASICS, ("interactive-panel", 1, {"屏幕尺寸": "86"}), *NETWORK])
    assert classroom.status == CheckStatus.UNVERIFIED


def test_every_device_change_checks_the_classroom_again(make_classroom, devices, world):
    cio = world.users["cio"]
    classroom = make_classroom(rows=[*BASICS, *NETWORK])
    panel = services.classroom_device_add(
        classroom=classroom, device=devices["interactive-panel"], measured=PANEL[2], acting_user=cio
    )
    classroom.refresh_from_db()
    assert classroom.status == CheckStatus.MET

    panel = services.classroom_device_update(
        installed=panel, version=panel.version, measured={**PANEL[2], "屏幕尺寸": "75 英寸"}, acting_user=cio
    )
    assert panel.measured["屏幕尺寸"] == 75
    classroom.refresh_from_db()
    assert classroom.status == CheckStatus.NOT_MET

    services.classroom_device_remove(installed=panel, acting_user=cio)
    classroom.refresh_from_db()
    assert classroom.status == CheckStatus.NOT_MET and not classroom.interactive


def test_measurements_are_stored_parsed(make_classroom):
    classroom = make_classroom(rows=[PANEL])
    row = classroom.devices.get()
    assert row.measured == {"屏幕尺寸": 86, "分辨率": [3840, 2160], "显示比例": [16, 9], "触控点数": 20}


def test_an_unreadable_measurement_is_refused_naming_the_spec(make_classroom, devices, world):
    classroom = make_classroom()
    with pytest.raises(Invalid) as caught:
        services.classroom_device_add(
            classroom=classroom,
            device=devices["interactive-panel"],
            measured={"屏幕尺寸": "很大", "投影机照度": "3000"},
            acting_user=world.users["cio"],
        )
    fields = caught.value.fields
    assert "屏幕尺寸" in fields["measured.屏幕尺寸"][0]
    assert "不是设备“交互式触控一体机”的参数" in fields["measured.投影机照度"][0]
    assert not classroom.devices.exists()


@pytest.mark.parametrize("role", ["reviewer", "commission", "other_cio"])
def test_only_the_schools_cio_changes_its_inventory(make_classroom, devices, world, role):
    classroom = make_classroom(rows=COMPLETE)
    user = world.users[role]
    attempts = [
        lambda: services.classroom_create(school=world.school_a1, name="新", kind="smart", acting_user=user),
        lambda: services.classroom_update(classroom=classroom, version=1, name="改名", acting_user=user),
        lambda: services.classroom_delete(classroom=classroom, acting_user=user),
        lambda: services.classroom_device_add(
            classroom=classroom, device=devices["laptop"], acting_user=user
        ),
        lambda: services.classroom_device_remove(installed=classroom.devices.first(), acting_user=user),
    ]
    for attempt in attempts:
        with pytest.raises(Refused) as caught:
            attempt()
        assert caught.value.kind is ErrorKind.REFUSED and caught.value.code == "not_cio"
    classroom.refresh_from_db()
    assert (classroom.name, classroom.version, classroom.devices.count()) == (
        "301 智慧教室",
        1,
        len(COMPLETE),
    )


def test_a_stale_version_is_a_conflict_carrying_the_current_row(make_classroom, world):
    cio = world.users["cio"]
    classroom = make_classroom()
    services.classroom_update(classroom=classroom, version=1, seats=40, acting_user=cio)
    with pytest.raises(Conflict) as caught:
        services.classroom_update(classroom=classroom, version=1, seats=50, acting_user=cio)
    assert caught.value.current.seats == 40 and caught.value.current.version == 2
    classroom.refresh_from_db()
    assert classroom.seats == 40


def test_a_stale_device_version_is_a_conflict(make_classroom, world):
    cio = world.users["cio"]
    row = make_classroom(rows=[PANEL]).devices.get()
    services.classroom_device_update(installed=row, version=1, count=2, acting_user=cio)
    with pytest.raises(Conflict):
        services.classroom_device_update(installed=row, version=1, count=3, acting_user=cio)
    assert ClassroomDevice.objects.get(pk=row.pk).count == 2


def test_names_are_unique_per_school(make_classroom, world):
    make_classroom("301")
    with pytest.raises(Invalid) as caught:
        services.classroom_create(
            school=world.school_a1, name=" 301 ", kind="smart", acting_user=world.users["cio"]
        )
    assert caught.value.fields == {"name": ["本校已有同名教室。"]}
    # another school may use the same name
    services.classroom_create(
        school=world.school_a2, name="301", kind="smart", acting_user=world.users["other_cio"]
    )


def test_history_records_who_changed_what(make_classroom, world):
    cio = world.users["cio"]
    classroom = make_classroom(rows=[PANEL])
    services.classroom_update(classroom=classroom, version=1, kind=ClassroomKind.RECORDING, acting_user=cio)
    services.classroom_delete(classroom=classroom, acting_user=cio)
    kinds = list(
        Classroom.history.filter(id=classroom.pk).order_by("history_id").values_list("history_type", "kind")
    )
    assert kinds[0] == ("+", "smart") and kinds[-1] == ("-", "recording")
    assert set(
        Classroom.history.filter(id=classroom.pk).values_list("history_user__username", flat=True)
    ) == {"cio"}
    device_history = ClassroomDevice.history.filter(classroom_id=classroom.pk).order_by("history_id")
    assert [h.history_type for h in device_history] == ["+", "-"]
    assert device_history.last().history_user == cio


def test_library_files_attach_to_a_classroom(make_classroom, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cio = world.users["cio"]
    classroom = make_classroom()
    photo = SimpleUploadedFile("教室照片.png", image_bytes("PNG"), content_type="image/png")
    evidence_file = evidence_upload(
        school=world.school_a1, uploaded_file=photo, acting_user=cio
    ).evidence_file
    assert services.classroom_evidence_attach(
        classroom=classroom, evidence_file=evidence_file, acting_user=cio
    )
    assert not services.classroom_evidence_attach(
        classroom=classroom, evidence_file=evidence_file, acting_user=cio
    )
    services.classroom_evidence_detach(classroom=classroom, evidence_file=evidence_file, acting_user=cio)
    assert not ClassroomEvidence.objects.exists()
    assert [h.history_type for h in ClassroomEvidence.history.order_by("history_id")] == ["+", "-"]

    # deleting the file from the library takes its attachments with it
    services.classroom_evidence_attach(classroom=classroom, evidence_file=evidence_file, acting_user=cio)
    evidence_file_delete(evidence_file=evidence_file, acting_user=cio)
    assert not ClassroomEvidence.objects.exists()


def test_a_file_of_another_school_is_refused(make_classroom, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    classroom = make_classroom()
    photo = SimpleUploadedFile("别校.png", image_bytes("PNG"), content_type="image/png")
    other = evidence_upload(
        school=world.school_a2, uploaded_file=photo, acting_user=world.users["other_cio"]
    ).evidence_file
    with pytest.raises(Invalid) as caught:
        services.classroom_evidence_attach(
            classroom=classroom, evidence_file=other, acting_user=world.users["cio"]
        )
    assert caught.value.code == "other_school"


def test_a_catalogue_reload_with_changed_specs_checks_every_classroom_again(
    make_classroom, django_capture_on_commit_callbacks
):
    classroom = make_classroom(rows=COMPLETE)
    data = catalogue_data()
    panel = next(d for d in data["devices"] if d["code"] == "interactive-panel")
    panel["specs"][0]["value"] = 98  # 屏幕尺寸 ≥ 98 英寸: the 86-inch panel no longer meets it
    with django_capture_on_commit_callbacks(execute=True):
        equipment_catalog_load(spec=catalog_from_dict(data))
    classroom.refresh_from_db()
    assert classroom.status == CheckStatus.NOT_MET


def test_scope_rules_reach_classrooms_through_their_school(make_classroom, world):
    classroom = make_classroom(rows=[PANEL])
    row = classroom.devices.get()
    for role, view, edit in [
        ("cio", True, True),
        ("reviewer", True, False),
        ("commission", True, False),
        ("other_cio", False, False),
        ("other_reviewer", False, False),
        ("other_commission", False, False),
    ]:
        scope = get_scope(world.users[role])
        assert scope.can(Action.VIEW, classroom) is view, role
        assert scope.can(Action.EDIT, row) is edit, role
        assert scope.can(Action.MANAGE, classroom) is False


def test_recheck_command_repairs_a_stored_status(make_classroom):
    from io import StringIO

    from django.core.management import call_command

    classroom = make_classroom(rows=COMPLETE)
    Classroom.objects.filter(pk=classroom.pk).update(status=CheckStatus.NOT_MET, interactive=False)
    out = StringIO()
    call_command("recheck_classrooms", stdout=out)
    assert "教室 1 间，检查结果变化 1 间" in out.getvalue()
    classroom.refresh_from_db()
    assert classroom.status == CheckStatus.MET and classroom.interactive
    assert Classroom.history.filter(id=classroom.pk).latest().status == CheckStatus.MET


def test_admin_lists_classrooms_read_only(make_classroom, client):
    from django.contrib.auth import get_user_model

    make_classroom(rows=COMPLETE)
    admin_user = get_user_model().objects.create_superuser("root", "root@example.cn", "Campus#2026")
    client.force_login(admin_user)
    page = client.get("/admin/classrooms/classroom/")
    assert page.status_code == 200 and "301 智慧教室" in page.content.decode()
    assert client.get("/admin/classrooms/classroom/add/").status_code == 403
