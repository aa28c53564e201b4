"""The login protection's records (django-axes) as the admin shows them: proxy models with Chinese
names, so the admin reads in Chinese without changing the library's own models (their migrations
stay the library's). The records themselves are written by django-axes only."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils.translation import gettext_lazy as _


class LoginAttempt(AccessAttempt):
    """Failed logins counted per username and address: five lock the pair for the cool-off time."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")

    def __str__(self) -> str:
        return _("%(username)s 自 %(address)s 的登录失败") % {
            "username": self.username or "—",
            "address": self.ip_address or "—",
        }


class LoginFailure(AccessFailureLog):
    """One failed login (kept as a log, also after the count is reset)."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return _("%(username)s 登录失败") % {"username": self.username or "—"}


class LoginLog(AccessLog):
    """One successful login and, when it happened, its logout."""

    class Meta:
        proxy = True
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")

    def __str__(self) -> str:
        return _("%(username)s 的登录") % {"username": self.username or "—"}
