"""What a request body may hold: DRF's JSON parser, bounded in size, nesting and numbers.

Kept apart from `smartcampus.api` because DRF reads DEFAULT_PARSER_CLASSES while `rest_framework.views`
is being imported, which `smartcampus.api` itself imports.
"""

from __future__ import annotations

import codecs
import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("请求内容过大。")
    default_code = "too_large"


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _no_constants(name: str):
    raise _NotFinite(name)


def _depth_exceeds(data, limit: int) -> bool:
    """Whether lists/objects nest deeper than `limit` (iterative: no recursion on hostile input)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded.

    - The body is read up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's limit for form bodies, which DRF
      does not apply to JSON): beyond it, 413.
    - Lists and objects may nest `API_JSON_MAX_DEPTH` deep (no request needs more than four): deeper,
      400. Python's parser would otherwise raise RecursionError — a 500 — on a 100,000-deep body.
    - Numbers must be finite: `1e999999` (which parses as infinity and became the text "inf" in a
      text field), `NaN` and `Infinity` are refused with 400, as is an integer too long to convert.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(_("请求内容超过 %(mb).1f MB 的上限。") % {"mb": limit / (1024 * 1024)})
        try:
            data = json.loads(
                codecs.decode(raw, encoding), parse_float=_finite_float, parse_constant=_no_constants
            )
        except RecursionError:
            data = None  # deeper than Python can parse: certainly deeper than allowed
        except _NotFinite as exc:
            raise exceptions.ParseError(
                _("数值 %(v)s 超出范围：不接受无穷大、NaN 等不是有限数的数值。") % {"v": str(exc)[:20]}
            ) from None
        except ValueError as exc:  # also a UnicodeDecodeError, or an integer too long to convert
            raise exceptions.ParseError(_("请求内容不是有效的 JSON：%(error)s") % {"error": exc}) from None
        else:
            if not _depth_exceeds(data, settings.API_JSON_MAX_DEPTH):
                return data
        raise exceptions.ParseError(
            _("JSON 的嵌套层数超过 %(n)d 层的上限。") % {"n": settings.API_JSON_MAX_DEPTH}
        )
