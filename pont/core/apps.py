from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pont.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from . import checks  # noqa: F401 - registers system checks
        from .navigation import NavItem, register_nav_item

        register_nav_item(
            NavItem(
                key="core", label=_("Home"), url=reverse_lazy("core:home"), capability=None, order=0
            )
        )
