from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisposalsConfig(AppConfig):
    name = "pont.disposals"
    label = "disposals"
    verbose_name = _("Out-of-court disposals")

    def ready(self) -> None:
        from . import registration

        registration.register()
