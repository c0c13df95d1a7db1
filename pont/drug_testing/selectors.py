"""Reads for Test on Arrest. Every function returns only what the user may see.

Test records belong to the force (the controller): its custody officers and
inspectors see them. Providers never see a test record; they see the
statutory referral it produced, through the referral engine, and the Required
Assessment steps that are theirs to record. Nobody else sees anything.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import (
    DECIDE_BREACH,
    MANAGE_REFERENCE_DATA,
    RECORD_DRUG_TEST,
    REVIEW_DRUG_TESTS,
)
from pont.accounts.selectors import controller_ids_for, force_units_for
from pont.core.exceptions import ApplicationError
from pont.referrals.actors import Actor
from pont.referrals.selectors import referral_get_for_actor

from .eligibility import Rules, Trigger
from .models import (
    BreachCase,
    DrugTest,
    DrugTestingRule,
    OfficerTask,
    QaSample,
    RequiredAssessment,
    SuiteArrangement,
    TestedSubstance,
    TriggerOffence,
)

RULE_MISSING = _("The rule %(code)s is not set for %(day)s: ask an administrator to add it.")


def _police_reader(user: User) -> bool:
    return any(user.has_perm(cap) for cap in (RECORD_DRUG_TEST, REVIEW_DRUG_TESTS, DECIDE_BREACH))


def drug_test_list_visible_to(*, user: User) -> QuerySet[DrugTest]:
    """The force's test records, for its custody officers and inspectors; nobody else's."""
    if not user.is_authenticated or not _police_reader(user):
        return DrugTest.objects.none()
    return DrugTest.objects.filter(controller_id__in=controller_ids_for(user=user)).select_related(
        "person", "custody_suite", "trigger_offence", "recorded_by"
    )


def drug_test_get_for_user(*, user: User, test_id: Any) -> DrugTest | None:
    """The test if the user may see it, else None (404, exactly like a missing one)."""
    try:
        return drug_test_list_visible_to(user=user).filter(pk=test_id).first()
    except (ValueError, ValidationError):
        return None


def assessment_list_visible_to(*, user: User) -> QuerySet[RequiredAssessment]:
    return RequiredAssessment.objects.filter(
        test__in=drug_test_list_visible_to(user=user)
    ).select_related("test__person", "referral__service", "initial_appointment")


def assessment_for_police(*, user: User, assessment_id: Any) -> RequiredAssessment | None:
    try:
        return assessment_list_visible_to(user=user).filter(pk=assessment_id).first()
    except (ValueError, ValidationError):
        return None


def assessment_for_provider(*, user: Actor, assessment_id: Any) -> RequiredAssessment | None:
    """The Required Assessment if the user works its referral at the provider, else None."""
    try:
        assessment = (
            RequiredAssessment.objects.select_related(
                "test__person", "referral", "initial_appointment", "follow_up_appointment"
            )
            .filter(pk=assessment_id)
            .first()
        )
    except (ValueError, ValidationError):
        return None
    if assessment is None:
        return None
    referral = referral_get_for_actor(
        actor=user, referral_id=assessment.referral_id, side="provider"
    )
    return assessment if referral is not None else None


def breach_list_visible_to(*, user: User) -> QuerySet[BreachCase]:
    return BreachCase.objects.filter(
        assessment__test__in=drug_test_list_visible_to(user=user)
    ).select_related("assessment__test__person", "assessment__referral__service", "decided_by")


def breach_get_for_user(*, user: User, breach_id: Any) -> BreachCase | None:
    try:
        return breach_list_visible_to(user=user).filter(pk=breach_id).first()
    except (ValueError, ValidationError):
        return None


def tasks_for(*, user: User) -> QuerySet[OfficerTask]:
    """The officer's own tasks, open first."""
    if not user.is_authenticated:
        return OfficerTask.objects.none()
    return OfficerTask.objects.filter(
        assigned_to=user, test__in=drug_test_list_visible_to(user=user)
    ).select_related("test__person")


def qa_samples_visible_to(*, user: User) -> QuerySet[QaSample]:
    if not user.has_perm(REVIEW_DRUG_TESTS):
        return QaSample.objects.none()
    return QaSample.objects.filter(controller_id__in=controller_ids_for(user=user))


def custody_suites_for(*, user: User) -> QuerySet[Organisation]:
    """The custody suites of the user's force(s), for the suite field of the test form."""
    return force_units_for(user=user, kind=Organisation.Kind.CUSTODY_SUITE)


# Reference data -------------------------------------------------------------


def rule_value(code: str, day: date) -> int:
    row = DrugTestingRule.objects.effective_on(day).filter(code=code).first()
    if row is None:
        raise ApplicationError(str(RULE_MISSING % {"code": code, "day": day.isoformat()}))
    return row.value


def rules_on(day: date) -> Rules:
    return Rules(
        arrest_min_age=rule_value("arrest_min_age", day),
        charge_min_age=rule_value("charge_min_age", day),
        appropriate_adult_under_age=rule_value("appropriate_adult_under_age", day),
    )


def trigger_offences_on(day: date | None = None) -> QuerySet[TriggerOffence]:
    return TriggerOffence.objects.effective_on(day)


def trigger_for(offence: TriggerOffence | None) -> Trigger | None:
    if offence is None:
        return None
    return Trigger(
        code=offence.code,
        label_en=offence.label_en,
        label_cy=offence.label_cy,
        class_a_only=offence.class_a_only,
    )


def substances_on(day: date | None = None) -> QuerySet[TestedSubstance]:
    return TestedSubstance.objects.effective_on(day)


def arrangement_for(*, suite: Organisation, day: date) -> SuiteArrangement | None:
    """The suite's notified testing arrangement in force on the day, if any."""
    return SuiteArrangement.objects.filter(suite=suite).effective_on(day).first()


def notified_for(arrangement: SuiteArrangement | None, condition: str) -> bool | None:
    if arrangement is None:
        return None
    return arrangement.arrest_condition if condition == "arrest" else arrangement.charge_condition


# Suites' notified testing arrangements (reference data per suite and date) ----------


def arrangement_suites_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Every custody suite, with its arrangements oldest first, for whoever manages reference data.

    The system administrator keeps the reference data of the whole system, so
    every suite; anyone else, none. Organisations that are not custody suites
    are never returned (a provider's id gives 404, like a missing one).
    """
    if not user.is_authenticated or not user.has_perm(MANAGE_REFERENCE_DATA):
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(kind=Organisation.Kind.CUSTODY_SUITE)
        .select_related("parent")
        .prefetch_related(
            Prefetch(
                "drug_testing_arrangements",
                queryset=SuiteArrangement.objects.order_by("effective_from"),
            )
        )
        .order_by("name", "pk")
    )


def arrangement_suite_get_for_user(*, user: User, suite_id: int) -> Organisation | None:
    """The custody suite if the user may change its arrangements, else None (404)."""
    return arrangement_suites_visible_to(user=user).filter(pk=suite_id).first()


def arrangement_latest(*, suite: Organisation) -> SuiteArrangement | None:
    """The suite's arrangement that starts last (in force, ended or not yet started)."""
    return SuiteArrangement.objects.filter(suite=suite).order_by("-effective_from").first()
