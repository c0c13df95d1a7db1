"""The out-of-court disposals dashboard: what Pathfinder decides and what follows from it.

Pure functions over querysets, like the custody dashboard and the referral
funnel: the disposals in the user's scope are read once, their offences once,
their conditions' referrals once, and every figure comes from one pass over
those rows; reoffending reads each kind of later event once through the
people module's registry (`pont.people.history`). Nothing here names a person:
a person's id is used only to look for their later arrests and disposals.

What counts, and when:

- A disposal counts once it is issued (issued, completed, breached or closed):
  a draft or one awaiting authorisation or issue is not a disposal yet. It
  belongs to the month of its issue (the local day of `issued_at`), and the
  period and area filters select by that month and by its area.
- Its offence group is that of its most serious offence: the highest gravity
  score, and of equal ones the first recorded. Each disposal counts once, so
  the groups add up to the total.
- Time to first contact: for each referral a condition made, the working days
  (Wales bank holidays) from the day of the officer's decision to the local day
  of the service's first attempt to contact the person. The clock starts at the
  decision, not at issue (when the referral is sent): the time the decision
  waits for authorisation and issue is time the person waits too.
- Completion and breach rates are of the finished disposals: completed, or
  breached (awaiting the breach decision, or closed after it).
- Reoffending within 12 months: a later arrest (another module's records) or a
  later disposal of the same person on a day after the day of issue and at
  most 365 days after it, counted only for disposals issued at least 365 days
  before the end of the data (today), so that each has had its whole year.

For the commissioner's office, which sees the force area in aggregate only,
counts are suppressed exactly as on the referral funnel (`suppress`), and a
share or a median is shown only when none of the counts it comes from would
be suppressed, so that a percentage cannot give a small number away.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pont.accounts.models import Organisation, User
from pont.accounts.roles import VIEW_DISPOSAL_DASHBOARD
from pont.accounts.selectors import controller_ids_for, overseen_force_ids_for
from pont.core.figures import Counting, Figure, Median, Section
from pont.core.forms import combine_local, first_day_of, month_shown
from pont.core.working_days import working_days_between
from pont.people.history import later_events, registered_kinds
from pont.referrals.funnel import aggregate_only

from .models import Disposal, DisposalCondition, DisposalOffence, DisposalScheme, Offence

# The follow-up for reoffending: a later event up to this many days after the day of issue.
REOFFENDING_DAYS = 365

Status = Disposal.Status
# The statuses of a disposal that has been issued: only these count as disposals.
ISSUED_STATUSES = (Status.ISSUED, Status.COMPLETED, Status.BREACHED, Status.CLOSED)
BREACHED_STATUSES = (Status.BREACHED, Status.CLOSED)

# Working days from the decision to the first contact attempt, in bands: (code, label, most days).
CONTACT_BANDS: list[tuple[str, StrOrPromise, int | None]] = [
    ("within_2", _("2 working days or fewer"), 2),
    ("3_to_5", _("3 to 5 working days"), 5),
    ("6_to_10", _("6 to 10 working days"), 10),
    ("over_10", _("More than 10 working days"), None),
]

_DISPOSAL_FIELDS = (
    "pk",
    "person_id",
    "area_id",
    "scheme__code",
    "scheme__tier",
    "status",
    "issued_at",
    "decided_on",
    "breach_decision",
)


@dataclass(frozen=True)
class DashboardFilters:
    area_id: int | None = None
    start: date | None = None  # the first day of the first month counted
    end: date | None = None  # the first day after the last month counted


@dataclass
class Dashboard:
    total: Figure
    suppressed: bool
    sections: list[Section]
    to_first_contact: Median
    # Reoffending is counted for disposals issued on or before this day.
    reoffending_cutoff: date
    by_code: dict[str, Section] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {section.code: section for section in self.sections}

    def figure(self, section: str, code: str) -> Figure:
        return next(row for row in self.by_code[section].rows if row.code == code)

    @property
    def key_figures(self) -> dict[str, Figure]:
        """The figures at the top of the page (each also in its section's table)."""
        return {
            "with_referral": self.figure("referral", "with_referral"),
            "completed": self.figure("outcome", "completed"),
            "breached": self.figure("outcome", "breached"),
            "reoffended": self.figure("reoffending", "any"),
        }


def dashboard_scope(*, user: User) -> QuerySet[Disposal]:
    """The issued disposals the user may count: their force's, or (a commissioner's office) those
    of the forces it oversees, in aggregate."""
    if not user.has_perm(VIEW_DISPOSAL_DASHBOARD):
        return Disposal.objects.none()
    issued = Disposal.objects.filter(status__in=ISSUED_STATUSES, issued_at__isnull=False)
    if aggregate_only(user):
        return issued.filter(controller_id__in=overseen_force_ids_for(user=user))
    return issued.filter(controller_id__in=controller_ids_for(user=user))


def area_choices(disposals: QuerySet[Disposal]) -> list[tuple[str, str]]:
    """The areas that have disposals in scope, named in the active language."""
    areas = Organisation.objects.filter(pk__in=disposals.values("area_id"))
    return sorted(((str(a.pk), a.display_name) for a in areas), key=lambda a: a[1])


def _moment(day: date) -> datetime:
    """The start of a local day, as an aware datetime."""
    return combine_local(day, time.min)


def filtered(disposals: QuerySet[Disposal], filters: DashboardFilters) -> QuerySet[Disposal]:
    """The disposals of the area and the period (by the local day of issue)."""
    if filters.area_id is not None:
        disposals = disposals.filter(area_id=filters.area_id)
    if filters.start is not None:
        disposals = disposals.filter(issued_at__gte=_moment(filters.start))
    if filters.end is not None:
        disposals = disposals.filter(issued_at__lt=_moment(filters.end))
    return disposals


def _month_label(month: str) -> str:
    return month_shown(first_day_of(month))


def _scheme_labels() -> dict[str, tuple[int, str]]:
    """Each disposal's (sort order, label in the active language), from its latest row."""
    labels: dict[str, tuple[int, str]] = {}
    for scheme in DisposalScheme.objects.order_by("code", "effective_from"):
        labels[scheme.code] = (scheme.sort_order, scheme.label)
    return labels


def _offence_groups(chosen: QuerySet[Disposal]) -> dict[Any, str]:
    """Each disposal's offence group: that of its most serious offence (the highest gravity;
    of equal ones, the first recorded)."""
    most_serious: dict[Any, tuple[int, int, str]] = {}
    for disposal_id, pk, group, gravity in (
        DisposalOffence.objects.filter(disposal__in=chosen.values("pk"))
        .order_by()
        .values_list("disposal_id", "pk", "offence__offence_group", "offence__gravity")
    ):
        key = (-gravity, pk, group)
        if disposal_id not in most_serious or key < most_serious[disposal_id]:
            most_serious[disposal_id] = key
    return {disposal_id: key[2] for disposal_id, key in most_serious.items()}


def _band(days: int) -> str:
    for code, _label, most in CONTACT_BANDS:
        if most is None or days <= most:
            return code
    return CONTACT_BANDS[-1][0]


def _reoffended(
    rows: list[dict[str, Any]], cutoff: date
) -> tuple[int, dict[str, int], int, dict[str, StrOrPromise]]:
    """Of the disposals issued on or before `cutoff`: how many, how many with a later event
    of each registered kind within the window, and with any."""
    eligible = [
        (row["person_id"], timezone.localdate(row["issued_at"]))
        for row in rows
        if timezone.localdate(row["issued_at"]) <= cutoff
    ]
    kinds = registered_kinds()
    labels = {k.kind: k.label for k in kinds}
    by_kind: dict[str, int] = dict.fromkeys(labels, 0)
    if not eligible:
        return 0, by_kind, 0, labels
    since = _moment(min(day for _person, day in eligible) + timedelta(days=1))
    events = later_events({person for person, _day in eligible}, since)
    days: dict[str, dict[int, list[date]]] = {
        kind: {
            person: [timezone.localdate(moment) for moment in moments]
            for person, moments in found.items()
        }
        for kind, found in events.items()
    }
    either = 0
    for person, issued in eligible:
        last = issued + timedelta(days=REOFFENDING_DAYS)
        hit = False
        for kind, by_person in days.items():
            if any(issued < day <= last for day in by_person.get(person, ())):
                by_kind[kind] += 1
                hit = True
        either += hit
    return len(eligible), by_kind, either, labels


def compute_dashboard(
    disposals: QuerySet[Disposal],
    *,
    filters: DashboardFilters,
    suppressed: bool,
    today: date | None = None,
) -> Dashboard:
    """Every figure of the dashboard for the disposals in scope that the filters select.

    `today` is the end of the data (the reoffending follow-up); it is today unless a test
    says otherwise.
    """
    today = today or timezone.localdate()
    chosen = filtered(disposals, filters)
    rows = list(chosen.order_by().values(*_DISPOSAL_FIELDS))
    groups = _offence_groups(chosen)
    referrals = list(
        DisposalCondition.objects.filter(disposal__in=chosen.values("pk"), referral__isnull=False)
        .order_by()
        .values_list("disposal_id", "referral__first_contact_attempt_at")
    )
    areas = {a.pk: a for a in Organisation.objects.filter(pk__in={row["area_id"] for row in rows})}
    schemes = _scheme_labels()
    count = Counting(suppressed)
    total = len(rows)

    # By month, tier, disposal, offence group and area -----------------------------------
    by_month: Counter[str] = Counter()
    by_tier: Counter[str] = Counter()
    by_scheme: Counter[str] = Counter()
    by_group: Counter[str] = Counter()
    by_area: Counter[int] = Counter()
    issued_on: dict[Any, date] = {}
    decided_on: dict[Any, date] = {}
    for row in rows:
        day = timezone.localdate(row["issued_at"])
        issued_on[row["pk"]] = day
        decided_on[row["pk"]] = row["decided_on"]
        by_month[day.strftime("%Y-%m")] += 1
        by_tier[row["scheme__tier"] or ""] += 1
        by_scheme[row["scheme__code"] or ""] += 1
        by_group[groups.get(row["pk"], Offence.Group.OTHER)] += 1
        by_area[row["area_id"]] += 1
    months = sorted(by_month)
    area_order = sorted(by_area, key=lambda pk: areas[pk].display_name)
    scheme_order = sorted(by_scheme, key=lambda code: (schemes.get(code, (0, code))[0], code))

    # Referrals and the time to the first contact attempt -----------------------------------
    # (Only of the disposals read above: one issued between the two reads is left out.)
    referrals = [(pk, attempt) for pk, attempt in referrals if pk in issued_on]
    with_referral = {disposal_id for disposal_id, _attempt in referrals}
    to_first_contact = [
        working_days_between(decided_on[disposal_id], timezone.localdate(attempt))
        for disposal_id, attempt in referrals
        if attempt is not None
    ]
    bands = Counter(_band(days) for days in to_first_contact)

    # Outcomes -----------------------------------------------------------------------------
    statuses = Counter(row["status"] for row in rows)
    completed = statuses[Status.COMPLETED]
    breached = statuses[Status.BREACHED] + statuses[Status.CLOSED]
    finished = completed + breached
    decisions = Counter(row["breach_decision"] for row in rows if row["status"] == Status.CLOSED)

    # Reoffending ----------------------------------------------------------------------------
    cutoff = today - timedelta(days=REOFFENDING_DAYS)
    eligible, reoffended_by_kind, reoffended, kind_labels = _reoffended(rows, cutoff)

    sections = [
        Section(
            code="by_month",
            title=_("Disposals by month"),
            description=_("How many disposals were issued in each month."),
            item_header=_("Month"),
            count_header=_("Disposals"),
            rows=[count.figure(m, _month_label(m), by_month[m]) for m in months],
            chart="count",
        ),
        Section(
            code="by_tier",
            title=_("Disposals by tier"),
            description=_(
                "How many lower-tier and upper-tier disposals and diversions (Outcome 22) "
                "were issued."
            ),
            item_header=_("Tier"),
            count_header=_("Disposals"),
            base_header=_("All disposals"),
            rows=[
                count.figure(value, label, by_tier[value], total)
                for value, label in DisposalScheme.Tier.choices
            ],
            chart="count",
        ),
        Section(
            code="by_scheme",
            title=_("Disposals by type"),
            description=_("How many of each type of disposal were issued."),
            item_header=_("Disposal"),
            count_header=_("Disposals"),
            base_header=_("All disposals"),
            rows=[
                count.figure(code, schemes.get(code, (0, code))[1], by_scheme[code], total)
                for code in scheme_order
            ],
        ),
        Section(
            code="by_offence_group",
            title=_("Disposals by offence group"),
            description=_(
                "The group of each disposal's most serious offence (the highest gravity score)."
            ),
            item_header=_("Offence group"),
            count_header=_("Disposals"),
            base_header=_("All disposals"),
            rows=[
                count.figure(value, label, by_group[value], total)
                for value, label in Offence.Group.choices
            ],
            chart="count",
        ),
        Section(
            code="by_area",
            title=_("Disposals by area"),
            description=_("How many disposals were issued in each policing area."),
            item_header=_("Area"),
            count_header=_("Disposals"),
            base_header=_("All disposals"),
            rows=[
                count.figure(areas[pk].name, areas[pk].display_name, by_area[pk], total)
                for pk in area_order
            ],
            chart="count",
        ),
        Section(
            code="referral",
            title=_("Disposals with a referral to a service"),
            description=_(
                "Disposals with at least one condition that a treatment or partner service "
                "delivers, referred to it when the disposal was issued."
            ),
            item_header=_("Measure"),
            count_header=_("Disposals"),
            base_header=_("All disposals"),
            rows=[
                count.figure("with_referral", _("With a referral"), len(with_referral), total),
                count.figure(
                    "without_referral",
                    _("Without a referral"),
                    total - len(with_referral),
                    total,
                ),
            ],
            chart="count",
        ),
        Section(
            code="first_contact",
            title=_("From the decision to the service's first contact attempt"),
            description=_(
                "Referrals from disposals' conditions by the working days from the day of the "
                "officer's decision to the day the service first tried to contact the person "
                "(Wales bank holidays are not working days)."
            ),
            item_header=_("Working days"),
            count_header=_("Referrals"),
            base_header=_("Referrals with an attempt"),
            rows=[
                *(
                    count.figure(code, label, bands[code], len(to_first_contact))
                    for code, label, _most in CONTACT_BANDS
                ),
                count.figure(
                    "no_attempt",
                    _("No contact attempt recorded yet"),
                    len(referrals) - len(to_first_contact),
                ),
            ],
            chart="count",
        ),
        Section(
            code="outcome",
            title=_("Completed and breached"),
            description=_(
                "Of the disposals that have finished, those whose conditions were all done and "
                "those breached because a condition was not done; and those still running."
            ),
            item_header=_("Outcome"),
            count_header=_("Disposals"),
            base_header=_("Finished"),
            rows=[
                count.figure("completed", _("Completed"), completed, finished),
                count.figure("breached", _("Breached"), breached, finished),
                count.figure("running", _("Still running (not finished)"), statuses[Status.ISSUED]),
            ],
            chart="count",
        ),
        Section(
            code="breach_decision",
            title=_("Decisions on breaches"),
            description=_("What the police decided after each breach."),
            item_header=_("Decision"),
            count_header=_("Disposals"),
            base_header=_("Breached"),
            rows=[
                count.figure(
                    "awaiting",
                    _("Awaiting the decision"),
                    statuses[Status.BREACHED],
                    breached,
                ),
                *(
                    count.figure(value, label, decisions[value], breached)
                    for value, label in Disposal.BreachDecision.choices
                    if value != Disposal.BreachDecision.EXTEND
                ),
            ],
        ),
        Section(
            code="reoffending",
            title=_("Reoffending within 12 months"),
            description=_(
                "Of the disposals issued at least 12 months ago, those whose person was "
                "arrested again or given another disposal (for an offence on a later day) "
                "within 365 days of the day of issue, as far as Pont records it."
            ),
            item_header=_("Later event"),
            count_header=_("Disposals"),
            base_header=_("Issued at least 12 months ago"),
            rows=[
                *(
                    count.figure(kind, label, reoffended_by_kind[kind], eligible)
                    for kind, label in kind_labels.items()
                ),
                count.figure("any", _("Any of these"), reoffended, eligible),
            ],
            chart="share",
        ),
    ]
    return Dashboard(
        total=count.figure("total", _("Disposals"), total),
        suppressed=suppressed,
        sections=sections,
        to_first_contact=count.median(to_first_contact),
        reoffending_cutoff=cutoff,
    )


def csv_rows(dashboard: Dashboard) -> list[tuple[str, str]]:
    """The dashboard as (measure, value) pairs: exactly the figures the page shows."""
    rows = [("disposals:total", dashboard.total.shown)]
    for section in dashboard.sections:
        for figure in section.rows:
            measure = f"{section.code}:{figure.code}"
            rows.append((measure, figure.shown))
            if figure.base is not None:
                rows.append((f"{measure}:out_of", figure.base_shown))
                rows.append(
                    (f"{measure}:share", "" if figure.share is None else f"{figure.share:.2f}")
                )
    median = dashboard.to_first_contact
    rows.append(("working_days_decision_to_first_contact_attempt:referrals", median.shown))
    rows.append(
        (
            "working_days_decision_to_first_contact_attempt:median",
            "" if median.median is None else f"{median.median:g}",
        )
    )
    rows.append(("reoffending:issued_on_or_before", dashboard.reoffending_cutoff.isoformat()))
    return rows
