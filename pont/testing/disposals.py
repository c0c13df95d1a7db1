"""Out-of-court disposal test data, made through the services, in any state."""

from typing import Any

from django.utils import timezone

from pont.directory.models import NeedCategory, Service
from pont.disposals import services
from pont.disposals.models import Disposal, DisposalCondition
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Referral

from .personas import FRONTLINE, INSPECTOR, OPCC, PROV_A, PROV_B, World
from .referrals import provider_service, reachable_person


def drug_service(world: World, which: str = "a") -> Service:
    """Provider A's (or B's) service, offering help with drugs and alcohol."""
    service = provider_service(world, which)
    for code in ("drugs", "alcohol"):
        need = NeedCategory.objects.filter(code=code).order_by("-effective_from").first()
        if need is not None:
            service.needs.add(need)
    return service


def decision_values(world: World, **overrides: Any) -> dict[str, Any]:
    """A possession of cocaine, admitted, first time: the arguments of disposal_record."""
    values: dict[str, Any] = {
        "actor": world.users[FRONTLINE],
        "area_id": world.carmarthenshire.pk,
        "offences": [("possession_class_a", "A wrap of cocaine found in a search")],
        "offence_date": timezone.localdate(),
        "admission": True,
        "evidential_test_met": True,
        "victim_views": Disposal.VictimViews.NO_VICTIM,
        "scheme_code": "community_resolution",
    }
    values.update(overrides)
    if "person_id" not in values:
        values["person_id"] = reachable_person(world, given_name="Elin").pk
    return values


def recorded_disposal(world: World, **overrides: Any) -> Disposal:
    return services.disposal_record(**decision_values(world, **overrides))


def conditional_caution(
    world: World, *, person: Person | None = None, **overrides: Any
) -> Disposal:
    """A draft conditional caution (gravity 3) with a drug assessment condition at provider A."""
    values: dict[str, Any] = {
        "offences": [("actual_bodily_harm", "Punched a man outside a pub")],
        "victim_views": Disposal.VictimViews.SUPPORTS,
        "scheme_code": "conditional_caution",
    }
    if person is not None:
        values["person_id"] = person.pk
    values.update(overrides)
    disposal = recorded_disposal(world, **values)
    add_condition(world, disposal, "drug_assessment", service_id=drug_service(world).pk)
    return disposal


def add_condition(
    world: World, disposal: Disposal, code: str, **arguments: Any
) -> DisposalCondition:
    disposal.refresh_from_db()
    return services.condition_add(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        condition_type_code=code,
        expected_version=disposal.version,
        **arguments,
    )


def authorised(world: World, disposal: Disposal) -> Disposal:
    disposal.refresh_from_db()
    services.disposal_submit(
        actor=world.users[FRONTLINE], disposal_id=disposal.pk, expected_version=disposal.version
    )
    disposal.refresh_from_db()
    return services.disposal_authorise(
        actor=world.users[INSPECTOR],
        disposal_id=disposal.pk,
        approve=True,
        expected_version=disposal.version,
    )


def issued(world: World, disposal: Disposal) -> Disposal:
    authorised(world, disposal)
    return issue(world, disposal)


def issue(world: World, disposal: Disposal) -> Disposal:
    """Issue an authorised disposal (the officer, the person agreeing to its conditions)."""
    disposal.refresh_from_db()
    return services.disposal_issue(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        agreement_confirmed=True,
        expected_version=disposal.version,
    )


def issued_conditional_caution(world: World, **overrides: Any) -> Disposal:
    return issued(world, conditional_caution(world, **overrides))


def condition_referral(disposal: Disposal) -> Referral:
    condition = disposal.conditions.exclude(referral=None).get()
    assert condition.referral is not None  # noqa: S101 - a test helper
    return condition.referral


def attended(world: World, disposal: Disposal, *, attendance: str = "attended") -> Referral:
    """Provider A accepts the condition's referral, books and records the assessment."""
    from django.utils import timezone

    referral = condition_referral(disposal)
    worker = world.users[
        PROV_A if referral.receiving_organisation_id == world.provider_a.pk else PROV_B
    ]
    referrals.referral_accept(actor=worker, referral_id=referral.pk)
    appointment = referrals.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now(),  # begun: attendance is recorded once it has
        place="Llanelli hub",
    )
    referrals.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=appointment.pk, attendance=attendance
    )
    return Referral.objects.get(pk=referral.pk)


def failed_condition(world: World, disposal: Disposal, code: str) -> Disposal:
    """The officer records the disposal's (pending) condition of this type as not done: a
    breach."""
    condition = disposal.conditions.get(condition_type__code=code)
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed",
        note="Not done by the deadline",
        expected_version=condition.version,
    )
    return Disposal.objects.get(pk=disposal.pk)


def breach_decided(world: World, disposal: Disposal, decision: str) -> Disposal:
    """The officer in charge decides on the disposal's breach."""
    disposal.refresh_from_db()
    return services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision=decision,
        reason="Considered the reasons given",
        expected_version=disposal.version,
    )


