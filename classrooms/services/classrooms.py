"""Writes of the classroom inventory: classrooms, their devices, attached library files, and the
recheck after a catalogue reload. The asset-list import is in `imports.py` (same conventions).

Only the school's own CIO changes its inventory (`Action.EDIT` on the school); everyone else in
the school's scope reads it. Every service is keyword-only and atomic, validates with
`full_clean()`, records history (django-simple-history, with the acting user) in the same
transaction, and computes the classroom's check again before it commits, so the stored
`status`, `interactive` and `networked` never disagree with the devices.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assessments.models import School
from assessments.scoping import Action, get_scope
from evidence.models import EvidenceFile
from indicators.equipment.catalog import CatalogSpec
from indicators.models import EquipmentCatalog, EquipmentDevice
from indicators.selectors import equipment_catalog_get, equipment_catalog_spec
from smartcampus.errors import Conflict, Invalid, Refused

from .. import checks
from ..models import Classroom, ClassroomDevice, ClassroomEvidence

UNSET: Any = object()
RECHECK_BATCH = 500


class ClassroomRefused(Refused):
    """Only the school's own CIO changes its classrooms (reviewers and commission staff read them)."""

    default_code = "not_cio"


class ClassroomConflict(Conflict):
    """The change was based on an older version of the classroom or device; `current` is the newer row."""


class NoCatalog(Conflict):
    """No equipment catalogue is loaded (or several, and none was named): nothing to check against."""

    default_code = "no_catalog"


def classroom_assert_editable(*, school: School, acting_user) -> None:
    if not get_scope(acting_user).can(Action.EDIT, school):
        raise ClassroomRefused(_("只有本校的信息化负责人可以修改本校的教室与设备。"))


def classroom_catalog(*, code: str | None = None) -> EquipmentCatalog:
    """The catalogue new classrooms are checked against: `code`, or the only one loaded."""
    catalog = equipment_catalog_get(code=code)
    if catalog is None:
        raise NoCatalog(_("尚未加载智慧教室设备配置目录，请联系管理员运行 load_frameworks。"))
    return catalog


# --- the stored check ----------------------------------------------------------------------------


def _rows(classroom: Classroom) -> list[checks.Row]:
    if classroom.pk is None:
        return []
    return [
        checks.Row(code, count, measured)
        for code, count, measured in ClassroomDevice.objects.filter(classroom=classroom)
        .order_by("device__order", "id")
        .values_list("device__code", "count", "measured")
    ]


def _set_outcome(classroom: Classroom, outcome: checks.Outcome) -> list[str]:
    """Set the stored fields of the check; returns the names of those that changed."""
    changed = []
    for name, value in (
        ("status", outcome.status.value),
        ("interactive", outcome.interactive),
        ("networked", outcome.networked),
    ):
        if getattr(classroom, name) != value:
            setattr(classroom, name, value)
            changed.append(name)
    return changed


def _apply_check(classroom: Classroom, spec: CatalogSpec) -> list[str]:
    """Compute the classroom's check from its saved devices and set the stored fields; returns the
    names of the fields that changed."""
    return _set_outcome(
        classroom, checks.outcome(checks.check(spec, _rows(classroom), seats=classroom.seats))
    )


def _recheck(classroom: Classroom, acting_user, spec: CatalogSpec | None = None) -> None:
    spec = spec or equipment_catalog_spec(catalog=classroom.catalog)
    changed = _apply_check(classroom, spec)
    if changed:
        classroom._history_user = acting_user
        classroom.save(update_fields=[*changed, "updated_at"])


def classrooms_recheck(*, catalog: EquipmentCatalog, acting_user=None) -> int:
    """Check every classroom of `catalog` again (after its data changed); returns how many changed.
    A system action: `acting_user` is None when the catalogue loader triggers it.

    Works in batches of `RECHECK_BATCH` classrooms: the classrooms (locked) and their devices in two
    queries, the changed ones written back with their history rows in bulk. Classrooms with the
    same device rows get the same outcome (the seats only give the reported ratio), so each
    distinct set of rows is checked once."""
    spec = equipment_catalog_spec(catalog=catalog)
    outcomes: dict[tuple, checks.Outcome] = {}
    changed = 0
    ids = list(Classroom.objects.filter(catalog=catalog).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), RECHECK_BATCH):
        batch = ids[start : start + RECHECK_BATCH]
        with transaction.atomic():
            classrooms = list(Classroom.objects.select_for_update().filter(pk__in=batch).order_by("pk"))
            rows: dict[int, list[checks.Row]] = {pk: [] for pk in batch}
            for classroom_id, code, count, measured in (
                ClassroomDevice.objects.filter(classroom_id__in=batch)
                .order_by("classroom_id", "device__order", "id")
                .values_list("classroom_id", "device__code", "count", "measured")
            ):
                rows[classroom_id].append(checks.Row(code, count, measured))
            now, dirty = timezone.now(), []
            for classroom in classrooms:
                key = tuple(
                    (r.device, r.count, json.dumps(r.measured, sort_keys=True)) for r in rows[classroom.pk]
                )
                if key not in outcomes:
                    outcomes[key] = checks.outcome(checks.check(spec, rows[classroom.pk], seats=None))
                if _set_outcome(classroom, outcomes[key]):
                    classroom.updated_at = now
                    dirty.append(classroom)
            if dirty:
                bulk_update_with_history(
                    dirty,
                    Classroom,
                    ["status", "interactive", "networked", "updated_at"],
                    default_user=acting_user,
                    default_date=now,
                )
            changed += len(dirty)
    return changed


