from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "pont.directory"
    label = "directory"
    verbose_name = _("Services directory")

    def ready(self) -> None:
        from django.urls import reverse_lazy

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
        # The needs officers search by: the system administrator may add, relabel or retire one.
        register_reference_table(NeedCategory)
