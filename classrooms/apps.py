from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    name = "classrooms"
    verbose_name = _("教室与设备")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the recheck after a catalogue reload