# --- classrooms ------------------------------------------------------------------------------------


def _locked(classroom: Classroom) -> Classroom:
    return (
        Classroom.objects.select_for_update(of=("self",))
        .select_related("school__region", "catalog")
        .get(pk=classroom.pk)
    )


def _assert_version(current, version, label: str) -> None:
    if version is None or int(version) != current.version:
        raise ClassroomConflict(
            _(
                "%(what)s已在其他窗口或由他人修改（当前为第 %(v)d 版），您的修改未保存。"
                "请查看最新内容后再修改。"
            )
            % {"what": label, "v": current.version},
            current=current,
        )


def _assert_name_free(classroom: Classroom) -> None:
    taken = Classroom.objects.filter(school_id=classroom.school_id, name=classroom.name)
    if classroom.pk:
        taken = taken.exclude(pk=classroom.pk)
    if taken.exists():
        raise Invalid(
            _("本校已有名为“%(name)s”的教室。") % {"name": classroom.name},
            code="duplicate_name",
            fields={"name": [_("本校已有同名教室。")]},
        )


def _save_classroom(classroom: Classroom, acting_user, **kwargs) -> None:
    classroom._history_user = acting_user
    try:
        with transaction.atomic():
            classroom.save(**kwargs)
    except IntegrityError:
        # the same name was taken by a concurrent request between the check and the save
        raise Conflict(
            _("本校已有名为“%(name)s”的教室。") % {"name": classroom.name}, code="duplicate_name"
        ) from None


@transaction.atomic
def classroom_create(
    *,
    school: School,
    name: str,
    kind: str,
    seats: int | None = None,
    building: str = "",
    room: str = "",
    acting_user,
    catalog: EquipmentCatalog | None = None,
) -> Classroom:
    """Add a classroom (no devices yet: it does not meet the configuration until they are entered)."""
    classroom_assert_editable(school=school, acting_user=acting_user)
    classroom = Classroom(
        school=school,
        catalog=catalog or classroom_catalog(),
        name=(name or "").strip(),
        kind=kind,
        seats=seats,
        building=(building or "").strip(),
        room=(room or "").strip(),
        updated_by=acting_user,
    )
    classroom.full_clean(validate_unique=False, validate_constraints=False)
    _assert_name_free(classroom)
    _apply_check(classroom, equipment_catalog_spec(catalog=classroom.catalog))
    _save_classroom(classroom, acting_user)
    return classroom


@transaction.atomic
def classroom_update(
    *,
    classroom: Classroom,
    version: int,
    acting_user,
    name: str = UNSET,
    kind: str = UNSET,
    seats: int | None = UNSET,
    building: str = UNSET,
    room: str = UNSET,
) -> Classroom:
    """Change a classroom's own fields. `version` is the one the editor started from: if the row has
    moved on since, `ClassroomConflict` carries the newer row and nothing is written."""
    current = _locked(classroom)
    classroom_assert_editable(school=current.school, acting_user=acting_user)
    _assert_version(current, version, _("该教室"))
    changes = {"name": name, "kind": kind, "seats": seats, "building": building, "room": room}
    changed = []
    for field_name, value in changes.items():
        if value is UNSET:
            continue
        if isinstance(value, str):
            value = value.strip()
        if getattr(current, field_name) != value:
            setattr(current, field_name, value)
            changed.append(field_name)
    if not changed:
        return current
    current.full_clean(validate_unique=False, validate_constraints=False)
    if "name" in changed:
        _assert_name_free(current)
    current.version += 1
    current.updated_by = acting_user
    _save_classroom(current, acting_user, update_fields=[*changed, "version", "updated_by", "updated_at"])
    return current


@transaction.atomic
def classroom_delete(*, classroom: Classroom, acting_user, version: int | None = None) -> None:
    """Delete a classroom with its device rows and attachments (each recorded in the history; the
    library files stay in the library). With `version`, refused if the classroom changed since."""
    current = _locked(classroom)
    classroom_assert_editable(school=current.school, acting_user=acting_user)
    if version is not None:
        _assert_version(current, version, _("该教室"))
    for row in [*current.devices.all(), *current.evidence_links.all()]:
        row._history_user = acting_user
        row.delete()
    current._history_user = acting_user
    current.delete()


