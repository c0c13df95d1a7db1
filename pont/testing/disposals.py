"""Out-of-court disposal test data, made through the services, in any state."""

from typing import Any

from django.utils import timezone

from pont.directory.models import NeedCategory, Service
from pont.disposals import services
from pont.disposals.models import Disposal, DisposalCondition
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Referral

from .personas import FRONTLINE, INSPECTOR, PROV_A, PROV_B, World
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
    from datetime import timedelta

    from django.utils import timezone

    referral = condition_referral(disposal)
    worker = world.users[
        PROV_A if referral.receiving_organisation_id == world.provider_a.pk else PROV_B
    ]
    referrals.referral_accept(actor=worker, referral_id=referral.pk)
    appointment = referrals.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() + timedelta(hours=1),
        place="Llanelli hub",
    )
    referrals.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=appointment.pk, attendance=attendance
    )
    return Referral.objects.get(pk=referral.pk)
