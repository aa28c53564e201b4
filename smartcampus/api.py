"""The API's error contract: every error answers `{"error": {"code", "message", "fields"}}`.

`exception_handler` is DRF's EXCEPTION_HANDLER. `message` is always a sentence for people, in the
active language (Chinese by default); `code` is stable for programs; `fields` maps input fields to
their messages (only for invalid input). Services' refusals (`smartcampus.errors`) are mapped here,
once: refused → 404 naming nothing, conflict → 409, invalid → 400, with the error's `extra` keys
(the missing items of an incomplete submission) and, for a version conflict, `current`: the newer
row shaped by the view's own serializer.

Errors that never reach a DRF view (an unknown address, a body too large to read, a server error —
a database that went away) get the same body from Django's error handlers under /api/
(`bad_request`, `not_found`, `server_error`, wired in smartcampus/urls.py). What a JSON body may
hold is bounded by `smartcampus.parsers.JSONParser`.
"""

from __future__ import annotations

from collections.abc import Hashable

from django.conf import settings
from django.core.exceptions import EmptyResultSet, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import ISO_8601, exceptions, pagination, serializers
from rest_framework.relations import RelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .db import Lru, convert_rows, fetch
from .errors import DomainError, ErrorKind, Invalid


def _default_code(status_code: int) -> str:
    return {
        400: "invalid",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        406: "not_acceptable",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        429: "throttled",
        500: "server_error",
        503: "unavailable",
    }.get(status_code, "error")


def _default_message(status_code: int) -> str:
    messages = {
        400: _("提交的数据有误，请按 fields 中的说明修改。"),
        401: _("请先登录，或在请求头中提供 API 令牌：Authorization: Token <令牌>。"),
        403: _("您没有执行该操作的权限。"),
        404: _("对象不存在，或不在您的权限范围内。"),
        405: _("不支持该请求方法。"),
        406: _("无法按请求的格式返回结果。"),
        409: _("数据已被他人修改，请刷新后重试。"),
        413: _("上传内容过大。"),
        415: _("不支持的请求内容类型。"),
        429: _("请求过于频繁，请稍后再试。"),
        500: _("服务器内部错误，请求未能完成。请稍后重试；如仍失败，请联系管理员。"),
        503: _("服务暂时不可用，请稍后再试。"),
    }
    return messages.get(status_code, _("请求未能完成。"))


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _first_field_message(fields: dict) -> str:
    messages = _flatten(fields)
    return messages[0] if messages else ""


