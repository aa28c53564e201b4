"""Reads of the classroom inventory, scoped to the user asking (the school's scope: its CIO, the
reviewers of its region, commission staff covering it). Rows outside the scope do not exist (404).

Counts read the check stored on each classroom (`Classroom.status`, kept current by the services),
so the district overview stays a few grouped queries however many schools it covers; a single
classroom's checklist is computed afresh (`classroom_check_get`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from assessments.models import Region, School
from assessments.scoping import Action, get_scope
from assessments.selectors import school_list, user_can
from evidence.models import EvidenceFile
from evidence.selectors import evidence_file_list
from indicators.equipment.catalog import CatalogSpec
from indicators.equipment.check import ClassroomCheck
from indicators.selectors import equipment_catalog_spec

from . import checks
from .models import CheckStatus, Classroom, ClassroomDevice, ClassroomEvidence, ClassroomKind

KINDS = ClassroomKind.values


def classroom_list(
    *, user, action: Action = Action.VIEW, school_id: int | None = None, filters: dict | None = None
) -> QuerySet[Classroom]:
    """Classrooms of the schools in the user's scope for `action` (edit: the CIO's own school);
    `kind` and `status` filter, `q` searches the name."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Classroom.objects.none()
    qs = Classroom.objects.filter(scope.schools_q(action, "school__")).select_related(
        "school__region", "catalog"
    )
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    filters = filters or {}
    if (kind := filters.get("kind")) in KINDS:
        qs = qs.filter(kind=kind)
    if (status := filters.get("status")) in CheckStatus.values:
        qs = qs.filter(status=status)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    return qs


def classroom_get(*, user, pk: int, action: Action = Action.VIEW) -> Classroom:
    return get_object_or_404(classroom_list(user=user, action=action), pk=pk)


def classroom_device_list(
    *, user, action: Action = Action.VIEW, classroom_id: int | None = None
) -> QuerySet[ClassroomDevice]:
    """Device rows of the classrooms in scope for `action`, in table order."""
    scope = get_scope(user)
    if scope.user_id is None:
        return ClassroomDevice.objects.none()
    qs = ClassroomDevice.objects.filter(scope.schools_q(action, "classroom__school__")).select_related(
        "device", "classroom__school__region"
    )
    if classroom_id is not None:
        qs = qs.filter(classroom_id=classroom_id)
    return qs.order_by("classroom_id", "device__order", "id")


def classroom_device_get(*, user, pk: int, action: Action = Action.VIEW) -> ClassroomDevice:
    return get_object_or_404(classroom_device_list(user=user, action=action), pk=pk)


def classroom_attachment_list(*, classroom: Classroom) -> QuerySet[ClassroomEvidence]:
    """The library files attached to a classroom the caller already obtained through a selector."""
    return ClassroomEvidence.objects.filter(classroom=classroom).select_related("file", "attached_by")


def classroom_attachable_files(*, user, classroom: Classroom) -> QuerySet[EvidenceFile]:
    """Files of the school's library the user may attach (the CIO's own library), not yet attached."""
    return (
        evidence_file_list(user=user, action=Action.EDIT, school_id=classroom.school_id)
        .exclude(classroom_links__classroom=classroom)
        .order_by("-uploaded_at", "-id")
    )


def classroom_abilities(*, user, school: School) -> dict[str, bool]:
    """What the pages offer: changing the school's inventory is its CIO's."""
    return {"can_edit": user_can(user=user, action=Action.EDIT, obj=school)}


def classroom_check_get(
    *,
    classroom: Classroom,
    devices: Iterable[ClassroomDevice] | None = None,
    spec: CatalogSpec | None = None,
) -> ClassroomCheck:
    """The classroom's check, computed now from its device rows (and its catalogue's `spec`): a
    query for each of them not given."""
    spec = spec or equipment_catalog_spec(catalog=classroom.catalog)
    rows = devices if devices is not None else classroom.devices.select_related("device")
    return checks.check(
        spec, [checks.Row(r.device.code, r.count, r.measured) for r in rows], seats=classroom.seats
    )


# --- counts -----------------------------------------------------------------------------------------


@dataclass
class KindCounts:
    """Classrooms of one kind (or all): how many, and how many per stored check outcome."""

    kind: str | None
    total: int = 0
    met: int = 0
    unverified: int = 0
    not_met: int = 0

    @property
    def label(self) -> str:
        return str(ClassroomKind(self.kind).label) if self.kind else ""

    @property
    def share_met(self) -> float | None:
        return self.met / self.total if self.total else None

    def add(self, status: str, n: int) -> None:
        self.total += n
        if status == CheckStatus.MET:
            self.met += n
        elif status == CheckStatus.UNVERIFIED:
            self.unverified += n
        else:
            self.not_met += n


@dataclass
class Counts:
    """Classrooms per kind and outcome, plus the two school facts (over class-teaching rooms)."""

    kinds: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts(k) for k in KINDS})
    all: KindCounts = field(default_factory=lambda: KindCounts(None))
    class_teaching: int = 0
    interactive: int = 0
    networked: int = 0

    @property
    def smart(self) -> KindCounts:
        return self.kinds[ClassroomKind.SMART]

    @property
    def by_kind(self) -> list[KindCounts]:
        return list(self.kinds.values())

    def add(self, kind: str, status: str, n: int, interactive: int = 0, networked: int = 0) -> None:
        self.kinds[kind].add(status, n)
        self.all.add(status, n)
        if kind in ClassroomKind.class_teaching():
            self.class_teaching += n
            self.interactive += interactive
            self.networked += networked


