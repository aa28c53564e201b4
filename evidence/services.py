"""Writes of the evidence app: upload to a school's library, attach/detach, links, delete.

Every service is keyword-only and atomic, validates with `full_clean()` and leaves its history row
(django-simple-history, with the acting user) in the same transaction. Services that touch a
response call `assessments.services.response_assert_editable` first, before anything is written.

Stored bytes and database rows cannot share a transaction. The rule here: bytes are written last,
just before the row, and deleted again if saving the row fails; a row is deleted first and its
bytes only once the deletion has committed. An outer transaction rolled back after a successful
upload, or a process killed between the two writes, can still leave unreferenced bytes behind:
`evidence_orphans_sweep` removes them once they are older than a grace period.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from assessments.models import ItemResponse, School
from assessments.scoping import Action, get_scope
from assessments.services import response_assert_editable
from smartcampus.errors import Conflict, DomainError, Invalid, Refused

from .filenames import CleanName, clean_filename
from .filetypes import FileType, UnsupportedContent
from .images import image_max_pixels, image_size, make_thumbnail, preview_max_pixels, thumbnail_name
from .models import EvidenceFile, EvidenceLink, ResponseEvidence
from .sniffing import detect_type
from .uploads import max_upload_bytes, too_large_message


class EvidenceRejected(Invalid):
    """An upload or attachment refused for a reason the user can fix; the message says which."""


class EvidenceInUse(Conflict):
    """A library file supports items that may no longer change (submitted…): it cannot be deleted."""


class EvidenceRefused(Refused):
    """Only the school's own CIO changes its library (reviewers and commission staff only read it)."""


@dataclass
class UploadOutcome:
    """What happened to one uploaded file: the library row it maps to and messages for the user."""

    evidence_file: EvidenceFile
    created: bool
    notices: list[str] = field(default_factory=list)


def evidence_storage():
    return EvidenceFile._meta.get_field("file").storage


def evidence_library_assert_writable(*, school: School, acting_user) -> None:
    """Only the school's own CIO adds to or deletes from its library."""
    if not get_scope(acting_user).can(Action.EDIT, school):
        raise EvidenceRefused(_("只有本校的信息化负责人可以管理本校的材料库。"), code="not_cio")


def _sha256(uploaded_file: UploadedFile) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Checked:
    file_type: FileType
    name: CleanName
    #: (width, height) of an image whose header could be read
    size: tuple[int, int] | None


