"""Every step of an out-of-court disposal: one service per step.

record (draft, with the recommendation) -> conditions added -> submitted ->
authorised by a supervisor (or returned) -> issued: the notice is kept and
every condition a service delivers becomes a referral, in one transaction ->
the providers' outcomes complete or fail conditions -> completed, or breached
and decided (the scheme's consequence, no further action, or more time).

Each service checks who may act and from which state, applies the change with
an optimistic version check, appends to the disposal's timeline and writes its
audit event, all in one transaction.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django_stubs_ext import StrOrPromise

from pont.accounts.models import User
from pont.accounts.roles import AUTHORISE_DISPOSAL, DECIDE_DISPOSAL
from pont.accounts.selectors import areas_for, primary_controller_for
from pont.audit import services as audit
from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.core.working_days import add_working_days
from pont.directory.models import Service
from pont.people.selectors import person_get_for_user
from pont.referrals import services as referrals
from pont.referrals.actors import Actor, actor_label
from pont.referrals.completeness import check_completeness
from pont.referrals.models import Appointment, Referral

from . import documents, selectors
from .models import (
    ConditionType,
    Disposal,
    DisposalCondition,
    DisposalEvent,
    DisposalNotice,
    DisposalOffence,
    DisposalScheme,
    DisposalTask,
)
from .recommendation import Case, OffenceFacts, recommend

Operation = audit.Operation
Status = Disposal.Status

NOT_FOUND = _("Disposal not found.")
NOT_OFFICER = _("Only the officer in charge of this disposal can do that.")
WRONG_STATE = _("That cannot be done now: the disposal is %(status)s.")
REASON_NEEDED = _("Give a reason.")
NOT_SENT_AGAIN = _("Only a condition still to do, with a referral, can be sent to another service.")
MOVE_REASON_NEEDED = _(
    "Say why the condition moves: the service is told its referral is cancelled, with your reason."
)
CONTACT_INCOMPLETE = _(
    "The person's contact details must be complete before a service can be sent the referral "
    "for a condition."
)


# Shared steps -------------------------------------------------------------------------


def _event(disposal: Disposal, kind: str, actor: Actor, **detail: Any) -> None:
    DisposalEvent.objects.create(
        disposal=disposal,
        kind=kind,
        at=timezone.now(),
        actor_label=actor_label(actor),
        detail=detail,
    )


def _locked(actor: User, disposal_id: Any) -> Disposal:
    """The disposal, if the actor may see it, locked for this transaction (404 otherwise)."""
    found = (
        selectors.disposals_visible_to(user=actor)
        .select_for_update(of=("self",))
        .filter(pk=disposal_id)
        .first()
    )
    if found is None:
        raise NotFoundError(str(NOT_FOUND))
    return found


def _require_state(disposal: Disposal, *states: str) -> None:
    if disposal.status not in states:
        raise ApplicationError(
            str(WRONG_STATE % {"status": disposal.get_status_display().lower()}),
            {"status": disposal.status},
            status=409,
        )


def _require_officer(actor: User, disposal: Disposal) -> None:
    """The officer in charge acts on their disposal; a supervisor may act for them."""
    if disposal.officer_id != actor.pk and not actor.has_perm(AUTHORISE_DISPOSAL):
        raise ApplicationError(str(NOT_OFFICER), status=403)


def _change(
    disposal: Disposal,
    *,
    actor: User,
    kind: str,
    fields: dict[str, Any],
    expected_version: int | None,
    operation: str = Operation.ALTERATION,
    **detail: Any,
) -> Disposal:
    """Apply a change to the disposal if nobody changed it since (its version), and record it."""
    if expected_version is not None and expected_version != disposal.version:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    update_if_version(disposal, expected_version=disposal.version, fields=fields)
    _event(disposal, kind, actor, **detail)
    audit.record(
        actor=actor,
        operation=operation,
        subject=disposal.person_id,
        obj=disposal,
        detail={"action": kind, **detail},
    )
    return disposal


# Recording the decision -----------------------------------------------------------------


def _factor_codes(
    codes: Iterable[str], day: date, direction: int, field: str, errors: dict[str, list[str]]
) -> list[str]:
    known = {f.code for f in selectors.factors_on(day) if f.direction == direction}
    chosen = sorted(set(codes))
    unknown = [code for code in chosen if code not in known]
    if unknown:
        errors[field] = [str(_("Select factors from the list."))]
    return chosen


@transaction.atomic
def disposal_record(
    *,
    actor: User,
    person_id: int,
    area_id: int,
    offences: Sequence[tuple[str, str]],
    offence_date: date,
    admission: bool,
    evidential_test_met: bool,
    victim_views: str,
    scheme_code: str,
    victim_views_note: str = "",
    aggravating: Iterable[str] = (),
    mitigating: Iterable[str] = (),
    decision_reason: str = "",
) -> Disposal:
    """Record the facts, Pont's recommendation and the officer's decision, as a draft."""
    require_capability(actor, DECIDE_DISPOSAL)
    person = person_get_for_user(user=actor, person_id=person_id)
    if person is None:
        raise NotFoundError(str(_("Person not found.")))
    controller = primary_controller_for(user=actor)
    if controller is None:
        raise ApplicationError(str(_("Your account is not a member of a force.")), status=403)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    area = areas_for(user=actor).filter(pk=area_id).first()
    if area is None:
        errors["area"] = [str(_("Select the area."))]
    known = {o.code: o for o in selectors.offences_on(today)}
    codes = [code for code, _details in offences]
    if not codes:
        errors["offences"] = [str(_("Select at least one offence."))]
    elif any(code not in known for code in codes) or len(set(codes)) != len(codes):
        errors["offences"] = [str(_("Select each offence once, from the list."))]
    if offence_date > today:
        errors["offence_date"] = [str(_("The date of the offence cannot be in the future."))]
    if victim_views not in Disposal.VictimViews.values:
        errors["victim_views"] = [str(_("Select the victim's views."))]
    raised = _factor_codes(aggravating, today, 1, "aggravating", errors)
    lowered = _factor_codes(mitigating, today, -1, "mitigating", errors)
    scheme = selectors.schemes_on(today).filter(code=scheme_code).first()
    if scheme is None:
        errors["scheme"] = [str(_("Select a disposal in force today."))]
    refuse_fields(errors, _("Check the decision."))
    assert scheme is not None  # noqa: S101 - checked above
    assert area is not None  # noqa: S101 - checked above
    age = person.age_on(today)
    advice = recommend(
        Case(
            offences=[
                OffenceFacts(code, known[code].label_en, known[code].gravity, known[code].exclusion)
                for code in codes
            ],
            age=age,
            admission=admission,
            evidential_test_met=evidential_test_met,
            victim_opposes=victim_views == Disposal.VictimViews.OPPOSES,
            aggravating=len(raised),
            mitigating=len(lowered),
        ),
        selectors.scheme_facts(today),
    )
    if not evidential_test_met:
        errors["evidential_test_met"] = [
            str(_("An out-of-court disposal needs the evidential test to be met."))
        ]
    if age < scheme.min_age:
        errors["scheme"] = [
            str(_("%(scheme)s is for people aged %(age)s or over."))
            % {"scheme": scheme.label, "age": scheme.min_age}
        ]
    elif scheme.needs_admission and not admission:
        errors["scheme"] = [
            str(_("%(scheme)s needs an admission of the offence.")) % {"scheme": scheme.label}
        ]
    if (advice.recommended != scheme.code or advice.reason_needed) and not decision_reason.strip():
        errors["decision_reason"] = [
            str(_("Say why you decided this: it differs from the recommendation."))
            if advice.recommended != scheme.code
            else str(_("Say why an out-of-court disposal is right although the victim opposes it."))
        ]
    refuse_fields(errors, _("Check the decision."))
    with override("en"):
        reasons = [str(reason) for reason in advice.reasons]
    disposal = Disposal.objects.create(
        controller=controller,
        area=area,
        person=person,
        officer=actor,
        offence_date=offence_date,
        decided_on=today,
        age=age,
        admission=admission,
        evidential_test_met=evidential_test_met,
        victim_views=victim_views,
        victim_views_note=victim_views_note.strip(),
        aggravating=raised,
        mitigating=lowered,
        base_gravity=advice.base_gravity,
        gravity=advice.gravity,
        recommended=advice.recommended,
        recommendation_reasons=reasons,
        scheme=scheme,
        decision_reason=decision_reason.strip(),
    )
    DisposalOffence.objects.bulk_create(
        DisposalOffence(disposal=disposal, offence=known[code], details=details.strip())
        for code, details in offences
    )
    _event(disposal, "recorded", actor, scheme=scheme.code, recommended=advice.recommended)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=disposal,
        detail={"scheme": scheme.code, "recommended": advice.recommended},
    )
    return disposal


# Conditions -------------------------------------------------------------------------


def _check_condition(
    disposal: Disposal,
    kind: ConditionType,
    *,
    deadline: date,
    hours: int | None,
    amount_pence: int | None,
    service: Service | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    if kind.category not in scheme.categories:
        errors["condition_type"] = [
            str(_("%(scheme)s cannot carry a condition of this kind (%(category)s)."))
            % {"scheme": scheme.label, "category": kind.get_category_display().lower()}
        ]
    if deadline <= timezone.localdate():
        errors["deadline"] = [str(_("The deadline must be after today."))]
    if kind.max_hours is not None:
        if hours is None or not 1 <= hours <= kind.max_hours:
            errors["hours"] = [
                str(_("Give the hours, from 1 to %(most)s.")) % {"most": kind.max_hours}
            ]
    elif hours is not None:
        errors["hours"] = [str(_("This condition has no hours."))]
    if kind.takes_amount and not amount_pence:
        errors["amount"] = [str(_("Give the amount in pounds."))]
    elif not kind.takes_amount and amount_pence:
        errors["amount"] = [str(_("This condition has no amount."))]
    errors.update(_check_condition_service(kind, service))
    return errors


def _check_condition_service(kind: ConditionType, service: Service | None) -> dict[str, list[str]]:
    if kind.delivered_by_service:
        if service is None or not service.can_receive_referrals:
            return {"service": [str(_("Select a service that takes referrals through Pont."))]}
        if kind.need and not service.needs.filter(code=kind.need).exists():
            return {"service": [str(_("This service does not offer what the condition needs."))]}
    elif service is not None:
        return {"service": [str(_("This condition is not delivered by a service."))]}
    return {}


@transaction.atomic
def condition_add(
    *,
    actor: User,
    disposal_id: Any,
    condition_type_code: str,
    expected_version: int,
    details: str = "",
    deadline: date | None = None,
    hours: int | None = None,
    amount_pence: int | None = None,
    service_id: Any = None,
) -> DisposalCondition:
    """Add a condition from the catalogue to a draft, with its deadline (its usual one if none)."""
    disposal = _locked(actor, disposal_id)
    _require_officer(actor, disposal)
    _require_state(disposal, Status.DRAFT)
    kind = (
        selectors.condition_types_on(disposal.decided_on).filter(code=condition_type_code).first()
    )
    if kind is None:
        raise ApplicationError(
            str(_("Check the condition.")),
            {"fields": {"condition_type": [str(_("Select a condition from the list."))]}},
        )
    deadline = deadline or add_working_days(timezone.localdate(), kind.default_working_days)
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    refuse_fields(
        _check_condition(
            disposal,
            kind,
            deadline=deadline,
            hours=hours,
            amount_pence=amount_pence,
            service=service,
        ),
        _("Check the condition."),
    )
    condition = DisposalCondition.objects.create(
        disposal=disposal,
        condition_type=kind,
        details=details.strip(),
        deadline=deadline,
        hours=hours,
        amount_pence=amount_pence,
        service=service,
    )
    _change(
        disposal,
        actor=actor,
        kind="condition_added",
        fields={},
        expected_version=expected_version,
        condition=condition.pk,
        type=kind.code,
    )
    return condition


@transaction.atomic
def condition_remove(
    *, actor: User, disposal_id: Any, condition_id: int, expected_version: int
) -> Disposal:
    disposal = _locked(actor, disposal_id)
    _require_officer(actor, disposal)
    _require_state(disposal, Status.DRAFT)
    deleted, _rows = disposal.conditions.filter(pk=condition_id).delete()
    if not deleted:
        raise NotFoundError(str(_("Condition not found.")))
    return _change(
        disposal,
        actor=actor,
        kind="condition_removed",
        fields={},
        expected_version=expected_version,
        condition=condition_id,
    )


# Authorisation and issue ------------------------------------------------------------


def _deliverable(disposal: Disposal) -> list[DisposalCondition]:
    return [
        c
        for c in disposal.conditions.select_related("condition_type", "service__organization")
        if c.condition_type.delivered_by_service
    ]


def _contact_gate(disposal: Disposal) -> None:
    """Refuse, saying what is missing, when a service could not reach the person."""
    if not _deliverable(disposal):
        return
    result = check_completeness(disposal.person, source_kind=Referral.Source.DISPOSAL)
    if not result.complete:
        raise referrals.ContactDetailsIncomplete(
            str(CONTACT_INCOMPLETE), {"missing": result.missing, "warnings": result.warnings}
        )


@transaction.atomic
def disposal_submit(*, actor: User, disposal_id: Any, expected_version: int) -> Disposal:
    """Send the draft to a supervisor, once it has the conditions its disposal needs."""
    disposal = _locked(actor, disposal_id)
    _require_officer(actor, disposal)
    _require_state(disposal, Status.DRAFT)
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    if disposal.conditions.count() < scheme.min_conditions:
        raise ApplicationError(
            str(
                _("%(scheme)s needs at least %(count)s condition(s).")
                % {"scheme": scheme.label, "count": scheme.min_conditions}
            ),
            {"fields": {"conditions": ["too_few"]}},
        )
    _contact_gate(disposal)
    return _change(
        disposal,
        actor=actor,
        kind="submitted",
        fields={"status": Status.AWAITING_AUTHORISATION, "submitted_at": timezone.now()},
        expected_version=expected_version,
    )


@transaction.atomic
def disposal_authorise(
    *, actor: User, disposal_id: Any, approve: bool, expected_version: int, note: str = ""
) -> Disposal:
    """A supervisor authorises the decision, or returns it to the officer with a note."""
    require_capability(actor, AUTHORISE_DISPOSAL)
    disposal = _locked(actor, disposal_id)
    _require_state(disposal, Status.AWAITING_AUTHORISATION)
    if disposal.officer_id == actor.pk:
        raise ApplicationError(
            str(_("Another supervisor must authorise a disposal you decided.")), status=403
        )
    if not approve and not note.strip():
        raise ApplicationError(
            str(_("Say what the officer should change.")),
            {"fields": {"note": [str(REASON_NEEDED)]}},
        )
    now = timezone.now()
    fields: dict[str, Any] = (
        {
            "status": Status.AUTHORISED,
            "authorised_by": actor,
            "authorised_at": now,
            "authorisation_note": note.strip(),
        }
        if approve
        else {"status": Status.DRAFT, "authorisation_note": note.strip()}
    )
    return _change(
        disposal,
        actor=actor,
        kind="authorised" if approve else "returned",
        fields=fields,
        expected_version=expected_version,
    )


def _referral_reason(disposal: Disposal, condition: DisposalCondition) -> str:
    """What the provider is told: the condition and its deadline, not the offence. Stored
    text read by the provider's staff in either language, so written in both (the officer's
    details as the officer wrote them)."""
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    kind, deadline = condition.condition_type, f"{condition.deadline:%d/%m/%Y}"
    english = (
        f"Condition of a {scheme.label_en} ({disposal.reference}): {kind.label_en}, by {deadline}."
    )
    welsh = f"Amod {scheme.label_cy} ({disposal.reference}): {kind.label_cy}, erbyn {deadline}."
    return "\n".join(line for line in (english, welsh, condition.details.strip()) if line)


def _condition_line(
    condition: DisposalCondition, deadline: date, service: Service | None = None
) -> documents.ConditionLine:
    """A condition as the notice gives it; `service` where the notice sends it elsewhere."""
    kind: ConditionType = condition.condition_type
    service = service or condition.service
    return documents.ConditionLine(
        what=documents.Bilingual(kind.label_en, kind.label_cy),
        details=condition.details,
        deadline=deadline,
        hours=condition.hours,
        amount_pence=condition.amount_pence,
        service=service.name if service else "",
    )


def _notice_data(
    disposal: Disposal,
    issued_at: Any,
    issued_by: str,
    conditions: Sequence[documents.ConditionLine] | None = None,
    replaces: datetime | None = None,
    occasion: str = DisposalNotice.Occasion.ISSUE,
) -> documents.NoticeData:
    """The notice's data; by default every condition as it stands (the notice at issue)."""
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    person = disposal.person
    if conditions is None:
        conditions = [
            _condition_line(c, c.deadline)
            for c in disposal.conditions.select_related("condition_type", "service")
        ]
    return documents.NoticeData(
        reference=disposal.reference,
        issued_at=issued_at,
        issued_by=issued_by,
        person_name=person.full_name,
        person_date_of_birth=person.date_of_birth,
        scheme=documents.Bilingual(scheme.label_en, scheme.label_cy),
        consequence=scheme.breach_consequence,
        offences=tuple(
            documents.Bilingual(o.offence.label_en, o.offence.label_cy)
            for o in disposal.offences.select_related("offence")
        ),
        conditions=tuple(conditions),
        replaces=replaces,
        occasion=occasion,
    )


