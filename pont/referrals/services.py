"""Every step of a referral, for every source: one service per transition.

Each service runs in one transaction that checks who may act and from which
state, applies the change with an optimistic version check, appends to the
referral's timeline, writes its audit event, and queues the webhook events
(outbox, same transaction) and the emails (after commit).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import MAKE_REFERRAL, MANAGE_WEBHOOKS, WORK_REFERRAL
from pont.accounts.selectors import memberships_of, primary_controller_for, users_able_to
from pont.audit import services as audit
from pont.core import rows
from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.directory.models import Service
from pont.people.selectors import person_get_for_user

from . import notifications, outbox, sources
from .actors import Actor, actor_label, is_client, provider_organisation_ids
from .completeness import check_completeness, snapshot
from .models import (
    REQUIRED_ASSESSMENT_POWER,
    STATUTORY_POWERS,
    Appointment,
    ClosureReason,
    ContactAttempt,
    Referral,
    ReferralEvent,
    WebhookEndpoint,
)
from .selectors import referral_locked_for

Operation = audit.Operation
Status = Referral.Status

REFERRAL_NOT_FOUND = _("Referral not found.")
NOT_ALLOWED = _("You do not have permission to do that.")
INVALID_TRANSITION = _("That cannot be done now: the referral's status is %(status)s.")
CONTACT_DETAILS_INCOMPLETE = _(
    "The referral cannot be sent until the person's contact details are complete."
)
SERVICE_CANNOT_RECEIVE = _("This service does not take referrals through Pont. Choose another.")
SERVICE_NO_LONGER = _(
    "%(service)s no longer takes referrals through Pont, so this referral cannot be sent. "
    "Cancel it and refer them to another service."
)
# A draft made by hand can be changed to another service (referral_draft_change).
SERVICE_NO_LONGER_CHANGE = _(
    "%(service)s no longer takes referrals through Pont, so this referral cannot be sent. "
    "Change the draft to another service, or cancel it."
)
CONSENT_NEEDED = _(
    "Confirm that the person has agreed to be referred and to their details being shared."
)
POWER_NEEDED = _("Select the statutory power the referral is made under.")
POWER_NOT_LISTED = _("Select the statutory power the referral is made under from the list.")
REQUIRED_ASSESSMENT_BY_HAND = _(
    "A Required Assessment is imposed in custody (Test on arrest), which gives the person "
    "its notice and makes its referral. Select another statutory power, or make the "
    "referral by consent."
)
# The statutory powers an officer may name for a referral made by hand (a voluntary one): the
# known powers (models.STATUTORY_POWERS) but the Required Assessment's. That power (Drugs Act
# 2005 s.9) binds the person only through the notice given in custody with the appointment
# the officer fixes (s.11), which Test on Arrest makes together with its own referral; a
# hand-made one would claim a requirement no one imposed (missing it is an offence, s.12,
# that could not be pursued), and Test on Arrest would never hear of its outcome. A
# referral made by its source keeps the power its source gives (and is changed there only).
POWERS_BY_HAND = tuple(power for power in STATUTORY_POWERS if power != REQUIRED_ASSESSMENT_POWER)
BASIS_NEEDED = _("Select consent or a statutory power")
REASON_NEEDED = _("Give a reason.")
REASON_MAX = 4000  # the longest reason a referral takes (its forms allow no more)
REASON_TOO_LONG = _("The reason must be %(max)s characters or fewer")
NO_ORGANISATION = _("Your account is not a member of any organisation.")
IN_FUTURE = _("The time cannot be in the future.")
MADE_BY_ITS_SOURCE = _(
    "This referral was made from another record (a Required Assessment or a disposal's "
    "condition): change it there."
)

# The rows every transition and every contact attempt adds, written out (docs/adr/0004):
# the ORM's create builds and compiles its INSERT each time, inside the writers' lock.
_NEW_EVENT = rows.Insert(ReferralEvent)
_NEW_ATTEMPT = rows.Insert(ContactAttempt)

# action -> (states it may start from, state it leads to; None = stays where it is)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "sent": (frozenset({Status.DRAFT}), Status.REQUESTED),
    # The referrer corrects the draft (service, reason, urgency, legal basis) before sending.
    "draft_changed": (frozenset({Status.DRAFT}), None),
    "accepted": (frozenset({Status.REQUESTED}), Status.ACCEPTED),
    "rejected": (frozenset({Status.REQUESTED}), Status.REJECTED),
    "cancelled": (
        frozenset({Status.DRAFT, Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS}),
        Status.CANCELLED,
    ),
    "assigned": (frozenset({Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS}), None),
    "contact_attempt_logged": (
        frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
        Status.IN_PROGRESS,
    ),
    "appointment_booked": (frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.IN_PROGRESS),
    # Attending moves an accepted referral on, as contact would (a statutory appointment is
    # fixed by the officer, so the person may come before any contact attempt).
    "attendance_recorded": (frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.IN_PROGRESS),
    # The provider corrects a wrong answer while the referral is open (the timeline keeps both).
    "attendance_corrected": (frozenset({Status.IN_PROGRESS}), None),
    # The provider cancels one appointment it booked (to rearrange it: cancel, then book).
    "appointment_cancelled": (frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), None),
    "treatment_started": (frozenset({Status.IN_PROGRESS}), None),
    "closed": (frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), None),  # completed or failed
    # The referrer fixes (and varies) the appointment of a statutory referral (Required
    # Assessment): the law has the officer give the time and place, not the provider.
    "appointment_set": (frozenset({Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS}), None),
    "appointment_varied": (
        frozenset({Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS}),
        None,
    ),
    # The referrer's source changes what it asks of a referral already sent (a disposal's
    # condition given more time: its new deadline); the timeline keeps what it said before.
    "reason_changed": (frozenset({Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS}), None),
}


def _refuse_at(field: str, message: Any) -> NoReturn:
    """Refuse, with the message at the one field it is about (the shape `refuse_fields` gives
    several)."""
    raise ApplicationError(str(message), {"fields": {field: [str(message)]}})


def allowed_actions(referral: Referral) -> set[str]:
    """The actions the referral's status allows (who may take them is checked separately)."""
    return {action for action, (sources, _to) in TRANSITIONS.items() if referral.status in sources}


