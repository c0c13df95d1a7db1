from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pont.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from pont.core.navigation import NavItem, register_nav_item

        from . import checks, signals  # noqa: F401 - register checks and signal handlers
        from .roles import (
            MANAGE_ALL_API_CLIENTS,
            MANAGE_API_CLIENTS,
            MANAGE_REFERENCE_DATA,
            MANAGE_USERS,
        )

        register_nav_item(
            NavItem(
                key="users",
                label=_("Users"),
                url=reverse_lazy("accounts:user_list"),
                capability=MANAGE_USERS,
                order=80,
                description=_("Add staff, give them roles, end their access."),
                match="accounts:user",
            )
        )
        register_nav_item(
            NavItem(
                key="api_clients",
                label=_("API clients"),
                url=reverse_lazy("accounts:api_client_list"),
                capability=(MANAGE_API_CLIENTS, MANAGE_ALL_API_CLIENTS),
                order=85,
                description=_("Connect a partner system to Pont and manage its keys."),
                match="accounts:api_client",
            )
        )
        register_nav_item(
            NavItem(
                key="reference_data",
                label=_("Reference data"),
                url=reverse_lazy("reference:list"),
                capability=MANAGE_REFERENCE_DATA,
                order=88,
                description=_(
                    "Dated codes and numbers set by law and guidance: add a new version when "
                    "they change."
                ),
                match="reference:",
            )
        )