def disposal_issue(
    *, actor: User, disposal_id: Any, agreement_confirmed: bool, expected_version: int
) -> Disposal:
    """Issue an authorised disposal: keep the notice and send every condition's referral.

    All or nothing: if any referral cannot be sent, nothing is issued. A retry
    after success finds the disposal issued and creates nothing (409).
    """
    disposal = selectors.disposal_get_for_user(user=actor, disposal_id=disposal_id)
    if disposal is None:
        raise NotFoundError(str(NOT_FOUND))
    _require_officer(actor, disposal)
    _require_state(disposal, Status.AUTHORISED)
    if disposal.conditions.exists() and not agreement_confirmed:
        message = str(_("Confirm that the person agreed to the conditions."))
        raise ApplicationError(message, {"fields": {"agreement_confirmed": [message]}})
    _contact_gate(disposal)
    now = timezone.now()
    # The notice is made before the transaction, so no lock is held while it renders.
    pdf = documents.notice_pdf(_notice_data(disposal, now, actor.get_full_name() or actor.username))
    with transaction.atomic():
        disposal = _locked(actor, disposal_id)
        _require_state(disposal, Status.AUTHORISED)
        if expected_version != disposal.version:
            raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
        scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
        for condition in _deliverable(disposal):
            _send_referral(actor, disposal, condition)
        DisposalNotice.objects.create(disposal=disposal, issued_at=now, pdf=pdf)
        _change(
            disposal,
            actor=actor,
            kind="issued",
            fields={
                "status": Status.ISSUED,
                "issued_at": now,
                "agreement_recorded_at": now if agreement_confirmed else None,
                "outcome_code": scheme.outcome_code,
            },
            expected_version=expected_version,
        )
        _settle(disposal, actor)
    return disposal


