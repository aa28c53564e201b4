"""Display names of uploaded files. The name a user gave is only ever shown and offered on
download; it never becomes part of a storage path (those are `evidence/<school>/<uuid>.<ext>`).

A name that carries the extension of a program or script anywhere after its stem (`shell.php.jpg`,
`a.exe.pdf`, `报告.html`) is refused by the upload service, whatever the content: nobody hands in
evidence under such a name, and the download name would carry it to the reviewer's machine (and to
any server that later unpacks an export).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .filetypes import FileType

MAX_NAME_LENGTH = 100
_SEPARATORS = ("/", "\\")
_FORBIDDEN = set('<>:"|?*')

#: Programs, installers, shortcuts, scripts, server-side pages, and documents a browser runs scripts
#: in (HTML, SVG, HTA, MHT). `.com` is left out on purpose: screenshots are routinely named after
#: web addresses ("www.example.com.png"), and a real DOS program is refused by its content anyway.
EXECUTABLE_EXTENSIONS = frozenset(
    """
    exe scr pif cpl msi msp msc dll ocx sys drv lnk url scf inf reg gadget application
    bat cmd vbs vbe js jse mjs cjs wsf wsh wsc hta ps1 psm1 psd1 ps1xml ps2 msh
    jar class war ear apk ipa xap deb rpm dmg pkg run appimage
    sh bash zsh csh ksh fish command py pyc pyo pyw pl pm cgi rb lua tcl
    php php3 php4 php5 php7 php8 phtml pht phar phps
    asp aspx ascx ashx asmx asa axd cshtml vbhtml jsp jspx jspf cfm cfml cfc
    html htm xhtml shtml shtm mht mhtml svg svgz swf
    """.split()
)


@dataclass(frozen=True)
class CleanName:
    name: str
    #: characters that could not be kept (path separators, control characters, leading dots) were removed
    altered: bool
    #: the first program or script extension found in the name (without the dot), else ""
    executable_extension: str = ""


def _is_control(char: str) -> bool:
    # Cc = C0/C1 controls (NUL, newline, DEL…), Cf = invisible format characters such as the
    # right-to-left override used to disguise "exe.pdf" as "fdp.exe".
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def executable_extension(name: str) -> str:
    """The first program or script extension among the dot-separated parts after the stem, else "".

    Each part is compared whole, after trimming spaces and the `;` that some servers stop reading at
    ("shell.php;.jpg"), so "www.example.com截图.png" or "v1.2.pdf" are not mistaken for one.
    """
    for part in name.split(".")[1:]:
        candidate = part.strip(" ;").lower()
        if candidate in EXECUTABLE_EXTENSIONS:
            return candidate
    return ""


def clean_filename(raw: str, file_type: FileType) -> CleanName:
    """A safe display name for `raw` ending in the detected type's extension.

    NFKC-normalised; path separators, control and format characters, Windows-reserved characters
    and leading dots removed; at most `MAX_NAME_LENGTH` characters with the extension kept.
    A name whose extension does not match the content gets the detected extension appended
    ("报告.pdf" holding a PNG becomes "报告.pdf.png"). Program and script extensions are looked for
    in the whole normalised name, before it is shortened.
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
    executable = executable_extension(name)

    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in (file_type.extension, *file_type.aliases):
        ext = ext.lower()
    else:
        stem, ext = name, file_type.extension
    stem = stem.strip() or _("未命名")
    budget = MAX_NAME_LENGTH - len(ext) - 1
    if len(stem) > budget:
        stem = stem[:budget].rstrip(". ")
    return CleanName(name=f"{stem}.{ext}", altered=altered, executable_extension=executable)
