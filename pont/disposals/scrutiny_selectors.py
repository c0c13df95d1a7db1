"""Reads for the out-of-court disposals scrutiny panel: who sees which samples, what a sample
is drawn from, and each sampled disposal as the panel sees it (pseudonymised).

Scope. The capabilities are `scrutinise_disposals` (a panel member) and
`arrange_scrutiny` (the commissioner's officer). A user sees the samples of the
forces their organisation relates to: a member of a force's own tree, that force;
a member of a commissioner's office or of one of its panels, the forces that office
oversees (`accounts.selectors.overseen_force_ids_for`: the setting
`PONT_COMMISSIONER_FORCES`, shared with the Quality Assurance Panel and the
independent inspector's audit samples).
Anything out of scope is answered exactly like something that does not exist (404).

What the panel sees. `ScrutinyRecord` is built from named fields only, never
the disposal itself, so nothing the panel must not see can reach a page or the
report by a template's slip: no person's name, date of birth, reference or
contact; the officers as letters that hold for one sample only; the area as its
county; the age as a band; dates only as working days from the issue. Free text
(what happened, what the victim said, the reasons, conditions' details and notes)
passes through `core.redaction`, which takes out the names of the person and the
officers, the person's references and contact details, and anything shaped like
a postcode, a phone number, an email address, a date or a vehicle registration.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pont.accounts.models import Organisation, User
from pont.accounts.roles import ARRANGE_SCRUTINY, SCRUTINISE_DISPOSALS
from pont.accounts.selectors import force_ids_for, overseen_force_ids_for
from pont.core import redaction
from pont.core.forms import combine_local, next_month
from pont.core.working_days import working_days_between

from . import selectors
from .models import (
    Disposal,
    DisposalCondition,
    DisposalScheme,
    ScrutinyCase,
    ScrutinyReview,
    ScrutinySample,
)
from .recommendation import CHARGE, NOT_ELIGIBLE

Answer = ScrutinyReview.Answer
CAPABILITIES = (SCRUTINISE_DISPOSALS, ARRANGE_SCRUTINY)
FINISHED = (Disposal.Status.COMPLETED, Disposal.Status.CLOSED)


# Scope -----------------------------------------------------------------------------------


def takes_part(user: Any) -> bool:
    """Whether the user sits on the panel or arranges its samples."""
    return bool(getattr(user, "is_authenticated", False)) and any(
        user.has_perm(capability) for capability in CAPABILITIES
    )


def scrutiny_force_ids_for(*, user: User) -> frozenset[int]:
    """The forces whose samples the user sees (see the module's docstring)."""
    if not takes_part(user):
        return frozenset()
    cache = getattr(user, "_pont_cache_scrutiny_forces", None)
    if cache is not None:
        return cache
    result = force_ids_for(user=user) | overseen_force_ids_for(user=user)
    user._pont_cache_scrutiny_forces = result  # type: ignore[attr-defined]  # per-request cache
    return result


def forces_for(*, user: User) -> QuerySet[Organisation]:
    """The active forces a commissioner's officer may draw a sample of."""
    if not user.has_perm(ARRANGE_SCRUTINY):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=scrutiny_force_ids_for(user=user), kind=Organisation.Kind.FORCE, is_active=True
    ).order_by("name")


def samples_visible_to(*, user: User) -> QuerySet[ScrutinySample]:
    return ScrutinySample.objects.filter(
        controller_id__in=scrutiny_force_ids_for(user=user)
    ).select_related("controller")


def sample_get_for_user(*, user: User, sample_id: Any) -> ScrutinySample | None:
    """The sample if the user may see it, else None (404, like one that does not exist)."""
    try:
        return samples_visible_to(user=user).filter(pk=sample_id).first()
    except (ValueError, TypeError):
        return None


