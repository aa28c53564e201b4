"""The Appendix B catalogue loaded, and classrooms built through the services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from classrooms import services
from classrooms.models import ClassroomKind
from indicators.equipment.catalog import catalog_from_dict
from indicators.models import EquipmentDevice
from indicators.services import equipment_catalog_load

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "equipment" / "beijing-k12-appendix-b.json"

PANEL = (
    "interactive-panel",
    1,
    {"屏幕尺寸": "86", "分辨率": "3840×2160", "显示比例": "16:9", "触控点数": "20"},
)
NETWORK = [("router", 1, {"同时接入终端数": "64"}), ("switch", 1, {"同时接入终端数": "64"})]
BASICS = [("chalk-or-whiteboard", 1, {}), ("combinable-desk", 45, {}), ("plain-curtain", 2, {})]
#: a classroom that meets every rule of Appendix B
COMPLETE = [*BASICS, PANEL, *NETWORK]


def catalogue_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def catalog(db):
    return equipment_catalog_load(spec=catalog_from_dict(catalogue_data())).catalog


@pytest.fixture
def devices(catalog) -> dict[str, EquipmentDevice]:
    return {d.code: d for d in EquipmentDevice.objects.filter(catalog=catalog)}


@pytest.fixture
def make_classroom(world, catalog, devices):
    """`make_classroom("301", rows=COMPLETE)` → a classroom of school a1 built by its CIO."""

    def make(name="301 智慧教室", *, rows=(), kind=ClassroomKind.SMART, seats=45, school=None, cio=None):
        school = school or world.school_a1
        cio = cio or world.users["cio"]
        classroom = services.classroom_create(
            school=school, name=name, kind=kind, seats=seats, acting_user=cio
        )
        for code, count, measured in rows:
            services.classroom_device_add(
                classroom=classroom, device=devices[code], count=count, measured=measured, acting_user=cio
            )
        classroom.refresh_from_db()
        return classroom

    return make
