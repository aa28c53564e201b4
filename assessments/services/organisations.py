"""Writes of the organisation tree: the bulk import of regions, schools and users (with their roles)
from Excel/CSV, in two steps. `import_preview` runs a dry run (in a rolled-back transaction) and
keeps the uploaded file under a token; `import_commit` imports that file for real, all rows or none.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import tablib
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from smartcampus.errors import Invalid

from ..resources import ImportKind

TMP_DIR = "imports/pending"


class ImportFileError(Invalid):
    """The file cannot be imported at all (unreadable, wrong headers, expired preview)."""

    default_code = "import_file"


def _load_dataset(raw: bytes, name: str, kind: ImportKind) -> tablib.Dataset:
    try:
        if name.lower().endswith(".csv"):
            text = raw.decode("utf-8-sig")
            dataset = tablib.Dataset().load(text, format="csv")
        else:
            dataset = tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
    except UnicodeDecodeError:
        raise ImportFileError(_("CSV 文件须为 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8”。")) from None
    except Exception:
        raise ImportFileError(_("无法读取文件：请上传 .xlsx 或 UTF-8 编码的 .csv 文件。")) from None
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [c for c in kind.columns if c not in headers and c not in ("初始密码", "姓名", "邮箱")]
    if missing:
        raise ImportFileError(_("缺少列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})
    dataset.headers = headers
    # Drop rows that are completely empty (Excel often keeps formatted blank rows).
    for i in range(len(dataset) - 1, -1, -1):
        if all(v in (None, "") for v in dataset[i]):
            del dataset[i]
    if not len(dataset):
        raise ImportFileError(_("文件中没有数据行。"))
    return dataset


@dataclass
class RowMessage:
    line: int
    messages: list[str]


@dataclass
class ImportPreview:
    token: str
    total: int
    new: int
    updated: int
    skipped: int
    errors: list[RowMessage]
    headers: list[str]
    rows: list[tuple[int, str, list]]

    @property
    def ok(self) -> bool:
        return not self.errors


def _errors_of(result) -> list[RowMessage]:
    errors: list[RowMessage] = []
    for line, row_errors in result.row_errors():
        errors.append(RowMessage(line + 1, [str(e.error) for e in row_errors]))
    for invalid in result.invalid_rows:
        msgs = []
        for field_name, field_msgs in invalid.error_dict.items():
            for m in field_msgs:
                msgs.append(f"{field_name}：{m}" if field_name != "__all__" else str(m))
        errors.append(RowMessage(invalid.number + 1, msgs))
    for base in result.base_errors:
        errors.append(RowMessage(0, [str(base.error)]))
    return sorted(errors, key=lambda e: e.line)


def _run(kind: ImportKind, dataset: tablib.Dataset, acting_user, *, dry_run: bool):
    resource = kind.resource_class(acting_user=acting_user)
    return resource.import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=True)


def _masked(headers: list[str], values) -> list:
    """The row as shown in the preview: passwords are never echoed back to the page."""
    return ["••••••" if h == "初始密码" and v else v for h, v in zip(headers, values, strict=False)]


def import_preview(*, kind: ImportKind, uploaded, acting_user) -> ImportPreview:
    """Dry-run the file and keep it under a token for `import_commit`. Writes nothing to the database."""
    raw = uploaded.read()
    dataset = _load_dataset(raw, uploaded.name, kind)
    result = _run(kind, dataset, acting_user, dry_run=True)
    token = uuid.uuid4().hex
    suffix = ".csv" if uploaded.name.lower().endswith(".csv") else ".xlsx"
    default_storage.save(f"{TMP_DIR}/{acting_user.pk}-{kind.slug}-{token}{suffix}", ContentFile(raw))
    totals = result.totals
    return ImportPreview(
        token=f"{token}{suffix}",
        total=len(dataset),
        new=totals.get("new", 0),
        updated=totals.get("update", 0),
        skipped=totals.get("skip", 0),
        errors=_errors_of(result),
        headers=list(dataset.headers),
        rows=[
            (i + 2, r.import_type, _masked(dataset.headers, dataset[i]))
            for i, r in enumerate(result.rows[:200])
        ],
    )


@dataclass
class ImportOutcome:
    new: int
    updated: int
    skipped: int


def import_commit(*, kind: ImportKind, token: str, acting_user) -> ImportOutcome:
    """Import a previewed file: every row or, if any row fails now, none (one transaction)."""
    if not token or "/" in token or ".." in token:
        raise ImportFileError(_("预览已失效，请重新上传文件。"))
    path = f"{TMP_DIR}/{acting_user.pk}-{kind.slug}-{token}"
    if not default_storage.exists(path):
        raise ImportFileError(_("预览已失效，请重新上传文件。"))
    with default_storage.open(path, "rb") as fh:
        raw = fh.read()
    dataset = _load_dataset(raw, token, kind)
    with transaction.atomic():
        result = _run(kind, dataset, acting_user, dry_run=False)
        if result.has_errors() or result.has_validation_errors():
            transaction.set_rollback(True)
            first = _errors_of(result)[0]
            raise ImportFileError(
                _("导入未执行：第 %(line)d 行 %(msg)s（数据在预览后已变化，请重新上传）")
                % {"line": first.line, "msg": "；".join(first.messages)}
            )
    default_storage.delete(path)
    totals = result.totals
    return ImportOutcome(totals.get("new", 0), totals.get("update", 0), totals.get("skip", 0))