# Compliance ---------------------------------------------------------------------------


def _task(disposal: Disposal, kind: str, condition: DisposalCondition | None = None) -> None:
    """Raise a task for the officer in charge, once while it is open."""
    if DisposalTask.objects.filter(
        disposal=disposal, condition=condition, kind=kind, done_at__isnull=True
    ).exists():
        return
    try:
        with transaction.atomic():
            DisposalTask.objects.create(
                disposal=disposal,
                condition=condition,
                kind=kind,
                assigned_to_id=disposal.officer_id,
            )
    except IntegrityError:  # raised at the same moment by another worker: it exists
        pass


def _settle(disposal: Disposal, actor: Actor) -> None:
    """Complete an issued disposal whose conditions are all complete."""
    if disposal.status != Status.ISSUED:
        return
    if disposal.conditions.exclude(status=DisposalCondition.Status.COMPLETE).exists():
        return
    update_if_version(
        disposal,
        expected_version=disposal.version,
        fields={"status": Status.COMPLETED, "completed_at": timezone.now()},
    )
    _event(disposal, "completed", actor)


def _condition_outcome(
    condition: DisposalCondition, disposal: Disposal, *, outcome: str, actor: Actor, note: str
) -> None:
    """Mark the condition complete or failed; a failure breaches the disposal."""
    now = timezone.now()
    complete = outcome == DisposalCondition.Status.COMPLETE
    update_if_version(
        condition,
        expected_version=condition.version,
        fields={
            "status": outcome,
            "completed_at" if complete else "failed_at": now,
            "outcome_note": note.strip(),
        },
    )
    _event(disposal, f"condition_{outcome}", actor, condition=condition.pk)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=disposal.person_id,
        obj=condition,
        detail={"disposal": str(disposal.pk), "outcome": outcome},
    )
    if complete:
        _settle(disposal, actor)
        return
    if disposal.status == Status.ISSUED:
        update_if_version(
            disposal,
            expected_version=disposal.version,
            fields={"status": Status.BREACHED, "breached_at": now},
        )
        _event(disposal, "breached", actor, condition=condition.pk)
    _task(disposal, DisposalTask.Kind.CONDITION_FAILED, condition)