def _fields(detail) -> dict:
    """DRF's nested error detail as plain strings, keeping the structure (lists of nested objects)."""
    if isinstance(detail, dict):
        return {str(k): _fields(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_fields(v) for v in detail]
    return str(detail)


def error_body(*, code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def exception_handler(exc, context):
    """DRF's handler (headers such as WWW-Authenticate and Retry-After kept), our body."""
    if isinstance(exc, DjangoValidationError):
        exc = Invalid.from_validation_error(exc)
    if isinstance(exc, DomainError):
        if exc.kind is ErrorKind.REFUSED:
            exc = exceptions.NotFound()  # the refusal's own message may name the object: never sent
        else:
            return _domain_error_response(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling (and logging) takes over
    code = _default_code(response.status_code)
    message = _default_message(response.status_code)
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        general = detail.pop("non_field_errors", None) or detail.pop("detail", None)
        fields = _fields(detail)
        message = " ".join(_flatten(general)) if general else message
    elif isinstance(exc, exceptions.Throttled):
        if exc.wait is not None:
            message = _("请求过于频繁，请在 %(s)d 秒后重试。") % {"s": int(exc.wait + 0.999)}
    elif isinstance(exc, exceptions.MethodNotAllowed):
        message = _("不支持 %(method)s 请求。") % {"method": context["request"].method}
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code, message = "authentication_failed", _("令牌无效或已被撤销，请重新创建 API 令牌或重新登录。")
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) != str(
        exceptions.PermissionDenied.default_detail
    ):
        message = str(exc.detail)  # CSRF failures explain themselves
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else code  # password_change_required
    elif isinstance(exc, exceptions.ParseError):
        code, message = "parse_error", str(exc.detail)
    elif isinstance(exc, exceptions.APIException) and response.status_code == 413:
        message = str(exc.detail)
    response.data = error_body(code=code, message=message, fields=fields)
    return response


def _domain_error_response(exc: DomainError, context) -> Response:
    extra = dict(exc.extra)
    view = context.get("view")
    if exc.current is not None and hasattr(view, "get_serializer"):
        extra["current"] = view.get_serializer(exc.current).data
    message = exc.message or _first_field_message(exc.fields) or _default_message(exc.status_code)
    body = error_body(code=exc.code, message=message, fields=exc.fields, **extra)
    return Response(body, status=exc.status_code)


# --- Django's error handlers: the JSON body under /api/ -------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, *, code: str | None = None, message: str | None = None) -> JsonResponse:
    body = error_body(code=code or _default_code(status), message=message or _default_message(status))
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    """handler400: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) is refused by
    Django before any view runs; say 413 when it was its size."""
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    if _is_api(request):
        return _json_error(status)
    response = defaults.bad_request(request, exception, template_name=template_name)
    response.status_code = status
    return response


def not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> HttpResponse:
    if _is_api(request):
        return _json_error(404)
    return defaults.page_not_found(request, exception, template_name=template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500 (the error itself is logged by Django, with its traceback)."""
    if _is_api(request):
        return _json_error(500)
    return defaults.server_error(request, template_name=template_name)


def query_parameter(name: str, description: str, type_=OpenApiTypes.STR) -> OpenApiParameter:
    """A documented query parameter of a list endpoint (`?campaign=`, `?q=`…)."""
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description)


# --- OpenAPI: the error body, documented once for every operation --------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "稳定的错误代码，供程序判断"},
                "message": {"type": "string", "description": "给人看的说明（默认中文）"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "各输入字段的错误说明（仅 400）",
                },
            },
            "additionalProperties": True,
        }
    },
}
_ERROR_STATUSES = {
    "400": "输入有误",
    "401": "未登录或令牌无效",
    "403": "无权执行该操作",
    "404": "对象不存在或不在权限范围内",
    "409": "版本冲突",
    "413": "上传内容过大",
    "415": "不支持的请求内容类型",
    "429": "请求过于频繁",
    "503": "所需的服务（任务队列）暂时不可用，请稍后重试",
}
#: statuses added only where a view declares them (`responses={409: None}` in `extend_schema`)
_DECLARED_ONLY = {"409", "413", "503"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the shared `Error` schema on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_STATUSES.items():
                if code in responses:
                    responses[code].setdefault("content", content)
                    continue
                writes = method in ("post", "put", "patch")
                # 400 everywhere: query parameters are checked too (NUL characters, bad filters)
                if code in _DECLARED_ONLY or (code == "415" and not writes):
                    continue
                responses[code] = {"description": description, "content": content}
    return result


# --- Lists: rows shaped without a model instance or DRF's per-row machinery -----------------------


class RowShape:
    """The read shape of `serializer_class` built from `.values()` rows: the same keys in the same
    order, each value converted by the serializer's own field (`to_representation`, None kept as
    None), as DRF gives for model instances. A list of 50 rows then costs neither 50 model
    instances (with their related rows) nor DRF's attribute lookup per field and row.

    Each field is read from the row key of its `source` (`school.name` → `school__name`, a
    foreign key → its id); `expressions` give the fields whose source is no column (a model
    property), as query expressions: `RowShape(AssessmentSerializer, deadline=Coalesce(…))`.
    The serializer stays the documented schema and the shape of single objects."""

    def __init__(self, serializer_class: type[serializers.Serializer], **expressions) -> None:
        self.serializer_class = serializer_class
        self.expressions = expressions
        self._plan: list[tuple[str, str, object]] | None = None

    @property
    def plan(self) -> list[tuple[str, str, object]]:
        """(JSON key, row key, converter or None) per readable field, built once per process."""
        if self._plan is None:
            plan = []
            for name, field in self.serializer_class().fields.items():
                if field.write_only:
                    continue
                key = name if name in self.expressions else field.source.replace(".", "__")
                plan.append((name, key, _converter(field)))
            self._plan = plan
        return self._plan

    def values(self, queryset):
        """`queryset` reading only the columns the shape needs, as dicts."""
        columns = [key for name, key, _ in self.plan if name not in self.expressions]
        return queryset.values(*columns, **self.expressions)

    def shape(self, rows) -> list[dict]:
        # DRF's conversions (labels in the active language, times in the current time zone) depend
        # on the value alone within one request: each distinct value is converted once per call
        plan = [
            (name, key, convert.bind() if isinstance(convert, _IsoDateTime) else convert, {})
            for name, key, convert in self.plan
        ]
        for n, (name, key, convert, _seen) in enumerate(plan):
            if convert in _PLAIN:
                plan[n] = (name, key, convert, None)
        shaped = []
        for row in rows:
            item = {}
            for name, key, convert, seen in plan:
                value = row[key]
                if convert is None or value is None:
                    item[name] = value
                elif seen is None:
                    item[name] = convert(value)
                elif value in seen:
                    item[name] = seen[value]
                else:
                    item[name] = seen[value] = convert(value)
            shaped.append(item)
        return shaped


_PLAIN = (int, str, bool)


def _converter(field: serializers.Field):
    """What DRF's field does to a non-null value, as a plain callable where it is one (None: as is)."""
    if isinstance(field, RelatedField) or type(field) is serializers.ReadOnlyField:
        return None  # a primary key: the row holds the id itself
    if type(field) is serializers.IntegerField:
        return int
    if type(field) is serializers.BigIntegerField:
        return str if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING) else int
    if type(field) is serializers.DateTimeField and _IsoDateTime.applies(field):
        return _IsoDateTime(field)
    if type(field) is serializers.CharField:
        return str
    if type(field) is serializers.BooleanField:
        return bool
    return field.to_representation


class _IsoDateTime:
    """DRF's `DateTimeField` output for its default format (ISO 8601 in the current time zone, UTC
    written `Z`), with the time zone looked up once per list instead of once per value."""

    def __init__(self, field: serializers.DateTimeField) -> None:
        self.field = field

    @staticmethod
    def applies(field: serializers.DateTimeField) -> bool:
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        return (
            settings.USE_TZ
            and isinstance(output_format, str)
            and output_format.lower() == ISO_8601
            and not hasattr(field, "timezone")
        )

    def bind(self):
        zone = timezone.get_current_timezone()
        field = self.field

        def convert(value):
            if value.tzinfo is None:  # never from PostgreSQL with USE_TZ; DRF decides
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return convert


class RowListMixin:
    """A viewset's `list` through `list_rows` (a `RowShape` of its serializer): same filters,
    ordering and pagination as DRF's `ListModelMixin`, same JSON.

    A viewset whose list queryset depends on nothing but the query string and what
    `list_inputs()` returns (the caller's scope, say) gets its statements compiled once per process
    for each such combination (`CompiledRows`) instead of building and compiling the queryset on
    every request."""

    list_rows: RowShape

    def list_inputs(self) -> Hashable | None:
        """Everything `get_queryset` and `filter_queryset` of the list read besides the query
        string, as one hashable value (compared by equality); None: compile on every request."""
        return None

    def list(self, request, *args, **kwargs):
        rows = self._compiled_rows()
        if rows is None:
            rows = self.list_rows.values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(self.list_rows.shape(rows))
        return self.get_paginated_response(self.list_rows.shape(page))

    def _compiled_rows(self) -> CompiledRows | None:
        inputs = self.list_inputs()
        if inputs is None:
            return None
        page_parameter = getattr(self.paginator, "page_query_param", None)
        query = tuple(
            sorted((k, tuple(v)) for k, v in self.request.query_params.lists() if k != page_parameter)
        )
        key = (type(self), inputs, query)
        rows = _COMPILED_LISTS.get(key)
        if rows is None:
            rows = CompiledRows.of(self.list_rows.values(self.filter_queryset(self.get_queryset())))
            if rows is None:
                return None
            _COMPILED_LISTS.put(key, rows)
        return rows


class CompiledRows:
    """A `.values()` queryset's statements (its rows, its count) compiled by Django once, run with
    the pagination's LIMIT/OFFSET: what the paginator needs of a queryset (slices of dicts and
    `count()`), with Django's own column names and value converters.

    The statements are fixed: they are valid for every request whose queryset would have been the
    same, which the caller guarantees by its key (`RowListMixin.list_inputs`)."""

    def __init__(self, *, queryset) -> None:
        query = queryset.query
        self.using = queryset.db
        compiler = query.get_compiler(using=self.using)
        self.sql, params = compiler.as_sql(with_limits=False)
        self.params = tuple(params)
        self.names = (
            list(query.selected)
            if query.selected
            else [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        )
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.ordered = queryset.ordered
        # the rows counted as they are (what Django does itself for a query it cannot count directly)
        counted = query.chain()
        counted.clear_ordering(force=True, clear_default=True)
        unordered, count_params = counted.get_compiler(using=self.using).as_sql()
        self.count_sql = f'SELECT COUNT(*) FROM ({unordered}) "rows"'  # noqa: S608 — Django's own SQL
        self.count_params = tuple(count_params)

    @classmethod
    def of(cls, queryset) -> CompiledRows | None:
        """None for a queryset that can match nothing (Django answers it without a statement)."""
        try:
            return cls(queryset=queryset)
        except EmptyResultSet:
            return None

    def count(self) -> int:
        return fetch(connections[self.using], self.count_sql, self.count_params)[0][0]

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("only slices without a step")
        connection = connections[self.using]
        low, high = index.start or 0, index.stop
        if low < 0 or (high is not None and high < 0):
            raise ValueError("negative indexing is not supported")
        if high is not None and high <= low:
            return []
        limits = connection.ops.limit_offset_sql(low, high)
        sql = f"{self.sql} {limits}" if limits else self.sql
        rows = fetch(connection, sql, self.params)
        names = self.names
        rows = convert_rows(rows, self.converters, connection)
        return [dict(zip(names, row)) for row in rows]  # noqa: B905 — as Django's ValuesIterable


#: compiled lists of this process: (viewset, its `list_inputs()`, query string) → CompiledRows
_COMPILED_LISTS = Lru(1024)


#: the largest OFFSET/LIMIT a database takes (PostgreSQL: a bigint); a page number beyond it is past
#: the end of any list
_LARGEST_OFFSET = 2**63 - 1


class RowsFirstPaginator(Paginator):
    """Django's paginator that reads the page's rows before counting: a page shorter than the page
    size is the last one, so the total is its offset plus its rows, exact, without a COUNT over
    everything in scope. Full pages (and pages past the end) are counted as before."""

    def page(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # the paginator's own error, before any query
        bottom = (number - 1) * self.per_page
        if number < 1 or self.orphans or bottom + self.per_page > _LARGEST_OFFSET:
            return super().page(number)  # counted first: a page past the end is EmptyPage, no query
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if len(rows) < self.per_page and (rows or (number == 1 and self.allow_empty_first_page)):
            self.__dict__["count"] = bottom + len(rows)  # `count` is a cached_property
        else:
            number = self.validate_number(number)
        return self._get_page(rows, number, self)


class PageNumberPagination(pagination.PageNumberPagination):
    """The API's page-number pagination (`?page=`), counting only when a page is full."""

    django_paginator_class = RowsFirstPaginator
