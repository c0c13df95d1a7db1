"""Changing dated reference data: a new version of a code, the end of one, or the withdrawal
of a version not yet in force.

Laws and guidance change, so codes and the numbers the law sets live in
versioned rows (core.models.ReferenceData). A change never rewrites a row's
wording: it ends the version in force the day before and starts a new one,
so a record made last year still reads as it did then. Periods of one code
never overlap.

These services sit in accounts, not core, because they write the audit log
and core imports nothing above it (pont/core/tests/test_layering.py).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pont.audit import services as audit
from pont.audit.selectors import last_event_about
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.core.models import ReferenceData
from pont.core.reference import ReferenceTable, reference_table_for

from .models import User
from .roles import MANAGE_REFERENCE_DATA

Operation = audit.Operation

NOT_ALLOWED = _("You do not have permission to do that.")
TABLE_NOT_FOUND = _("That reference data table cannot be changed here.")
ROW_NOT_FOUND = _("That reference data entry does not exist.")
CHECK_THE_ENTRY = _("Check the details of the entry.")
CHECK_THE_END_DATE = _("Check the date the entry ends.")
CODE_REQUIRED = _("Enter a code")
CODE_INVALID = _(
    "The code must be letters, numbers, underscores, hyphens or full stops, with no spaces"
)
LABEL_EN_REQUIRED = _("Enter the English label")
LABEL_CY_REQUIRED = _("Enter the Welsh label")
SOURCE_REQUIRED = _("Enter the source: the Act, guidance or data standard this comes from")
START_REQUIRED = _("Enter the date the version starts")
START_TOO_EARLY = _("The date must be on or after 1 January 1900")
NUMBER_OUT_OF_RANGE = _("Enter a whole number from %(min)s to %(max)s")
ALREADY_CHANGED = _("Someone else changed this entry at the same time: check it and try again")
START_NOT_AFTER_LATEST = _(
    "A version of %(code)s already starts on %(date)s: the new version must start after that day"
)
END_REQUIRED = _("Enter the date the entry ends")
END_BEFORE_START = _("The end date must be on or after %(date)s, the day this version started")
ALREADY_ENDS = _("This version already ends on %(date)s")
LATER_VERSION_EXISTS = _("A later version of %(code)s starts on %(date)s: end that version instead")
NOT_EDITABLE = _("This field cannot be set here")
ALREADY_IN_FORCE = _(
    "Only a version not yet in force can be withdrawn: this one came into force on %(date)s. "
    "End it, or add a new version, instead"
)
WITHDRAW_LATER_FIRST = _("A later version of %(code)s starts on %(date)s: withdraw that one first")
ALREADY_NAMED = _("Records already name this version, so it cannot be withdrawn: end it instead")

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

# No dated row starts earlier: older dates are typing mistakes (and the day before
# date.min does not exist, so "end the old version the day before" would overflow).
EARLIEST_DAY = date(1900, 1, 1)


def _require(actor: User) -> None:
    if not actor.has_perm(MANAGE_REFERENCE_DATA):
        raise ApplicationError(str(NOT_ALLOWED), status=403)


def _table(model: type[ReferenceData]) -> ReferenceTable:
    table = reference_table_for(model._meta.label_lower)
    if table is None:
        raise NotFoundError(str(TABLE_NOT_FOUND))
    return table


def day_shown(value: date | None) -> str:
    """A date as the reference data pages and messages show it: 1 April 2026."""
    return date_format(value, "j F Y") if value is not None else ""


def _refuse(errors: dict[str, list[str]], message: Any) -> None:
    if errors:
        raise ApplicationError(str(message), {"fields": errors})


def out_of_range(row: Any, names: Iterable[str]) -> dict[str, list[str]]:
    """Name the whole numbers that not every supported database can store.

    Django bounds integer fields by the database in use, and SQLite stores far
    larger numbers than PostgreSQL: this applies PostgreSQL's bounds on both,
    so the same entry is accepted or refused wherever Pont runs.
    """
    errors: dict[str, list[str]] = {}
    for name in names:
        field = row._meta.get_field(name)
        bounds = BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())
        value = getattr(row, name)
        if bounds is None or not isinstance(value, int) or isinstance(value, bool):
            continue
        low, high = bounds
        if low is not None and value < low or high is not None and value > high:
            errors[name] = [str(NUMBER_OUT_OF_RANGE) % {"min": low, "max": high}]
    return errors


def _full_clean(row: ReferenceData, message: Any) -> None:
    try:
        row.full_clean()
    except ValidationError as error:
        raise ApplicationError(str(message), {"fields": error.message_dict}) from None


@transaction.atomic
def reference_row_add(
    *,
    actor: User,
    model: type[ReferenceData],
    code: str,
    label_en: str,
    label_cy: str,
    effective_from: date | None,
    source: str,
    sort_order: int = 0,
    **extra: Any,
) -> ReferenceData:
    """Start a new version of a code (or a new code) on effective_from.

    The version in force on that day, if any, ends the day before. The new
    version must start after every earlier version of the code, so history
    is never rewritten: what applied before the day stays as it was.
    Extra fields not given keep the latest version's values (a new code: the defaults).
    """
    _require(actor)
    table = _table(model)
    code, label_en, label_cy, source = (v.strip() for v in (code, label_en, label_cy, source))
    errors: dict[str, list[str]] = {}
    for name in extra:
        if name not in table.editable_fields:
            errors[name] = [str(NOT_EDITABLE)]
    if not code:
        errors["code"] = [str(CODE_REQUIRED)]
    elif not CODE_PATTERN.match(code):
        errors["code"] = [str(CODE_INVALID)]
    for name, value, required in (
        ("label_en", label_en, LABEL_EN_REQUIRED),
        ("label_cy", label_cy, LABEL_CY_REQUIRED),
        ("source", source, SOURCE_REQUIRED),
    ):
        if not value:
            errors[name] = [str(required)]
    if effective_from is None:
        errors["effective_from"] = [str(START_REQUIRED)]
    elif effective_from < EARLIEST_DAY:
        errors["effective_from"] = [str(START_TOO_EARLY)]
    _refuse(errors, CHECK_THE_ENTRY)
    assert effective_from is not None  # noqa: S101 - narrowed by the refusal above

    # Lock the code's versions (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).
    versions = list(model.objects.select_for_update().filter(code=code).order_by("effective_from"))
    latest = versions[-1] if versions else None
    if latest is not None and effective_from <= latest.effective_from:
        message = str(START_NOT_AFTER_LATEST) % {
            "code": code,
            "date": day_shown(latest.effective_from),
        }
        raise ApplicationError(message, {"fields": {"effective_from": [message]}})

    # What the administrator leaves out (or may not set) stays as it was in the latest version.
    values: dict[str, Any] = {}
    if latest is not None:
        values = {field.name: getattr(latest, field.name) for field in table.extra_fields}
    values.update(extra)
    row = model(
        code=code,
        label_en=label_en,
        label_cy=label_cy,
        effective_from=effective_from,
        source=source,
        sort_order=sort_order,
        **values,
    )
    _refuse(out_of_range(row, ["sort_order", *extra]), CHECK_THE_ENTRY)
    _full_clean(row, CHECK_THE_ENTRY)

    day_before = effective_from - timedelta(days=1)
    superseded = [
        version
        for version in versions
        if version.effective_to is None or version.effective_to >= effective_from
    ]
    for version in superseded:
        _end_version(actor, table, version, day_before, superseded=True)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another administrator added this version between our read and our write
        # (PostgreSQL; SQLite's IMMEDIATE transactions queue writers instead).
        message = str(ALREADY_CHANGED)
        raise ApplicationError(message, {"fields": {"effective_from": [message]}}) from None
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=row,
        detail={
            "table": table.label,
            "code": code,
            "effective_from": effective_from.isoformat(),
            "fields": sorted(extra),
        },
    )
    return row


@transaction.atomic
def reference_row_end(
    *, actor: User, model: type[ReferenceData], pk: int, effective_to: date | None
) -> ReferenceData:
    """Retire a code: its latest version stays in force up to and including effective_to.

    An end date may be brought forward, never pushed back, and only the
    latest version of a code can be ended (the earlier ones already are).
    """
    _require(actor)
    table = _table(model)
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFoundError(str(ROW_NOT_FOUND))

    def refuse(message: str) -> NoReturn:
        raise ApplicationError(message, {"fields": {"effective_to": [message]}})

    if effective_to is None:
        refuse(str(END_REQUIRED))
    later = (
        model.objects.filter(code=row.code, effective_from__gt=row.effective_from)
        .order_by("effective_from")
        .first()
    )
    if later is not None:
        refuse(
            str(LATER_VERSION_EXISTS) % {"code": row.code, "date": day_shown(later.effective_from)}
        )
    if effective_to < row.effective_from:
        refuse(str(END_BEFORE_START) % {"date": day_shown(row.effective_from)})
    if row.effective_to is not None and row.effective_to <= effective_to:
        refuse(str(ALREADY_ENDS) % {"date": day_shown(row.effective_to)})

    _end_version(actor, table, row, effective_to, check=CHECK_THE_END_DATE)
    return row


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing a version does: the version taken away, and the one before it (if
    any) with the end it will have again."""

    row: ReferenceData
    previous: ReferenceData | None
    previous_end: date | None


