"""Reads for stop and search. Every function returns only what the user may see.

Searches belong to the force (the controller). Those who oversee them
(inspectors, analysts, operations leads: VIEW_SEARCHES) see the force's;
a front-line officer, who only records (RECORD_SEARCH), sees their own.
Nobody else sees any. Amending follows the same scope, for those who may
amend: a front-line officer their own searches, an inspector the force's.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import (
    AMEND_SEARCH_OUTCOME,
    RECORD_SEARCH,
    REVIEW_SEARCHES,
    VIEW_SEARCH_AUDIT,
    VIEW_SEARCHES,
)
from pont.accounts.selectors import (
    controller_ids_for,
    force_ids_for,
    memberships_of,
    overseen_force_ids_for,
)
from pont.core.exceptions import ApplicationError
from pont.core.forms import next_month
from pont.core.models import ReferenceData
from pont.referrals.funnel import aggregate_only
from pont.referrals.models import Referral
from pont.referrals.selectors import referral_list_visible_to

from . import sampling
from .models import (
    AuditSample,
    Legislation,
    ObjectOfSearch,
    OutcomeAmendment,
    SampledSearch,
    Search,
    SearchAuditRule,
    SearchOutcome,
    SearchReview,
    SearchReviewTheme,
    SelfDefinedEthnicity,
)

# What makes a search a drugs search, named by police.uk's own labels (the published
# vocabulary), so that it holds whatever codes the reference rows are given.
DRUGS_OBJECT_LABELS = frozenset({"Controlled drugs", "Psychoactive substances"})
DRUGS_POWER_LABELS = frozenset(
    {
        "Misuse of Drugs Act 1971 (section 23)",
        "Psychoactive Substances Act 2016 (s36(2))",
        "Psychoactive Substances Act 2016 (s37(2))",
        # As the vocabulary lists it, both powers in one label.
        "Psychoactive Substances Act 2016 (s36(2)) and (s37(2))",
    }
)


def searches_visible_to(*, user: User) -> QuerySet[Search]:
    """The force's searches for those who oversee them; a front-line officer's own; else none."""
    if not user.is_authenticated:
        return Search.objects.none()
    searches = Search.objects.filter(controller_id__in=controller_ids_for(user=user))
    if user.has_perm(VIEW_SEARCHES):
        pass
    elif user.has_perm(RECORD_SEARCH):
        searches = searches.filter(officer=user)
    else:
        return Search.objects.none()
    return searches.select_related("person", "officer", "area")


def search_get_for_user(*, user: User, search_id: Any, write: bool = False) -> Search | None:
    """The search if the user may see it (with write: amend its outcome), else None (404).

    A search the user may not see is answered exactly like one that does not exist.
    """
    if write and not user.has_perm(AMEND_SEARCH_OUTCOME):
        return None
    try:
        return searches_visible_to(user=user).filter(pk=search_id).first()
    except (ValueError, ValidationError):  # not a UUID: exactly like a missing search
        return None


def amendments_of(*, search: Search) -> QuerySet[OutcomeAmendment]:
    """The search's outcome amendments, oldest first (the newest last)."""
    return search.amendments.select_related("amended_by").order_by("amended_at", "pk")


def referrals_from(*, search: Search, user: User) -> QuerySet[Referral]:
    """The referrals started from this search that the user may see."""
    return referral_list_visible_to(actor=user).filter(
        source_kind=Referral.Source.STOP_SEARCH, source_id=str(search.pk)
    )