def _locked(actor: Actor, referral_id: Any, side: str) -> Referral:
    """The referral, if the actor may act on it from `side`, locked for this transaction."""
    found = referral_locked_for(actor=actor, referral_id=referral_id, side=side)
    if found is None:
        raise NotFoundError(str(REFERRAL_NOT_FOUND))
    return found


def _not_stale(referral: Referral, expected_version: int | None) -> None:
    # A stale version is answered as such, before anything about the state.
    if expected_version is not None and expected_version != referral.version:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})


# What a refusal of an action in the wrong state tells the user to do instead.
_ENDED = _("The referral has ended: nothing more can be recorded on it.")
_SENT_ALREADY = _("It has been sent already.")
_ANSWERED_ALREADY = _("It has been accepted or rejected already.")
_ACCEPT_FIRST = _("Accept the referral first.")
_SEND_FIRST = _("Send the referral first.")
_CONTACT_FIRST = _("Record a contact attempt, an appointment or the person's attendance first.")


def _made_by_hand(referral: Referral) -> None:
    """Refuse a referrer's change by hand to a referral made by its source (a Required
    Assessment, a disposal's condition), which holds what it asks, the service and the power:
    changed there, never here."""
    if referral.source_kind != Referral.Source.VOLUNTARY:
        raise ApplicationError(str(MADE_BY_ITS_SOURCE), status=409)


def _next_step(referral: Referral, action: str) -> str:
    """What to do instead of an action the referral's status does not allow ("" if nothing
    useful can be said)."""
    status = referral.status
    if status in Referral.CLOSED_STATUSES:
        return str(_ENDED)
    if action in ("sent", "draft_changed"):
        return str(_SENT_ALREADY)
    if action in ("accepted", "rejected"):
        return str(_ANSWERED_ALREADY)
    if status == Status.DRAFT:
        return str(_SEND_FIRST)
    if status == Status.REQUESTED:
        return str(_ACCEPT_FIRST)
    if action == "treatment_started" and status == Status.ACCEPTED:
        return str(_CONTACT_FIRST)
    return ""


def next_step_message(referral: Referral, action: str) -> str:
    """The refusal of an action the referral's status does not allow, with what to do."""
    message = str(INVALID_TRANSITION % {"status": referral.get_status_display().lower()})
    hint = _next_step(referral, action)
    return f"{message} {hint}" if hint else message


def _check(referral: Referral, action: str) -> str | None:
    sources, target = TRANSITIONS[action]
    if referral.status not in sources:
        raise ApplicationError(
            next_step_message(referral, action),
            {"status": referral.status, "action": action},
            status=409,
        )
    return target


def _apply(
    referral: Referral,
    *,
    actor: Actor,
    action: str,
    fields: dict[str, Any],
    expected_version: int | None,
    detail: dict[str, Any] | None = None,
    operation: str = Operation.ALTERATION,
    obj: Any = None,
    recipient: str = "",
    event_type: str = "referral.updated",
    timeline_detail: dict[str, Any] | None = None,
) -> Referral:
    """Check, change, record: the one path every transition takes.

    `timeline_detail` is kept on the referral's timeline only, not in the audit log (free
    text, such as why an answer was corrected, which the append-only log could not forget)."""
    _not_stale(referral, expected_version)
    target = _check(referral, action)
    if target is not None and "status" not in fields:
        fields["status"] = target
    version = referral.version if expected_version is None else expected_version
    update_if_version(referral, expected_version=version, fields=fields)
    now = timezone.now()
    _NEW_EVENT.save(
        ReferralEvent(
            referral=referral,
            kind=action,
            at=now,
            actor_label=actor_label(actor),
            detail={**(detail or {}), **(timeline_detail or {})},
        )
    )
    audit.record(
        actor=actor,
        operation=operation,
        subject=referral.person_id,
        obj=obj or referral,
        recipient=recipient,
        detail={"referral": str(referral.pk), "action": action, **(detail or {})},
    )
    outbox.emit(referral, event_type)
    sources.notify(referral, action, actor, detail or {})
    return referral


@transaction.atomic
def referral_create(
    *,
    actor: User,
    person_id: int,
    service_id: Any,
    reason: str,
    source_kind: str,
    source_id: str = "",
    urgency: str = Referral.Urgency.ROUTINE,
    legal_basis: str = Referral.LegalBasis.CONSENT,
    statutory_basis: str = "",
    consent_confirmed: bool = False,
) -> Referral:
    """Start a referral as a draft: who, to which service, why, and on what legal basis."""
    if not actor.has_perm(MAKE_REFERRAL):
        raise ApplicationError(str(NOT_ALLOWED), status=403)
    person = person_get_for_user(user=actor, person_id=person_id)
    if person is None:
        raise NotFoundError(str(_("Person not found.")))
    errors: dict[str, list[str]] = {}
    if source_kind not in Referral.Source.values:
        errors["source_kind"] = [str(_("Select where the referral comes from."))]
    service = _checked_details(
        service_id=service_id,
        reason=reason,
        legal_basis=legal_basis,
        statutory_basis=statutory_basis,
        consent_confirmed=consent_confirmed,
        by_hand=source_kind == Referral.Source.VOLUNTARY,
        errors=errors,
    )
    membership = memberships_of(user=actor).order_by("created_at", "pk").first()
    controller = primary_controller_for(user=actor)
    if membership is None or controller is None:
        raise ApplicationError(str(NO_ORGANISATION), status=403)
    now = timezone.now()
    if source_kind == Referral.Source.VOLUNTARY:
        twin = _twin_draft(actor, person, service, reason.strip(), now)
        if twin is not None:
            return twin
    referral = Referral(
        person=person,
        source_kind=source_kind,
        source_id=source_id,
        referring_organisation=membership.organisation,
        referring_controller=controller,
        referred_by=actor,
        service=service,
        receiving_organisation=service.organization.pont_organisation,
        reason=reason.strip(),
        urgency=urgency,
        legal_basis=legal_basis,
        statutory_basis=statutory_basis.strip()
        if legal_basis == Referral.LegalBasis.STATUTORY
        else "",
        consent_recorded_by=actor if legal_basis == Referral.LegalBasis.CONSENT else None,
        consent_recorded_at=now if legal_basis == Referral.LegalBasis.CONSENT else None,
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, kind="created", at=now, actor_label=actor_label(actor)
    )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=referral,
        detail={"service": str(service.pk), "source": source_kind, "legal_basis": legal_basis},
    )
    return referral


