"""Base models that every module builds on."""

from datetime import date
from typing import Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds when a row was created and last changed (UTC)."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """A mutable record with an optimistic-concurrency version.

    Writers say which version they read; `core.concurrency.update_if_version`
    applies the change only if nobody else changed the row since, which holds
    on SQLite as well as PostgreSQL because it is one conditional UPDATE.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ReferenceDataQuerySet(models.QuerySet):
    def effective_on(self, day: date | None = None) -> Self:
        """Rows in force on day (today if not given)."""
        day = day or timezone.localdate()
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )

    def current(self) -> Self:
        """Rows in force today."""
        return self.effective_on(None)


class ReferenceData(models.Model):
    """A versioned code list entry: laws and guidance change, code should not have to.

    A code keeps its meaning for a period [effective_from, effective_to]
    (inclusive; open-ended when effective_to is empty). Changing a label or
    retiring a code closes the old row and opens a new one, so a record made
    last year still shows the wording that applied then. `source` cites where
    the entry comes from (an Act, a Home Office circular, a data standard).
    Rows are loaded by data migrations through `core.reference.load_reference_rows`.
    """

    code = models.CharField(_("code"), max_length=64)
    label_en = models.CharField(_("English label"), max_length=255)
    label_cy = models.CharField(_("Welsh label"), max_length=255)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = ReferenceDataQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "code", "effective_from"]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    @property
    def label(self) -> str:
        """The label in the active language (Welsh when the page is in Welsh)."""
        return self.label_cy if (get_language() or "en").startswith("cy") else self.label_en

    def is_effective_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def reference_data_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Return the invariants every concrete ReferenceData table declares in its Meta.

    One row per (code, effective_from), and a period that does not end before
    it starts. The system check core.E001 refuses a table that forgets them.
    """
    return [
        models.UniqueConstraint(
            fields=["code", "effective_from"], name=f"{prefix}_code_from_unique"
        ),
        models.CheckConstraint(
            condition=Q(effective_to__isnull=True)
            | Q(effective_to__gte=models.F("effective_from")),
            name=f"{prefix}_period_valid",
        ),
    ]


class ReferenceDataCapability(models.Model):
    """No table: the one place the capability to manage dated reference data is declared
    (`core.manage_reference_data`), since each module keeps its own reference data models
    and none of them owns the capability the administrator holds for them all."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("manage_reference_data", _("Manage dated reference data")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
