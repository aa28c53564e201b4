"""The city workbook's sheet 「智慧教室配置」: one row per school of the campaign under the region —
its classrooms by kind, how many meet the Appendix B configuration (as stored by the classroom
inventory's check), and the two school facts the inventory answers. Schools that have not entered
any classroom get a row of zeros, so the commission sees who has not.

`smart_classrooms_columns` + `write_smart_classrooms`, the pair `reports.workbook` expects of a sheet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment
from classrooms.models import ClassroomKind
from classrooms.selectors import Counts, classroom_counts_by_school

from .xlsx import Column, Sheet

if TYPE_CHECKING:
    from .workbook import CityData

SMART_CLASSROOMS = gettext_lazy("智慧教室配置")
PERCENT_FORMAT = "0.0%"


def smart_classrooms_columns(city: CityData) -> list[Column]:
    return [
        Column(_("区县"), 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 28),
        Column(_("教室"), 7, "0"),
        *[Column(str(label), 9, "0") for _value, label in ClassroomKind.choices],
        Column(_("达到配置要求"), 10, "0"),
        Column(_("待核验"), 8, "0"),
        Column(_("未达到配置要求"), 10, "0"),
        Column(_("达标率"), 8, PERCENT_FORMAT),
        Column(_("智慧教室达到配置要求"), 12, "0"),
        Column(_("普通（班级）教室"), 10, "0"),
        Column(_("其中配置多媒体交互设备的"), 14, "0"),
        Column(_("其中高速网络连接的"), 12, "0"),
    ]


def write_smart_classrooms(sheet: Sheet, city: CityData, results: dict) -> None:
    """One row per school in `city.meta` order (district, code); `results` are not needed here."""
    school_of = dict(
        Assessment.objects.filter(
            campaign_id=city.campaign.pk, school__region__path__startswith=city.region.path
        ).values_list("pk", "school_id")
    )
    counts = classroom_counts_by_school(school_ids=school_of.values())
    empty = Counts()
    for pk, m in city.meta.items():
        c = counts.get(school_of.get(pk), empty)
        sheet.append(
            [
                m.district,
                m.code,
                m.name,
                c.all.total,
                *[k.total for k in c.by_kind],
                c.all.met,
                c.all.unverified,
                c.all.not_met,
                c.all.share_met,
                c.smart.met,
                c.class_teaching,
                c.interactive,
                c.networked,
            ]
        )
