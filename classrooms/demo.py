"""Demo classrooms for the schools of the demo CIOs (`seed_demo`): deterministic and idempotent — a
classroom that already exists (by name) is left as it is, so re-running changes nothing and keeps
what a user changed. Written through the services, as the school's CIO, so history shows who.

hd_cio's school gets one classroom per outcome: 智慧教室 that meet the configuration, one failing
二选一 (no display device), one awaiting verification (a panel without its measured specs), an
ordinary classroom with an interactive whiteboard and a recording room; the other demo CIOs'
schools get a passing and a failing one (a 必配 switch missing).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Membership, Role
from indicators.models import EquipmentDevice
from indicators.selectors import equipment_catalog_get

from . import services
from .models import Classroom, ClassroomKind

PANEL = (
    "interactive-panel",
    1,
    {"屏幕尺寸": "86", "分辨率": "3840×2160", "显示比例": "16:9", "触控点数": "20"},  # i18n: data
)
NETWORK = [("router", 1, {"同时接入终端数": "64"}), ("switch", 1, {"同时接入终端数": "64"})]  # i18n: data
BASICS = [("chalk-or-whiteboard", 1, {}), ("combinable-desk", 45, {}), ("plain-curtain", 2, {})]

#: (name, kind, seats, building, room, [(device code, count, measured)])
SMART_MET = (
    "301 智慧教室",  # i18n: data
    ClassroomKind.SMART,
    45,
    "教学楼A",  # i18n: data
    "301",
    [*BASICS, PANEL, *NETWORK],
)  # i18n: data
SMART_NO_DISPLAY = (
    "302 智慧教室",  # i18n: data
    ClassroomKind.SMART,
    45,
    "教学楼A",  # i18n: data
    "302",
    [*BASICS, *NETWORK],
)  # i18n: data
SMART_UNVERIFIED = (
    "303 智慧教室",  # i18n: data
    ClassroomKind.SMART,
    45,
    "教学楼A",  # i18n: data
    "303",
    [
        *BASICS,
        ("interactive-panel", 1, {"屏幕尺寸": "86"}),  # i18n: data
        *NETWORK,
        ("student-terminal", 45, {"屏幕尺寸": "10.1"}),  # i18n: data
        ("terminal-charging-cart", 1, {"同时充电终端数": "48"}),  # i18n: data
    ],
)
ORDINARY_WHITEBOARD = (
    "初一(1)班",  # i18n: data
    ClassroomKind.ORDINARY,
    42,
    "教学楼B",  # i18n: data
    "101",
    [*BASICS, ("whiteboard-projector", 1, {"投影机照度": "3600"}), *NETWORK],  # i18n: data
)
RECORDING = (
    "录播教室",  # i18n: data
    ClassroomKind.RECORDING,
    60,
    "实验楼",  # i18n: data
    "201",
    [*BASICS, PANEL, *NETWORK, ("routine-recording", 1, {}), ("omnidirectional-mic", 2, {})],
)
SMART_NO_SWITCH = ("智慧教室一", ClassroomKind.SMART, 40, "", "", [*BASICS, PANEL, NETWORK[0]])  # i18n: data
SMART_MET_SHORT = ("智慧教室二", ClassroomKind.SMART, 40, "", "", [*BASICS, PANEL, *NETWORK])  # i18n: data

DEMO_CLASSROOMS = {
    "hd_cio": [SMART_MET, SMART_NO_DISPLAY, SMART_UNVERIFIED, ORDINARY_WHITEBOARD, RECORDING],
    "hd_cio2": [SMART_MET_SHORT, SMART_NO_SWITCH],
    "cy_cio": [SMART_MET_SHORT, SMART_NO_SWITCH],
    "zd_cio": [SMART_MET_SHORT, SMART_NO_SWITCH],
    "hz_cio": [SMART_MET_SHORT, SMART_NO_SWITCH],
}


@transaction.atomic
def classrooms_demo_seed(*, log=None) -> int:
    """Create the missing demo classrooms; returns how many were created (0 on a re-run)."""
    catalog = equipment_catalog_get()
    if catalog is None:
        if log:
            log(_("智慧教室设备配置目录尚未加载，跳过演示教室（先运行 manage.py load_frameworks）。"))
        return 0
    devices = {d.code: d for d in EquipmentDevice.objects.filter(catalog=catalog)}
    memberships = (
        Membership.objects.filter(role=Role.SCHOOL_CIO, user__username__in=list(DEMO_CLASSROOMS))
        .select_related("user", "school__region")
        .order_by("user__username", "school__code")
    )
    created = 0
    for membership in memberships:
        school, cio = membership.school, membership.user
        existing = set(Classroom.objects.filter(school=school).values_list("name", flat=True))
        for name, kind, seats, building, room, rows in DEMO_CLASSROOMS[cio.username]:
            if name in existing:
                continue
            classroom = services.classroom_create(
                school=school,
                name=name,
                kind=kind,
                seats=seats,
                building=building,
                room=room,
                catalog=catalog,
                acting_user=cio,
            )
            for code, count, measured in rows:
                services.classroom_device_add(
                    classroom=classroom, device=devices[code], count=count, measured=measured, acting_user=cio
                )
            existing.add(name)
            created += 1
    if log:
        log(
            _("演示教室：新增 %(created)d 间（%(accounts)d 个演示学校账号）。")
            % {"created": created, "accounts": len(DEMO_CLASSROOMS)}
        )
    return created
