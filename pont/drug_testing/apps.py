from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrugTestingConfig(AppConfig):
    name = "pont.drug_testing"
    label = "drug_testing"
    verbose_name = _("Test on arrest")

    def ready(self) -> None:
        from . import registration

        registration.register()
