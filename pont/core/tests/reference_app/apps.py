from django.apps import AppConfig


class ReferenceAppConfig(AppConfig):
    """Test-only: a concrete ReferenceData table until the first real one exists.

    It has no migrations folder, so the test database creates its table directly.
    """

    name = "pont.core.tests.reference_app"
    label = "reference_app"
    default_auto_field = "django.db.models.BigAutoField"
