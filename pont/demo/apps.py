from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and the embedded run. Sits above every module; nothing imports it."""

    name = "pont.demo"
    label = "demo"
    verbose_name = "Demo"