def on_referral_event(
    referral: Referral, action: str, actor: Actor, detail: dict[str, Any]
) -> None:
    """The referral engine's hook, inside its transaction: the provider's steps reach the
    condition its referral delivers."""
    condition = (
        DisposalCondition.objects.select_for_update()
        .select_related("condition_type")
        .filter(referral_id=referral.pk)
        .first()
    )
    if condition is None:
        return
    disposal = Disposal.objects.select_for_update().get(pk=condition.disposal_id)
    settled = condition.status != DisposalCondition.Status.PENDING
    if action == "attendance_corrected" and (
        settled or disposal.status not in Disposal.OPEN_STATUSES
    ):
        # The condition (or the disposal) was settled on the answer now corrected: the officer
        # reviews it; Pont does not reopen either.
        _task(disposal, DisposalTask.Kind.ATTENDANCE_CORRECTED, condition)
        return
    if disposal.status not in Disposal.OPEN_STATUSES:
        return
    if action == "rejected":
        _task(disposal, DisposalTask.Kind.REFERRAL_REJECTED, condition)
        return
    if settled:
        return
    completes_on = condition.condition_type.completes_on
    attendance = detail.get("attendance", "")
    if action in ("attendance_recorded", "attendance_corrected"):
        if attendance == Appointment.Attendance.ATTENDED and (
            completes_on == ConditionType.CompletesOn.ATTENDED
        ):
            _condition_outcome(
                condition, disposal, outcome="complete", actor=actor, note="Attended"
            )
        elif attendance in (
            Appointment.Attendance.DID_NOT_ATTEND,
            Appointment.Attendance.LEFT_EARLY,
        ):
            _task(disposal, DisposalTask.Kind.DID_NOT_ATTEND, condition)
    elif action == "closed":
        if referral.status == Referral.Status.COMPLETED:
            _condition_outcome(
                condition, disposal, outcome="complete", actor=actor, note=_closure(referral)
            )
        elif referral.status == Referral.Status.FAILED:
            _condition_outcome(
                condition, disposal, outcome="failed", actor=actor, note=_closure(referral)
            )


