"""Optimistic concurrency that holds on SQLite and PostgreSQL alike."""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import ConflictError

STALE_VERSION = _(
    "Someone else changed this record after you opened it. "
    "Your changes have not been saved: reload the page to see the latest version."
)


def update_if_version(
    instance: models.Model, *, expected_version: int, fields: dict[str, Any]
) -> None:
    """Apply fields to instance only if its row still has expected_version; bump the version.

    One UPDATE ... WHERE version = n: if another writer got there first, no
    row matches and ConflictError is raised, so no update is ever lost.
    """
    model = type(instance)
    fields = dict(fields)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        # QuerySet.update() skips auto_now, so stamp the change here.
        fields.setdefault("updated_at", timezone.now())
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=models.F("version") + 1, **fields
    )
    if updated != 1:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = expected_version + 1  # type: ignore[attr-defined]  # VersionedModel field