def samples_with_counts(*, user: User) -> QuerySet[ScrutinySample]:
    """The user's samples, newest month first, with their cases and reviews counted (and the
    user's own reviews, for a panel member's progress)."""
    return (
        samples_visible_to(user=user)
        .annotate(
            case_count=Count("cases", distinct=True),
            review_count=Count("cases__reviews", distinct=True),
            my_reviews=Count(
                "cases__reviews", filter=Q(cases__reviews__reviewer=user), distinct=True
            ),
        )
        .order_by("-month", "controller__name", "-pk")
    )


def case_get_for_user(*, user: User, case_id: Any) -> ScrutinyCase | None:
    """A case of a sample the user may see, with what its record needs, else None (404)."""
    try:
        return (
            _with_record(ScrutinyCase.objects.filter(sample__in=samples_visible_to(user=user)))
            .select_related("sample__controller")
            .filter(pk=case_id)
            .first()
        )
    except (ValueError, TypeError):
        return None


def _with_record(cases: QuerySet[ScrutinyCase]) -> QuerySet[ScrutinyCase]:
    return cases.select_related(
        "disposal__area__parent",
        "disposal__scheme",
        "disposal__person",
        "disposal__officer",
        "disposal__authorised_by",
        "disposal__breach_decided_by",
    ).prefetch_related(
        "disposal__offences__offence",
        "disposal__person__contact_routes",
        Prefetch(
            "disposal__conditions",
            queryset=DisposalCondition.objects.select_related("condition_type").order_by(
                "deadline", "pk"
            ),
        ),
        Prefetch("reviews", queryset=ScrutinyReview.objects.order_by("reviewed_at", "pk")),
    )


def cases_of(*, sample: ScrutinySample) -> QuerySet[ScrutinyCase]:
    """The sample's cases in the order drawn, with their disposals and reviews."""
    return _with_record(sample.cases.all()).order_by("position")


# What a sample is drawn from ---------------------------------------------------------------


def month_moments(month: date) -> tuple[datetime, datetime]:
    """The start of the month and of the next, in Pont's time zone (Europe/London)."""
    first = month.replace(day=1)
    return (
        combine_local(first, time.min),
        combine_local(next_month(first), time.min),
    )


def finished_in_month(*, controller_id: int, month: date) -> QuerySet[Disposal]:
    """The force's disposals that finished in the month: completed (all conditions done) with
    `completed_at` in it, or closed after a breach with `breach_decided_at` in it.

    A disposal finishes once: nothing reopens a completed or closed one, and the
    services stamp the moment it finishes as it happens, so a month that has ended
    keeps the same population and a draw can be repeated from its seed.
    """
    start, end = month_moments(month)
    return Disposal.objects.filter(controller_id=controller_id).filter(
        Q(status=Disposal.Status.COMPLETED, completed_at__gte=start, completed_at__lt=end)
        | Q(status=Disposal.Status.CLOSED, breach_decided_at__gte=start, breach_decided_at__lt=end)
    )


def population_of(*, controller_id: int, month: date) -> list[str]:
    """The ids of the month's finished disposals, sorted: what the seed draws from."""
    return sorted(
        str(pk)
        for pk in finished_in_month(controller_id=controller_id, month=month).values_list(
            "pk", flat=True
        )
    )


# A case as the panel sees it ----------------------------------------------------------------


def _national(phone: str) -> list[str]:
    """A stored E.164 number and the way people write it (+447812... and 07812...)."""
    if phone.startswith("+44"):
        return [phone, "0" + phone[3:]]
    return [phone]


def _dates(day: date | None) -> list[str]:
    if day is None:
        return []
    return [f"{day.day} {day:%B %Y}", f"{day.day} {day:%b %Y}", day.isoformat()]


def _user_names(user: User | None) -> list[str]:
    if user is None:
        return []
    return [user.first_name, user.last_name, user.get_full_name()]


