"""The out-of-court disposals scrutiny panel: monthly samples and the panel's reviews.

The commissioner's out-of-court disposals scrutiny panel looks each month at a
sample of the force's *finished* disposals and says of each whether it was
appropriate and whether it was consistent (with policy and with similar cases),
with comments. Each write here checks who may act, writes its audit event in the
same transaction, and refuses bad input naming the field.

**What is sampled.** A disposal belongs to the month it finished in: a completed
one (every condition done) by its `completed_at`, one closed after a breach by its
`breach_decided_at` (`scrutiny_selectors.finished_in_month`), months in the local
time of Wales. Those are the only final states; nothing reopens them, so the
population of a month that has ended never changes.

**The draw.** One sample per force and month. A random seed (63 bits, kept on
the sample) draws `size` of the month's finished disposals
(`random.Random(seed).sample` over their ids sorted), or all of them when there
are fewer; the cases are numbered in the order drawn. The same seed and the same
month always give the same cases, so anyone can check a draw by repeating it
(`draw`). The periodic job (`scrutiny_samples_draw_due`, run by
`pont draw-scrutiny-samples` and the scheduler) draws last month's sample of each
force that has none; the commissioner's officer may draw any ended month by hand.

**The size** is the setting `PONT_SCRUTINY_SAMPLE_SIZE` (default 10, kept within
1 to 30): a setting rather than dated reference data because it is the panel's
working arrangement, not a rule of law, and the officer may choose another size
for a month drawn by hand.

**Reviews.** A panel member records one review per case (appropriate yes/no,
consistent yes/no, comments) and may change it until the commissioner's officer
closes the sample; closing ends the reviews and makes the session report.
"""

import random
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import ARRANGE_SCRUTINY, SCRUTINISE_DISPOSALS
from pont.audit import services as audit
from pont.core.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.core.forms import month_shown, next_month

from . import scrutiny_selectors
from .models import ScrutinyCase, ScrutinyReview, ScrutinySample

Operation = audit.Operation
Answer = ScrutinyReview.Answer

SIZE_SETTING = "PONT_SCRUTINY_SAMPLE_SIZE"
DEFAULT_SIZE = 10
MOST_CASES = 30
MOST_COMMENT = 4000

CHECK_THE_DRAW = _("Check the sample to draw.")
SELECT_FORCE = _("Select the force whose disposals the panel reviews.")
ENTER_MONTH = _("Enter the month to sample, like 2026-10.")
MONTH_NOT_ENDED = _("Choose a month that has ended: %(month)s has not.")
NOTHING_FINISHED = _(
    "No out-of-court disposal of %(force)s finished in %(month)s, so there is nothing to sample."
)
ALREADY_DRAWN = _("The sample of %(force)s for %(month)s was drawn on %(day)s.")
SIZE_RANGE = _("Enter a number of cases from 1 to %(most)s.")
SAMPLE_NOT_FOUND = _("Scrutiny sample not found.")
CASE_NOT_FOUND = _("Scrutiny case not found.")
CHECK_THE_REVIEW = _("Check your review.")
SAY_APPROPRIATE = _("Say whether the disposal was appropriate.")
SAY_CONSISTENT = _("Say whether the disposal was consistent with policy and similar cases.")
COMMENTS_TOO_LONG = _("Comments must be %(most)s characters or fewer.")
CLOSED = _("The sample is closed: reviews can no longer be recorded or changed.")
ALREADY_CLOSED = _("The sample was closed on %(day)s.")
NO_REVIEWS = _("No panel member has reviewed a case yet: the sample closes once there are reviews.")


def sample_size_setting() -> int:
    """The size of a monthly sample: `settings.PONT_SCRUTINY_SAMPLE_SIZE`, kept within 1-30."""
    try:
        value = int(getattr(settings, SIZE_SETTING, DEFAULT_SIZE))
    except (TypeError, ValueError):
        value = DEFAULT_SIZE
    return max(1, min(value, MOST_CASES))


def draw(population: Sequence[str], size: int, seed: int) -> list[str]:
    """The disposals drawn (by id) from the population: the same for the same seed, in the
    order drawn. Fewer than `size` finished disposals: every one of them."""
    ordered = sorted(population)
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    return rng.sample(ordered, min(size, len(ordered)))


