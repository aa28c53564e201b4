"""Writes of the organisation tree: the bulk import of regions, schools and users (with their roles)
from Excel/CSV, in two steps. `import_preview` runs a dry run (in a rolled-back transaction), lists
every problem of every row and every change to an existing record, and keeps the uploaded file under
a token; `import_commit` imports that file for real, all rows or none, and only if the changes are
still exactly those the user confirmed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tablib
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.results import RowResult

from smartcampus.errors import Invalid

from ..resources.base import PASSWORD, RowProblems

if TYPE_CHECKING:
    from ..resources import Change, ImportKind, ScopedResource

logger = logging.getLogger(__name__)

TMP_DIR = "imports/pending"
#: what Excel and WPS save a .csv as, tried in this order: UTF-8 (with or without the BOM of
#: "CSV UTF-8"), then GB18030 — the superset of GBK that Chinese Excel writes for plain "CSV"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class ImportFileError(Invalid):
    """The file cannot be imported at all (unreadable, wrong headers, expired or changed preview)."""

    default_code = "import_file"


def _decode_csv(raw: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _(
            "无法识别 CSV 文件的编码：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”，"
            "或直接上传 .xlsx 文件。"
        )
    )


def _load_dataset(raw: bytes, name: str, kind: ImportKind) -> tablib.Dataset:
    try:
        if name.lower().endswith(".csv"):
            dataset = tablib.Dataset().load(_decode_csv(raw), format="csv")
        else:
            dataset = tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            _("无法读取文件：请上传 .xlsx 文件，或 UTF-8 / GBK 编码的 .csv 文件。")
        ) from None
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [c for c in kind.columns if c not in headers and c not in kind.optional_columns]
    if missing:
        raise ImportFileError(
            _("缺少列：%(cols)s。第一行应是列名，请使用下载的模板。") % {"cols": _("、").join(missing)}
        )
    dataset.headers = headers
    # Drop rows that are completely empty (Excel often keeps formatted blank rows).
    for i in range(len(dataset) - 1, -1, -1):
        if all(v in (None, "") or not str(v).strip() for v in dataset[i]):
            del dataset[i]
    if not len(dataset):
        raise ImportFileError(_("文件中没有数据行。"))
    return dataset


@dataclass
class RowMessage:
    line: int
    messages: list[str]


@dataclass
class RowPreview:
    """One row of the file as the preview shows it: what happens to it, and what it changes."""

    line: int
    action: str  # "new" | "update" | "skip" | "error"
    values: list
    changes: list[Change] = field(default_factory=list)


@dataclass
class ImportPreview:
    token: str
    total: int
    new: int
    updated: int
    skipped: int
    errors: list[RowMessage]
    headers: list[str]
    rows: list[RowPreview]
    #: every change to an existing record, in file order, and its digest (what the user confirms)
    changes: list[RowPreview]
    changes_digest: str

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def change_count(self) -> int:
        return sum(len(r.changes) for r in self.changes)


def _generic_message(line: int) -> str:
    return _("第 %(line)d 行无法保存，请核对该行的数据（代码是否与已有记录重复）。") % {"line": line}


def _messages_of(error: Exception, line: int) -> list[str]:
    """The Chinese messages of one error; what the row checks did not foresee (a database error,
    a constraint) is logged and reported generically, never with its raw text."""
    if isinstance(error, RowProblems):
        return list(error.messages)
    logger.warning("bulk import: unexpected error in line %s", line, exc_info=error)
    return [_generic_message(line)]


def _validation_messages(error: ValidationError, resource: ScopedResource, line: int) -> list[str]:
    messages = []
    for name, field_messages in error.message_dict.items():
        column = resource.column_of(name) if name != "__all__" else ""
        for message in field_messages:
            if column and message.startswith(f"“{column}”"):
                messages.append(message)  # the widgets' own messages name their column
            elif column:
                messages.append(_("“%(column)s”：%(message)s") % {"column": column, "message": message})
            elif name == "__all__" and not any(
                c.name in message for c in resource._meta.model._meta.constraints
            ):
                messages.append(message)
            else:
                logger.warning(
                    "bulk import: unmapped validation error in line %s: %s: %s", line, name, message
                )
                messages.append(_generic_message(line))
    return messages


def _errors_of(result, resource: ScopedResource) -> list[RowMessage]:
    errors: list[RowMessage] = []
    for number, row_errors in result.row_errors():
        line = number + 1
        errors.append(RowMessage(line, [m for e in row_errors for m in _messages_of(e.error, line)]))
    for invalid in result.invalid_rows:
        line = invalid.number + 1
        errors.append(RowMessage(line, _validation_messages(invalid.error, resource, line)))
    for base in result.base_errors:
        logger.warning("bulk import: error outside the rows", exc_info=base.error)
        errors.append(RowMessage(0, [_("文件无法导入，请检查后重新上传。")]))
    return sorted(errors, key=lambda e: e.line)


def _run(kind: ImportKind, dataset: tablib.Dataset, acting_user, *, dry_run: bool):
    resource = kind.resource_class(acting_user=acting_user)
    result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=True)
    return resource, result


def _rows(result, resource: ScopedResource, dataset: tablib.Dataset) -> list[RowPreview]:
    rows = []
    for i, row_result in enumerate(result.rows):
        line = i + 2
        changes = resource.changes.get(line, [])
        if row_result.import_type in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID):
            action = "error"
        elif row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            action = "new"
        elif changes or row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            action = "update"
        else:
            action = "skip"
        rows.append(RowPreview(line, action, _masked(dataset.headers, dataset[i]), changes))
    return rows


def _changing(rows: list[RowPreview]) -> list[RowPreview]:
    """The rows that change an existing record (a new role of a user may also rename them)."""
    return [r for r in rows if r.changes or r.action == "update"]


def _digest(rows: list[RowPreview]) -> str:
    """What the user confirms: every change of every row, in file order."""
    payload = [(r.line, [(c.column, c.old, c.new) for c in r.changes]) for r in _changing(rows)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:32]


def _masked(headers: list[str], values) -> list:
    """The row as shown in the preview: passwords are never echoed back to the page."""
    return ["••••••" if h == PASSWORD and v else v for h, v in zip(headers, values, strict=False)]


def import_preview(*, kind: ImportKind, uploaded, acting_user) -> ImportPreview:
    """Dry-run the file and keep it under a token for `import_commit`. Writes nothing to the database."""
    raw = uploaded.read()
    dataset = _load_dataset(raw, uploaded.name, kind)
    resource, result = _run(kind, dataset, acting_user, dry_run=True)
    token = uuid.uuid4().hex
    suffix = ".csv" if uploaded.name.lower().endswith(".csv") else ".xlsx"
    default_storage.save(f"{TMP_DIR}/{acting_user.pk}-{kind.slug}-{token}{suffix}", ContentFile(raw))
    rows = _rows(result, resource, dataset)
    return ImportPreview(
        token=f"{token}{suffix}",
        total=len(dataset),
        new=sum(r.action == "new" for r in rows),
        updated=sum(r.action == "update" for r in rows),
        skipped=sum(r.action == "skip" for r in rows),
        errors=_errors_of(result, resource),
        headers=list(dataset.headers),
        rows=rows[:200],
        changes=_changing(rows),
        changes_digest=_digest(rows),
    )


@dataclass
class ImportOutcome:
    new: int
    updated: int
    skipped: int


def import_commit(*, kind: ImportKind, token: str, acting_user, confirmed_changes: str = "") -> ImportOutcome:
    """Import a previewed file: every row or, if any row fails now, none (one transaction). When the
    file changes existing records, `confirmed_changes` must be the digest of exactly the changes the
    preview showed (`ImportPreview.changes_digest`); anything else imports nothing."""
    if not token or "/" in token or ".." in token:
        raise ImportFileError(_("预览已失效，请重新上传文件。"))
    path = f"{TMP_DIR}/{acting_user.pk}-{kind.slug}-{token}"
    if not default_storage.exists(path):
        raise ImportFileError(_("预览已失效，请重新上传文件。"))
    with default_storage.open(path, "rb") as fh:
        raw = fh.read()
    dataset = _load_dataset(raw, token, kind)
    with transaction.atomic():
        resource, result = _run(kind, dataset, acting_user, dry_run=False)
        rows = _rows(result, resource, dataset)
        if result.has_errors() or result.has_validation_errors():
            transaction.set_rollback(True)
            first = _errors_of(result, resource)[0]
            raise ImportFileError(
                _("导入未执行：第 %(line)d 行 %(msg)s（数据在预览后已变化，请重新上传）")
                % {"line": first.line, "msg": _("；").join(first.messages)}
            )
        updates = bool(_changing(rows))
        if updates and not confirmed_changes:
            transaction.set_rollback(True)
            raise ImportFileError(_("导入未执行：本次导入会修改已有记录，请在预览中逐项核对后勾选确认。"))
        if updates and confirmed_changes != _digest(rows):
            transaction.set_rollback(True)
            raise ImportFileError(_("导入未执行：已有记录在预览之后发生了变化，请重新上传并核对预览。"))
    default_storage.delete(path)
    return ImportOutcome(
        new=sum(r.action == "new" for r in rows),
        updated=sum(r.action == "update" for r in rows),
        skipped=sum(r.action == "skip" for r in rows),
    )
