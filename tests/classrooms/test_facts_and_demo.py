"""What the inventory gives the school facts, and the demo classrooms."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from classrooms.demo import DEMO_CLASSROOMS, classrooms_demo_seed
from classrooms.models import CheckStatus, Classroom, ClassroomKind
from classrooms.selectors import classroom_fact_values

from .conftest import BASICS, COMPLETE, NETWORK

pytestmark = pytest.mark.django_db


def test_fact_values_count_class_teaching_rooms_with_interactive_and_network_devices(make_classroom, world):
    make_classroom("智慧教室", rows=COMPLETE)  # interactive and networked
    make_classroom(
        "普通教室", kind=ClassroomKind.ORDINARY, rows=[("whiteboard-projector", 1, {})]
    )  # interactive
    make_classroom("无显示", kind=ClassroomKind.ORDINARY, rows=[*BASICS, ("wireless-ap", 2, {})])  # networked
    make_classroom(
        "只有网关", kind=ClassroomKind.ORDINARY, rows=[("iot-gateway", 1, {}), ("extended-display", 1, {})]
    )
    # functional rooms are not 普通教室: not counted, whatever they hold
    make_classroom("录播教室", kind=ClassroomKind.RECORDING, rows=COMPLETE)
    make_classroom("实验室", kind=ClassroomKind.SPECIAL, rows=[*NETWORK])
    # a panel that fails its specs is still an interactive device
    make_classroom("小屏", rows=[("interactive-panel", 1, {"屏幕尺寸": "65"})])
    assert classroom_fact_values(school=world.school_a1) == {
        "classrooms_interactive": 3,
        "classrooms_networked": 2,
    }
    assert classroom_fact_values(school=world.school_a2) == {
        "classrooms_interactive": 0,
        "classrooms_networked": 0,
    }


def test_demo_gives_the_demo_cios_schools_passing_and_failing_classrooms(catalog):
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    hd = Classroom.objects.filter(school__memberships__user__username="hd_cio")
    statuses = dict(hd.values_list("name", "status"))
    assert statuses == {
        "301 智慧教室": CheckStatus.MET,
        "302 智慧教室": CheckStatus.NOT_MET,
        "303 智慧教室": CheckStatus.UNVERIFIED,
        "初一(1)班": CheckStatus.MET,
        "录播教室": CheckStatus.MET,
    }
    no_display = hd.get(name="302 智慧教室")
    assert not no_display.devices.filter(device__group="display").exists()
    before = list(Classroom.objects.order_by("pk").values_list("pk", "name", "status", "version"))
    assert classrooms_demo_seed() == 0  # a re-run changes nothing
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    assert list(Classroom.objects.order_by("pk").values_list("pk", "name", "status", "version")) == before
    schools = set(Classroom.objects.values_list("school__memberships__user__username", flat=True))
    assert schools <= set(DEMO_CLASSROOMS) and "hd_cio" in schools


def test_demo_without_a_catalogue_says_so(db):
    lines = []
    assert classrooms_demo_seed(log=lines.append) == 0
    assert "尚未加载" in lines[0]