def _closure(referral: Referral) -> str:
    reason = referral.closure_reason
    return f"Referral closed: {reason.label_en}" if reason else "Referral closed"


def _condition_locked(actor: User, condition_id: int) -> tuple[DisposalCondition, Disposal]:
    condition = (
        DisposalCondition.objects.select_for_update()
        .select_related("condition_type")
        .filter(
            pk=condition_id,
            disposal__in=selectors.disposals_visible_to(user=actor).values("pk"),
        )
        .first()
    )
    if condition is None:
        raise NotFoundError(str(_("Condition not found.")))
    return condition, _locked(actor, condition.disposal_id)


@transaction.atomic
def condition_record(
    *, actor: User, condition_id: int, outcome: str, note: str, expected_version: int
) -> DisposalCondition:
    """The officer records a condition done or failed (a service's own condition: failed only,
    when the person has not done it; its completion comes from the service)."""
    condition, disposal = _condition_locked(actor, condition_id)
    _require_officer(actor, disposal)
    _require_state(disposal, *Disposal.OPEN_STATUSES)
    if condition.status != DisposalCondition.Status.PENDING:
        raise ApplicationError(str(_("This condition's outcome is already recorded.")), status=409)
    if expected_version != condition.version:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    errors: dict[str, list[str]] = {}
    if outcome not in (DisposalCondition.Status.COMPLETE, DisposalCondition.Status.FAILED):
        errors["outcome"] = [str(_("Select whether the condition was done."))]
    elif outcome == DisposalCondition.Status.COMPLETE and (
        condition.condition_type.delivered_by_service
    ):
        errors["outcome"] = [
            str(_("The service records when this condition is done, through its referral."))
        ]
    if not note.strip():
        errors["note"] = [str(_("Say how you know."))]
    refuse_fields(errors, _("Check the outcome."))
    _condition_outcome(condition, disposal, outcome=outcome, actor=actor, note=note)
    return condition


def _send_referral(actor: User, disposal: Disposal, condition: DisposalCondition) -> Referral:
    """Make and send the referral for a condition a service delivers, and link it."""
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    referral = referrals.referral_create(
        actor=actor,
        person_id=disposal.person_id,
        service_id=condition.service_id,
        reason=_referral_reason(disposal, condition),
        source_kind=Referral.Source.DISPOSAL,
        source_id=str(disposal.pk),
        legal_basis=Referral.LegalBasis.STATUTORY
        if scheme.statutory_basis
        else Referral.LegalBasis.CONSENT,
        statutory_basis=scheme.statutory_basis,
        consent_confirmed=True,  # the person's agreement, recorded at issue
    )
    referrals.referral_send(actor=actor, referral_id=referral.pk)
    update_if_version(condition, expected_version=condition.version, fields={"referral": referral})
    return referral


def _sent_elsewhere(
    actor: User, disposal: Disposal, condition: DisposalCondition, service: Service
) -> Referral:
    """Send the condition to `service` as a new referral (the one before kept in the engine's
    history); the officer's task about the closed referral is done."""
    update_if_version(condition, expected_version=condition.version, fields={"service": service})
    referral = _send_referral(actor, disposal, condition)
    DisposalTask.objects.filter(
        condition=condition, kind=DisposalTask.Kind.REFERRAL_REJECTED, done_at__isnull=True
    ).update(done_at=timezone.now(), done_note="Sent to another service")
    return referral


