"""Reads of referrals. Every function returns only what the actor may see."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from pont.core.working_days import add_working_days

from .actors import Actor, provider_organisation_ids, referrer_controller_ids
from .models import Referral, ReferralSla, WebhookEndpoint

Status = Referral.Status


def referral_list_visible_to(*, actor: Actor) -> QuerySet[Referral]:
    """Referrals the actor may see: made by their force, or sent to their provider.

    A provider never sees another provider's referrals, nor drafts not yet sent.
    """
    condition = Q(pk__in=[])
    controllers = referrer_controller_ids(actor)
    if controllers:
        condition |= Q(referring_controller_id__in=controllers)
    providers = provider_organisation_ids(actor)
    if providers:
        condition |= Q(receiving_organisation_id__in=providers) & ~Q(status=Status.DRAFT)
    # Only what lists and the API read for every row; a single referral's page loads the rest.
    return Referral.objects.filter(condition).select_related(
        "person", "service", "referring_organisation", "receiving_organisation", "closure_reason"
    )


def referral_scope(*, actor: Actor, side: str = "") -> QuerySet[Referral]:
    """The referrals the actor may see (side=""), or act on as provider or referrer.

    side="provider": the actor works referrals to the receiving organisation;
    side="referrer": the actor made it for their force.
    """
    if side == "provider":
        scope = Q(receiving_organisation_id__in=provider_organisation_ids(actor, write=True)) & ~Q(
            status=Status.DRAFT
        )
        return Referral.objects.filter(scope)
    if side == "referrer":
        return Referral.objects.filter(referring_controller_id__in=referrer_controller_ids(actor))
    return referral_list_visible_to(actor=actor)


def first_by_pk(queryset: QuerySet[Referral], referral_id: Any) -> Referral | None:
    """The referral with this id in the queryset, or None; an id that is not a UUID is None too."""
    try:
        found = list(queryset.filter(pk=referral_id).order_by()[:1])
    except (ValueError, TypeError, ValidationError):  # not a UUID: exactly like a missing referral
        return None
    return found[0] if found else None


def referral_get_for_actor(*, actor: Actor, referral_id: Any, side: str = "") -> Referral | None:
    """Return the referral if the actor may see it (and act on `side`), else None (404)."""
    return first_by_pk(referral_scope(actor=actor, side=side), referral_id)


def provider_history_with(*, referral: Referral) -> QuerySet[Referral]:
    """Other referrals of the same person to the same organisation (the provider's own history)."""
    return (
        Referral.objects.filter(
            person=referral.person, receiving_organisation=referral.receiving_organisation
        )
        .exclude(pk=referral.pk)
        .exclude(status=Status.DRAFT)
        .select_related("service")
        .order_by("-requested_at")
    )


def sla_limits(on: date | None = None) -> dict[str, ReferralSla]:
    """The working-day limits in force, by milestone code."""
    return {row.code: row for row in ReferralSla.objects.effective_on(on)}


Limits = Callable[[date], dict[str, ReferralSla]]


def sla_limits_by_day() -> Limits:
    """`sla_limits`, each day read once: for a page or a figure that looks at many referrals
    (one query a day sent, not one a referral)."""
    return cache(sla_limits)


def due_dates(referral: Referral, limits: Limits = sla_limits) -> dict[str, date]:
    """When each milestone of this referral falls due, in working days from sending."""
    if referral.requested_at is None:
        return {}
    sent = timezone.localdate(referral.requested_at)
    return {code: add_working_days(sent, sla.working_days) for code, sla in limits(sent).items()}


def overdue_milestones(
    referral: Referral, today: date | None = None, limits: Limits = sla_limits
) -> list[str]:
    """The milestones this referral has missed, as of today (`limits`: `sla_limits_by_day()`
    when looking at many)."""
    if referral.status not in Referral.OPEN_STATUSES:
        return []
    today = today or timezone.localdate()
    reached: dict[str, datetime | None] = {
        "accepted": referral.accepted_at,
        "first_contact_attempt": referral.first_contact_attempt_at,
        "treatment_start": referral.treatment_started_at,
    }
    return [
        code
        for code, due in due_dates(referral, limits).items()
        if reached.get(code) is None and today > due
    ]


def overdue_condition(today: date | None = None) -> Q:
    """A queryset condition for open referrals past any time limit (for queues and counts)."""
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    for code, sla in sla_limits(today).items():
        field = {
            "accepted": "accepted_at",
            "first_contact_attempt": "first_contact_attempt_at",
            "treatment_start": "treatment_started_at",
        }.get(code)
        if field is None:
            continue
        # Overdue when sent + N working days < today, i.e. sent before the day that
        # lies N working days before today.
        latest_sent = add_working_days(today, -sla.working_days) - timedelta(days=1)
        condition |= Q(**{f"{field}__isnull": True}) & Q(requested_at__date__lte=latest_sent)
    return Q(status__in=Referral.OPEN_STATUSES) & condition


def webhook_endpoints_for(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints of the organisations whose referrals the actor works."""
    return WebhookEndpoint.objects.filter(organisation_id__in=provider_organisation_ids(actor))
