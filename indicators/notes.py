"""Which node notes are *data notes* — about the transcription of the standard (how its text was
read, repaired or reconstructed) — and which are the standard's own remarks (备注).

A node's `note` holds both (docs/fixture-format.md): Beijing higher education's 备注 column is
copied verbatim ("选配", "重视台账和记录。"), while every note that explains the transcription speaks
of the source text it was made from (原文, 正文, 表格, 提取 …). Remarks are part of the standard and
shown to everyone; data notes, like the 推定值 flags, are shown to the people who look after the
data (commission staff, in a collapsed 「数据说明」) and not to schools, for whom they read as
warnings about the standard itself. A reconstructed value (`points_inferred`) always has a data note.
"""

from __future__ import annotations

#: words only a note about the transcription uses (checked against every note of the shipped
#: frameworks in tests/indicators/test_notes.py)
TRANSCRIPTION_WORDS = (
    "原文",  # i18n: data
    "正文",  # i18n: data
    "表格",  # i18n: data
    "提取",  # i18n: data
    "拼接",  # i18n: data
    "接续",  # i18n: data
    "录入",  # i18n: data
    "照录",  # i18n: data
    "并入",  # i18n: data
    "合并",  # i18n: data
    "推定",  # i18n: data
    "补足",  # i18n: data
)


def is_data_note(*, note: str, points_inferred: bool = False) -> bool:
    """Whether a node's note is about the transcription rather than a remark of the standard."""
    return points_inferred or any(word in note for word in TRANSCRIPTION_WORDS)