def _check_upload(uploaded_file: UploadedFile) -> _Checked:
    name = uploaded_file.name or ""
    if not uploaded_file.size:
        raise EvidenceRejected(_("「%(name)s」是空文件（0 字节），未保存。") % {"name": name}, code="empty")
    if uploaded_file.size > max_upload_bytes():
        raise EvidenceRejected(too_large_message(name), code="too_large")
    try:
        file_type = detect_type(uploaded_file)
    except UnsupportedContent as exc:
        raise EvidenceRejected(
            _("「%(name)s」：%(why)s") % {"name": name, "why": exc}, code="unsupported"
        ) from None
    clean = clean_filename(name, file_type)
    if clean.executable_extension:
        raise EvidenceRejected(
            _(
                "「%(name)s」：文件名中含有可执行程序或脚本的扩展名「.%(ext)s」，为安全起见未保存。"
                "请修改文件名（去掉「.%(ext)s」）后再上传。"
            )
            % {"name": clean.name, "ext": clean.executable_extension},
            code="executable_name",
        )
    size = image_size(uploaded_file) if file_type.is_image else None
    if size and size[0] * size[1] > image_max_pixels():
        raise EvidenceRejected(
            _("「%(name)s」：图片尺寸过大（%(w)d×%(h)d 像素，上限 %(max)d 百万像素），请缩小后再上传。")
            % {"name": clean.name, "w": size[0], "h": size[1], "max": image_max_pixels() // 1_000_000},
            code="image_too_large",
        )
    return _Checked(file_type=file_type, name=clean, size=size)


@transaction.atomic
def evidence_upload(*, school: School, uploaded_file: UploadedFile, acting_user) -> UploadOutcome:
    """Add one uploaded file to `school`'s library, or find the identical file already there.

    The type is detected from the bytes; the stored name is `evidence/<school>/<uuid>.<ext>`.
    Raises `EvidenceRejected` (empty, too large, unsupported or unsafe content, a program's name)
    before anything is stored. An image above the preview budget gets its thumbnail made and stored
    here, so that no reviewer's browser is ever given the full image to decode.
    """
    evidence_library_assert_writable(school=school, acting_user=acting_user)
    return evidence_file_store(school=school, uploaded_file=uploaded_file, acting_user=acting_user)


@transaction.atomic
def evidence_file_store(
    *, school: School, uploaded_file: UploadedFile, acting_user, kinds: tuple[str, ...] = ()
) -> UploadOutcome:
    """The library's checks and storage of `evidence_upload`, without its rule of who may write: for
    a service of a higher app that has decided that rule itself (an on-site visit's photo or check
    sheet, stored by the visit's team in the school's library). `kinds` limits the detected types
    (("pdf",) for a signed sheet); another type is rejected before anything is stored."""
    checked = _check_upload(uploaded_file)
    file_type, clean, size = checked.file_type, checked.name, checked.size
    if kinds and file_type.kind not in kinds:
        raise EvidenceRejected(
            _("「%(name)s」不是所要求的文件类型（%(kinds)s）。")
            % {"name": clean.name, "kinds": _("、").join(k.upper() for k in kinds)},
            code="wrong_kind",
        )
    notices = []
    if clean.altered:
        notices.append(
            _("文件名包含路径分隔符、控制字符或开头的点，已自动清理为「%(name)s」。") % {"name": clean.name}
        )
    digest = _sha256(uploaded_file)
    existing = EvidenceFile.objects.filter(school=school, sha256=digest).first()
    if existing is not None:
        return UploadOutcome(existing, created=False, notices=notices)

    thumbnail = None
    if size and size[0] * size[1] > preview_max_pixels():
        thumbnail = make_thumbnail(uploaded_file)
    storage = evidence_storage()
    stored_name = storage.save(
        f"evidence/{school.pk}/{uuid.uuid4().hex}.{file_type.extension}", uploaded_file
    )
    written = [stored_name]
    evidence_file = EvidenceFile(
        school=school,
        file=stored_name,
        original_name=clean.name,
        content_type=file_type.content_type,
        kind=file_type.kind,
        size=uploaded_file.size,
        sha256=digest,
        width=size[0] if size else None,
        height=size[1] if size else None,
        uploaded_by=acting_user,
    )
    evidence_file._history_user = acting_user
    try:
        if thumbnail is not None:
            written.append(_save_exactly(storage, thumbnail_name(stored_name), thumbnail))
        with transaction.atomic():
            evidence_file.full_clean(validate_constraints=False)
            evidence_file.save()
    except IntegrityError:
        # The same bytes were uploaded concurrently and committed first: use that row.
        _delete_all(storage, written)
        return UploadOutcome(
            EvidenceFile.objects.get(school=school, sha256=digest), created=False, notices=notices
        )
    except BaseException:
        _delete_all(storage, written)
        raise
    return UploadOutcome(evidence_file, created=True, notices=notices)


def _save_exactly(storage, name: str, data: bytes) -> str:
    """Store `data` under `name` itself; a storage that had to pick another name is undone."""
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        storage.delete(saved)
        raise OSError(f"storage renamed {name} to {saved}")
    return saved


def _delete_all(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def evidence_thumbnail_ensure(*, evidence_file: EvidenceFile) -> str:
    """The storage name of `evidence_file`'s thumbnail, making and caching it first if needed.

    Images uploaded above the preview budget have theirs already; this makes the others (an older
    upload, a thumbnail removed from storage) from the stored original. Returns "" when no
    thumbnail can be made (not an image, unreadable, above the hard limit, too slow).
    """
    if not evidence_file.is_image:
        return ""
    storage = evidence_storage()
    name = evidence_file.thumbnail_name
    if storage.exists(name):
        return name
    try:
        with storage.open(evidence_file.file.name, "rb") as original:
            data = make_thumbnail(original)
    except OSError:
        return ""
    if data is None:
        return ""
    try:
        return _save_exactly(storage, name, data)
    except OSError:
        # Made concurrently by another request: theirs is the same picture.
        return name if storage.exists(name) else ""


def _attach(*, response: ItemResponse, evidence_file: EvidenceFile, acting_user) -> bool:
    if evidence_file.school_id != response.assessment.school_id:
        raise EvidenceRejected(_("只能关联本校材料库中的文件。"), code="other_school")
    if ResponseEvidence.objects.filter(response=response, file=evidence_file).exists():
        return False
    link = ResponseEvidence(response=response, file=evidence_file, attached_by=acting_user)
    link.full_clean(validate_constraints=False)
    link._history_user = acting_user
    link.save()
    return True


@transaction.atomic
def evidence_attach(*, response: ItemResponse, evidence_file: EvidenceFile, acting_user) -> bool:
    """Attach a library file to `response`; False when it was already attached (nothing changes)."""
    response_assert_editable(response=response, acting_user=acting_user)
    return _attach(response=response, evidence_file=evidence_file, acting_user=acting_user)


@transaction.atomic
def evidence_upload_to_response(
    *, response: ItemResponse, uploaded_file: UploadedFile, acting_user
) -> UploadOutcome:
    """Upload one file into the school's library and attach it to `response` (the item page's upload).

    A file already in the library is attached instead of stored twice, and the user is told so.
    """
    response_assert_editable(response=response, acting_user=acting_user)
    outcome = evidence_upload(
        school=response.assessment.school, uploaded_file=uploaded_file, acting_user=acting_user
    )
    newly_attached = _attach(response=response, evidence_file=outcome.evidence_file, acting_user=acting_user)
    if not outcome.created:
        outcome.notices.append(
            _("该文件已在本校材料库中，已直接关联。")
            if newly_attached
            else _("该文件已在本校材料库中，且已关联到本条目。")
        )
    return outcome


@transaction.atomic
def evidence_detach(*, response: ItemResponse, evidence_file: EvidenceFile, acting_user) -> None:
    """Remove a file from `response`; the file stays in the library. Recorded in the history."""
    response_assert_editable(response=response, acting_user=acting_user)
    link = ResponseEvidence.objects.filter(response=response, file=evidence_file).first()
    if link is None:
        raise EvidenceRejected(_("该文件没有关联到本条目。"), code="not_attached")
    link._history_user = acting_user
    link.delete()


@transaction.atomic
def evidence_link_add(*, response: ItemResponse, url: str, title: str, acting_user) -> EvidenceLink:
    """Add a web link (http/https only) as evidence for `response`."""
    response_assert_editable(response=response, acting_user=acting_user)
    link = EvidenceLink(
        response=response, url=(url or "").strip(), title=(title or "").strip(), added_by=acting_user
    )
    link.full_clean()
    link._history_user = acting_user
    link.save()
    return link


@transaction.atomic
def evidence_link_remove(*, link: EvidenceLink, acting_user) -> None:
    response_assert_editable(response=link.response, acting_user=acting_user)
    link._history_user = acting_user
    link.delete()


@transaction.atomic
def evidence_file_delete(*, evidence_file: EvidenceFile, acting_user) -> None:
    """Delete a library file, detaching it (with history) from the items it supports.

    Refused when any of those items may no longer be changed by `acting_user` (submitted, past the
    deadline…): evidence a reviewer may be looking at never disappears. The stored bytes are
    removed only after the deletion has committed.
    """
    evidence_library_assert_writable(school=evidence_file.school, acting_user=acting_user)
    attachments = list(
        ResponseEvidence.objects.select_for_update()
        .filter(file=evidence_file)
        .select_related("response__assessment__campaign", "response__node")
    )
    for attachment in attachments:
        try:
            response_assert_editable(response=attachment.response, acting_user=acting_user)
        except DomainError:
            raise EvidenceInUse(
                _("该文件已关联到不可修改的条目「%(item)s」（如已提交），不能删除。")
                % {"item": attachment.response.node.code},
                code="attached_locked",
            ) from None
    for attachment in attachments:
        attachment._history_user = acting_user
        attachment.delete()
    names = [evidence_file.file.name]
    if evidence_file.is_image:
        names.append(evidence_file.thumbnail_name)
    storage = evidence_storage()
    evidence_file._history_user = acting_user
    try:
        with transaction.atomic():
            evidence_file.delete()
    except (ProtectedError, RestrictedError):
        # a record of a higher app keeps the file (a rectification's proof, an on-site visit's photo
        # or signed sheet)
        raise EvidenceInUse(
            _("该文件是其他记录（如整改证明材料、现场核验照片或签字核验单）的凭据，不能删除。"),
            code="kept_by_record",
        ) from None
    transaction.on_commit(lambda: _delete_all(storage, names))


@transaction.atomic
def evidence_carry_forward(*, pairs: list[tuple[ItemResponse, ItemResponse]], acting_user) -> int:
    """Give each (last year's response, this year's response) pair's new response the library files
    and web links of the old one: the same files of the school's library, never copies; files and
    links already there are skipped. Called by `assessments.services.years` inside its transaction
    (setting CARRY_FORWARD_HANDLERS) after it checked the user may edit the new responses. Returns
    how many files and links were added."""
    if not pairs:
        return 0
    new_of = {old.pk: new for old, new in pairs}
    new_ids = [new.pk for new in new_of.values()]
    have_files = set(
        ResponseEvidence.objects.filter(response_id__in=new_ids).values_list("response_id", "file_id")
    )
    have_links = set(EvidenceLink.objects.filter(response_id__in=new_ids).values_list("response_id", "url"))
    added = 0
    for old_id, file_id, school_id in ResponseEvidence.objects.filter(response_id__in=new_of).values_list(
        "response_id", "file_id", "file__school_id"
    ):
        new = new_of[old_id]
        if (new.pk, file_id) in have_files or school_id != new.assessment.school_id:
            continue
        row = ResponseEvidence(response=new, file_id=file_id, attached_by=acting_user)
        row._history_user = acting_user
        row.save()
        have_files.add((new.pk, file_id))
        added += 1
    for old_id, url, title in EvidenceLink.objects.filter(response_id__in=new_of).values_list(
        "response_id", "url", "title"
    ):
        new = new_of[old_id]
        if (new.pk, url) in have_links:
            continue
        link = EvidenceLink(response=new, url=url, title=title, added_by=acting_user)
        link.full_clean(exclude=["response"])
        link._history_user = acting_user
        link.save()
        have_links.add((new.pk, url))
        added += 1
    return added
