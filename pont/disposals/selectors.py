"""Reads for out-of-court disposals. Every function returns only what the user may see.

Disposal records belong to the force (the controller): its officers who
decide disposals and its supervisors who authorise them see the force's
disposals (an officer deciding needs the person's earlier ones). Providers
never see a disposal; they see the referral a condition made, through the
referral engine. The scrutiny panel sees sampled disposals without names
(`scrutiny_selectors`). Nobody else sees anything.
"""

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from pont.accounts.models import User
from pont.accounts.roles import AUTHORISE_DISPOSAL, DECIDE_DISPOSAL
from pont.accounts.selectors import controller_ids_for

from .models import (
    ConditionType,
    CrimeOutcome,
    Disposal,
    DisposalCondition,
    DisposalScheme,
    DisposalTask,
    GravityFactor,
    Offence,
)
from .recommendation import SchemeFacts


def is_police_reader(user: Any) -> bool:
    return bool(user.is_authenticated) and any(
        user.has_perm(cap) for cap in (DECIDE_DISPOSAL, AUTHORISE_DISPOSAL)
    )


def disposals_visible_to(*, user: User) -> QuerySet[Disposal]:
    """The force's disposals, for its officers and supervisors; nobody else's."""
    if not is_police_reader(user):
        return Disposal.objects.none()
    return Disposal.objects.filter(controller_id__in=controller_ids_for(user=user)).select_related(
        "person", "area", "officer", "scheme", "authorised_by"
    )


def disposal_get_for_user(*, user: User, disposal_id: Any) -> Disposal | None:
    """The disposal if the user may see it, else None (404, exactly like a missing one)."""
    return (
        disposals_visible_to(user=user)
        .prefetch_related(
            "offences__offence",
            Prefetch(
                "conditions",
                queryset=DisposalCondition.objects.select_related(
                    "condition_type", "service", "referral"
                ),
            ),
        )
        .filter(pk=disposal_id)
        .first()
    )


def awaiting_authorisation_for(*, user: User) -> QuerySet[Disposal]:
    """Disposals a supervisor may authorise: awaiting, and not their own."""
    if not user.has_perm(AUTHORISE_DISPOSAL):
        return Disposal.objects.none()
    return (
        disposals_visible_to(user=user)
        .filter(status=Disposal.Status.AWAITING_AUTHORISATION)
        .exclude(officer=user)
        .order_by("submitted_at")
    )


def tasks_for(*, user: User) -> QuerySet[DisposalTask]:
    """The user's open disposal tasks (they are the officer in charge), oldest first."""
    if not is_police_reader(user):
        return DisposalTask.objects.none()
    return (
        DisposalTask.objects.filter(
            assigned_to=user,
            done_at__isnull=True,
            disposal__controller_id__in=controller_ids_for(user=user),
        )
        .select_related("disposal", "disposal__person", "condition__condition_type")
        .order_by("created_at", "pk")
    )


def task_get_for_user(*, user: User, task_id: int) -> DisposalTask | None:
    return tasks_for(user=user).filter(pk=task_id).first()


def earlier_disposals(*, disposal: Disposal, user: User) -> QuerySet[Disposal]:
    """The person's other disposals the user may see (the officer weighs previous ones)."""
    return (
        disposals_visible_to(user=user)
        .filter(person_id=disposal.person_id)
        .exclude(pk=disposal.pk)
        .order_by("-decided_on")
    )


def schemes_on(day: date) -> QuerySet[DisposalScheme]:
    return DisposalScheme.objects.effective_on(day).order_by("sort_order", "code")


def scheme_facts(day: date) -> list[SchemeFacts]:
    return [SchemeFacts(s.code, s.tier, s.min_age, s.needs_admission) for s in schemes_on(day)]


def offences_on(day: date) -> QuerySet[Offence]:
    return Offence.objects.effective_on(day).order_by("sort_order", "code")


def factors_on(day: date) -> QuerySet[GravityFactor]:
    return GravityFactor.objects.effective_on(day).order_by("sort_order", "code")


def condition_types_on(day: date) -> QuerySet[ConditionType]:
    return ConditionType.objects.effective_on(day).order_by("sort_order", "code")


def outcome_label(code: str, day: date | None = None) -> str:
    if not code:
        return ""
    row = CrimeOutcome.objects.effective_on(day or timezone.localdate()).filter(code=code).first()
    return f"{code}: {row.label}" if row else code


def factor_labels(codes: list[str], day: date) -> list[str]:
    labels = {f.code: f.label for f in factors_on(day)}
    return [labels.get(code, code) for code in codes]
