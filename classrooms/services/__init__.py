"""Writes of the classroom inventory; everything is importable from here."""

from .classrooms import (
    UNSET,
    ClassroomConflict,
    ClassroomRefused,
    NoCatalog,
    classroom_assert_editable,
    classroom_catalog,
    classroom_create,
    classroom_delete,
    classroom_device_add,
    classroom_device_remove,
    classroom_device_update,
    classroom_evidence_attach,
    classroom_evidence_detach,
    classroom_update,
    classrooms_recheck,
)
from .imports import (
    ClassroomImportError,
    ClassroomImportOutcome,
    ClassroomImportPreview,
    classroom_import_commit,
    classroom_import_preview,
)

__all__ = [
    "UNSET",
    "ClassroomConflict",
    "ClassroomImportError",
    "ClassroomImportOutcome",
    "ClassroomImportPreview",
    "ClassroomRefused",
    "NoCatalog",
    "classroom_assert_editable",
    "classroom_catalog",
    "classroom_create",
    "classroom_delete",
    "classroom_device_add",
    "classroom_device_remove",
    "classroom_device_update",
    "classroom_evidence_attach",
    "classroom_evidence_detach",
    "classroom_import_commit",
    "classroom_import_preview",
    "classroom_update",
    "classrooms_recheck",
]