def _force(actor: User | None, force_id: Any) -> Organisation | None:
    if actor is None:
        forces = Organisation.objects.filter(kind=Organisation.Kind.FORCE, is_active=True)
    else:
        forces = scrutiny_selectors.forces_for(user=actor)
    try:
        return forces.filter(pk=force_id).first() if force_id not in (None, "") else None
    except (ValueError, TypeError):
        return None


def _already_drawn(
    sample: ScrutinySample | None, force: Organisation, first: date
) -> ConflictError:
    drawn_on = timezone.localdate(sample.drawn_at) if sample else timezone.localdate()
    message = str(ALREADY_DRAWN) % {
        "force": force.display_name,
        "month": month_shown(first),
        "day": formats.date_format(drawn_on, "DATE_FORMAT"),
    }
    return ConflictError(message, {"fields": {"month": [message]}, "month": first.isoformat()})


@transaction.atomic
def scrutiny_sample_draw(
    *, actor: User | None, force_id: Any, month: date | None, size: int | None = None
) -> ScrutinySample:
    """Draw a force's sample of a month's finished disposals, once (see the module's docstring).

    `actor` None is the periodic job; a person must be a commissioner's officer
    whose office oversees the force. `size` None takes the setting. Every wrong
    field is named at once; a month already drawn is refused (409).
    """
    if actor is not None:
        require_capability(actor, ARRANGE_SCRUTINY)
    errors: dict[str, list[str]] = {}
    force = _force(actor, force_id)
    if force is None:
        errors["force"] = [str(SELECT_FORCE)]
    first = None
    if month is None:
        errors["month"] = [str(ENTER_MONTH)]
    else:
        first = month.replace(day=1)
        if next_month(first) > timezone.localdate():
            errors["month"] = [str(MONTH_NOT_ENDED % {"month": month_shown(first)})]
    if size is None:
        size = sample_size_setting()
    elif not 1 <= size <= MOST_CASES:
        errors["size"] = [str(SIZE_RANGE % {"most": MOST_CASES})]
    population: list[str] = []
    if force is not None and first is not None and "month" not in errors:
        existing = ScrutinySample.objects.filter(controller=force, month=first).first()
        if existing is not None:
            raise _already_drawn(existing, force, first)
        population = scrutiny_selectors.population_of(controller_id=force.pk, month=first)
        if not population:
            names = {"force": force.display_name, "month": month_shown(first)}
            errors["month"] = [str(NOTHING_FINISHED % names)]
    refuse_fields(errors, CHECK_THE_DRAW)
    assert force is not None  # noqa: S101 - refused above otherwise
    assert first is not None  # noqa: S101 - refused above otherwise
    seed = secrets.randbits(63)
    chosen = draw(population, size, seed)
    try:
        with transaction.atomic():
            sample = ScrutinySample.objects.create(
                controller=force,
                month=first,
                seed=seed,
                size=size,
                population=len(population),
                drawn_at=timezone.now(),
                drawn_by=actor,
            )
    except IntegrityError:
        raise _already_drawn(None, force, first) from None  # drawn a moment ago by another
    ScrutinyCase.objects.bulk_create(
        ScrutinyCase(sample=sample, disposal_id=pk, position=position)
        for position, pk in enumerate(chosen, start=1)
    )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=sample,
        detail={
            "force": force.slug,
            "month": first.isoformat(),
            "finished": len(population),
            "size": size,
            "cases": len(chosen),
        },
    )
    return sample


def scrutiny_samples_draw_due(*, today: date | None = None) -> list[ScrutinySample]:
    """Draw last month's sample of each force that has none yet (the periodic job).

    Run as often as you like: a force-month already drawn, or with no finished
    disposal, is left alone, so the first run of a month draws it and later runs
    do nothing; a missed run is caught up at the next. Each force is drawn in its
    own transaction, as the system (the audit log shows the job, not a person).
    """
    day = today or timezone.localdate()
    month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    drawn: list[ScrutinySample] = []
    forces = Organisation.objects.filter(kind=Organisation.Kind.FORCE, is_active=True)
    for force in forces.order_by("pk"):
        if ScrutinySample.objects.filter(controller=force, month=month).exists():
            continue
        if not scrutiny_selectors.finished_in_month(controller_id=force.pk, month=month).exists():
            continue
        try:
            drawn.append(scrutiny_sample_draw(actor=None, force_id=force.pk, month=month))
        except ConflictError:
            continue  # the commissioner's officer drew it at the same moment
    return drawn


