from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "smartcampus.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .state import remember_password_state

        user_logged_in.connect(remember_password_state, dispatch_uid="smartcampus.accounts.password_state")
