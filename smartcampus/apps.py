"""The project package as an app: only for what must happen once every app's models are loaded."""

from django.apps import AppConfig, apps


class SmartcampusConfig(AppConfig):
    name = "smartcampus"
    verbose_name = "智慧校园自评平台"

    def ready(self) -> None:
        from .text import install_plain_text_validators

        # every text field of every model, ours and the libraries' (users, tokens, the admin's log…)
        install_plain_text_validators(apps.get_models(include_auto_created=True))
