"""Loading and reading versioned reference data."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from .models import ReferenceData


@transaction.atomic
def load_reference_rows(model: type[ReferenceData], rows: Iterable[Mapping[str, Any]]) -> int:
    """Create or update rows keyed by (code, effective_from); return how many changed.

    Data migrations call this, so re-running it is harmless: an unchanged row
    is left alone, a corrected label or end date is updated in place.
    """
    changed = 0
    for row in rows:
        values = dict(row)
        code = values.pop("code")
        effective_from = values.pop("effective_from")
        obj, created = model.objects.get_or_create(
            code=code, effective_from=effective_from, defaults=values
        )
        if created:
            changed += 1
            continue
        dirty = [field for field, value in values.items() if getattr(obj, field) != value]
        if dirty:
            for field in dirty:
                setattr(obj, field, values[field])
            obj.full_clean()
            obj.save(update_fields=dirty)
            changed += 1
    return changed


def reference_choices(model: type[ReferenceData], day: date | None = None) -> list[tuple[str, str]]:
    """Return (code, label) pairs in force on day, in the active language, for a form."""
    return [(row.code, row.label) for row in model.objects.effective_on(day)]
