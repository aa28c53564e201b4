"""The login protection (django-axes) in the admin, in Chinese: the library's own admin classes
(read-only records, the clean-up action) with Chinese names, columns, filters and field labels.
settings.AXES_ENABLE_ADMIN is off, so these replace the library's English registrations."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import LoginAttempt, LoginFailure, LoginLog

LABELS = {
    "attempt_time": _("时间"),
    "logout_time": _("退出时间"),
    "ip_address": _("IP 地址"),
    "username": _("用户名"),
    "user_agent": _("浏览器标识"),
    "path_info": _("请求路径"),
    "http_accept": _("HTTP Accept 头"),
    "get_data": _("GET 参数"),
    "post_data": _("POST 参数（不含密码）"),
    "failures_since_start": _("连续失败次数"),
    "locked_out": _("已锁定"),
    "session_hash": _("会话摘要"),
}


def _shown(field: str):
    """An admin column / read-only field showing `field` of the record under its Chinese label."""

    def show(self, obj):
        return getattr(obj, field)

    show.__name__ = f"{field}_zh"
    return admin.display(description=LABELS[field], ordering=field, boolean=field == "locked_out")(show)


def titled(filter_class, title):
    """`filter_class` under a Chinese title (a field filter's title is the field's English name)."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class LockedOutFilter(admin.SimpleListFilter):
    title = _("锁定状态")
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return (("yes", _("已锁定")), ("no", _("未锁定")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        if self.value() == "no":
            return queryset.filter(failures_since_start__lt=settings.AXES_FAILURE_LIMIT)
        return queryset


class ChineseLabels:
    """Every field of the records as `<field>_zh`, a column / read-only field with its Chinese label."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for field in LABELS:
            setattr(cls, f"{field}_zh", _shown(field))


DATE_FILTER = titled(admin.DateFieldListFilter, _("时间"))
PATH_FILTER = titled(admin.AllValuesFieldListFilter, _("请求路径"))
META = (_("请求信息"), {"fields": ("user_agent_zh", "ip_address_zh", "http_accept_zh")})


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ChineseLabels, AccessAttemptAdmin):
    list_display = [
        "attempt_time_zh",
        "ip_address_zh",
        "user_agent_zh",
        "username_zh",
        "path_info_zh",
        "failures_since_start_zh",
        "status",
    ]
    list_filter = [("attempt_time", DATE_FILTER), ("path_info", PATH_FILTER), LockedOutFilter]
    fieldsets = (
        (None, {"fields": ("username_zh", "path_info_zh", "failures_since_start_zh")}),
        (_("表单数据"), {"fields": ("get_data_zh", "post_data_zh")}),
        META,
    )
    readonly_fields = [f"{f}_zh" for f in LABELS if f not in ("logout_time", "locked_out", "session_hash")]
    actions = ["cleanup_expired_attempts"]

    @admin.action(description=_("清理已过期的失败计数"))
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, _("已清理 %(n)d 条过期的失败计数。") % {"n": count})

    @admin.display(description=_("状态"))
    def status(self, obj) -> str:
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return _("还可尝试 %(n)d 次") % {"n": left} if left > 0 else str(_("已锁定"))


@admin.register(LoginFailure)
class LoginFailureAdmin(ChineseLabels, AccessFailureLogAdmin):
    list_display = (
        "attempt_time_zh",
        "ip_address_zh",
        "username_zh",
        "user_agent_zh",
        "path_info_zh",
        "locked_out_zh",
    )
    list_filter = [
        ("attempt_time", DATE_FILTER),
        ("locked_out", titled(admin.BooleanFieldListFilter, _("已锁定"))),
        ("path_info", PATH_FILTER),
    ]
    fieldsets = (
        (None, {"fields": ("username_zh", "path_info_zh", "attempt_time_zh", "locked_out_zh")}),
        META,
    )
    readonly_fields = [
        "username_zh",
        "path_info_zh",
        "attempt_time_zh",
        "locked_out_zh",
        "user_agent_zh",
        "ip_address_zh",
        "http_accept_zh",
    ]


@admin.register(LoginLog)
class LoginLogAdmin(ChineseLabels, AccessLogAdmin):
    list_display = (
        "attempt_time_zh",
        "logout_time_zh",
        "ip_address_zh",
        "username_zh",
        "user_agent_zh",
        "path_info_zh",
    )
    list_filter = [
        ("attempt_time", DATE_FILTER),
        ("logout_time", titled(admin.DateFieldListFilter, _("退出时间"))),
        ("path_info", PATH_FILTER),
    ]
    fieldsets = (
        (None, {"fields": ("username_zh", "path_info_zh", "attempt_time_zh", "logout_time_zh")}),
        META,
    )
    readonly_fields = [
        "username_zh",
        "path_info_zh",
        "attempt_time_zh",
        "logout_time_zh",
        "user_agent_zh",
        "ip_address_zh",
        "http_accept_zh",
    ]
