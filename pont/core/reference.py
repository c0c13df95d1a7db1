"""Loading and reading versioned reference data, and the registry of tables people may change."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst

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


# ---------------------------------------------------------------- tables people may change

# Every ReferenceData table has these; anything else on a table is its own extra field.
BASE_FIELDS = (
    "code",
    "label_en",
    "label_cy",
    "effective_from",
    "effective_to",
    "source",
    "sort_order",
)

# How an extra field is entered: a checkbox, a whole number, or a line of text.
BOOLEAN, INTEGER, TEXT = "bool", "int", "text"


def reference_field_kind(field: models.Field) -> str | None:
    """Return how a field is entered on the reference data pages, or None if it cannot be."""
    if isinstance(field, models.BooleanField):
        return BOOLEAN
    if isinstance(field, models.IntegerField):
        return INTEGER
    if isinstance(field, models.CharField | models.TextField):
        return TEXT
    return None


@dataclass(frozen=True)
class ReferenceTable:
    """A ReferenceData table that the system administrator may change through Pont's pages.

    `editable_fields` are the table's extra fields (beyond code, labels, dates,
    source and order) that the administrator sets on a new version; any other
    extra field is carried over from the latest version of the code.
    """

    model: type[ReferenceData]
    editable_fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The table's name in URLs and the audit log, e.g. "referrals.closurereason"."""
        return str(self.model._meta.label_lower)

    @property
    def name(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    @property
    def extra_fields(self) -> list[models.Field]:
        """The table's own fields, in declaration order: shown for every row."""
        return [
            field
            for field in self.model._meta.concrete_fields
            if not field.primary_key and field.name not in BASE_FIELDS
        ]


_tables: dict[str, ReferenceTable] = {}


def register_reference_table(
    model: type[ReferenceData], *, editable_fields: Iterable[str] = ()
) -> ReferenceTable:
    """Let the system administrator change a table (or replace its entry, by label).

    Modules above core call this from their AppConfig.ready(): core cannot
    import them, so this registry is how the reference data pages find them.
    """
    if not (isinstance(model, type) and issubclass(model, ReferenceData)):
        raise ImproperlyConfigured(f"{model!r} is not a ReferenceData table.")
    if model._meta.abstract:
        raise ImproperlyConfigured(f"{model.__name__} is abstract.")
    table = ReferenceTable(model=model, editable_fields=tuple(editable_fields))
    extras = {field.name: field for field in table.extra_fields}
    for name in table.editable_fields:
        if name not in extras:
            raise ImproperlyConfigured(
                f"{model._meta.label} has no extra field {name!r} to make editable "
                f"(its extra fields: {', '.join(extras) or 'none'})."
            )
        if reference_field_kind(extras[name]) is None:
            raise ImproperlyConfigured(
                f"{model._meta.label}.{name} is a {type(extras[name]).__name__}: the reference "
                "data pages enter only booleans, whole numbers and text."
            )
    _tables[table.label] = table
    return table


def reference_tables() -> list[ReferenceTable]:
    """Return every registered table, by name in the active language."""
    return sorted(_tables.values(), key=lambda table: table.name.casefold())


def reference_table_for(label: str) -> ReferenceTable | None:
    """Return the registered table with this label ("app_label.modelname"), or None."""
    return _tables.get(label.lower())


def reference_table_rows(table: ReferenceTable) -> QuerySet[ReferenceData]:
    """Every row of the table, current and past, by code and then by date."""
    return table.model.objects.order_by("code", "effective_from")


def reference_latest_version(model: type[ReferenceData], code: str) -> ReferenceData | None:
    """Return the version of a code that starts last (in force, ended or not yet started)."""
    return model.objects.filter(code=code).order_by("-effective_from").first()


# ---------------------------------------------------------------- dated data with its own pages


@dataclass(frozen=True)
class ReferencePage:
    """Dated data that is not a ReferenceData table but that the administrator changes too.

    A custody suite's notified testing arrangements, for instance, are dated per
    suite and live with Test on Arrest, which has its own pages for them; the
    reference data list links to those pages through this entry.
    """

    key: str
    name: str | Promise
    url: str | Promise
    description: str | Promise = ""


_pages: dict[str, ReferencePage] = {}


def register_reference_page(page: ReferencePage) -> None:
    """List a module's own reference data pages on the reference data list (or replace, by key)."""
    _pages[page.key] = page


def reference_pages() -> list[ReferencePage]:
    """Return every registered page, by name in the active language."""
    return sorted(_pages.values(), key=lambda page: str(page.name).casefold())