def reference_withdrawal(model: type[ReferenceData], row: ReferenceData) -> Withdrawal:
    """What withdrawing `row` would do, or the refusal (409) if it cannot be withdrawn: a
    version already in force (its first day has come), or one with a later version.

    The version before it was ended the day before it started when it was added; that end
    is put back as it was then (recorded in the audit event of that change: a version
    loaded by a migration with its successor has no such event, and its end is taken off).
    """
    if row.effective_from <= timezone.localdate():
        raise ApplicationError(
            str(ALREADY_IN_FORCE) % {"date": day_shown(row.effective_from)}, status=409
        )
    later = (
        model.objects.filter(code=row.code, effective_from__gt=row.effective_from)
        .order_by("effective_from")
        .first()
    )
    if later is not None:
        raise ApplicationError(
            str(WITHDRAW_LATER_FIRST) % {"code": row.code, "date": day_shown(later.effective_from)},
            status=409,
        )
    previous = (
        model.objects.filter(code=row.code, effective_from__lt=row.effective_from)
        .order_by("-effective_from")
        .first()
    )
    day_before = row.effective_from - timedelta(days=1)
    if previous is None or previous.effective_to != day_before:
        # No version before it, or one that ended before it anyway: nothing to put back.
        return Withdrawal(row, previous, previous.effective_to if previous else None)
    ended = last_event_about(
        model._meta.label_lower,
        str(previous.pk),
        superseded=True,
        effective_to=day_before.isoformat(),
    )
    was = ended.detail.get("previous_effective_to") if ended is not None else None
    return Withdrawal(row, previous, date.fromisoformat(was) if was else None)