def identifiers_of(disposal: Disposal) -> redaction.Identifiers:
    """What in the disposal's record identifies someone: the person's names, date of birth,
    references and contact details; the names of the officer in charge, the supervisor who
    authorised it and whoever decided its breach."""
    person = disposal.person
    names = [person.given_name, person.family_name, person.full_name]
    references = [
        person.pnc_id,
        person.reference,
        disposal.reference,
        *_dates(person.date_of_birth),
    ]
    places: list[str] = []
    for route in person.contact_routes.all():
        references += [*_national(route.phone), route.email]
        places += [route.address_line_1, route.address_line_2, route.town, route.postcode]
    for officer in (disposal.officer, disposal.authorised_by, disposal.breach_decided_by):
        names += _user_names(officer)
    return redaction.Identifiers(
        names=redaction.union(names),
        places=redaction.union(places),
        references=redaction.union(references),
    )


def officer_letters(sample: ScrutinySample, cases: list[ScrutinyCase]) -> dict[int, str]:
    """A letter for each officer (in charge, or authorising) of the sample's disposals, set by
    the sample's seed: the same letter throughout the sample, an unrelated one in the next."""
    ids: set[int] = set()
    for case in cases:
        ids.add(case.disposal.officer_id)
        if case.disposal.authorised_by_id is not None:
            ids.add(case.disposal.authorised_by_id)
    return redaction.letters_for(ids, str(sample.seed))


def officer_pseudonym(letter: str) -> StrOrPromise:
    if not letter:
        return _("Officer not recorded")
    return _("Officer %(letter)s") % {"letter": letter}


AGE_BANDS = (
    (18, _("Under 18")),
    (25, _("18 to 24")),
    (35, _("25 to 34")),
    (45, _("35 to 44")),
    (55, _("45 to 54")),
)


def age_band(age: int) -> StrOrPromise:
    """The person's age as a band: the panel is not told the exact age."""
    for limit, label in AGE_BANDS:
        if age < limit:
            return label
    return _("55 or over")


def county_of(organisation: Organisation | None) -> str:
    """The county (the policing area) an organisation sits in, never anything finer."""
    node, seen = organisation, set()
    while node is not None and node.pk not in seen:
        if node.kind == Organisation.Kind.AREA:
            return node.display_name
        seen.add(node.pk)
        node = node.parent
    return ""


def recommended_label(code: str, day: date) -> str:
    if code == CHARGE:
        return str(_("Charge: not an out-of-court disposal"))
    if code == NOT_ELIGIBLE:
        return str(_("No out-of-court disposal"))
    scheme = selectors.schemes_on(day).filter(code=code).first()
    return scheme.label if scheme else code


OUTCOMES: dict[str, StrOrPromise] = {
    DisposalCondition.Status.COMPLETE: _("Done"),
    DisposalCondition.Status.FAILED: _("Not done"),
    DisposalCondition.Status.PENDING: _("No outcome recorded"),
}


@dataclass(frozen=True)
class OffenceLine:
    label: str
    details: str


@dataclass(frozen=True)
class ConditionLine:
    category: str
    condition: str
    hours: int | None
    amount: str
    details: str
    working_days: int | None  # the deadline, in working days after the issue
    outcome: str
    done: bool | None  # True done, False not done, None not recorded
    note: str


@dataclass(frozen=True)
class ScrutinyRecord:
    """A sampled disposal as the panel sees it. Built from named fields only."""

    number: int
    pseudonym: str
    finished: str  # completed, or closed after a breach
    area: str
    age_band: str
    offences: tuple[OffenceLine, ...]
    admission: bool
    evidential_test_met: bool
    victim_views: str
    victim_note: str
    base_gravity: int
    gravity: int
    aggravating: tuple[str, ...]
    mitigating: tuple[str, ...]
    recommended: str
    recommendation_reasons: tuple[str, ...]
    decision: str
    tier: str
    follows_recommendation: bool
    decision_reason: str
    officer: str
    authorised_by: str
    authorisation_note: str
    conditions: tuple[ConditionLine, ...]
    breach_decision: str
    breach_reason: str
    outcome: str
    finished_after: int | None  # working days from the issue to the finish


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def _condition_line(condition: DisposalCondition, issued: date | None, clean: Any) -> ConditionLine:
    kind = condition.condition_type
    done: dict[str, bool] = {
        DisposalCondition.Status.COMPLETE: True,
        DisposalCondition.Status.FAILED: False,
    }
    return ConditionLine(
        category=str(kind.get_category_display()),
        condition=kind.label,
        hours=condition.hours,
        amount=condition.amount_shown,
        details=clean(condition.details),
        working_days=working_days_between(issued, condition.deadline) if issued else None,
        outcome=str(OUTCOMES.get(condition.status, condition.status)),
        done=done.get(condition.status),
        note=clean(condition.outcome_note),
    )


