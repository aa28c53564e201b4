from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报告与统计")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the 整改通知书 to the confirmed list