def condition_refer_again(
    *, actor: User, condition_id: int, service_id: Any, expected_version: int, reason: str = ""
) -> DisposalCondition:
    """Send a condition still to do to another service: a new referral, the old one kept in
    the engine's history, and a new notice for the person naming the service (made before
    the transaction, as at issue). A referral the service rejected (or the referrer
    cancelled) is simply replaced; one still open (the person has moved, say) is cancelled
    first, in the same transaction, with the officer's `reason`, which the service reads."""
    notice = _refer_again_notice(actor, condition_id, service_id)
    with transaction.atomic():
        condition, disposal = _condition_locked(actor, condition_id)
        _require_officer(actor, disposal)
        _require_state(disposal, *Disposal.OPEN_STATUSES)
        if expected_version != condition.version:
            raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
        current = (
            Referral.objects.filter(pk=condition.referral_id).first()
            if condition.referral_id
            else None
        )
        moving = current is not None and current.status in Referral.OPEN_STATUSES
        if (
            condition.status != DisposalCondition.Status.PENDING
            or current is None
            or current.status
            not in (Referral.Status.REJECTED, Referral.Status.CANCELLED, *Referral.OPEN_STATUSES)
        ):
            raise ApplicationError(str(NOT_SENT_AGAIN), status=409)
        service = _services_by_id([service_id]).get(str(service_id))
        errors = _check_condition_service(condition.condition_type, service)
        if moving and not reason.strip():
            errors["reason"] = [str(MOVE_REASON_NEEDED)]
        refuse_fields(errors, _("Check the service."))
        _keep_notice(disposal, notice, expected_version)
        if moving:
            referrals.referral_cancel(actor=actor, referral_id=current.pk, reason=reason)
        referral = _sent_elsewhere(actor, disposal, condition, service)  # type: ignore[arg-type]
        _change(
            disposal,
            actor=actor,
            kind="condition_referred_again",
            fields={},
            expected_version=None,
            condition=condition.pk,
            referral=str(referral.pk),
        )
        return condition


def _allowed_decisions(scheme: DisposalScheme) -> set[str]:
    decisions: set[str] = {
        Disposal.BreachDecision.NO_FURTHER_ACTION,
        Disposal.BreachDecision.EXTEND,
    }
    if scheme.breach_consequence == DisposalScheme.Consequence.PROSECUTION:
        decisions.add(Disposal.BreachDecision.PROSECUTE)
    elif scheme.breach_consequence == DisposalScheme.Consequence.FINANCIAL_PENALTY:
        decisions.add(Disposal.BreachDecision.FINANCIAL_PENALTY)
    return decisions


def breach_decisions_for(disposal: Disposal) -> list[tuple[str, StrOrPromise]]:
    """The decisions open on this disposal's breach (its scheme's consequence, and the rest)."""
    allowed = _allowed_decisions(disposal.scheme)  # type: ignore[arg-type]
    return [(value, label) for value, label in Disposal.BreachDecision.choices if value in allowed]


def _notice_state(disposal: Disposal) -> tuple[Any, ...]:
    """What a later notice is made from: the disposal's version and, for each condition, its
    version and whether its referral is closed (a change to any of these moves one)."""
    rows = disposal.conditions.values_list("pk", "version", "referral__status")
    closed = set(Referral.CLOSED_STATUSES)
    return (
        disposal.version,
        tuple(sorted((pk, version, status in closed) for pk, version, status in rows)),
    )


@dataclass(frozen=True)
class _NewNotice:
    """A notice replacing the one the person holds, made before its step's transaction (so
    that no lock is held while it renders): why it is given, what it was made from, when."""

    occasion: str
    made_from: tuple[Any, ...]
    issued_at: datetime
    pdf: bytes


def _new_notice(
    actor: User,
    disposal: Disposal,
    occasion: str,
    *,
    new_deadline: date | None = None,
    sent_to: Mapping[int, Service] | None = None,
) -> _NewNotice:
    """The conditions still to do, as they will be: the failed ones with `new_deadline` (more
    time), those in `sent_to` with their new service; saying which notice it replaces."""
    sent_to = sent_to or {}
    made_from = _notice_state(disposal)
    conditions = list(disposal.conditions.select_related("condition_type", "service"))
    held = disposal.notices.order_by("-issued_at", "-pk").values_list("issued_at", flat=True)
    lines = [
        _condition_line(
            c,
            new_deadline
            if new_deadline and c.status == DisposalCondition.Status.FAILED
            else c.deadline,
            sent_to.get(c.pk),
        )
        for c in conditions
        if c.status != DisposalCondition.Status.COMPLETE
    ]
    now = timezone.now()
    data = _notice_data(
        disposal,
        now,
        actor.get_full_name() or actor.username,
        lines,
        replaces=held.first(),
        occasion=occasion,
    )
    return _NewNotice(occasion, made_from, now, documents.notice_pdf(data))


def _keep_notice(disposal: Disposal, notice: _NewNotice | None, expected_version: int) -> None:
    """Keep a notice made before the transaction if the disposal and its conditions are still
    as it was made from; otherwise the step is stale (the officer looks again), and nothing
    is written. Called before the step changes anything."""
    if notice is None or notice.made_from != _notice_state(disposal):
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    DisposalNotice.objects.create(
        disposal=disposal, occasion=notice.occasion, issued_at=notice.issued_at, pdf=notice.pdf
    )


