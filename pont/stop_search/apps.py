from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StopSearchConfig(AppConfig):
    name = "pont.stop_search"
    label = "stop_search"
    verbose_name = _("Stop and search")

    def ready(self) -> None:
        from . import registration

        registration.register()
