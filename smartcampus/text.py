"""Plain text: what every text field of the product accepts.

Refused everywhere: C0 control characters (U+0000–U+001F) other than tab, line feed and carriage
return, DEL (U+007F), C1 control characters (U+0080–U+009F), and the bidirectional embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make text display in another order than
it is stored (`报告\u202egpj.exe` shows as `报告exe.jpg`). Single-line fields (every `CharField`)
refuse tab and line breaks too; multi-line fields (`TextField`) keep them.

Refused, not stripped: the user sees which character and where, and what is stored is what was
typed. The check is a validator that `install_plain_text_validators` adds, once at start-up
(`smartcampus.apps`), to every `CharField` and `TextField` of every model, so every path that
validates a model — services (`full_clean()` before `save()`), model forms and the admin, API model
serializers, the bulk import — refuses them alike, and a new field is covered without a line of
code. It is added as a default validator of the field instance, which migrations do not record.

This module is infrastructure: it imports no app.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_BIDI = "\u202a-\u202e\u2066-\u2069"
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_LINE_BREAKS = "\t\n\r"


class PlainTextValidator:
    """Refuse control and bidi-override characters (and, single-line, tab and line breaks)."""

    def __init__(self, *, multi_line: bool) -> None:
        self.multi_line = multi_line
        self.pattern = _MULTI_LINE if multi_line else _SINGLE_LINE

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        found = self.pattern.search(value)
        if found is None:
            return
        char = found.group()
        if char in _LINE_BREAKS:
            raise ValidationError(_("此处只能填写一行文字，不能包含换行或制表符。"), code="line_break")
        raise ValidationError(
            _("不能包含不可见的控制字符或文字方向控制符（第 %(position)d 个字符 %(char)s），请删除后重试。"),
            code="control_character",
            params={"position": found.start() + 1, "char": f"U+{ord(char):04X}"},
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlainTextValidator) and other.multi_line == self.multi_line

    def __hash__(self) -> int:
        return hash((PlainTextValidator, self.multi_line))


single_line = PlainTextValidator(multi_line=False)
multi_line = PlainTextValidator(multi_line=True)


def install_plain_text_validators(model_classes) -> None:
    """Give every CharField (single line) and TextField (multi-line) of these models the check."""
    for model in model_classes:
        for field in model._meta.local_fields:
            if isinstance(field, models.TextField):
                validator = multi_line
            elif isinstance(field, models.CharField):
                validator = single_line
            else:
                continue
            if validator not in field.default_validators:
                field.default_validators = [*field.default_validators, validator]
                field.__dict__.pop("validators", None)  # the cached list, if anything read it already