def home_area_for(*, user: User) -> Organisation | None:
    """The area the user works in (their first membership of an area), if any."""
    membership = (
        user.active_memberships()
        .filter(organisation__kind=Organisation.Kind.AREA)
        .select_related("organisation")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.organisation if membership else None


# Reference data ------------------------------------------------------------------


def outcomes_on(day: date | None = None) -> QuerySet[SearchOutcome]:
    return SearchOutcome.objects.effective_on(day)


def legislation_on(day: date | None = None) -> QuerySet[Legislation]:
    return Legislation.objects.effective_on(day)


def objects_on(day: date | None = None) -> QuerySet[ObjectOfSearch]:
    return ObjectOfSearch.objects.effective_on(day)


def ethnicities_on(day: date | None = None) -> QuerySet[SelfDefinedEthnicity]:
    return SelfDefinedEthnicity.objects.effective_on(day)


def _row(model: type[ReferenceData], code: str, day: date) -> Any:
    if not code:
        return None
    return model.objects.effective_on(day).filter(code=code).first()


def label_of(model: type[ReferenceData], code: str, day: date) -> str:
    """The label of a code as it was on the day (the code itself if no row says)."""
    row = _row(model, code, day)
    return row.label if row is not None else code


def search_labels(search: Search) -> dict[str, str]:
    """The labels of the search's coded values, in the words of its own day."""
    day = search.local_date
    return {
        "legislation": label_of(Legislation, search.legislation, day),
        "object_of_search": label_of(ObjectOfSearch, search.object_of_search, day),
        "self_defined_ethnicity": label_of(
            SelfDefinedEthnicity, search.self_defined_ethnicity, day
        ),
        "outcome_at_search": label_of(SearchOutcome, search.outcome_at_search, day),
        "outcome": label_of(SearchOutcome, search.outcome, day),
    }


def outcome_labels(codes: set[str], day: date) -> dict[str, str]:
    """Labels of several outcome codes (for an amendment history), as on the day."""
    rows = outcomes_on(day).filter(code__in=codes)
    found = {row.code: row.label for row in rows}
    return {code: found.get(code, code) for code in codes}


def code_labels(model: type[ReferenceData]) -> dict[str, str]:
    """Every code of a table with its latest label, for lists of many searches."""
    return {row.code: row.label for row in model.objects.order_by("code", "effective_from")}


def is_drugs_search(search: Search) -> bool:
    """Whether the search was for drugs: its object, or the power it was made under."""
    day = search.local_date
    condition = Q(code=search.object_of_search, policeuk_label__in=DRUGS_OBJECT_LABELS)
    if ObjectOfSearch.objects.effective_on(day).filter(condition).exists():
        return True
    return (
        Legislation.objects.effective_on(day)
        .filter(code=search.legislation, policeuk_label__in=DRUGS_POWER_LABELS)
        .exists()
    )


def may_refer_from(search: Search) -> bool:
    """A drugs search that found what it looked for, with the person named: a referral may start.

    "Found possession" is the current outcome linked to the object of search
    (BUSSS: the outcome is linked to what the officer was looking for).
    """
    return (
        search.person_id is not None and search.outcome_linked is True and is_drugs_search(search)
    )


# The monthly audit of searches ------------------------------------------------------
# The local inspector works for the force and sees its samples. The independent
# inspector works for the commissioner's office (or its panel), outside the force:
# like the office's dashboards, which see the whole force area in aggregate, they
# review the samples of the force area, and see of each search only what the review
# needs (never the person's name, nor the officer's). Which forces an office oversees
# is `accounts.selectors.overseen_force_ids_for` (every force while Pont serves one).

RULE_MISSING = _("No search audit rule “%(code)s” is in force on %(day)s.")


def audit_rule_value(code: str, day: date) -> int:
    """The value of a search audit rule in force on the day (refused if none is)."""
    row = SearchAuditRule.objects.effective_on(day).filter(code=code).first()
    if row is None:
        raise ApplicationError(str(RULE_MISSING % {"code": code, "day": day.isoformat()}))
    return row.value


def review_themes_on(day: date | None = None) -> QuerySet[SearchReviewTheme]:
    return SearchReviewTheme.objects.effective_on(day)


def review_kind_for(*, user: User) -> str | None:
    """Which review the user records: the force's inspector the local one, anyone else the
    independent one; None for a user who does not review searches."""
    if not user.is_authenticated or not user.has_perm(REVIEW_SEARCHES):
        return None
    if any(m.organisation.is_police for m in memberships_of(user=user)):
        return SearchReview.Kind.LOCAL
    return SearchReview.Kind.INDEPENDENT


def sees_officer_names(*, user: User) -> bool:
    """Officers are named to the force's own staff, never to the commissioner's office."""
    return bool(force_ids_for(user=user)) and not aggregate_only(user)


def audit_samples_visible_to(*, user: User) -> QuerySet[AuditSample]:
    """The samples a reviewer works on: the force's for its inspector, those of the forces
    their office oversees for the independent inspector (see above); none for anyone else."""
    kind = review_kind_for(user=user)
    if kind is None:
        return AuditSample.objects.none()
    samples = AuditSample.objects.select_related("controller", "drawn_by")
    if kind == SearchReview.Kind.LOCAL:
        return samples.filter(controller_id__in=force_ids_for(user=user))
    return samples.filter(controller_id__in=overseen_force_ids_for(user=user))


def audit_sample_get_for_user(*, user: User, sample_id: Any) -> AuditSample | None:
    """The sample if the user reviews it, else None (404, like one that does not exist)."""
    try:
        return audit_samples_visible_to(user=user).filter(pk=sample_id).first()
    except (ValueError, TypeError):
        return None


def sampled_search_get_for_user(*, user: User, sampled_id: Any) -> SampledSearch | None:
    """A search of a sample the user reviews, with its search and reviews, else None (404)."""
    try:
        return (
            SampledSearch.objects.filter(
                pk=sampled_id, sample__in=audit_samples_visible_to(user=user)
            )
            .select_related("sample__controller", "search__area", "search__officer")
            .first()
        )
    except (ValueError, TypeError):
        return None


def sampled_searches_of(*, sample: AuditSample) -> QuerySet[SampledSearch]:
    """The sample's searches, oldest first, with both reviews."""
    return (
        sample.sampled.select_related("search__area", "search__officer")
        .prefetch_related("reviews")
        .order_by("search__occurred_at", "pk")
    )


def reviews_of(*, sampled: SampledSearch) -> dict[str, SearchReview]:
    """The sampled search's two reviews by kind (each recorded or not yet)."""
    return {
        review.kind: review
        for review in sampled.reviews.select_related("reviewer").prefetch_related("themes")
    }


def audit_dashboard_scope(*, user: User) -> QuerySet[AuditSample]:
    """The samples the user may count: the force's, or (a commissioner's office) those of the
    forces it oversees."""
    if not user.is_authenticated or not user.has_perm(VIEW_SEARCH_AUDIT):
        return AuditSample.objects.none()
    if aggregate_only(user):
        return AuditSample.objects.filter(controller_id__in=overseen_force_ids_for(user=user))
    return AuditSample.objects.filter(controller_id__in=force_ids_for(user=user))


def feedback_for_officer(*, user: User) -> QuerySet[SearchReview]:
    """The recorded reviews of the user's own searches, newest first."""
    if not user.is_authenticated or not user.has_perm(RECORD_SEARCH):
        return SearchReview.objects.none()
    return (
        SearchReview.objects.filter(
            reviewed_at__isnull=False,
            sampled__search__officer=user,
            sampled__search__controller_id__in=controller_ids_for(user=user),
        )
        .select_related("sampled__search__area", "sampled__sample")
        .prefetch_related("themes")
        .order_by("-reviewed_at", "-pk")
    )


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of the month and the first day of the next."""
    first = month.replace(day=1)
    return first, next_month(first)


def sample_population(*, controller_id: int, month: date, until: datetime) -> QuerySet[Search]:
    """The searches a sample of the month is drawn from: the force's, by their local day,
    as they were in Pont at `until` (the draw), so a check later draws from the same."""
    first, after = month_bounds(month)
    return Search.objects.filter(
        controller_id=controller_id,
        local_date__gte=first,
        local_date__lt=after,
        created_at__lte=until,
    )


def sample_units(*, controller_id: int, month: date, until: datetime) -> list[sampling.Unit]:
    """The month's searches as the draw sees them: id, officer, area, and whether they must be
    reviewed (more than outer clothing removed)."""
    rows = sample_population(controller_id=controller_id, month=month, until=until).values_list(
        "pk", "officer_id", "area_id", "removal_more_than_outer_clothing"
    )
    return [
        sampling.Unit(
            id=str(pk),
            officer=str(officer_id or ""),
            area=str(area_id or ""),
            mandatory=removed is True,
        )
        for pk, officer_id, area_id, removed in rows.order_by()
    ]


@dataclass(frozen=True)
class RedrawCheck:
    """Whether the month's searches are still those drawn from, and the seed gives the same."""

    population_unchanged: bool
    same_searches: bool


def search_sample_redraw_check(*, sample: AuditSample) -> RedrawCheck:
    """Draw the sample again from its kept seed and share, and compare with what was drawn."""
    units = sample_units(
        controller_id=sample.controller_id, month=sample.month, until=sample.drawn_at
    )
    again = sampling.draw(units, percent=sample.share_percent, seed=sample.seed)
    rows = sample.sampled.values_list("search_id", "reason")
    kept = {(str(search_id), reason) for search_id, reason in rows}
    drawn = {(pk, SampledSearch.Reason.STRIP_SEARCH) for pk in again.mandatory} | {
        (pk, SampledSearch.Reason.RANDOM) for pk in again.random
    }
    return RedrawCheck(
        population_unchanged=sampling.fingerprint(units) == sample.population_sha256,
        same_searches=kept == drawn,
    )
