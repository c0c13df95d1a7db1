"""Reads for the Quality Assurance Panel: who sees which sessions, and the cases as the panel
sees them (pseudonymised: no name, no exact place, the officer a letter)."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pont.accounts.models import Organisation, User
from pont.accounts.roles import ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL
from pont.accounts.selectors import controller_ids_for, overseen_force_ids_for
from pont.core import redaction

from . import selectors
from .models import (
    PanelCase,
    PanelJudgement,
    PanelSession,
    Search,
)

Status = PanelSession.Status
Answer = PanelJudgement.Answer


def panels_for(*, user: User) -> QuerySet[Organisation]:
    """The panels whose sessions the user arranges (the commissioner's office: its own panels)
    or sits on (a panel member: their panel)."""
    own = controller_ids_for(user=user)
    if user.has_perm(ARRANGE_PANEL_SESSIONS):
        return Organisation.objects.filter(
            Q(parent_id__in=own) | Q(pk__in=own), kind=Organisation.Kind.PANEL, is_active=True
        )
    if user.has_perm(JUDGE_PANEL_CASES):
        return Organisation.objects.filter(pk__in=own, kind=Organisation.Kind.PANEL)
    return Organisation.objects.none()


def forces_for_panel(*, user: User) -> QuerySet[Organisation]:
    """The forces whose searches the user's panels can review: those their commissioner's
    office oversees (`accounts.selectors.overseen_force_ids_for`)."""
    return Organisation.objects.filter(
        pk__in=overseen_force_ids_for(user=user), kind=Organisation.Kind.FORCE, is_active=True
    ).order_by("name")


def sessions_visible_to(*, user: User) -> QuerySet[PanelSession]:
    """The sessions the user takes part in: the commissioner's office those of its panels, a
    panel member those of their panel once opened, the force's inspector those of the force."""
    sessions = PanelSession.objects.select_related("controller", "panel")
    scope = Q(pk__in=[])
    if user.has_perm(ARRANGE_PANEL_SESSIONS):
        scope |= Q(panel__in=panels_for(user=user))
    if user.has_perm(JUDGE_PANEL_CASES):
        scope |= Q(panel__in=panels_for(user=user)) & ~Q(status=Status.PREPARING)
    if user.has_perm(RESPOND_TO_PANEL):
        scope |= Q(controller_id__in=selectors.force_ids_for(user=user))
    return sessions.filter(scope)


def session_get_for_user(*, user: User, session_id: Any) -> PanelSession | None:
    """The session if the user takes part in it, else None (404, like one that does not exist)."""
    try:
        return sessions_visible_to(user=user).filter(pk=session_id).first()
    except (ValueError, TypeError):
        return None


def case_get_for_user(*, user: User, case_id: Any) -> PanelCase | None:
    """A case of a session the user takes part in, else None (404)."""
    try:
        return (
            PanelCase.objects.filter(pk=case_id, session__in=sessions_visible_to(user=user))
            .select_related("session__controller", "session__panel", "search__area")
            .first()
        )
    except (ValueError, TypeError):
        return None


def sessions_with_counts(*, user: User) -> QuerySet[PanelSession]:
    return (
        sessions_visible_to(user=user)
        .annotate(
            case_count=Count("cases", distinct=True),
            prepared=Count("cases", filter=Q(cases__prepared_at__isnull=False), distinct=True),
            judgement_count=Count("cases__judgements", distinct=True),
        )
        .order_by("-meeting_date", "-pk")
    )


def cases_of(*, session: PanelSession) -> QuerySet[PanelCase]:
    return (
        session.cases.select_related("search__area")
        .prefetch_related(Prefetch("judgements", queryset=PanelJudgement.objects.order_by("pk")))
        .order_by("number")
    )


def session_population(*, controller_id: int, month_first: Any, month_after: Any) -> list[Any]:
    """The searches a session's cases are drawn from: those recorded in Pont in the month (a
    published police.uk row is not a `Search`: it has no grounds to judge), by their id, in a
    fixed order."""
    return sorted(
        str(pk)
        for pk in Search.objects.filter(
            controller_id=controller_id,
            local_date__gte=month_first,
            local_date__lt=month_after,
        )
        .exclude(grounds="")
        .values_list("pk", flat=True)
    )


def identifiers_of(search: Search) -> redaction.Identifiers:
    """What in the search's record identifies someone or somewhere (see `redaction`)."""
    names: list[str] = []
    references: list[str] = []
    places = redaction.place_parts(search.place) + redaction.place_parts(search.detained_place)
    person = search.person
    if person is not None:
        names += [person.given_name, person.family_name]
        references.append(person.pnc_id)
        for point in person.contact_routes.all():
            references.append(point.phone)
            places += [point.address_line_1, point.address_line_2, point.postcode]
    officer = search.officer
    if officer is not None:
        names += [officer.first_name, officer.last_name]
    return redaction.Identifiers(
        names=redaction.union(names),
        places=redaction.union(places),
        vehicles=redaction.union([search.vehicle_registration]),
        references=redaction.union(references),
    )


PARTS_OF_DAY = (
    (6, _("Night")),
    (12, _("Morning")),
    (18, _("Afternoon")),
    (22, _("Evening")),
    (24, _("Night")),
)


def part_of_day(search: Search) -> StrOrPromise:
    """Morning, afternoon, evening or night: the panel is not told the exact time."""
    if search.day_only:
        return _("Time not recorded")
    hour = timezone.localtime(search.occurred_at).hour
    return next(label for limit, label in PARTS_OF_DAY if hour < limit)


@dataclass(frozen=True)
class PanelRecord:
    """A search as the panel sees it. Built from named fields only: nothing else can leak."""

    number: int
    day: Any
    part_of_day: StrOrPromise
    area: str
    search_type: str
    legislation: str
    object_of_search: str
    grounds: str
    outcome_at_search: str
    linked_at_search: bool | None
    outcome: str
    outcome_linked: bool | None
    gender: str
    age_range: str
    self_defined_ethnicity: str
    officer_defined_ethnicity: str
    removal_more_than_outer_clothing: bool
    body_worn_video_reference: str
    officer: StrOrPromise
    footage_requested_at: Any


def officer_pseudonym(letter: str) -> StrOrPromise:
    if not letter:
        return _("Officer not recorded")
    return _("Officer %(letter)s") % {"letter": letter}


def panel_record(case: PanelCase) -> PanelRecord:
    search = case.search
    labels = selectors.search_labels(search)
    return PanelRecord(
        number=case.number,
        day=search.local_date,
        part_of_day=part_of_day(search),
        area=search.area.display_name if search.area is not None else "",
        search_type=str(search.get_search_type_display()),
        legislation=labels["legislation"],
        object_of_search=labels["object_of_search"],
        grounds=case.grounds_for_panel,
        outcome_at_search=labels["outcome_at_search"],
        linked_at_search=search.linked_at_search,
        outcome=labels["outcome"],
        outcome_linked=search.outcome_linked,
        gender=str(search.get_gender_display()),
        age_range=str(search.get_age_range_display()),
        self_defined_ethnicity=labels["self_defined_ethnicity"],
        officer_defined_ethnicity=str(search.get_officer_defined_ethnicity_display()),
        removal_more_than_outer_clothing=bool(search.removal_more_than_outer_clothing),
        body_worn_video_reference=search.body_worn_video_reference,
        officer=officer_pseudonym(case.officer_pseudonym),
        footage_requested_at=case.footage_requested_at,
    )


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    unsure: int


def tally(judgements: list[PanelJudgement], question: str) -> Tally:
    counts = Counter(getattr(judgement, question) for judgement in judgements)
    return Tally(yes=counts[Answer.YES], no=counts[Answer.NO], unsure=counts[Answer.UNSURE])


def own_judgement(case: PanelCase, user: User) -> PanelJudgement | None:
    return next((j for j in case.judgements.all() if j.member_id == user.pk), None)


def published_sessions() -> QuerySet[PanelSession]:
    """The sessions whose summary the commissioner's office has published, newest first."""
    return (
        PanelSession.objects.filter(published_at__isnull=False)
        .select_related("controller", "panel")
        .prefetch_related("cases__judgements")
        .order_by("-meeting_date", "-pk")
    )
