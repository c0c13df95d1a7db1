"""What the disposals module adds to the rest of Pont when it starts."""

from typing import Any


def register() -> None:
    from django.urls import reverse, reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import AUTHORISE_DISPOSAL, DECIDE_DISPOSAL
    from pont.core.navigation import NavItem, register_nav_item
    from pont.core.reference import register_reference_table
    from pont.people.access import (
        PersonAction,
        PersonSection,
        register_person_action,
        register_person_section,
    )
    from pont.referrals.models import Referral
    from pont.referrals.sources import SourceHooks, SourceLink, register_source

    from . import selectors, services
    from .models import ConditionType, CrimeOutcome, DisposalScheme, GravityFactor, Offence

    def links(referral: Referral, user: Any) -> list[SourceLink]:
        """The police see the disposal whose condition made the referral; providers do not."""
        condition = getattr(referral, "disposal_condition", None)
        if condition is None:
            return []
        disposal = selectors.disposal_get_for_user(user=user, disposal_id=condition.disposal_id)
        if disposal is None:
            return []
        return [
            SourceLink(
                str(_("Out-of-court disposal %(ref)s") % {"ref": disposal.reference}),
                reverse("disposals:detail", kwargs={"disposal_id": disposal.pk}),
            )
        ]

    register_source(
        Referral.Source.DISPOSAL, SourceHooks(on_event=services.on_referral_event, links=links)
    )
    register_person_action(
        PersonAction(
            key="disposal",
            label=_("Record an out-of-court disposal"),
            url_name="disposals:create",
            capability=DECIDE_DISPOSAL,
        )
    )
    register_person_section(
        PersonSection(
            key="disposals",
            template="disposals/_person_disposals.html",
            rows=lambda user, person: list(
                selectors.disposals_visible_to(user=user)
                .filter(person=person)
                .order_by("-decided_on", "-created_at")
            ),
        )
    )
    register_nav_item(
        NavItem(
            key="disposals",
            label=_("Out-of-court disposals"),
            url=reverse_lazy("disposals:list"),
            capability=(DECIDE_DISPOSAL, AUTHORISE_DISPOSAL),
            order=30,
            description=_(
                "Pathfinder: decide, authorise and issue disposals; their conditions' referrals, "
                "deadlines, breaches and your tasks."
            ),
            match="disposals:",
        )
    )
    register_reference_table(DisposalScheme, editable_fields=("min_age", "statutory_basis"))
    register_reference_table(Offence, editable_fields=("gravity", "exclusion"))
    register_reference_table(GravityFactor)
    register_reference_table(ConditionType, editable_fields=("default_working_days", "max_hours"))
    register_reference_table(CrimeOutcome)

    # ---- The scrutiny panel's pages (scrutiny_*): nav items and the like, below.
    from pont.accounts.roles import ARRANGE_SCRUTINY, SCRUTINISE_DISPOSALS

    register_nav_item(
        NavItem(
            key="disposals_scrutiny",
            label=_("Disposals scrutiny panel"),
            url=reverse_lazy("disposals:scrutiny_list"),
            capability=(SCRUTINISE_DISPOSALS, ARRANGE_SCRUTINY),
            order=31,
            description=_(
                "The commissioner's panel reviews a monthly sample of finished out-of-court "
                "disposals, without names: appropriate, consistent, comments; a session report."
            ),
            match="disposals:scrutiny",
        )
    )

    # ---- The dashboard's pages (dashboard*): nav items and the like, below.
    from collections.abc import Collection
    from datetime import datetime, time

    from django.utils import timezone

    from pont.accounts.roles import VIEW_DISPOSAL_DASHBOARD
    from pont.core.forms import combine_local
    from pont.people.history import register_later_events

    from .dashboard import ISSUED_STATUSES
    from .models import Disposal

    register_nav_item(
        NavItem(
            key="disposals_dashboard",
            label=_("Disposals dashboard"),
            url=reverse_lazy("disposals:dashboard"),
            capability=VIEW_DISPOSAL_DASHBOARD,
            order=66,
            description=_(
                "Out-of-court disposals by tier, offence group, area and month; referrals, "
                "time to the service's first contact, completion, breaches and reoffending, "
                "in figures."
            ),
            match="disposals:dashboard",
        )
    )

    def later_disposals(person_ids: Collection[int], since: datetime) -> dict[int, list[datetime]]:
        """These people's issued disposals, each at the start of the day of its offence."""
        found: dict[int, list[datetime]] = {}
        for person_id, offence_date in (
            Disposal.objects.filter(
                person_id__in=person_ids,
                status__in=ISSUED_STATUSES,
                offence_date__gte=timezone.localdate(since),
            )
            .order_by()
            .values_list("person_id", "offence_date")
        ):
            found.setdefault(person_id, []).append(combine_local(offence_date, time.min))
        return found

    register_later_events(
        "disposal", later_disposals, label=_("Another out-of-court disposal, for a later offence")
    )
