"""The product's state of a user account beyond Django's `User`.

It lives in `assessments` next to the memberships that give users their roles: the bulk import
creates accounts there, and who may reset whose password follows the same region scope
(`scoping.UserScope.users_q`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AccountState(models.Model):
    """Whether the password in use was chosen by someone other than its owner — handed out by a bulk
    import or set by commission staff in a reset — so that the owner must replace it at the next
    login (the web pages redirect to the password change page, API tokens are refused until then).
    A user without a row has chosen their own password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="account_state",
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("密码设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    password_set_at = models.DateTimeField(_("密码设置时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("账号状态")
        verbose_name_plural = _("账号状态")

    def __str__(self) -> str:
        return str(self.user)