# The panel's reviews ------------------------------------------------------------------------


def _case_for(actor: User, case_id: Any) -> ScrutinyCase:
    case = scrutiny_selectors.case_get_for_user(user=actor, case_id=case_id)
    if case is None:
        raise NotFoundError(str(CASE_NOT_FOUND))
    return case


@transaction.atomic
def scrutiny_review_record(
    *, actor: User, case_id: Any, appropriate: str, consistent: str, comments: str = ""
) -> ScrutinyReview:
    """Record, or change until the sample closes, a panel member's review of a case."""
    require_capability(actor, SCRUTINISE_DISPOSALS)
    case = _case_for(actor, case_id)
    sample = ScrutinySample.objects.select_for_update().get(pk=case.sample_id)
    if sample.is_closed:
        raise ApplicationError(str(CLOSED), status=409)
    errors: dict[str, list[str]] = {}
    if appropriate not in Answer.values:
        errors["appropriate"] = [str(SAY_APPROPRIATE)]
    if consistent not in Answer.values:
        errors["consistent"] = [str(SAY_CONSISTENT)]
    text = (comments or "").strip()
    if len(text) > MOST_COMMENT:
        errors["comments"] = [str(COMMENTS_TOO_LONG % {"most": MOST_COMMENT})]
    refuse_fields(errors, CHECK_THE_REVIEW)
    review, created = ScrutinyReview.objects.update_or_create(
        case=case,
        reviewer=actor,
        defaults={
            "appropriate": appropriate,
            "consistent": consistent,
            "comments": text,
            "reviewed_at": timezone.now(),
        },
    )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION if created else Operation.ALTERATION,
        obj=review,
        detail={"sample": sample.pk, "case": case.position},
    )
    return review


@transaction.atomic
def scrutiny_sample_close(*, actor: User, sample_id: Any) -> ScrutinySample:
    """Close the sample: reviews end and its report can be made (once; a second close: 409)."""
    require_capability(actor, ARRANGE_SCRUTINY)
    sample = scrutiny_selectors.sample_get_for_user(user=actor, sample_id=sample_id)
    if sample is None:
        raise NotFoundError(str(SAMPLE_NOT_FOUND))
    sample = ScrutinySample.objects.select_for_update().get(pk=sample.pk)
    if sample.is_closed:
        day = formats.date_format(timezone.localdate(sample.closed_at), "DATE_FORMAT")
        raise ApplicationError(str(ALREADY_CLOSED % {"day": day}), status=409)
    reviews = ScrutinyReview.objects.filter(case__sample=sample).count()
    if not reviews:
        raise ApplicationError(str(NO_REVIEWS), status=409)
    now = timezone.now()
    changed = ScrutinySample.objects.filter(pk=sample.pk, closed_at__isnull=True).update(
        closed_at=now, closed_by=actor, updated_at=now
    )
    if not changed:  # closed by someone else between the read and the write
        raise ApplicationError(str(CLOSED), status=409)
    sample.refresh_from_db()
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=sample,
        detail={"to": "closed", "reviews": reviews},
    )
    return sample


# Showings, recorded ------------------------------------------------------------------------


@transaction.atomic
def scrutiny_sample_viewed(*, actor: User, sample: ScrutinySample, cases: int) -> None:
    """Record that the user looked at the sample's page (its cases, pseudonymised)."""
    audit.record(
        actor=actor,
        operation=Operation.CONSULTATION,
        obj=sample,
        detail={"shown_in": "scrutiny sample", "cases": cases},
    )


@transaction.atomic
def scrutiny_case_viewed(*, actor: User, case: ScrutinyCase) -> None:
    """Record that the user looked at a sampled disposal: pseudonymised, still a person's."""
    audit.record(
        actor=actor,
        operation=Operation.CONSULTATION,
        subject=case.disposal.person_id,
        obj=case,
        detail={"shown_in": "scrutiny case", "sample": case.sample_id, "case": case.position},
    )


@transaction.atomic
def scrutiny_report_given(*, actor: User, sample: ScrutinySample, cases: int) -> None:
    """Record that the session report (PDF) was given to the user."""
    audit.record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        obj=sample,
        detail={"report": "pdf", "cases": cases},
    )