# How close together two posts of the same referral form count as one (a form sent twice: a
# double click past the button's guard, a reload, a retry on a slow connection).
_TWIN_WINDOW = timedelta(minutes=1)


def _twin_draft(
    actor: User, person: Any, service: Service, reason: str, now: datetime
) -> Referral | None:
    """The draft this officer made a moment ago for the same person, service and reason, if
    any: the same form sent twice makes one draft. The person's row is locked first, so two
    posts at once are taken one after the other (on SQLite every writing transaction is)."""
    type(person).objects.select_for_update().filter(pk=person.pk).exists()
    return (
        Referral.objects.filter(
            person=person,
            referred_by=actor,
            service=service,
            reason=reason,
            source_kind=Referral.Source.VOLUNTARY,
            status=Status.DRAFT,
            created_at__gte=now - _TWIN_WINDOW,
        )
        .order_by("created_at")
        .first()
    )


def _checked_details(
    *,
    service_id: Any,
    reason: str,
    legal_basis: str,
    statutory_basis: str,
    consent_confirmed: bool,
    by_hand: bool,
    errors: dict[str, list[str]],
) -> Service:
    """The service a referral is made to, once what a referral says has been checked (with
    any `errors` found already): refused naming every field that is wrong. A referral made
    `by_hand` (voluntary) names one of POWERS_BY_HAND; a source names its own."""
    service = Service.objects.select_related("organization").filter(pk=service_id).first()
    if service is None or not service.can_receive_referrals:
        errors["service"] = [str(SERVICE_CANNOT_RECEIVE)]
    if not reason.strip():
        errors["reason"] = [str(REASON_NEEDED)]
    if legal_basis == Referral.LegalBasis.CONSENT and not consent_confirmed:
        errors["consent_confirmed"] = [str(CONSENT_NEEDED)]
    power = statutory_basis.strip()
    if legal_basis == Referral.LegalBasis.STATUTORY and not power:
        errors["statutory_basis"] = [str(POWER_NEEDED)]
    elif legal_basis == Referral.LegalBasis.STATUTORY and by_hand and power not in POWERS_BY_HAND:
        refused = (
            REQUIRED_ASSESSMENT_BY_HAND if power == REQUIRED_ASSESSMENT_POWER else POWER_NOT_LISTED
        )
        errors["statutory_basis"] = [str(refused)]
    if legal_basis not in Referral.LegalBasis.values:
        errors["legal_basis"] = [str(BASIS_NEEDED)]
    if errors:
        raise ApplicationError(str(_("Check the referral details.")), {"fields": errors})
    assert service is not None  # noqa: S101 - checked above
    return service


@transaction.atomic
def referral_draft_change(
    *,
    actor: User,
    referral_id: Any,
    service_id: Any,
    reason: str,
    urgency: str,
    legal_basis: str,
    statutory_basis: str = "",
    consent_confirmed: bool = False,
    expected_version: int | None = None,
) -> Referral:
    """Correct a draft before it is sent: its service, reason, urgency or legal basis (the
    person and the source stay). Consent is recorded again, by whoever confirms it now."""
    referral = _locked(actor, referral_id, "referrer")
    _not_stale(referral, expected_version)
    _check(referral, "draft_changed")
    _made_by_hand(referral)
    service = _checked_details(
        service_id=service_id,
        reason=reason,
        legal_basis=legal_basis,
        statutory_basis=statutory_basis,
        consent_confirmed=consent_confirmed,
        by_hand=True,  # only a voluntary draft is changed here
        errors={},
    )
    consent = legal_basis == Referral.LegalBasis.CONSENT
    fields: dict[str, Any] = {
        "service": service,
        "receiving_organisation": service.organization.pont_organisation,
        "reason": reason.strip(),
        "urgency": urgency if urgency in Referral.Urgency.values else referral.urgency,
        "legal_basis": legal_basis,
        "statutory_basis": "" if consent else statutory_basis.strip(),
        "consent_recorded_by": actor if consent else None,
        "consent_recorded_at": timezone.now() if consent else None,
    }
    changed = sorted(
        name
        for name in ("service", "reason", "urgency", "legal_basis", "statutory_basis")
        if getattr(referral, name) != fields[name]
    )
    if not changed:  # saved as it was: nothing written, the consent recorded first kept
        return referral
    return _apply(
        referral,
        actor=actor,
        action="draft_changed",
        fields=fields,
        expected_version=expected_version,
        detail={"changed": changed},
        event_type="",  # a draft is the referrer's own: no provider hears of it
    )


class ContactDetailsIncomplete(ApplicationError):
    """The completeness gate refused to send; `extra["missing"]` says exactly what is missing."""

    status = 409


def referral_send(
    *, actor: User, referral_id: Any, expected_version: int | None = None
) -> Referral:
    """Send a draft to the provider, if the person's contact details are complete.

    The first attempt is remembered (complete or not) in its own transaction,
    even when the gate refuses: the funnel reports the share of referrals
    whose details were complete at the first try.
    """
    with transaction.atomic():
        referral = _locked(actor, referral_id, "referrer")
        if referral.status == Status.DRAFT:
            _still_receiving(referral)
        result = check_completeness(referral.person, source_kind=referral.source_kind)
        if referral.first_send_attempt_at is None and referral.status == Status.DRAFT:
            Referral.objects.filter(pk=referral.pk).update(
                first_send_attempt_at=timezone.now(), complete_at_first_attempt=result.complete
            )
    if not result.complete:
        raise ContactDetailsIncomplete(
            str(CONTACT_DETAILS_INCOMPLETE),
            {"missing": result.missing, "warnings": result.warnings},
        )
    return _send(actor=actor, referral_id=referral_id, expected_version=expected_version)


