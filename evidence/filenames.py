"""Display names of uploaded files. The name a user gave is only ever shown and offered on
download; it never becomes part of a storage path (those are `evidence/<school>/<uuid>.<ext>`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .sniffing import FileType

MAX_NAME_LENGTH = 100
_SEPARATORS = ("/", "\\")
_FORBIDDEN = set('<>:"|?*')


@dataclass(frozen=True)
class CleanName:
    name: str
    #: characters that could not be kept (path separators, control characters, leading dots) were removed
    altered: bool


def _is_control(char: str) -> bool:
    # Cc = C0/C1 controls (NUL, newline, DEL…), Cf = invisible format characters such as the
    # right-to-left override used to disguise "exe.pdf" as "fdp.exe".
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def clean_filename(raw: str, file_type: FileType) -> CleanName:
    """A safe display name for `raw` ending in the detected type's extension.

    NFKC-normalised; path separators, control and format characters, Windows-reserved characters
    and leading dots removed; at most `MAX_NAME_LENGTH` characters with the extension kept.
    A name whose extension does not match the content gets the detected extension appended
    ("报告.pdf" holding a PNG becomes "报告.pdf.png").
    """
    name = unicodedata.normalize("NFKC", raw or "")
    altered = False
    # Only the last path component is a name; anything before a separator is discarded.
    for sep in _SEPARATORS:
        if sep in name:
            name = name.rsplit(sep, 1)[-1]
            altered = True
    kept = "".join(c for c in name if not _is_control(c) and c not in _FORBIDDEN)
    altered = altered or kept != name
    name = " ".join(kept.split())  # collapse runs of whitespace
    stripped = name.lstrip(". ")
    altered = altered or (stripped != name and name.startswith("."))
    name = stripped.rstrip(". ")

    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in (file_type.extension, *file_type.aliases):
        ext = ext.lower()
    else:
        stem, ext = name, file_type.extension
    stem = stem.strip() or "未命名"
    budget = MAX_NAME_LENGTH - len(ext) - 1
    if len(stem) > budget:
        stem = stem[:budget].rstrip(". ")
    return CleanName(name=f"{stem}.{ext}", altered=altered)
