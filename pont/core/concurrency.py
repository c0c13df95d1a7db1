"""Optimistic concurrency that holds on SQLite and PostgreSQL alike."""

from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rows
from .exceptions import ConflictError

STALE_VERSION = _(
    "Someone else changed this record after you opened it. "
    "Your changes have not been saved: reload the page to see the latest version."
)

# The highest version a row can reach: a signed 64-bit column's largest value.
MAX_VERSION = 2**63 - 1


def update_if_version(
    instance: models.Model, *, expected_version: int, fields: dict[str, Any]
) -> None:
    """Apply fields to instance only if its row still has expected_version; bump the version.

    One UPDATE ... WHERE version = n: if another writer got there first, no
    row matches and ConflictError is raised, so no update is ever lost.
    """
    model = type(instance)
    if not 0 <= expected_version <= MAX_VERSION:
        # No row has it (a tampered form's 99999999999999999999 is past what the database
        # compares with a column): stale, said as any other, not an overflow.
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    fields = dict(fields)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        # QuerySet.update() skips auto_now, so stamp the change here.
        fields.setdefault("updated_at", timezone.now())
    if any(hasattr(value, "resolve_expression") for value in fields.values()):
        updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
            version=models.F("version") + 1, **fields
        )
    else:
        updated = _update_row(instance, expected_version, fields)
    if updated != 1:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = expected_version + 1  # type: ignore[attr-defined]  # VersionedModel field


def _update_row(instance: models.Model, expected_version: int, fields: dict[str, Any]) -> int:
    """The UPDATE that `QuerySet.update()` would run, written out (every service's change runs
    it inside the writers' lock, and the ORM took longer to build it than the database to run
    it): each value prepared by its field, as the ORM prepares it. Returns the rows changed."""
    model = type(instance)
    assignments, params = [], []
    for name, value in fields.items():
        field = rows.column(model, name)
        if isinstance(value, models.Model):  # a related object: its key
            value = value.pk
        assignments.append(f"{rows.quoted(model, name)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    version = rows.quoted(model, "version")
    assignments.append(f"{version} = {version} + 1")
    params += [rows.prepared(model, "pk", instance.pk), expected_version]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(model)} SET {', '.join(assignments)}"  # noqa: S608 - names only
            f" WHERE {rows.quoted(model, 'pk')} = %s AND {version} = %s",
            params,
        )
        return cursor.rowcount
