"""System checks for invariants that code review would otherwise have to catch."""

from typing import Any

from django.apps import apps
from django.core.checks import Error, register


@register()
def reference_tables_declare_constraints(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E001: every concrete ReferenceData table declares its period invariants."""
    from .models import ReferenceData

    errors = []
    for model in apps.get_models():
        if not issubclass(model, ReferenceData):
            continue
        names = {getattr(c, "name", "") for c in model._meta.constraints}
        if not any(n.endswith("_code_from_unique") for n in names) or not any(
            n.endswith("_period_valid") for n in names
        ):
            errors.append(
                Error(
                    f"{model._meta.label} is reference data but does not declare "
                    "reference_data_constraints() in its Meta.",
                    hint="Add constraints = reference_data_constraints('<table>') to its Meta.",
                    obj=model,
                    id="core.E001",
                )
            )
    return errors