def _still_receiving(referral: Referral) -> None:
    """The service chosen for a draft may have closed, or stopped taking referrals through
    Pont (or moved to another provider), since the draft was made: checked again on sending."""
    service = Service.objects.select_related("organization").get(pk=referral.service_id)
    if (
        not service.can_receive_referrals
        or service.organization.pont_organisation_id != referral.receiving_organisation_id
    ):
        message = (
            SERVICE_NO_LONGER_CHANGE
            if referral.source_kind == Referral.Source.VOLUNTARY
            else SERVICE_NO_LONGER
        )
        raise ApplicationError(
            str(message % {"service": service.display_name}),
            {"service": str(service.pk)},
            status=409,
        )


@transaction.atomic
def _send(*, actor: User, referral_id: Any, expected_version: int | None) -> Referral:
    referral = _locked(actor, referral_id, "referrer")
    if referral.status == Status.DRAFT:
        _still_receiving(referral)
    result = check_completeness(referral.person, source_kind=referral.source_kind)
    if not result.complete:  # changed since the check above
        raise ContactDetailsIncomplete(str(CONTACT_DETAILS_INCOMPLETE), {"missing": result.missing})
    now = timezone.now()
    _apply(
        referral,
        actor=actor,
        action="sent",
        fields={"requested_at": now, "contact_snapshot": snapshot(result.usable_routes)},
        expected_version=expected_version,
        operation=Operation.DISCLOSURE,
        recipient=referral.receiving_organisation.name,
        event_type="referral.requested",
    )
    notifications.referral_arrived(referral)
    return referral


def referral_create_and_send(**kwargs: Any) -> Referral:
    """For source modules: make the referral and send it at once (a draft is kept if refused)."""
    referral = referral_create(**kwargs)
    return referral_send(actor=kwargs["actor"], referral_id=referral.pk)


@transaction.atomic
def referral_accept(
    *,
    actor: Actor,
    referral_id: Any,
    expected_version: int | None = None,
    already_known: bool | None = None,
) -> Referral:
    referral = _locked(actor, referral_id, "provider")
    fields: dict[str, Any] = {"accepted_at": timezone.now()}
    if already_known is not None:
        fields["already_known_to_provider"] = already_known
    if not is_client(actor) and referral.assigned_worker_id is None:
        fields["assigned_worker"] = actor
    return _apply(
        referral, actor=actor, action="accepted", fields=fields, expected_version=expected_version
    )


@transaction.atomic
def referral_reject(
    *, actor: Actor, referral_id: Any, reason: str, expected_version: int | None = None
) -> Referral:
    referral = _locked(actor, referral_id, "provider")
    if not reason.strip():
        _refuse_at("reason", REASON_NEEDED)
    _not_stale(referral, expected_version)
    _check(referral, "rejected")
    _apply(
        referral,
        actor=actor,
        action="rejected",
        fields={"rejected_at": timezone.now(), "rejection_reason": reason.strip()},
        expected_version=expected_version,
        detail=_appointments_cancelled(pending_appointments(referral).to_come),
    )
    notifications.referral_rejected(referral)
    return referral


@transaction.atomic
def referral_cancel(
    *, actor: User, referral_id: Any, reason: str, expected_version: int | None = None
) -> Referral:
    referral = _locked(actor, referral_id, "referrer")
    if not reason.strip():
        _refuse_at("reason", REASON_NEEDED)
    was_sent = referral.status != Status.DRAFT
    _not_stale(referral, expected_version)
    _check(referral, "cancelled")
    return _apply(
        referral,
        actor=actor,
        action="cancelled",
        fields={"cancelled_at": timezone.now(), "cancellation_reason": reason.strip()},
        expected_version=expected_version,
        event_type="referral.cancelled" if was_sent else "",
        detail=_appointments_cancelled(pending_appointments(referral).to_come),
    )


@transaction.atomic
def referral_reason_change(
    *,
    actor: User,
    referral_id: Any,
    reason: str,
    expected_version: int | None = None,
    by_source: bool = False,
) -> Referral:
    """Tell the service what has changed in what the referral asks, once it has been sent (a
    draft is changed as a draft): the reason it reads is replaced, and its partner systems are
    told (`referral.updated`), and so is the worker it is assigned to, or else its referral
    inbox (an email with a link). The reason before is kept on the timeline only, not in the
    audit log, as free text is elsewhere. The same reason again changes nothing.

    An officer changes a referral they made by hand; one made from another record (a
    Required Assessment, a disposal's condition) is changed by that record's own service
    (`by_source`), never by hand."""
    referral = _locked(actor, referral_id, "referrer")
    if not by_source:
        _made_by_hand(referral)
    reason = reason.strip()
    if not reason:
        _refuse_at("reason", REASON_NEEDED)
    if len(reason) > REASON_MAX:
        _refuse_at("reason", REASON_TOO_LONG % {"max": REASON_MAX})
    _not_stale(referral, expected_version)
    _check(referral, "reason_changed")
    if reason == referral.reason:
        return referral
    _apply(
        referral,
        actor=actor,
        action="reason_changed",
        fields={"reason": reason},
        expected_version=expected_version,
        timeline_detail={"before": referral.reason},
    )
    notifications.reason_changed(referral)
    return referral