def _grouped(qs: QuerySet[Classroom], key: str):
    """(key, kind, status, n, interactive, networked) rows: one grouped query."""
    return (
        qs.order_by()
        .values_list(key, "kind", "status")
        .annotate(
            n=Count("id"),
            i=Count("id", filter=Q(interactive=True)),
            w=Count("id", filter=Q(networked=True)),
        )
    )


def school_classroom_counts(*, school: School) -> Counts:
    """The school's classrooms per kind and outcome (one query); for a school the caller may view."""
    counts = Counts()
    for _school, kind, status, n, interactive, networked in _grouped(
        Classroom.objects.filter(school=school), "school_id"
    ):
        counts.add(kind, status, n, interactive, networked)
    return counts


def classroom_counts_by_school(*, school_ids: Iterable[int]) -> dict[int, Counts]:
    """School id → its counts, for schools the caller already scoped (the city workbook). One query
    per 2,000 schools."""
    ids = sorted(set(school_ids))
    result: dict[int, Counts] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for school_id, kind, status, n, interactive, networked in _grouped(
            Classroom.objects.filter(school_id__in=chunk), "school_id"
        ):
            result.setdefault(school_id, Counts()).add(kind, status, n, interactive, networked)
    return result


def classroom_fact_values(*, school: School) -> dict[str, int]:
    """The school facts the inventory answers, for the school's fact values:

    - `classrooms_interactive` (其中配置多媒体交互设备的): class-teaching classrooms (普通教室 and
      智慧教室, `ClassroomKind.class_teaching`) with a 交互式触控一体机 or an 电子白板+投影机 —
      Appendix B's display group (`checks.INTERACTIVE_DEVICES`) — present;
    - `classrooms_networked` (其中高速网络连接的): class-teaching classrooms with a 路由器, 交换机
      or 无线 AP present (`checks.NETWORK_DEVICES`; 物联网关 serves the room's controllers only).

    Presence counts (a row with count ≥ 1), whatever the device's measured specs: a 75-inch panel
    is still an interactive device, its size is the classroom check's business. Both facts are
    part of `ordinary_classrooms`, which stays what the school declares (its inventory may list
    only some rooms). No user scoping: the caller acts for a school it already obtained."""
    counts = school_classroom_counts(school=school)
    return {"classrooms_interactive": counts.interactive, "classrooms_networked": counts.networked}


# --- the commission's overview: per district -------------------------------------------------------


@dataclass
class DistrictRow:
    region: Region
    schools: int
    schools_with_classrooms: int
    counts: Counts


def classroom_overview(*, user, region_code: str | None = None) -> tuple[Counts, list[DistrictRow]]:
    """Classrooms of the schools in the user's scope, grouped by the school's region (the district):
    totals and one row per region that has schools in scope, in region order. Four queries."""
    schools = school_list(user=user)
    if region_code:
        schools = schools.filter(region__path__contains=f"/{region_code}/")
    school_counts = dict(
        schools.order_by().values_list("region_id").annotate(n=Count("id")).values_list("region_id", "n")
    )
    classrooms = Classroom.objects.filter(school__in=schools.values("pk"))
    with_rooms = dict(
        classrooms.order_by()
        .values_list("school__region_id")
        .annotate(n=Count("school_id", distinct=True))
        .values_list("school__region_id", "n")
    )
    total = Counts()
    per_region: dict[int, Counts] = {}
    for region_id, kind, status, n, interactive, networked in _grouped(classrooms, "school__region_id"):
        per_region.setdefault(region_id, Counts()).add(kind, status, n, interactive, networked)
        total.add(kind, status, n, interactive, networked)
    regions = Region.objects.filter(pk__in=list(school_counts)).select_related("parent").order_by("path")
    rows = [
        DistrictRow(r, school_counts[r.pk], with_rooms.get(r.pk, 0), per_region.get(r.pk) or Counts())
        for r in regions
    ]
    return total, rows


def classroom_school_list(*, user, region_code: str | None = None) -> QuerySet[School]:
    """Schools in scope with their classroom counts (`classroom_total`, `smart_total`,
    `smart_met`, `met_total`), in region and code order."""
    schools = school_list(user=user)
    if region_code:
        schools = schools.filter(region__path__contains=f"/{region_code}/")

    def count(condition: Q):
        sub = (
            Classroom.objects.filter(condition, school_id=OuterRef("pk"))
            .order_by()
            .values("school_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), 0)

    return schools.annotate(
        classroom_total=count(Q()),
        met_total=count(Q(status=CheckStatus.MET)),
        smart_total=count(Q(kind=ClassroomKind.SMART)),
        smart_met=count(Q(kind=ClassroomKind.SMART, status=CheckStatus.MET)),
        has_classrooms=Exists(Classroom.objects.filter(school_id=OuterRef("pk"))),
    ).order_by("region__path", "code")