# --- devices ---------------------------------------------------------------------------------------


def _parsed(device: EquipmentDevice, spec: CatalogSpec, measured: Mapping[str, Any]) -> dict:
    try:
        return checks.measured_parse(spec.device(device.code), measured)
    except checks.MeasurementError as exc:
        raise Invalid(
            next(iter(exc.errors.values())),
            code="measurement",
            fields={f"measured.{what}": [message] for what, message in exc.errors.items()},
        ) from None


@transaction.atomic
def classroom_device_add(
    *,
    classroom: Classroom,
    device: EquipmentDevice,
    acting_user,
    count: int = 1,
    measured: Mapping[str, Any] | None = None,
    year: int | None = None,
) -> ClassroomDevice:
    """Record `count` units of a catalogue device in the classroom. `measured` maps a spec's `what`
    to the value found, as typed ("86 英寸", "3840×2160"); an unreadable value is refused per spec
    (`fields` keys `measured.<what>`)."""
    current = _locked(classroom)
    classroom_assert_editable(school=current.school, acting_user=acting_user)
    if device.catalog_id != current.catalog_id:
        message = _("该设备不在本教室所用的设备配置目录中。")
        raise Invalid(message, code="other_catalog", fields={"device": [message]})
    spec = equipment_catalog_spec(catalog=current.catalog)
    row = ClassroomDevice(
        classroom=current,
        device=device,
        count=count,
        measured=_parsed(device, spec, measured or {}),
        year=year,
        updated_by=acting_user,
    )
    row.full_clean()
    row._history_user = acting_user
    row.save()
    _recheck(current, acting_user, spec)
    return row


def _locked_device(installed: ClassroomDevice) -> tuple[ClassroomDevice, Classroom]:
    # the classroom first (the order every service locks in), then the row
    classroom = _locked(installed.classroom)
    row = (
        ClassroomDevice.objects.select_for_update(of=("self",)).select_related("device").get(pk=installed.pk)
    )
    row.classroom = classroom
    return row, classroom


@transaction.atomic
def classroom_device_update(
    *,
    installed: ClassroomDevice,
    version: int,
    acting_user,
    count: int = UNSET,
    measured: Mapping[str, Any] = UNSET,
    year: int | None = UNSET,
) -> ClassroomDevice:
    """Change a device row (count, measured values — replaced as a whole —, year), checking `version`."""
    row, classroom = _locked_device(installed)
    classroom_assert_editable(school=classroom.school, acting_user=acting_user)
    _assert_version(row, version, _("该设备记录"))
    spec = equipment_catalog_spec(catalog=classroom.catalog)
    changed = []
    if count is not UNSET and count != row.count:
        row.count, changed = count, [*changed, "count"]
    if measured is not UNSET:
        parsed = _parsed(row.device, spec, measured)
        if parsed != row.measured:
            row.measured, changed = parsed, [*changed, "measured"]
    if year is not UNSET and year != row.year:
        row.year, changed = year, [*changed, "year"]
    if not changed:
        return row
    row.full_clean()
    row.version += 1
    row.updated_by = acting_user
    row._history_user = acting_user
    row.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
    _recheck(classroom, acting_user, spec)
    return row


@transaction.atomic
def classroom_device_remove(*, installed: ClassroomDevice, acting_user) -> None:
    row, classroom = _locked_device(installed)
    classroom_assert_editable(school=classroom.school, acting_user=acting_user)
    row._history_user = acting_user
    row.delete()
    _recheck(classroom, acting_user)


# --- files from the school's evidence library --------------------------------------------------------


@transaction.atomic
def classroom_evidence_attach(*, classroom: Classroom, evidence_file: EvidenceFile, acting_user) -> bool:
    """Attach a file of the school's library to the classroom; False when it already was."""
    current = _locked(classroom)
    classroom_assert_editable(school=current.school, acting_user=acting_user)
    if evidence_file.school_id != current.school_id:
        message = _("只能关联本校材料库中的文件。")
        raise Invalid(message, code="other_school", fields={"file": [message]})
    if ClassroomEvidence.objects.filter(classroom=current, file=evidence_file).exists():
        return False
    link = ClassroomEvidence(classroom=current, file=evidence_file, attached_by=acting_user)
    link.full_clean(validate_constraints=False)
    link._history_user = acting_user
    link.save()
    return True


@transaction.atomic
def classroom_evidence_detach(*, classroom: Classroom, evidence_file: EvidenceFile, acting_user) -> None:
    """Remove a file from the classroom; it stays in the library."""
    current = _locked(classroom)
    classroom_assert_editable(school=current.school, acting_user=acting_user)
    link = ClassroomEvidence.objects.filter(classroom=current, file=evidence_file).first()
    if link is None:
        raise Invalid(_("该文件没有关联到本教室。"), code="not_attached")
    link._history_user = acting_user
    link.delete()