@transaction.atomic
def referral_assign(
    *, actor: User, referral_id: Any, worker: User | None, expected_version: int | None = None
) -> Referral:
    """Give the referral to a worker of the receiving organisation (or to nobody): someone who
    works referrals there. A worker given it by someone else is told by email (a link)."""
    referral = _locked(actor, referral_id, "provider")
    if (
        worker is not None
        and not users_able_to(
            capability=WORK_REFERRAL, organisation_id=referral.receiving_organisation_id
        )
        .filter(pk=worker.pk)
        .exists()
    ):
        _refuse_at("worker", _("Choose someone who works referrals at the receiving service."))
    _apply(
        referral,
        actor=actor,
        action="assigned",
        fields={"assigned_worker": worker},
        expected_version=expected_version,
        detail={"worker": worker.get_username() if worker else None},
    )
    if worker is not None and worker != actor:
        notifications.referral_assigned(referral, worker)
    return referral


def _shown_moment(moment: datetime) -> str:
    """A moment as a refusal names it: in UK local time, to the minute."""
    return formats.date_format(timezone.localtime(moment), "j F Y H:i")


def _not_future(moment: datetime, field: str, message: Any = IN_FUTURE) -> None:
    if moment > timezone.now() + _CLOCKS_DIFFER:
        _refuse_at(field, message)


# How far a partner system's clock may be from Pont's before a time is refused.
_CLOCKS_DIFFER = timedelta(minutes=5)