def scrutiny_record(case: ScrutinyCase, letters: dict[int, str]) -> ScrutinyRecord:
    """The case as the panel sees it (see the module's docstring)."""
    disposal = case.disposal
    identifiers = identifiers_of(disposal)

    def clean(text: str) -> str:
        return redaction.suggest(text or "", identifiers).strip()

    day = disposal.decided_on
    issued = _local_day(disposal.issued_at)
    finished_at = (
        disposal.completed_at
        if disposal.status == Disposal.Status.COMPLETED
        else disposal.breach_decided_at
    )
    finished_on = _local_day(finished_at)
    scheme = disposal.scheme
    return ScrutinyRecord(
        number=case.position,
        pseudonym=str(_("Case %(number)s") % {"number": case.position}),
        finished=str(
            _("Completed")
            if disposal.status == Disposal.Status.COMPLETED
            else _("Closed after a breach")
        ),
        area=county_of(disposal.area),
        age_band=str(age_band(disposal.age)),
        offences=tuple(
            OffenceLine(label=o.offence.label, details=clean(o.details))
            for o in disposal.offences.all()
        ),
        admission=disposal.admission,
        evidential_test_met=disposal.evidential_test_met,
        victim_views=str(disposal.get_victim_views_display()),
        victim_note=clean(disposal.victim_views_note),
        base_gravity=disposal.base_gravity,
        gravity=disposal.gravity,
        aggravating=tuple(selectors.factor_labels(disposal.aggravating, day)),
        mitigating=tuple(selectors.factor_labels(disposal.mitigating, day)),
        recommended=recommended_label(disposal.recommended, day),
        recommendation_reasons=tuple(clean(r) for r in disposal.recommendation_reasons),
        decision=scheme.label if scheme else "",
        # The tier, unless the disposal's own name already says it (Outcome 22 is a diversion).
        tier=str(scheme.get_tier_display())
        if scheme and scheme.tier != DisposalScheme.Tier.DIVERSION
        else "",
        follows_recommendation=scheme is not None and scheme.code == disposal.recommended,
        decision_reason=clean(disposal.decision_reason),
        officer=str(officer_pseudonym(letters.get(disposal.officer_id, ""))),
        authorised_by=str(officer_pseudonym(letters.get(disposal.authorised_by_id or 0, ""))),
        authorisation_note=clean(disposal.authorisation_note),
        conditions=tuple(
            _condition_line(condition, issued, clean) for condition in disposal.conditions.all()
        ),
        breach_decision=str(disposal.get_breach_decision_display())
        if disposal.breach_decision
        else "",
        breach_reason=clean(disposal.breach_reason),
        outcome=selectors.outcome_label(disposal.outcome_code, day),
        finished_after=working_days_between(issued, finished_on)
        if issued and finished_on
        else None,
    )


# The panel's answers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int

    @property
    def total(self) -> int:
        return self.yes + self.no


def tally(reviews: list[ScrutinyReview], question: str) -> Tally:
    counts = Counter(getattr(review, question) for review in reviews)
    return Tally(yes=counts[Answer.YES], no=counts[Answer.NO])


def own_review(case: ScrutinyCase, user: User) -> ScrutinyReview | None:
    return next((r for r in case.reviews.all() if r.reviewer_id == user.pk), None)


def sees_answers(*, user: User, sample: ScrutinySample) -> bool:
    """Others' answers and comments: the commissioner's officer at any time; a panel member
    once the sample is closed, so that each member's review is their own."""
    return user.has_perm(ARRANGE_SCRUTINY) or sample.is_closed
