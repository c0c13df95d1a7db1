"""System checks that keep demo conveniences out of production."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=False)
def demo_tools_off_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """accounts.E001: PONT_DEMO_TOOLS can never be on under production settings."""
    if getattr(settings, "PONT_DEPLOYMENT", "") == "production" and settings.PONT_DEMO_TOOLS:
        return [
            Error(
                "PONT_DEMO_TOOLS is on under production settings.",
                hint="Demo tools print second-factor codes; they must never run in production.",
                id="accounts.E001",
            )
        ]
    return []