def _a_year_after(moment: datetime) -> datetime:
    """The same moment a calendar year later (29 February: the 28th), the furthest ahead an
    appointment can be booked."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def _not_before_sent(referral: Referral, moment: datetime, field: str, *, by_day: bool) -> None:
    """Nothing the provider records can have happened before the referral reached them (a
    day recorded without its time: not before the day it was sent)."""
    sent = referral.requested_at
    if sent is None:
        return
    too_early = (
        timezone.localdate(moment) < timezone.localdate(sent)
        if by_day
        else moment < sent - _CLOCKS_DIFFER
    )
    if too_early:
        _refuse_at(
            field,
            _("It cannot be before the referral was sent (%(sent)s).")
            % {"sent": _shown_moment(sent)},
        )


@transaction.atomic
def contact_attempt_log(
    *,
    actor: Actor,
    referral_id: Any,
    method: str,
    attempted_at: datetime,
    result: str,
    note: str = "",
) -> ContactAttempt:
    referral = _locked(actor, referral_id, "provider")
    errors = {}
    if method not in ContactAttempt.Method.values:
        errors["method"] = [str(_("Select how you tried to contact them."))]
    if result not in ContactAttempt.Result.values:
        errors["result"] = [str(_("Select what happened."))]
    if errors:
        raise ApplicationError(str(_("Check the contact attempt.")), {"fields": errors})
    _not_future(attempted_at, "attempted_at")
    _check(referral, "contact_attempt_logged")
    _not_before_sent(referral, attempted_at, "attempted_at", by_day=False)
    attempt = _NEW_ATTEMPT.save(
        ContactAttempt(
            referral=referral,
            method=method,
            attempted_at=attempted_at,
            result=result,
            note=note.strip(),
            recorded_by_user=None if is_client(actor) else actor,  # type: ignore[misc]
            recorded_by_client=actor if is_client(actor) else None,
        )
    )
    fields: dict[str, Any] = {}
    if (
        referral.first_contact_attempt_at is None
        or attempted_at < referral.first_contact_attempt_at
    ):
        fields["first_contact_attempt_at"] = attempted_at
    if result in (ContactAttempt.Result.REACHED, ContactAttempt.Result.DECLINED) and (
        referral.first_contacted_at is None or attempted_at < referral.first_contacted_at
    ):
        fields["first_contacted_at"] = attempted_at
    _apply(
        referral,
        actor=actor,
        action="contact_attempt_logged",
        fields=fields,
        expected_version=None,
        operation=Operation.COLLECTION,
        obj=attempt,
        detail={"method": method, "result": result},
    )
    return attempt


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    referral_id: Any,
    starts_at: datetime,
    place: str,
    kind: str = Appointment.Kind.ASSESSMENT,
) -> Appointment:
    referral = _locked(actor, referral_id, "provider")
    if kind not in Appointment.Kind.values:
        message = str(_("Select the kind of appointment."))
        raise ApplicationError(message, {"fields": {"kind": [message]}})
    if not place.strip():
        raise ApplicationError(
            str(_("Enter where the appointment is.")), {"fields": {"place": ["required"]}}
        )
    _check(referral, "appointment_booked")
    # Booked as it is arranged, or recorded after it happened: never before the referral
    # reached the provider, nor so far ahead that the year was surely mistyped.
    _not_before_sent(referral, starts_at, "starts_at", by_day=False)
    if starts_at > _a_year_after(timezone.now()):
        _refuse_at("starts_at", _("That is more than a year ahead: check the date."))
    # The same appointment booked twice (a double click, a retry with a new key) would have to
    # be answered twice, or cancelled, before the referral could close.
    same = referral.appointments.filter(
        starts_at=starts_at, attendance=Appointment.Attendance.PENDING
    ).first()
    if same is not None:
        _refuse_at(
            "starts_at",
            _("They have an appointment at that time already (%(place)s).") % {"place": same.place},
        )
    appointment = Appointment.objects.create(
        referral=referral, starts_at=starts_at, place=place.strip(), kind=kind
    )
    fields: dict[str, Any] = {}
    if referral.first_appointment_booked_at is None:
        fields["first_appointment_booked_at"] = timezone.now()
    _apply(
        referral,
        actor=actor,
        action="appointment_booked",
        fields=fields,
        expected_version=None,
        operation=Operation.COLLECTION,
        obj=appointment,
        detail={"appointment": appointment.pk, "kind": kind},
    )
    return appointment


@transaction.atomic
def statutory_appointment_set(
    *,
    actor: User,
    referral_id: Any,
    starts_at: datetime,
    place: str,
    kind: str = Appointment.Kind.ASSESSMENT,
    appointment_id: int | None = None,
) -> Appointment:
    """The referrer fixes, or varies, the appointment of a statutory referral.

    With `appointment_id`, the appointment's time and place change (the old ones
    are kept in the timeline's detail); without, a new appointment is made. Only
    statutory referrals have appointments set by the referrer, and only before
    attendance is recorded.
    """
    referral = _locked(actor, referral_id, "referrer")
    if referral.legal_basis != Referral.LegalBasis.STATUTORY:
        raise ApplicationError(
            str(_("Only a statutory referral has its appointment set by the referrer.")),
            status=409,
        )
    if not place.strip():
        raise ApplicationError(
            str(_("Enter where the appointment is.")), {"fields": {"place": ["required"]}}
        )
    if kind not in Appointment.Kind.values:
        message = str(_("Select the kind of appointment."))
        raise ApplicationError(message, {"fields": {"kind": [message]}})
    detail: dict[str, Any]
    if appointment_id is None:
        _check(referral, "appointment_set")
        appointment = Appointment.objects.create(
            referral=referral, starts_at=starts_at, place=place.strip(), kind=kind
        )
        action, detail = "appointment_set", {"appointment": appointment.pk, "kind": kind}
    else:
        found = referral.appointments.select_for_update().filter(pk=appointment_id).first()
        if found is None:
            raise NotFoundError(str(_("Appointment not found.")))
        appointment = found
        if appointment.attendance != Appointment.Attendance.PENDING:
            raise ApplicationError(
                str(_("Attendance has been recorded; the appointment can no longer change.")),
                status=409,
            )
        _check(referral, "appointment_varied")
        detail = {
            "appointment": appointment.pk,
            "kind": appointment.kind,
            "was": {"starts_at": appointment.starts_at.isoformat(), "place": appointment.place},
        }
        update_if_version(
            appointment,
            expected_version=appointment.version,
            fields={"starts_at": starts_at, "place": place.strip()},
        )
        action = "appointment_varied"
    fields: dict[str, Any] = {}
    if referral.first_appointment_booked_at is None:
        fields["first_appointment_booked_at"] = timezone.now()
    _apply(
        referral,
        actor=actor,
        action=action,
        fields=fields,
        expected_version=None,
        operation=Operation.ALTERATION if appointment_id else Operation.COLLECTION,
        obj=appointment,
        detail=detail,
    )
    return appointment


# The answers to "did they come?" (pending and cancelled are not), and those that count as
# having come (the "first attended" milestone).
ANSWERS = frozenset(Appointment.Attendance.values) - {
    Appointment.Attendance.PENDING,
    Appointment.Attendance.CANCELLED,
}
_ATTENDED = (Appointment.Attendance.ATTENDED, Appointment.Attendance.LEFT_EARLY)


@transaction.atomic
def attendance_record(
    *, actor: Actor, referral_id: Any, appointment_id: int, attendance: str
) -> Appointment:
    referral = _locked(actor, referral_id, "provider")
    appointment = referral.appointments.select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFoundError(str(_("Appointment not found.")))
    if attendance not in ANSWERS:
        message = str(_("Select whether they came."))
        raise ApplicationError(message, {"fields": {"attendance": [message]}})
    _check(referral, "attendance_recorded")
    _still_pending(appointment)
    now = timezone.now()
    if appointment.starts_at > now + _CLOCKS_DIFFER:
        _refuse_at(
            "attendance",
            _("Attendance can be recorded once the appointment has started (%(when)s).")
            % {"when": _shown_moment(appointment.starts_at)},
        )
    update_if_version(
        appointment,
        expected_version=appointment.version,
        fields={"attendance": attendance, "attendance_recorded_at": now},
    )
    fields: dict[str, Any] = {}
    if attendance in _ATTENDED and (referral.first_attended_at is None):
        fields["first_attended_at"] = appointment.starts_at
    _apply(
        referral,
        actor=actor,
        action="attendance_recorded",
        fields=fields,
        expected_version=None,
        obj=appointment,
        detail={"appointment": appointment.pk, "attendance": attendance},
    )
    if attendance == Appointment.Attendance.DID_NOT_ATTEND:
        notifications.did_not_attend(referral)
    return appointment


@transaction.atomic
def attendance_correct(
    *, actor: Actor, referral_id: Any, appointment_id: int, attendance: str, reason: str
) -> Appointment:
    """The provider corrects the answer recorded for an appointment (recorded on the wrong
    appointment, or the wrong button), with a reason, while the referral is open.

    The timeline keeps the first answer and the correction; the referral's "first attended"
    milestone follows the answers as corrected; the referrer is emailed (a link only) when
    the answer becomes, or stops being, "did not attend"; and the source hears of it
    (`attendance_corrected`), so that a Required Assessment or a disposal's condition
    follows it (docs/referrals.md)."""
    referral = _locked(actor, referral_id, "provider")
    appointment = referral.appointments.select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFoundError(str(_("Appointment not found.")))
    _check(referral, "attendance_corrected")
    if appointment.attendance == Appointment.Attendance.CANCELLED:
        raise ApplicationError(str(_("This appointment was cancelled.")), status=409)
    if appointment.attendance == Appointment.Attendance.PENDING:
        raise ApplicationError(
            str(_("Nothing has been recorded for this appointment yet: record what happened.")),
            status=409,
        )
    errors: dict[str, list[str]] = {}
    if attendance not in ANSWERS:
        errors["attendance"] = [str(_("Select whether they came."))]
    elif attendance == appointment.attendance:
        errors["attendance"] = [
            str(_("That is the answer recorded already: select the answer that is right."))
        ]
    if not reason.strip():
        errors["reason"] = [str(REASON_NEEDED)]
    if errors:
        refuse_fields(errors, _("Check the correction."))
    was = appointment.attendance
    update_if_version(
        appointment, expected_version=appointment.version, fields={"attendance": attendance}
    )
    attended = referral.appointments.filter(attendance__in=_ATTENDED).order_by("starts_at")
    first = attended.values_list("starts_at", flat=True).first()
    fields: dict[str, Any] = {}
    if first != referral.first_attended_at:
        fields["first_attended_at"] = first
    _apply(
        referral,
        actor=actor,
        action="attendance_corrected",
        fields=fields,
        expected_version=None,
        obj=appointment,
        detail={"appointment": appointment.pk, "attendance": attendance, "was": was},
        timeline_detail={"reason": reason.strip()},
    )
    if attendance == Appointment.Attendance.DID_NOT_ATTEND:
        notifications.did_not_attend(referral)
    elif was == Appointment.Attendance.DID_NOT_ATTEND:
        notifications.attendance_corrected(referral)
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: Actor, referral_id: Any, appointment_id: int) -> Appointment:
    """The provider cancels an appointment it booked that has not been recorded, whether or
    not its time has come (to rearrange one: cancel it, then book the new time). One the
    referrer set (a statutory requirement) is theirs to vary."""
    referral = _locked(actor, referral_id, "provider")
    appointment = referral.appointments.select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFoundError(str(_("Appointment not found.")))
    _check(referral, "appointment_cancelled")
    _still_pending(appointment)
    if appointment.pk in _set_by_referrer(referral):
        raise ApplicationError(
            str(_("The referrer set this appointment: ask them to change it.")), status=409
        )
    update_if_version(
        appointment,
        expected_version=appointment.version,
        fields={
            "attendance": Appointment.Attendance.CANCELLED,
            "attendance_recorded_at": timezone.now(),
        },
    )
    _apply(
        referral,
        actor=actor,
        action="appointment_cancelled",
        fields={},
        expected_version=None,
        obj=appointment,
        detail={"appointment": appointment.pk},
    )
    return appointment


def _still_pending(appointment: Appointment) -> None:
    """An appointment's answer is given once: recorded or cancelled, it is not changed again
    (a second answer would leave the milestones, the referrer's email and the statutory
    source's reaction to the first one standing)."""
    if appointment.attendance == Appointment.Attendance.CANCELLED:
        raise ApplicationError(str(_("This appointment was cancelled.")), status=409)
    if appointment.attendance != Appointment.Attendance.PENDING:
        raise ApplicationError(
            str(_("What happened at this appointment has been recorded already.")), status=409
        )


def _set_by_referrer(referral: Referral) -> set[int]:
    """The referral's appointments that the referrer set (statutory: `appointment_set`)."""
    return {
        e.detail.get("appointment")
        for e in referral.events.filter(kind="appointment_set").only("detail")
    }


@dataclass(frozen=True)
class PendingAppointments:
    """A referral's appointments whose attendance is not recorded, read once, by time."""

    # Started: a provider records what happened at them (or cancels them) before closing
    # the referral (the funnel and a Required Assessment both rest on that answer).
    started: list[Appointment]
    # Still to come: ending the referral (closed, rejected or cancelled) cancels them.
    to_come: list[Appointment]

    def cancellable(self, referral: Referral) -> list[Appointment]:
        """Those the provider may cancel (appointment_cancel): all but the referrer's."""
        theirs = _set_by_referrer(referral)
        return [a for a in (*self.started, *self.to_come) if a.pk not in theirs]


def pending_appointments(referral: Referral) -> PendingAppointments:
    now = timezone.now()
    pending = list(referral.appointments.filter(attendance=Appointment.Attendance.PENDING))
    return PendingAppointments(
        started=[a for a in pending if a.starts_at <= now],
        to_come=[a for a in pending if a.starts_at > now],
    )


def _appointments_cancelled(ending: list[Appointment]) -> dict[str, Any]:
    """Cancel the appointments still to come of a referral that is ending (its row is locked,
    so no appointment changes meanwhile), and say which for the timeline's detail. Called
    once the transition's own checks have passed: a refusal after it rolls it back."""
    if not ending:
        return {}
    now = timezone.now()
    for appointment in ending:
        update_if_version(
            appointment,
            expected_version=appointment.version,
            fields={"attendance": Appointment.Attendance.CANCELLED, "attendance_recorded_at": now},
        )
    return {"appointments_cancelled": [a.pk for a in ending]}


@transaction.atomic
def treatment_start(*, actor: Actor, referral_id: Any, started_at: datetime) -> Referral:
    referral = _locked(actor, referral_id, "provider")
    _not_future(started_at, "started_at", _("The date treatment started cannot be in the future."))
    _check(referral, "treatment_started")  # a closed referral says so first
    if referral.treatment_started_at is not None:
        raise ApplicationError(str(_("Treatment start has already been recorded.")), status=409)
    _not_before_sent(referral, started_at, "started_at", by_day=True)
    return _apply(
        referral,
        actor=actor,
        action="treatment_started",
        fields={"treatment_started_at": started_at},
        expected_version=None,
    )


# What the record can show of a referral, against which a closure reason is checked.
ATTENDED = "attended"  # an appointment they came to and stayed at (attendance "attended")
CAME = "came"  # an appointment they came to, stayed or not (`first_attended_at`)
TREATMENT_STARTED = "treatment_started"  # `treatment_started_at`
NEVER_REACHED = "never_reached"  # no contact attempt reached them, no appointment, no treatment

# The closure reasons (WNDSM codes, reference data) that a fact on the referral's record
# contradicts, checked in this order (docs/referrals.md, "Lifecycle"). The opposite rule, a
# reason that needs treatment to have started, is the reference data's own flag
# (ClosureReason.needs_treatment_start). Left out, because nothing recorded contradicts
# them for certain: planned_referred_on (referred on after assessment, or after treatment),
# closed_at_centre (meaning not defined here), inappropriate_referral and no_information
# (true at any point), and dna_before_assessment or dna_before_treatment with no
# appointment recorded (an assessment may be offered, or done, outside one booked in Pont).
CLOSURE_CONTRADICTED_BY: dict[str, tuple[str, ...]] = {
    # They did attend: an assessment, or the treatment that follows one. "Attended but left"
    # does not count: the assessment may not have been done.
    "dna_before_assessment": (ATTENDED, TREATMENT_STARTED),
    "dna_before_treatment": (TREATMENT_STARTED,),
    # Someone who came to an appointment of this referral, or started its treatment, knew of it.
    "client_unaware": (CAME, TREATMENT_STARTED),
    # Declining is said to someone: in a contact that reached them, or at an appointment.
    "client_declined": (NEVER_REACHED,),
}
CLOSURE_DOES_NOT_FIT = {
    ATTENDED: _(
        "“%(reason)s” does not fit this referral: they attended the appointment on %(when)s. "
        "Choose another closure reason."
    ),
    CAME: _(
        "“%(reason)s” does not fit this referral: they came to the appointment on %(when)s, so "
        "they knew of the referral. Choose another closure reason."
    ),
    TREATMENT_STARTED: _(
        "“%(reason)s” does not fit this referral: treatment started on %(when)s. Choose another "
        "closure reason."
    ),
    NEVER_REACHED: _(
        "“%(reason)s” does not fit this referral: no contact attempt has reached them and they "
        "have come to no appointment. Record the contact in which they declined first, or "
        "choose another closure reason."
    ),
}


def _fact_on_record(referral: Referral, fact: str) -> str | None:
    """When the fact is true of the referral, its moment as a refusal shows it ("" if it has
    none); None when it is not."""
    if fact == ATTENDED:
        came = (
            referral.appointments.filter(attendance=Appointment.Attendance.ATTENDED)
            .order_by("starts_at")
            .first()
        )
        return _shown_moment(came.starts_at) if came is not None else None
    if fact == CAME:
        moment = referral.first_attended_at
        return _shown_moment(moment) if moment is not None else None
    if fact == TREATMENT_STARTED:
        started = referral.treatment_started_at
        return formats.date_format(timezone.localtime(started), "j F Y") if started else None
    reached = (
        referral.first_contacted_at or referral.first_attended_at or referral.treatment_started_at
    )
    return "" if reached is None else None


def _closure_fits(referral: Referral, reason: ClosureReason) -> None:
    """Refuse a closure reason that the referral's record contradicts, at `closure_reason`,
    saying what the record shows (`extra.contradicted_by` names the fact for a partner system)."""
    for fact in CLOSURE_CONTRADICTED_BY.get(reason.code, ()):
        when = _fact_on_record(referral, fact)
        if when is not None:
            message = str(CLOSURE_DOES_NOT_FIT[fact] % {"reason": reason.label, "when": when})
            raise ApplicationError(
                message, {"fields": {"closure_reason": [message]}, "contradicted_by": fact}
            )


@transaction.atomic
def referral_close(
    *,
    actor: Actor,
    referral_id: Any,
    closure_reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Close with a WNDSM closure reason: planned closures complete the referral, others fail it."""
    referral = _locked(actor, referral_id, "provider")
    reason = (
        ClosureReason.objects.effective_on(timezone.localdate()).filter(code=closure_reason).first()
    )
    if reason is None:
        message = str(_("Select a closure reason from the list."))
        raise ApplicationError(message, {"fields": {"closure_reason": [message]}})
    _not_stale(referral, expected_version)
    _check(referral, "closed")
    if reason.needs_treatment_start and referral.treatment_started_at is None:
        _refuse_at(
            "closure_reason",
            _(
                "“%(reason)s” needs treatment to have started: record the start of treatment "
                "first, or choose another reason."
            )
            % {"reason": reason.label},
        )
    pending = pending_appointments(referral)
    unrecorded = pending.started
    if unrecorded:
        raise ApplicationError(
            str(
                _(
                    "Record whether they came to the appointment on %(when)s, or cancel it, "
                    "before closing the referral."
                )
                % {"when": _shown_moment(unrecorded[0].starts_at)}
            ),
            {"appointments": [a.pk for a in unrecorded]},
            status=409,
        )
    _closure_fits(referral, reason)  # once every appointment that has started is answered
    return _apply(
        referral,
        actor=actor,
        action="closed",
        fields={
            "status": Status.COMPLETED if reason.planned else Status.FAILED,
            "closed_at": timezone.now(),
            "closure_reason": reason,
            "closure_note": note.strip(),
        },
        expected_version=expected_version,
        detail={"closure_reason": reason.code, **_appointments_cancelled(pending.to_come)},
    )


def _same_address(url: str) -> tuple[str, str, str, str]:
    """An address as a receiver sees it: the scheme and host in any case, the host's final dot,
    the port HTTPS takes by default and a fragment (never sent) make no difference."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port if parts.port not in (None, 443) else ""
    return (parts.scheme.lower(), f"{host}:{port}", parts.path or "/", parts.query)


@transaction.atomic
def webhook_endpoint_register(*, actor: User, url: str) -> tuple[WebhookEndpoint, str]:
    """Register where the actor's provider wants referral events sent, with a new signing
    secret. Return the endpoint and the secret, which the caller shows once (Pont keeps it
    to sign deliveries, and never shows it again).

    The address must be HTTPS and on the public internet (outbox.endpoint_url_problem):
    a provider must not make Pont call this machine or the network it runs in.
    """
    require_capability(actor, MANAGE_WEBHOOKS)
    problem = outbox.endpoint_url_problem(url)
    if problem is not None:
        _refuse_at("url", problem)
    organisations = sorted(provider_organisation_ids(actor))
    if not organisations:
        raise NotFoundError(str(NO_ORGANISATION))
    # One active endpoint per address and organisation (two would receive every event twice
    # and look the same in the list). The organisation's row is locked first, so two managers
    # adding the same address at once cannot both pass (PostgreSQL; SQLite's writers queue).
    list(Organisation.objects.select_for_update().filter(pk=organisations[0]).values("pk"))
    same = _same_address(url)
    if any(
        _same_address(other) == same
        for other in WebhookEndpoint.objects.filter(
            organisation_id=organisations[0], is_active=True
        ).values_list("url", flat=True)
    ):
        _refuse_at(
            "url",
            _(
                "Your organisation already has an active endpoint at this address. To get a "
                "new signing secret, disable that endpoint first, then add it again."
            ),
        )
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint.objects.create(
        organisation_id=organisations[0], url=url, secret=secret, created_by=actor
    )
    audit.record(actor=actor, operation=Operation.COLLECTION, obj=endpoint)
    return endpoint, secret
