"""The asset-list import, in two steps like the bulk import of schools and users:
`classroom_import_preview` reads the file, plans every row (`classrooms.imports.plan`), computes the
check each classroom would get and keeps the file under a token — it writes nothing to the
database; `classroom_import_commit` reads the kept file again and applies it, every row or none.

A classroom named in the file is created, or updated by name; its device rows are replaced by the
file's. A classroom changed by someone else between the preview and the confirmation is not
overwritten: the confirmation is refused (409) and the file must be previewed again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import School
from indicators.models import EquipmentDevice
from indicators.selectors import equipment_catalog_spec
from smartcampus.errors import Conflict, Invalid

from .. import checks, imports
from ..imports import AssetFileError, Plan, RowMessage
from ..models import Classroom, ClassroomDevice
from .classrooms import _save_classroom, classroom_assert_editable, classroom_catalog

TMP_DIR = "imports/pending"


class ClassroomImportError(Invalid):
    """The file cannot be imported (unreadable, wrong headers, a row error, an expired preview)."""

    default_code = "import_file"


@dataclass
class ClassroomImportPreview:
    token: str
    plan: Plan

    @property
    def ok(self) -> bool:
        return self.plan.ok

    @property
    def new(self) -> int:
        return sum(1 for c in self.plan.classrooms if c.is_new)

    @property
    def updated(self) -> int:
        return len(self.plan.classrooms) - self.new


@dataclass
class ClassroomImportOutcome:
    created: int
    updated: int
    devices: int


def _plan(*, school: School, raw: bytes, name: str) -> Plan:
    """The file's plan against the school's classrooms as they are now, with each classroom's check."""
    catalog = classroom_catalog()
    spec = equipment_catalog_spec(catalog=catalog)
    try:
        headers, data = imports.read_table(raw, name)
        plan = imports.plan(headers, data, spec)
    except AssetFileError as exc:
        raise ClassroomImportError(str(exc)) from None
    existing = {
        c.name: c for c in Classroom.objects.filter(school=school, name__in=[p.name for p in plan.classrooms])
    }
    for planned in plan.classrooms:
        current = existing.get(planned.name)
        if current is not None:
            planned.existing_id, planned.existing_version = current.pk, current.version
        elif not planned.kind_given:
            message = _("「%(col)s」不能为空（新教室“%(name)s”）") % {
                "col": imports.KIND,
                "name": planned.name,
            }
            row = next((e for e in plan.errors if e.line == planned.first_line), None)
            if row is None:
                plan.errors.append(RowMessage(planned.first_line, [message]))
            else:
                row.messages.append(message)
        seats = planned.seats if planned.seats is not None else (current.seats if current else None)
        planned.result = imports.plan_check(planned, spec, seats=seats)
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _path(*, acting_user, school: School, token: str) -> str:
    return f"{TMP_DIR}/{acting_user.pk}-classrooms-{school.pk}-{token}"


def classroom_import_preview(*, school: School, uploaded, acting_user) -> ClassroomImportPreview:
    """Read and check the uploaded asset list; keep it for `classroom_import_commit`. Writes nothing
    to the database. Raises `ClassroomImportError` for a file that cannot be read at all."""
    classroom_assert_editable(school=school, acting_user=acting_user)
    raw = uploaded.read()
    plan = _plan(school=school, raw=raw, name=uploaded.name or "")
    token = uuid.uuid4().hex + (".csv" if (uploaded.name or "").lower().endswith(".csv") else ".xlsx")
    if plan.ok:
        path = _path(acting_user=acting_user, school=school, token=token)
        default_storage.save(path, ContentFile(raw))
        versions = {c.name: c.existing_version for c in plan.classrooms}
        default_storage.save(f"{path}.json", ContentFile(json.dumps(versions, ensure_ascii=False).encode()))
    return ClassroomImportPreview(token=token, plan=plan)


def _read_pending(path: str) -> tuple[bytes, dict]:
    if not default_storage.exists(path) or not default_storage.exists(f"{path}.json"):
        raise ClassroomImportError(_("预览已失效，请重新上传文件。"), code="expired")
    with default_storage.open(path, "rb") as fh:
        raw = fh.read()
    with default_storage.open(f"{path}.json", "rb") as fh:
        versions = json.loads(fh.read().decode())
    return raw, versions


@transaction.atomic
def classroom_import_commit(*, school: School, token: str, acting_user) -> ClassroomImportOutcome:
    """Apply a previewed asset list: every classroom and device row of the file, or nothing."""
    classroom_assert_editable(school=school, acting_user=acting_user)
    if not token or "/" in token or "\\" in token or ".." in token:
        raise ClassroomImportError(_("预览已失效，请重新上传文件。"), code="expired")
    path = _path(acting_user=acting_user, school=school, token=token)
    raw, versions = _read_pending(path)
    # lock the school's classrooms named in the file before reading them (against concurrent edits)
    names = list(versions)
    list(Classroom.objects.select_for_update().filter(school=school, name__in=names).order_by("pk"))
    plan = _plan(school=school, raw=raw, name=token)
    if not plan.ok:
        first = plan.errors[0]
        raise ClassroomImportError(
            _("导入未执行：第 %(line)d 行 %(msg)s（数据在预览后已变化，请重新上传）")
            % {"line": first.line, "msg": _("；").join(first.messages)}
        )
    moved = [c.name for c in plan.classrooms if versions.get(c.name) != c.existing_version]
    if moved:
        raise Conflict(
            _("教室“%(names)s”在预览后已被修改或新建，未导入任何数据。请重新上传文件查看最新的预览。")
            % {"names": _("、").join(moved)},
            code="changed_since_preview",
        )
    catalog = classroom_catalog()
    device_ids = dict(EquipmentDevice.objects.filter(catalog=catalog).values_list("code", "pk"))
    created = updated = rows = 0
    for planned in plan.classrooms:
        if planned.is_new:
            classroom = Classroom(school=school, catalog=catalog, name=planned.name, kind=planned.kind)
            created += 1
        else:
            classroom = Classroom.objects.select_related("catalog").get(pk=planned.existing_id)
            if classroom.catalog_id != catalog.pk:
                raise Conflict(
                    _("教室“%(name)s”按另一份设备配置目录登记，不能用本模板导入。")
                    % {"name": classroom.name},
                    code="other_catalog",
                )
            classroom.version += 1
            updated += 1
            for row in classroom.devices.all():
                row._history_user = acting_user
                row.delete()
        for attr in ("kind", "seats", "building", "room"):
            value = getattr(planned, attr)
            if value is not None:
                setattr(classroom, attr, value)
        outcome = checks.outcome(planned.result)
        classroom.status = outcome.status.value
        classroom.interactive, classroom.networked = outcome.interactive, outcome.networked
        classroom.updated_by = acting_user
        classroom.full_clean(validate_unique=False, validate_constraints=False)
        _save_classroom(classroom, acting_user)
        for device in planned.devices:
            row = ClassroomDevice(
                classroom=classroom,
                device_id=device_ids[device.device.code],
                count=device.count,
                measured=device.measured,
                year=device.year,
                updated_by=acting_user,
            )
            row.full_clean(exclude=["classroom", "device"])
            row._history_user = acting_user
            row.save()
            rows += 1
    transaction.on_commit(lambda: [default_storage.delete(p) for p in (path, f"{path}.json")])
    return ClassroomImportOutcome(created=created, updated=updated, devices=rows)
