from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "pont.directory"
    label = "directory"
    verbose_name = _("Services directory")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from pont.accounts.roles import MANAGE_SERVICE_REFERRALS
        from pont.core.navigation import NavItem, register_nav_item
        from pont.core.reference import register_reference_table

        from .models import NeedCategory

        # Every signed-in member of staff: the directory holds no personal data.
        register_nav_item(
            NavItem(
                key="directory",
                label=_("Services"),
                url=reverse_lazy("directory:search"),
                capability=None,
                order=30,
                description=_(
                    "Find drug, alcohol, housing and young people's services by need, county "
                    "and language, and see which take referrals through Pont."
                ),
            )
        )
        # A provider's manager: which of their services take referrals, and where notices go.
        register_nav_item(
            NavItem(
                key="service_settings",
                label=_("Your services"),
                url=reverse_lazy("directory:settings"),
                capability=MANAGE_SERVICE_REFERRALS,
                order=84,
                description=_(
                    "Say which of your services take referrals through Pont, and which inbox "
                    "is told of new ones."
                ),
                match="directory:settings",
            )
        )
        # The needs officers search by: the system administrator may add, relabel or retire one.
        register_reference_table(NeedCategory)
