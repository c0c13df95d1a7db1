"""The audit log that DPA 2018 s.62 requires, append-only and hash-chained."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk paths that would bypass the chain (they send no signals either)."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be updated.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be deleted.")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows are written one at a time by audit.services.record().")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be updated.")


class AuditEvent(models.Model):
    """One processing operation on personal data (DPA 2018 s.62(1)).

    Rows are written only by `audit.services.record()`, inside the transaction
    of the operation they log, and are never changed: the ORM refuses updates
    and deletes, and database triggers refuse them beneath the ORM. Each row
    carries the hash of its predecessor, so an edit, deletion, insertion or
    reordering anywhere breaks the chain at that row; checkpoints kept outside
    this table (AuditCheckpoint and a file) catch a truncated tail.

    The subject is kept as a bare id, not a foreign key, so erasing a person
    leaves the record of what was done to their data (and no content of it).
    """

    class Operation(models.TextChoices):
        COLLECTION = "collection", _("Collection")
        ALTERATION = "alteration", _("Alteration")
        CONSULTATION = "consultation", _("Consultation")
        DISCLOSURE = "disclosure", _("Disclosure")
        COMBINATION = "combination", _("Combination")
        ERASURE = "erasure", _("Erasure")

    sequence = models.PositiveBigIntegerField(_("index"), unique=True)
    occurred_at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    operation = models.CharField(_("operation"), max_length=16, choices=Operation.choices)
    # No index of its own (one index fewer for every event written): the log is searched by
    # the actor's label (audit_actor_sequence), and Pont deletes no user, which is the only
    # look-up by this column (PROTECT's check); users are deactivated instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    # No index either: nothing searches the log by organisation, and Pont deletes none.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    subject_person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    recipient = models.CharField(_("recipient"), max_length=255, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ()
        permissions = [
            ("search_audit_log", _("Search the audit log")),
            ("export_audit_log", _("Export the audit log")),
        ]
        indexes = [
            # The search by member of staff (their username, in any case), newest first.
            models.Index(Lower("actor_label"), "sequence", name="audit_actor_sequence"),
            models.Index(fields=["operation", "occurred_at"], name="audit_operation_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.operation} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit rows cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row that records the chain's last index and hash.

    Writers lock it (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers), so two transactions can never
    extend the chain from the same predecessor.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class AuditCheckpoint(models.Model):
    """A signed copy of the chain head at a moment, kept outside the event table.

    If the tail of the event table is cut off, the last checkpoint names an
    index the chain no longer reaches. The same line goes to a file outside
    the database when PONT_AUDIT_CHECKPOINT_FILE is set; in production that
    file is shipped to a separate log store (ASVS 16.4.3).
    """

    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    signature = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence", "created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Checkpoints cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Checkpoints cannot be deleted.")