def _services_by_id(ids: Iterable[Any]) -> dict[str, Service]:
    """The services with these ids, by the id as given (text); one that is not an id, or no
    service's, is left out."""
    wanted: dict[str, uuid.UUID] = {}
    for given in ids:
        try:
            wanted[str(given)] = uuid.UUID(str(given))
        except ValueError:
            continue
    found = {s.pk: s for s in Service.objects.filter(pk__in=wanted.values())} if wanted else {}
    return {given: found[pk] for given, pk in wanted.items() if pk in found}


def _refer_again_notice(actor: User, condition_id: int, service_id: Any) -> _NewNotice | None:
    """The notice naming the service a condition is sent to; None where the step will be
    refused anyway (its transaction says why)."""
    disposal_id = (
        DisposalCondition.objects.filter(pk=condition_id).values_list("disposal_id", flat=True)
    ).first()
    service = _services_by_id([service_id]).get(str(service_id))
    if disposal_id is None or service is None:
        return None
    disposal = selectors.disposal_get_for_user(user=actor, disposal_id=disposal_id)
    if disposal is None or disposal.status not in Disposal.OPEN_STATUSES:
        return None
    return _new_notice(
        actor, disposal, DisposalNotice.Occasion.NEW_SERVICE, sent_to={condition_id: service}
    )


def _more_time_notice(
    actor: User, disposal_id: Any, new_deadline: date | None, send_to: Mapping[int, Any]
) -> _NewNotice | None:
    """The notice the person is given with more time: the failed conditions with their new
    deadline (and the service chosen, where theirs closed its referral). None where the
    decision will be refused anyway (the transaction says why)."""
    if new_deadline is None or new_deadline <= timezone.localdate():
        return None
    disposal = selectors.disposal_get_for_user(user=actor, disposal_id=disposal_id)
    if disposal is None or disposal.status != Status.BREACHED:
        return None
    # A service chosen only for a condition that needs one (as the decision reads it).
    found = _services_by_id(send_to.values())
    sent_to = {
        c.pk: found[str(send_to[c.pk])]
        for c in conditions_to_send_again(disposal)
        if str(send_to.get(c.pk)) in found
    }
    return _new_notice(
        actor,
        disposal,
        DisposalNotice.Occasion.MORE_TIME,
        new_deadline=new_deadline,
        sent_to=sent_to,
    )


def conditions_to_send_again(disposal: Disposal) -> list[DisposalCondition]:
    """The failed conditions whose referral is closed: more time for them needs a service to
    send them to (the same one or another), as a new referral."""
    return list(
        disposal.conditions.filter(
            status=DisposalCondition.Status.FAILED, referral__status__in=Referral.CLOSED_STATUSES
        )
        .select_related("condition_type", "service", "referral")
        .order_by("pk")
    )


def breach_decide(
    *,
    actor: User,
    disposal_id: Any,
    decision: str,
    reason: str,
    expected_version: int,
    new_deadline: date | None = None,
    send_to: Mapping[int, Any] | None = None,
) -> Disposal:
    """Decide what follows a breach: the scheme's consequence, no further action, or more
    time, which gives the person a new notice with the new deadline. With more time, a failed
    condition whose referral is closed goes to the service `send_to` names for it (condition
    id -> service id) as a new referral."""
    send_to = dict(send_to or {})
    notice = None
    if decision == Disposal.BreachDecision.EXTEND:
        notice = _more_time_notice(actor, disposal_id, new_deadline, send_to)
    with transaction.atomic():
        return _breach_decide(
            actor=actor,
            disposal_id=disposal_id,
            decision=decision,
            reason=reason,
            expected_version=expected_version,
            new_deadline=new_deadline,
            send_to=send_to,
            notice=notice,
        )


