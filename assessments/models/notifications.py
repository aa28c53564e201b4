"""In-app notifications of the workflow (the e-mail copy goes out through Django's e-mail backend)."""

import threading

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

# Writes of notifications made by this process (saves, deletes, and the services' bulk writes):
# an unread count read before one of them is not shown after it (`notification_writes`).
_WRITES = [0]
_WRITES_LOCK = threading.Lock()


def notifications_written(**_kwargs) -> None:
    with _WRITES_LOCK:
        _WRITES[0] += 1


def notification_writes() -> int:
    """How many writes of notifications this process has made so far."""
    return _WRITES[0]


class Notification(models.Model):
    """An in-app message to one user (the e-mail copy goes out through Django's e-mail backend).

    `key` makes reminders idempotent: a reminder carries a key naming what and which day it is
    about, and a second reminder with the same key for the same user is not created.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("自评已提交")
        RETURNED = "returned", _("自评被退回")
        FINALISED = "finalised", _("评审已完成")
        REOPENED = "reopened", _("评审结果已重新打开")
        ASSIGNED = "assigned", _("评审指派")
        REMINDER = "reminder", _("截止提醒")
        RECTIFICATION = "rectify", _("整改")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(_("去重键"), max_length=120, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="notification_unique_key"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


receiver(post_save, sender=Notification, dispatch_uid="notification_saved")(notifications_written)
receiver(post_delete, sender=Notification, dispatch_uid="notification_deleted")(notifications_written)
