from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "pont.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from pont.core.backup import register_restore_check
        from pont.core.navigation import NavItem, register_nav_item

        from . import maintenance
        from .selectors import chain_verified_in_restored_copy

        maintenance.connect()
        register_restore_check("chain", chain_verified_in_restored_copy)
        register_nav_item(
            NavItem(
                key="audit",
                label=_("Audit log"),
                url=reverse_lazy("audit:search"),
                capability="audit.search_audit_log",
                order=90,
                description=_(
                    "Search who collected, changed, viewed or shared whose records, and export "
                    "the log for the Information Commissioner."
                ),
            )
        )
