"""The referral funnel: where people are lost between referral and treatment, and how fast.

Stages come straight from the referral's own timestamps. Durations are in
working days (Wales bank holidays). For the commissioner's office, which sees
aggregates only, small numbers are suppressed (1 to 7 shown as *, others
rounded to the nearest 5: the NHS Digital HES rule) so that no person can be
picked out. Every figure shown goes through one `Counting` (pont.core.figures):
each count (stages, overdue, where referrals are now, closures, months, how many
referrals a median is of), each share (shown only when neither the part, the whole nor their
difference is suppressed), and each median or average (only of 8 or more).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet
from django.forms import ChoiceField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import VIEW_REFERRAL_FUNNEL
from pont.accounts.selectors import controller_ids_for, memberships_of, overseen_force_ids_for
from pont.core.figures import NOT_AVAILABLE, SUPPRESSED, Counting
from pont.core.forms import first_day_of, month_shown, next_month
from pont.core.working_days import working_days_between

from .models import ContactAttempt, Referral
from .selectors import STAGES, overdue_milestones, sla_limits_by_day

if TYPE_CHECKING:
    from .forms import FunnelFilterForm

# The time from sending to each stage: the step's end, a stage's code (reached as `reached_at`
# says) or a referral's field. Every one starts at sending, so they are not the time between
# one stage and the next (STEPS are).
DURATIONS = [
    ("to_accept", _("Sent to accepted"), "accepted"),
    ("to_first_attempt", _("Sent to first contact attempt"), "first_contact_attempt_at"),
    ("to_contact", _("Sent to reached"), "contacted"),
    ("to_treatment", _("Sent to treatment start"), "treatment"),
]

# The time from one stage to the next (stages' codes). Each stage reached implies the one
# before it (REACHED_BY), so each step is timed for every referral that got to its end and
# never runs backwards; the booked appointment, which implies nothing before it, is left out.
STEPS = [
    ("sent_to_accepted", _("Sent to accepted"), "requested", "accepted"),
    ("accepted_to_reached", _("Accepted to reached"), "accepted", "contacted"),
    ("reached_to_attended", _("Reached to attended"), "contacted", "attended"),
    ("attended_to_treatment", _("Attended to treatment start"), "attended", "treatment"),
]

# Where a sent referral is now, by its status: open, or how it ended. Closed ones (completed
# or failed) are counted by their closure reason instead, so that the rows add up to the
# referrals sent.
OPEN_STATUSES = {
    Referral.Status.REQUESTED,
    Referral.Status.ACCEPTED,
    Referral.Status.IN_PROGRESS,
}
CLOSED_STATUSES = {Referral.Status.COMPLETED, Referral.Status.FAILED}
NOW = [
    ("open", _("Still open")),
    ("rejected", _("Rejected by the service")),
    ("cancelled", _("Cancelled by the referrer")),
]
# A closed referral with no closure reason recorded (none should be: closing needs one).
NO_CLOSURE_REASON = "not_recorded"


def _reached_by() -> dict[str, list[str]]:
    """For each stage, the fields that say a referral got at least that far: its own, and those
    of the stages after it. Only a booked appointment says nothing of the stages before it: a
    Required Assessment's appointment is booked by the custody officer when the referral is
    sent, before the service has accepted it or reached the person; but a person who came to
    an appointment, or started treatment, was reached. So each stage counts no more than the
    one before it, except that an appointment can be booked for someone not yet reached."""
    fields = [field_name for _code, _label, field_name in STAGES]
    appointment = fields.index("first_appointment_booked_at")
    return {
        code: [f for j, f in enumerate(fields) if j >= i and not (j == appointment and j > i)]
        for i, (code, _label, _field) in enumerate(STAGES)
    }


REACHED_BY = _reached_by()


def reached_at(referral: Referral, code: str) -> datetime | None:
    """When the referral got as far as the stage: the earliest of the fields that say so."""
    moments = [getattr(referral, f) for f in REACHED_BY[code]]
    return min((m for m in moments if m is not None), default=None)


# The time limits (ReferralSla codes) an open referral can be past.
OVERDUE = [
    ("accepted", _("acceptance")),
    ("first_contact_attempt", _("first contact attempt")),
    ("treatment_start", _("treatment start")),
]


@dataclass(frozen=True)
class FunnelFilters:
    source: str = ""
    provider_id: int | None = None
    county: str = ""
    month: str = ""  # YYYY-MM of sending


@dataclass
class Funnel:
    """The figures, each with `shown`: what the page and the CSV print (suppressed or not)."""

    total: int
    stages: list[dict[str, Any]]
    durations: list[dict[str, Any]]
    closures: list[dict[str, Any]]
    attempts_per_person_reached: float | None
    complete_at_first_send: float | None
    overdue: list[dict[str, Any]]
    suppressed: bool
    by_month: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    now: list[dict[str, Any]] = field(default_factory=list)
    total_shown: str = "0"
    attempts_per_person_reached_shown: str = NOT_AVAILABLE
    complete_at_first_send_shown: str = NOT_AVAILABLE


def median_shown(median: float) -> str:
    """A median of working days as the page and the CSV print it: whole days without a decimal
    point (10, never 10.0), a half day with one place (10.5); the same in both."""
    return str(int(median)) if median == int(median) else f"{median:.1f}"


def _median_row(code: str, label: Any, days: list[int], counting: Counting) -> dict[str, Any]:
    """A median of working days, with how many referrals it is of, as the page shows it."""
    median = counting.median(days)
    return {
        "code": code,
        "label": label,
        "n": median.shown,
        "median": median.median,
        "median_shown": NOT_AVAILABLE
        if not days
        else SUPPRESSED
        if median.median is None
        else median_shown(median.median),
    }


def _months(first: date, last: date) -> list[date]:
    """The first day of each month from `first`'s to `last`'s, both included."""
    months = [first.replace(day=1)]
    while months[-1] < last.replace(day=1):
        months.append(next_month(months[-1]))
    return months


def funnel_scope(*, user: User) -> QuerySet[Referral]:
    """The referrals the user may count: their force's, their provider's, or (a commissioner's
    office) those of the forces it oversees."""
    if not user.has_perm(VIEW_REFERRAL_FUNNEL):
        return Referral.objects.none()
    # Sent ones, which the stages count; and, for the force's side, drafts whose sending was
    # tried and refused (their contact details incomplete), which only the share "complete
    # at the first attempt to send" counts: leaving them out would make it 100%. A provider
    # never saw those drafts, so it counts only what was sent to it.
    sent = Q(requested_at__isnull=False)
    tried = sent | Q(first_send_attempt_at__isnull=False)
    condition = Q(pk__in=[])
    for membership in memberships_of(user=user):
        kind = membership.organisation.kind
        if kind == Organisation.Kind.TREATMENT_PROVIDER:
            condition |= sent & Q(receiving_organisation_id=membership.organisation_id)
        elif kind in Organisation.POLICE_KINDS:
            condition |= tried & Q(referring_controller_id__in=controller_ids_for(user=user))
        elif kind in (Organisation.Kind.COMMISSIONER, Organisation.Kind.PANEL):
            # Oversight of the force area, in aggregate.
            condition |= tried & Q(referring_controller_id__in=overseen_force_ids_for(user=user))
    return Referral.objects.filter(condition)


def aggregate_only(user: User) -> bool:
    """Whether the user sees only disclosure-controlled aggregates (the commissioner's office)."""
    return any(
        m.organisation.kind in (Organisation.Kind.COMMISSIONER, Organisation.Kind.PANEL)
        for m in memberships_of(user=user)
    )


def area_of(organisation: Organisation | None) -> Organisation | None:
    """The policing area (county) an organisation sits in, by walking up the tree."""
    node, seen = organisation, set()
    while node is not None and node.pk not in seen:
        if node.kind == Organisation.Kind.AREA:
            return node
        seen.add(node.pk)
        node = node.parent
    return None


def county_of(organisation: Organisation | None) -> str:
    """The English name of the area an organisation sits in ("" outside any area)."""
    area = area_of(organisation)
    return area.name if area else ""


def _rows(referrals: QuerySet[Referral]) -> list[Referral]:
    return list(
        referrals.select_related(
            "referring_organisation__parent__parent", "closure_reason", "receiving_organisation"
        ).order_by("requested_at")
    )


def _attempts_until(referrals: QuerySet[Referral], reached: dict[Any, datetime]) -> int:
    """The contact attempts it took to reach each person: those made up to the moment they
    were reached (follow-ups after, e.g. after a missed appointment, are not counted)."""
    times = ContactAttempt.objects.filter(referral__in=referrals).values_list(
        "referral_id", "attempted_at"
    )
    return sum(1 for referral, at in times if referral in reached and at <= reached[referral])


def _day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def compute_funnel(
    referrals: QuerySet[Referral], *, filters: FunnelFilters, suppressed: bool
) -> Funnel:
    """Count each stage, time each step, list closure reasons, for the filtered referrals."""
    rows = []
    for referral in _rows(referrals):
        if filters.source and referral.source_kind != filters.source:
            continue
        if filters.provider_id and referral.receiving_organisation_id != filters.provider_id:
            continue
        if filters.county and county_of(referral.referring_organisation) != filters.county:
            continue
        tried_at = referral.requested_at or referral.first_send_attempt_at
        if filters.month and (
            tried_at is None or timezone.localdate(tried_at).strftime("%Y-%m") != filters.month
        ):
            continue
        rows.append(referral)
    attempted_send = [r for r in rows if r.complete_at_first_attempt is not None]
    rows = [r for r in rows if r.requested_at is not None]
    total = len(rows)
    counting = Counting(suppressed)
    shown = counting.shown

    stages = []
    for code, label, _field_name in STAGES:
        count = sum(1 for r in rows if reached_at(r, code) is not None)
        share, share_shown = counting.share(count, total)
        stages.append(
            {
                "code": code,
                "label": label,
                "count": count,
                "shown": shown(count),
                "share": share,
                "share_shown": share_shown,
            }
        )
    durations = []
    for code, label, end in DURATIONS:
        days = [
            working_days_between(_day(r.requested_at), _day(ended))  # type: ignore[arg-type]
            for r in rows
            if (ended := reached_at(r, end) if end in REACHED_BY else getattr(r, end))
        ]
        durations.append(_median_row(code, label, days, counting))
    steps = []
    for code, label, start, end in STEPS:
        days = [
            working_days_between(_day(reached_at(r, start)), _day(ended))  # type: ignore[arg-type]
            for r in rows
            if (ended := reached_at(r, end))
        ]
        steps.append(_median_row(code, label, days, counting))
    # By code: a reason's versions (reference data rows) are one reason. Only closed referrals
    # count, each once, so that with the open, rejected and cancelled ones they make the total.
    closed = [r for r in rows if r.status in CLOSED_STATUSES]
    closure_labels: dict[str, Any] = {
        r.closure_reason.code: r.closure_reason.label for r in closed if r.closure_reason
    }
    closures = Counter(
        r.closure_reason.code if r.closure_reason else NO_CLOSURE_REASON for r in closed
    )
    if NO_CLOSURE_REASON in closures:
        closure_labels[NO_CLOSURE_REASON] = _("Closed with no reason recorded")
    now = Counter(
        "open" if r.status in OPEN_STATUSES else r.status
        for r in rows
        if r.status not in CLOSED_STATUSES
    )
    # Largest first; those who see suppressed counts get them in the order of what they see
    # (equal ones by name), so that the order of the * rows says nothing of their sizes.
    closure_order = sorted(
        closures.items(),
        key=lambda item: (
            -(int(shown(item[1])) if shown(item[1]) != SUPPRESSED else 0),
            str(closure_labels[item[0]]),
        ),
    )
    reached = {r.pk: when for r in rows if (when := reached_at(r, "contacted")) is not None}
    attempts = _attempts_until(referrals, reached)
    per_person, per_person_shown = counting.average(attempts, len(reached))
    complete, complete_shown = counting.share(
        sum(1 for r in attempted_send if r.complete_at_first_attempt), len(attempted_send)
    )
    overdue: Counter[str] = Counter()
    limits = sla_limits_by_day()
    for r in rows:
        for missed in overdue_milestones(r, limits=limits):
            overdue[missed.code] += 1
    sent_days = [timezone.localdate(r.requested_at) for r in rows if r.requested_at]
    months: Counter[str] = Counter(day.strftime("%Y-%m") for day in sent_days)
    # Every month from the first referral's to the last's, one with none too (it shows 0).
    month_range = _months(min(sent_days), max(sent_days)) if sent_days else []
    return Funnel(
        total=total,
        total_shown=shown(total),
        stages=stages,
        durations=durations,
        steps=steps,
        now=[
            {"code": code, "label": label, "count": now[code], "shown": shown(now[code])}
            for code, label in NOW
        ],
        closures=[
            {"code": code, "label": closure_labels[code], "count": n, "shown": shown(n)}
            for code, n in closure_order
        ],
        attempts_per_person_reached=per_person,
        attempts_per_person_reached_shown=per_person_shown,
        complete_at_first_send=complete,
        complete_at_first_send_shown=complete_shown,
        overdue=[
            {"code": code, "label": label, "count": overdue[code], "shown": shown(overdue[code])}
            for code, label in OVERDUE
        ],
        suppressed=suppressed,
        by_month=[
            {
                "month": (code := month.strftime("%Y-%m")),
                "date": month,
                "count": months[code],
                "shown": shown(months[code]),
            }
            for month in month_range
        ],
    )


def filter_choices(
    referrals: QuerySet[Referral],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The providers present in the user's scope and the counties of its forces, named in
    the active language."""
    providers = {
        str(o.pk): o.display_name
        for o in Organisation.objects.filter(pk__in=referrals.values("receiving_organisation_id"))
    }
    # Every county of the forces counted, a county with no referrals too (it shows 0).
    counties = {
        area.name: area.display_name
        for area in Organisation.objects.filter(
            kind=Organisation.Kind.AREA, parent_id__in=referrals.values("referring_controller_id")
        )
    }
    for referrer in Organisation.objects.filter(
        pk__in=referrals.values("referring_organisation_id")
    ).select_related("parent__parent"):
        area = area_of(referrer)
        if area is not None:
            counties[area.name] = area.display_name
    return sorted(providers.items(), key=lambda p: p[1]), sorted(
        counties.items(), key=lambda c: c[1]
    )


def _csv_share(share: float | None, shown: str) -> str:
    """A share in the CSV: 0 to 1 with two places, * when suppressed, empty when there is none."""
    if shown == SUPPRESSED:
        return SUPPRESSED
    return "" if share is None else f"{share:.2f}"


def _csv_value(shown: str) -> str:
    return "" if shown == NOT_AVAILABLE else shown


def csv_context(
    form: "FunnelFilterForm", *, suppressed: bool, produced: datetime
) -> list[tuple[str, Any, str]]:
    """The rows that say what the figures are of, in the same three columns, before them: when
    they were produced, whether small numbers are suppressed, and each filter (its value as the
    query gives it, empty for all, and what it names in the reader's language)."""
    rows: list[tuple[str, Any, str]] = [
        ("produced_at", produced, str(_("Date and time produced"))),
        (
            "small_numbers_suppressed",
            "yes" if suppressed else "no",
            str(
                _(
                    "Figures from 1 to 7 are shown as * and others are rounded to the nearest 5, "
                    "so that no one can be identified."
                )
                if suppressed
                else _("Exact figures")
            ),
        ),
    ]
    data = form.cleaned_data if form.is_bound else {}
    for name in ("source", "provider", "county"):
        value = data.get(name) or ""
        names = dict(cast(list[tuple[str, Any]], cast(ChoiceField, form.fields[name]).choices))
        rows.append((f"filter:{name}", value, str(names.get(value, value))))
    month = data.get("month") or ""
    rows.append(
        ("filter:month", month, month_shown(first_day_of(month)) if month else str(_("All months")))
    )
    return rows


def csv_rows(result: Funnel) -> list[tuple[str, str, str]]:
    """The funnel as (measure, value, label) rows: exactly the figures the page shows, the
    measure in codes (the same in every language), the label in the reader's language."""
    rows: list[tuple[str, str, str]] = []
    for stage in result.stages:
        rows.append((f"stage:{stage['code']}", stage["shown"], str(stage["label"])))
        rows.append(
            (
                f"stage:{stage['code']}:share",
                _csv_share(stage["share"], stage["share_shown"]),
                str(stage["label"]),
            )
        )
    for duration in [*result.durations, *result.steps]:
        measure = f"median_working_days:{duration['code']}"
        rows.append((measure, _csv_value(duration["median_shown"]), str(duration["label"])))
        rows.append((f"{measure}:referrals", duration["n"], str(duration["label"])))
    rows.append(
        (
            "contact_attempts_per_person_reached",
            _csv_value(result.attempts_per_person_reached_shown),
            str(_("Contact attempts per person reached")),
        )
    )
    rows.append(
        (
            "complete_contact_details_at_first_send",
            _csv_share(result.complete_at_first_send, result.complete_at_first_send_shown),
            str(_("Contact details complete at first attempt to send")),
        )
    )
    for overdue in result.overdue:
        rows.append((f"overdue:{overdue['code']}", overdue["shown"], str(overdue["label"])))
    for now in result.now:
        rows.append((f"now:{now['code']}", now["shown"], str(now["label"])))
    for closure in result.closures:
        rows.append((f"closure:{closure['code']}", closure["shown"], str(closure["label"])))
    for month in result.by_month:
        rows.append((f"sent_in_month:{month['month']}", month["shown"], month_shown(month["date"])))
    return rows