def _breach_decide(
    *,
    actor: User,
    disposal_id: Any,
    decision: str,
    reason: str,
    expected_version: int,
    new_deadline: date | None,
    send_to: Mapping[int, Any],
    notice: _NewNotice | None,
) -> Disposal:
    disposal = _locked(actor, disposal_id)
    _require_officer(actor, disposal)
    _require_state(disposal, Status.BREACHED)
    scheme: DisposalScheme = disposal.scheme  # type: ignore[assignment]
    errors: dict[str, list[str]] = {}
    if decision not in _allowed_decisions(scheme):
        errors["decision"] = [str(_("Select a decision this disposal allows."))]
    if not reason.strip():
        errors["reason"] = [str(REASON_NEEDED)]
    failed = list(disposal.conditions.filter(status=DisposalCondition.Status.FAILED))
    sent_to: dict[int, Service] = {}
    if decision == Disposal.BreachDecision.EXTEND:
        if new_deadline is None or new_deadline <= timezone.localdate():
            errors["new_deadline"] = [str(_("Give a new deadline after today."))]
        found = _services_by_id(send_to.values())
        for condition in conditions_to_send_again(disposal):
            service = found.get(str(send_to.get(condition.pk)))
            problems = _check_condition_service(condition.condition_type, service)
            if service is None:
                problems = {
                    "service": [
                        str(
                            _("Select which service should do ‘%(condition)s’")
                            % {"condition": condition.condition_type.label}
                        )
                    ]
                }
            if problems:
                errors[f"service_{condition.pk}"] = problems["service"]
            else:
                sent_to[condition.pk] = service  # type: ignore[assignment]  # checked
    refuse_fields(errors, _("Check the decision."))
    now = timezone.now()
    detail: dict[str, Any] = {"decision": decision}
    if decision == Disposal.BreachDecision.EXTEND:
        _keep_notice(disposal, notice, expected_version)
        for condition in failed:
            update_if_version(
                condition,
                expected_version=condition.version,
                fields={
                    "status": DisposalCondition.Status.PENDING,
                    "deadline": new_deadline,
                    "failed_at": None,
                    "overdue_at": None,
                },
            )
            if condition.pk in sent_to:
                _sent_elsewhere(actor, disposal, condition, sent_to[condition.pk])
            elif condition.referral_id is not None:
                # The service delivering it reads the new deadline in the referral's reason.
                referrals.referral_reason_change(
                    actor=actor,
                    referral_id=condition.referral_id,
                    reason=_referral_reason(disposal, condition),
                    by_source=True,
                )
        fields: dict[str, Any] = {"status": Status.ISSUED, "breached_at": None}
        detail["new_deadline"] = str(new_deadline)
        if sent_to:
            detail["sent_to"] = {str(pk): str(s.pk) for pk, s in sorted(sent_to.items())}
    else:
        fields = {
            "status": Status.CLOSED,
            "breach_decision": decision,
            "breach_reason": reason.strip(),
            "breach_decided_by": actor,
            "breach_decided_at": now,
        }
        if decision == Disposal.BreachDecision.PROSECUTE:
            fields["outcome_code"] = "1"  # charged or summonsed for the original offence
    DisposalTask.objects.filter(disposal=disposal, done_at__isnull=True).filter(
        Q(kind=DisposalTask.Kind.CONDITION_FAILED) | Q(kind=DisposalTask.Kind.CONDITION_OVERDUE)
    ).update(done_at=now, done_note=f"Breach decision: {decision}")
    _change(
        disposal,
        actor=actor,
        kind="breach_decided",
        fields=fields,
        expected_version=expected_version,
        **detail,
    )
    if decision == Disposal.BreachDecision.EXTEND:
        _settle(disposal, actor)
    return disposal


def overdue_conditions_flag(*, today: date | None = None) -> int:
    """Find pending conditions past their deadline and raise a task for each, once.

    The periodic job runs it; each condition is flagged in its own transaction,
    so a retried or concurrent run flags nothing twice.
    """
    today = today or timezone.localdate()
    due = DisposalCondition.objects.filter(
        status=DisposalCondition.Status.PENDING,
        deadline__lt=today,
        overdue_at__isnull=True,
        disposal__status__in=Disposal.OPEN_STATUSES,
    ).values_list("pk", flat=True)
    flagged = 0
    for condition_id in list(due):
        with transaction.atomic():
            condition = (
                DisposalCondition.objects.select_for_update()
                .filter(pk=condition_id, overdue_at__isnull=True)
                .first()
            )
            if condition is None:
                continue
            disposal = Disposal.objects.get(pk=condition.disposal_id)
            now = timezone.now()
            update_if_version(
                condition, expected_version=condition.version, fields={"overdue_at": now}
            )
            DisposalEvent.objects.create(
                disposal=disposal,
                kind="condition_overdue",
                at=now,
                actor_label="pont",
                detail={"condition": condition.pk},
            )
            _task(disposal, DisposalTask.Kind.CONDITION_OVERDUE, condition)
            flagged += 1
    return flagged


@transaction.atomic
def task_complete(*, actor: User, task_id: int, note: str) -> DisposalTask:
    task = selectors.task_get_for_user(user=actor, task_id=task_id)
    if task is None:
        raise NotFoundError(str(_("Task not found.")))
    if not note.strip():
        raise ApplicationError(
            str(_("Say what you did.")), {"fields": {"note": [str(REASON_NEEDED)]}}
        )
    DisposalTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_note=note.strip()
    )
    _event(task.disposal, "task_done", actor, task=task.pk, task_kind=task.kind)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=task.disposal.person_id,
        obj=task,
        detail={"disposal": str(task.disposal_id), "task": task.kind},
    )
    task.refresh_from_db()
    return task


# Reading a disposal -----------------------------------------------------------------


def disposal_viewed(*, actor: User, disposal: Disposal) -> None:
    """Record that the user consulted the disposal (its page)."""
    audit.record(
        actor=actor, operation=Operation.CONSULTATION, subject=disposal.person_id, obj=disposal
    )


def notice_get(*, actor: User, disposal_id: Any, notice_id: int | None = None) -> DisposalNotice:
    """A notice as given to the person (by default the latest, the one that counts now),
    recorded as a consultation of their record."""
    disposal = selectors.disposal_get_for_user(user=actor, disposal_id=disposal_id)
    notices = disposal.notices.order_by("-issued_at", "-pk") if disposal else None
    if notices is not None and notice_id is not None:
        notices = notices.filter(pk=notice_id)
    notice = notices.first() if notices is not None else None
    if disposal is None or notice is None:
        raise NotFoundError(str(_("Notice not found.")))
    with transaction.atomic():
        audit.record(
            actor=actor,
            operation=Operation.CONSULTATION,
            subject=disposal.person_id,
            obj=disposal,
            detail={"notice": notice.pk},
        )
    return notice
