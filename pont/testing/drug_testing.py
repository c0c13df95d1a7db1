"""Test on Arrest test data, made through the services."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from pont.accounts.models import Organisation
from pont.drug_testing import services
from pont.drug_testing.models import DrugTest, RequiredAssessment, SuiteArrangement
from pont.people.models import Person

from .http import moment_fields
from .personas import CUSTODY, World
from .referrals import provider_service, released_person


def suite_arranged(
    world: World, suite: Organisation | None = None, **flags: bool
) -> SuiteArrangement:
    """The suite's notified testing arrangements (all conditions, unless flags say otherwise)."""
    arrangement, _created = SuiteArrangement.objects.update_or_create(
        suite=suite or world.llanelli,
        effective_from=date(2020, 1, 1),
        defaults={"source": "Home Office notification (test)", **flags},
    )
    return arrangement


def drug_test_values(world: World, **overrides: Any) -> dict[str, Any]:
    """The arguments of drug_test_record: a lawful positive test of an adult arrested for theft."""
    now = timezone.now()
    values: dict[str, Any] = {
        "actor": world.users[CUSTODY],
        "custody_suite_id": world.llanelli.pk,
        "custody_record_number": f"LL/{DrugTest.objects.count() + 1:05d}/26",
        "arrested_at": now - timedelta(hours=3),
        "offences": "Theft from a shop",
        "condition": "arrest",
        "outcome": "tested",
        "trigger_offence": "theft",
        "warning_given": True,
        "sample_taken_at": now - timedelta(hours=1),
        "results": {"cocaine": "positive", "opiates": "negative"},
    }
    values.update(overrides)
    return values


def positive_test(world: World, *, person: Person | None = None, **overrides: Any) -> DrugTest:
    suite_arranged(world)
    if "person_id" not in overrides and "new_person" not in overrides:
        overrides["person_id"] = (person or released_person(world)).pk
    return services.drug_test_record(**drug_test_values(world, **overrides))


def imposed_assessment(
    world: World, *, test: DrugTest | None = None, in_days: int = 2, **overrides: Any
) -> RequiredAssessment:
    """A Required Assessment on a positive test, to provider A, in `in_days` days' time."""
    test = test or positive_test(world)
    values: dict[str, Any] = {
        "actor": world.users[CUSTODY],
        "test_id": test.pk,
        "service_id": provider_service(world).pk,
        "appointment_at": (timezone.now() + timedelta(days=in_days)).replace(
            hour=10, minute=30, second=0, microsecond=0
        ),
        "place": "DDAS, 4 Stepney Street, Llanelli SA15 3TR",
    }
    values.update(overrides)
    return services.required_assessment_impose(**values)


def desk_form(world: World, **overrides: Any) -> dict[str, Any]:
    """The custody desk's form: a lawful positive test at Llanelli, as an officer posts it."""
    now = timezone.now()
    data = {
        "custody_suite": str(world.llanelli.pk),
        "custody_record_number": "LL/00042/26",
        **moment_fields("arrested_at", now - timedelta(hours=2)),
        "offences": "Shoplifting (theft)",
        "condition": "arrest",
        "trigger_offence": "theft",
        "warning_given": "on",
        "outcome": "tested",
        **moment_fields("sample_taken_at", now - timedelta(minutes=30)),
        "result_cocaine": "positive",
        "result_opiates": "negative",
    }
    data.update(overrides)
    return data
