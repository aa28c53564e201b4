from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("整改")

    def ready(self) -> None:
        from assessments.views.bodies import ITEM_PAGE_EXTRAS

        from .selectors import carried_over_shown

        # the item page's 「上年整改事项」 (`{% carried_over_rectification %}`)
        ITEM_PAGE_EXTRAS.append(carried_over_shown)