@transaction.atomic
def reference_row_withdraw(*, actor: User, model: type[ReferenceData], pk: int) -> Withdrawal:
    """Withdraw a version not yet in force (a change scheduled by mistake, or no longer
    wanted): it is deleted, and the version before it ends as it did before the withdrawn
    one was added (reference_withdrawal). Two audit events: the erasure of the version, with
    what it said, and the alteration of the one before it, with its old and new ends."""
    _require(actor)
    table = _table(model)
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFoundError(str(ROW_NOT_FOUND))
    list(model.objects.select_for_update().filter(code=row.code))  # the code's versions
    withdrawal = reference_withdrawal(model, row)
    if _named_by_records(row):
        raise ApplicationError(str(ALREADY_NAMED), status=409)
    audit.record(
        actor=actor,
        operation=Operation.ERASURE,
        obj=row,
        detail={
            "table": table.label,
            "code": row.code,
            "effective_from": row.effective_from.isoformat(),
            "withdrawn": {
                "label_en": row.label_en,
                "label_cy": row.label_cy,
                "source": row.source,
                **{f.name: _as_json(getattr(row, f.name)) for f in table.extra_fields},
            },
        },
    )
    row.delete()  # nothing names it (checked above), so nothing is protected or cascades
    previous = withdrawal.previous
    if previous is not None and previous.effective_to != withdrawal.previous_end:
        _end_version(
            actor,
            table,
            previous,
            withdrawal.previous_end,
            withdrawn=withdrawal.row.effective_from.isoformat(),
        )
    return withdrawal


def _end_version(
    actor: User,
    table: ReferenceTable,
    row: ReferenceData,
    end: date | None,
    *,
    check: Any = None,
    **detail: Any,
) -> None:
    """Set a version's last day (None: no end), and record the alteration with the end it
    had; `detail` says why (superseded, withdrawn). With `check`, the model's own rules are
    checked first (refused with that message, nothing saved)."""
    previous_end = row.effective_to
    row.effective_to = end
    if check is not None:
        _full_clean(row, check)
    row.save(update_fields=["effective_to"])
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=row,
        detail={
            "table": table.label,
            "code": row.code,
            "effective_to": _as_json(end),
            "previous_effective_to": _as_json(previous_end),
            **detail,
        },
    )


def _named_by_records(row: ReferenceData) -> bool:
    """Whether any record names this row, by a foreign key or a many-to-many link: deleting
    the row would break them or, for a link that cascades, silently take them away. Hidden
    links (`related_name="+"`, a many-to-many's own table) are asked through the other model."""
    return any(
        relation.related_model._default_manager.filter(**{relation.field.name: row}).exists()
        for relation in row._meta.get_fields(include_hidden=True)
        if isinstance(relation, ForeignObjectRel) and relation.related_model is not None
    )


def _as_json(value: Any) -> Any:
    """A value as the audit event's detail keeps it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value