def backdated(
    disposal: Disposal,
    *,
    issued_at: Any,
    offence_date: Any = None,
    decided_on: Any = None,
) -> Disposal:
    """Move a disposal recorded and issued just now back in time, as if it had been then
    (its offence, decision and issue; the offence and decision default to the day of issue)."""
    day = timezone.localdate(issued_at)
    Disposal.objects.filter(pk=disposal.pk).update(
        issued_at=issued_at,
        offence_date=offence_date or day,
        decided_on=decided_on or day,
    )
    return Disposal.objects.get(pk=disposal.pk)


def contact_attempted(referral: Referral, at: Any) -> Referral:
    """Set when the service first tried to contact the person (None: not yet)."""
    Referral.objects.filter(pk=referral.pk).update(first_contact_attempt_at=at)
    return Referral.objects.get(pk=referral.pk)


def reject_condition_referral(world: World, disposal: Disposal) -> Referral:
    """Provider A rejects the referral of the disposal's (one) service condition."""
    referral = condition_referral(disposal)
    return referrals.referral_reject(
        actor=world.users[PROV_A], referral_id=referral.pk, reason="Outside our area"
    )


# The scrutiny panel ------------------------------------------------------------------------


def scrutiny_finished_disposal(
    world: World,
    finished_at: Any = None,
    *,
    closed: bool = False,
    person: Person | None = None,
    condition_details: str = "",
    outcome_note: str = "Apology given",
    breach_reason: str = "Considered the reasons given",
    **overrides: Any,
) -> Disposal:
    """A community resolution with an apology condition, finished through the services: the
    apology done (completed), or not done and the breach closed with no further action
    (`closed`). With `finished_at`, the whole disposal is then moved back in time so that it
    finished then (the services stamp the moment it happens; a sample is of a past month)."""
    if person is not None:
        overrides["person_id"] = person.pk
    disposal = recorded_disposal(world, **overrides)
    condition = add_condition(world, disposal, "apology", details=condition_details)
    issued(world, disposal)
    condition.refresh_from_db()
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed" if closed else "complete",
        note=outcome_note,
        expected_version=condition.version,
    )
    if closed:
        disposal.refresh_from_db()
        services.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            decision=Disposal.BreachDecision.NO_FURTHER_ACTION,
            reason=breach_reason,
            expected_version=disposal.version,
        )
    disposal = Disposal.objects.get(pk=disposal.pk)
    if finished_at is not None:
        disposal = scrutiny_moved(disposal, finished_at)
    return disposal


def scrutiny_moved(disposal: Disposal, finished_at: Any) -> Disposal:
    """Move a finished disposal's every date and time back by the same span, so that it
    finished at `finished_at` (completed, or its breach decided)."""
    from datetime import timedelta

    finished = (
        disposal.completed_at
        if disposal.status == Disposal.Status.COMPLETED
        else disposal.breach_decided_at
    )
    assert finished is not None  # noqa: S101 - a test helper, for finished disposals
    span = finished_at - finished
    days = timedelta(days=(timezone.localdate(finished_at) - timezone.localdate(finished)).days)

    def moved(value: Any, by: Any) -> Any:
        return value + by if value is not None else None

    moments = (
        "submitted_at",
        "authorised_at",
        "agreement_recorded_at",
        "issued_at",
        "completed_at",
        "breached_at",
        "breach_decided_at",
    )
    Disposal.objects.filter(pk=disposal.pk).update(
        offence_date=disposal.offence_date + days,
        decided_on=disposal.decided_on + days,
        **{name: moved(getattr(disposal, name), span) for name in moments},
    )
    for condition in disposal.conditions.all():
        DisposalCondition.objects.filter(pk=condition.pk).update(
            deadline=condition.deadline + days,
            completed_at=moved(condition.completed_at, span),
            failed_at=moved(condition.failed_at, span),
            overdue_at=moved(condition.overdue_at, span),
        )
    return Disposal.objects.get(pk=disposal.pk)


def scrutiny_sample_drawn(world: World, month: Any, *, size: int | None = None) -> Any:
    """The force's scrutiny sample of the month, drawn by the commissioner's officer."""
    from pont.disposals import scrutiny_services

    return scrutiny_services.scrutiny_sample_draw(
        actor=world.users[OPCC], force_id=world.force.pk, month=month, size=size
    )


def decision_form(world: World, **overrides: Any) -> dict[str, Any]:
    """The disposal decision form as an officer posts it: an admitted assault today."""
    today = timezone.localdate()
    data = {
        "area": world.carmarthenshire.pk,
        "offences": ["actual_bodily_harm"],
        "offence_details": "Punched a man outside the Lamb",
        "offence_date_0": today.day,
        "offence_date_1": today.month,
        "offence_date_2": today.year,
        "admission": "yes",
        "evidential_test_met": "yes",
        "victim_views": "supports",
        "aggravating": [],
        "mitigating": [],
        "scheme": "",
        "decision_reason": "",
    }
    data.update(overrides)
    return data
