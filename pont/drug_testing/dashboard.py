"""The custody drug testing dashboard: what Test on Arrest finds and what follows from it.

Pure functions over querysets, like the referral funnel: the tests in the
user's scope are read once (with their Required Assessment and its statutory
referral), their results and breach cases once each, and every figure comes
from one pass over those rows. Nothing here names a person: a person's id is
used only to count people tested more than once.

A test belongs to the month (and the period) of its sample, or, for a refusal,
of the arrest. For the commissioner's office, which sees the force area in
aggregate only, counts are suppressed exactly as on the funnel (`suppress`),
and a share or a median is shown only when none of the counts it comes from
would be suppressed, so that a percentage cannot give a small number away.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pont.accounts.models import Organisation, User
from pont.accounts.roles import VIEW_DRUG_TESTING_DASHBOARD
from pont.accounts.selectors import controller_ids_for, overseen_force_ids_for
from pont.core.figures import Counting, Figure, Median, Section
from pont.core.forms import combine_local, first_day_of, month_shown
from pont.core.working_days import working_days_between
from pont.referrals.funnel import aggregate_only

from .models import BreachCase, DrugTest, DrugTestResult, RequiredAssessment, TestedSubstance

Attendance = RequiredAssessment.Attendance
FollowUp = RequiredAssessment.FollowUp

_TEST_FIELDS = (
    "pk",
    "person_id",
    "custody_suite_id",
    "sample_taken_at",
    "arrested_at",
    "outcome",
    "confirmation",
    "trigger_offence_id",
    "trigger_offence__class_a_only",
    "class_a_confirmed",
    "ra_complete_at_first_attempt",
    "assessment__pk",
    "assessment__initial_attendance",
    "assessment__follow_up",
    "assessment__follow_up_attendance",
    "assessment__referral__first_contact_attempt_at",
    "assessment__referral__already_known_to_provider",
)


@dataclass(frozen=True)
class DashboardFilters:
    suite_id: int | None = None
    start: date | None = None  # the first day of the first month counted
    end: date | None = None  # the first day after the last month counted


@dataclass(frozen=True)
class SuiteMonth:
    """Tests by custody suite (columns) and month (rows)."""

    suites: list[tuple[str, StrOrPromise]]
    rows: list[tuple[str, StrOrPromise, list[str], str]]  # month, label, cells, total


@dataclass
class Dashboard:
    total: Figure
    suppressed: bool
    sections: list[Section]
    suite_month: SuiteMonth
    to_first_contact: Median
    by_code: dict[str, Section] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {section.code: section for section in self.sections}


def dashboard_scope(*, user: User) -> QuerySet[DrugTest]:
    """The tests the user may count: their force's, or (a commissioner's office) those of the
    forces it oversees, in aggregate."""
    if not user.has_perm(VIEW_DRUG_TESTING_DASHBOARD):
        return DrugTest.objects.none()
    if aggregate_only(user):
        return DrugTest.objects.filter(controller_id__in=overseen_force_ids_for(user=user))
    return DrugTest.objects.filter(controller_id__in=controller_ids_for(user=user))


def suite_choices(tests: QuerySet[DrugTest]) -> list[tuple[str, str]]:
    """The custody suites that have tests in scope, named in the active language."""
    suites = Organisation.objects.filter(pk__in=tests.values("custody_suite_id"))
    return sorted(((str(s.pk), s.display_name) for s in suites), key=lambda s: s[1])


def _moment(day: date) -> datetime:
    return combine_local(day, time.min)


def filtered(tests: QuerySet[DrugTest], filters: DashboardFilters) -> QuerySet[DrugTest]:
    """The tests of the suite and the period (by the sample's time, or the arrest's)."""
    if filters.suite_id is not None:
        tests = tests.filter(custody_suite_id=filters.suite_id)
    if filters.start is not None:
        start = _moment(filters.start)
        tests = tests.filter(
            Q(sample_taken_at__gte=start) | Q(sample_taken_at__isnull=True, arrested_at__gte=start)
        )
    if filters.end is not None:
        end = _moment(filters.end)
        tests = tests.filter(
            Q(sample_taken_at__lt=end) | Q(sample_taken_at__isnull=True, arrested_at__lt=end)
        )
    return tests


def _day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def _month_of(row: dict[str, Any]) -> str:
    moment = row["sample_taken_at"] or row["arrested_at"]
    return timezone.localdate(moment).strftime("%Y-%m")


def _month_label(month: str) -> str:
    return month_shown(first_day_of(month))


def _allowed_by_trigger(row: dict[str, Any]) -> bool:
    """Whether the trigger offence itself allowed the test (as `eligibility._offence_basis`).

    A drugs offence triggers only in respect of a specified Class A drug: unconfirmed, the
    offence is still recorded but the test rests on the inspector's authorisation.
    """
    if row["trigger_offence_id"] is None:
        return False
    return not row["trigger_offence__class_a_only"] or bool(row["class_a_confirmed"])


def _substance_labels() -> dict[str, str]:
    """Each tested substance's label in the active language (the latest row of its code)."""
    labels: dict[str, str] = {}
    for substance in TestedSubstance.objects.order_by("code", "effective_from"):
        labels[substance.code] = substance.label
    return labels


def compute_dashboard(
    tests: QuerySet[DrugTest], *, filters: DashboardFilters, suppressed: bool
) -> Dashboard:
    """Every figure of the dashboard for the tests in scope that the filters select."""
    chosen = filtered(tests, filters)
    rows = list(chosen.order_by().values(*_TEST_FIELDS))
    results = list(
        DrugTestResult.objects.filter(test__in=chosen.values("pk"))
        .order_by()
        .values_list("test_id", "substance__code", "result")
    )
    breaches = list(
        BreachCase.objects.filter(assessment__test__in=chosen.values("pk"))
        .order_by()
        .values_list("stage", "decision", "court_result")
    )
    suites = {
        s.pk: s
        for s in Organisation.objects.filter(
            pk__in={row["custody_suite_id"] for row in rows}
        ).select_related("parent__parent")
    }
    count = Counting(suppressed)

    # Tests by month and suite ----------------------------------------------------
    by_month: Counter[str] = Counter()
    by_suite: Counter[int] = Counter()
    cells: Counter[tuple[str, int]] = Counter()
    for row in rows:
        month = _month_of(row)
        by_month[month] += 1
        by_suite[row["custody_suite_id"]] += 1
        cells[(month, row["custody_suite_id"])] += 1
    suite_order = sorted(by_suite, key=lambda pk: suites[pk].display_name)

    months = sorted(by_month)
    suite_month = SuiteMonth(
        suites=[(suites[pk].name, suites[pk].display_name) for pk in suite_order],
        rows=[
            (
                month,
                _month_label(month),
                [count.shown(cells[(month, pk)]) for pk in suite_order],
                count.shown(by_month[month]),
            )
            for month in months
        ],
    )

    # Results, basis and outcome --------------------------------------------------
    tested_ids = {row["pk"] for row in rows if row["outcome"] == DrugTest.Outcome.TESTED}
    # A disputed result that the laboratory did not confirm is not counted as positive.
    not_confirmed = {
        row["pk"] for row in rows if row["confirmation"] == DrugTest.Confirmation.NOT_CONFIRMED
    }
    with_result: Counter[str] = Counter()
    positive: Counter[str] = Counter()
    positive_tests: set[Any] = set()
    for test_id, code, result in results:
        with_result[code] += 1
        if result == DrugTestResult.Result.POSITIVE and test_id not in not_confirmed:
            positive[code] += 1
            positive_tests.add(test_id)
    labels = _substance_labels()
    total = len(rows)
    refused = total - len(tested_ids)
    trigger = sum(1 for row in rows if _allowed_by_trigger(row))

    # What followed a positive test -------------------------------------------------
    assessed = [row for row in rows if row["assessment__pk"] is not None]
    imposed_after_positive = sum(1 for row in assessed if row["pk"] in positive_tests)
    first_attempts = [row for row in rows if row["ra_complete_at_first_attempt"] is not None]
    complete_first = sum(1 for row in first_attempts if row["ra_complete_at_first_attempt"])
    to_first_contact = [
        working_days_between(
            _day(row["sample_taken_at"]),  # type: ignore[arg-type]  # both filtered not None
            _day(row["assessment__referral__first_contact_attempt_at"]),  # type: ignore[arg-type]
        )
        for row in assessed
        if row["sample_taken_at"] and row["assessment__referral__first_contact_attempt_at"]
    ]
    initial = Counter(row["assessment__initial_attendance"] for row in assessed)
    # A cancelled appointment (the referral ended first) is not an outcome of attendance.
    initial_known = len(assessed) - initial[Attendance.PENDING] - initial[Attendance.CANCELLED]
    initial_attended = initial[Attendance.ATTENDED] + initial[Attendance.FAILED_TO_REMAIN]
    decided = Counter(
        row["assessment__follow_up"]
        for row in assessed
        if row["assessment__initial_attendance"] == Attendance.ATTENDED
    )
    eligible_for_follow_up = sum(decided.values())
    follow_up = Counter(
        row["assessment__follow_up_attendance"]
        for row in assessed
        if row["assessment__follow_up"] == FollowUp.REQUIRED
    )
    follow_up_known = (
        decided[FollowUp.REQUIRED] - follow_up[Attendance.PENDING] - follow_up[Attendance.CANCELLED]
    )
    follow_up_attended = follow_up[Attendance.ATTENDED] + follow_up[Attendance.FAILED_TO_REMAIN]
    known = Counter(row["assessment__referral__already_known_to_provider"] for row in assessed)
    known_recorded = known[True] + known[False]

    # Breaches ------------------------------------------------------------------------
    stages = Counter(stage for stage, _decision, _court in breaches)
    decisions = Counter(decision for _stage, decision, _court in breaches)
    courts = Counter(
        court for _stage, decision, court in breaches if decision == BreachCase.Decision.CHARGE
    )
    charged = decisions[BreachCase.Decision.CHARGE]

    # People ----------------------------------------------------------------------------
    per_person = Counter(row["person_id"] for row in rows)
    repeat = sum(1 for n in per_person.values() if n > 1)

    sections = [
        Section(
            code="tests_by_month",
            title=_("Tests by month"),
            description=_("How many tests (and refusals) were recorded in each month."),
            item_header=_("Month"),
            count_header=_("Tests"),
            rows=[count.figure(m, _month_label(m), by_month[m]) for m in months],
            chart="count",
        ),
        Section(
            code="tests_by_suite",
            title=_("Tests by custody suite"),
            description=_("How many tests (and refusals) were recorded in each custody suite."),
            item_header=_("Custody suite"),
            count_header=_("Tests"),
            rows=[
                count.figure(suites[pk].name, suites[pk].display_name, by_suite[pk])
                for pk in suite_order
            ],
            chart="count",
        ),
        Section(
            code="outcome",
            title=_("Samples taken and refusals"),
            description=_("Tests where a sample was taken, and refusals to give one."),
            item_header=_("Outcome"),
            count_header=_("Tests"),
            base_header=_("All tests"),
            rows=[
                count.figure("tested", _("Sample taken"), len(tested_ids), total),
                count.figure("refused", _("Refused to give a sample"), refused, total),
            ],
        ),
        Section(
            code="basis",
            title=_("Trigger offence or inspector's authorisation"),
            description=_(
                "Tests allowed because the arrest or charge was for a trigger offence, and tests "
                "an inspector authorised."
            ),
            item_header=_("Why the test was allowed"),
            count_header=_("Tests"),
            base_header=_("All tests"),
            rows=[
                count.figure("trigger_offence", _("Trigger offence"), trigger, total),
                count.figure(
                    "inspector_authorisation",
                    _("Authorised by an inspector"),
                    total - trigger,
                    total,
                ),
            ],
            chart="count",
        ),
        Section(
            code="positive",
            title=_("Positive rate by substance"),
            description=_(
                "The share of samples that tested positive for each specified Class A drug."
            ),
            item_header=_("Substance"),
            count_header=_("Positive"),
            base_header=_("Samples tested"),
            rows=[
                *(
                    count.figure(code, labels.get(code, code), positive[code], with_result[code])
                    for code in sorted(with_result, key=lambda c: str(labels.get(c, c)))
                ),
                count.figure("any", _("Any specified drug"), len(positive_tests), len(tested_ids)),
            ],
            chart="share",
        ),
        Section(
            code="required_assessment",
            title=_("From a positive test to a Required Assessment"),
            description=_(
                "Required Assessments imposed after a positive test, and whether the person's "
                "contact details were complete at the first attempt to impose one."
            ),
            item_header=_("Measure"),
            count_header=_("Tests"),
            base_header=_("Out of"),
            rows=[
                count.figure(
                    "imposed",
                    _("Required Assessment imposed (out of positive tests)"),
                    imposed_after_positive,
                    len(positive_tests),
                ),
                count.figure(
                    "complete_at_first_attempt",
                    _("Contact details complete at the first attempt (out of attempts)"),
                    complete_first,
                    len(first_attempts),
                ),
            ],
        ),
        Section(
            code="initial_assessment",
            title=_("Initial assessments"),
            description=_(
                "Whether people attended their initial assessment and remained for all of it."
            ),
            item_header=_("Outcome"),
            count_header=_("Assessments"),
            base_header=_("Out of"),
            rows=[
                count.figure(
                    "attended",
                    _("Attended (out of those with a recorded outcome)"),
                    initial_attended,
                    initial_known,
                ),
                count.figure(
                    "remained",
                    _("Remained for all of it (out of those who attended)"),
                    initial[Attendance.ATTENDED],
                    initial_attended,
                ),
                count.figure(
                    "failed_to_attend",
                    _("Failed to attend (out of those with a recorded outcome)"),
                    initial[Attendance.FAILED_TO_ATTEND],
                    initial_known,
                ),
                count.figure("pending", _("Outcome not yet recorded"), initial[Attendance.PENDING]),
                count.figure(
                    "cancelled",
                    _("Appointment cancelled when the referral ended"),
                    initial[Attendance.CANCELLED],
                ),
            ],
            chart="count",
        ),
        Section(
            code="follow_up",
            title=_("Follow-up assessments"),
            description=_(
                "After attending the initial assessment: follow-ups required (RA4) or the "
                "requirement ceased (RA5), and attendance at the follow-up."
            ),
            item_header=_("Measure"),
            count_header=_("Assessments"),
            base_header=_("Out of"),
            rows=[
                count.figure(
                    "required",
                    _("Follow-up required (out of those who attended and remained)"),
                    decided[FollowUp.REQUIRED],
                    eligible_for_follow_up,
                ),
                count.figure(
                    "ceased",
                    _("Requirement ceased (out of those who attended and remained)"),
                    decided[FollowUp.CEASED],
                    eligible_for_follow_up,
                ),
                count.figure("undecided", _("Not yet decided"), decided[FollowUp.UNDECIDED]),
                count.figure(
                    "attended",
                    _("Attended the follow-up (out of those with a recorded outcome)"),
                    follow_up_attended,
                    follow_up_known,
                ),
                count.figure(
                    "remained",
                    _("Remained for all of the follow-up (out of those who attended)"),
                    follow_up[Attendance.ATTENDED],
                    follow_up_attended,
                ),
            ],
        ),
        Section(
            code="breaches",
            title=_("Breaches"),
            description=_("Failures to attend or to remain for a Required Assessment."),
            item_header=_("Assessment"),
            count_header=_("Breaches"),
            base_header=_("All breaches"),
            rows=[
                count.figure(
                    "initial",
                    _("Initial assessment (s.12)"),
                    stages[BreachCase.Stage.INITIAL],
                    len(breaches),
                ),
                count.figure(
                    "follow_up",
                    _("Follow-up assessment (s.14)"),
                    stages[BreachCase.Stage.FOLLOW_UP],
                    len(breaches),
                ),
            ],
        ),
        Section(
            code="breach_decision",
            title=_("Decisions on breaches"),
            description=_("What the police decided to do about each breach."),
            item_header=_("Decision"),
            count_header=_("Breaches"),
            base_header=_("All breaches"),
            rows=[
                count.figure(value or "pending", label, decisions[value], len(breaches))
                for value, label in BreachCase.Decision.choices
            ],
            chart="count",
        ),
        Section(
            code="court_result",
            title=_("Court results after a charge"),
            description=_("The court results of breaches the police charged."),
            item_header=_("Court result"),
            count_header=_("Breaches"),
            base_header=_("Charged"),
            rows=[
                count.figure(value or "pending", label, courts[value], charged)
                for value, label in BreachCase.CourtResult.choices
            ],
        ),
        Section(
            code="people",
            title=_("People tested"),
            description=_("How many people were tested, and how many more than once."),
            item_header=_("Measure"),
            count_header=_("People"),
            base_header=_("People tested"),
            rows=[
                count.figure("tested", _("People tested"), len(per_person)),
                count.figure(
                    "more_than_once",
                    _("Tested more than once in the period"),
                    repeat,
                    len(per_person),
                ),
            ],
        ),
        Section(
            code="already_known",
            title=_("Already known to the service"),
            description=_(
                "Whether the people referred for a Required Assessment were already known to the "
                "service, as the service recorded it."
            ),
            item_header=_("Answer"),
            count_header=_("Referrals"),
            base_header=_("Referrals with an answer"),
            rows=[
                count.figure("yes", _("Already known"), known[True], known_recorded),
                count.figure("no", _("Not known before"), known[False], known_recorded),
                count.figure("not_recorded", _("Not recorded"), known[None]),
            ],
        ),
    ]
    return Dashboard(
        total=count.figure("total", _("Tests"), total),
        suppressed=suppressed,
        sections=sections,
        suite_month=suite_month,
        to_first_contact=count.median(to_first_contact),
    )


def csv_rows(dashboard: Dashboard) -> list[tuple[str, str]]:
    """The dashboard as (measure, value) pairs: exactly the figures the page shows."""
    rows = [("tests:total", dashboard.total.shown)]
    for section in dashboard.sections:
        for figure in section.rows:
            measure = f"{section.code}:{figure.code}"
            rows.append((measure, figure.shown))
            if figure.base is not None:
                rows.append((f"{measure}:out_of", figure.base_shown))
                rows.append(
                    (f"{measure}:share", "" if figure.share is None else f"{figure.share:.2f}")
                )
    for month, _label, suite_cells, _total in dashboard.suite_month.rows:
        for (suite, _name), shown in zip(dashboard.suite_month.suites, suite_cells, strict=True):
            rows.append((f"tests_by_suite_and_month:{month}:{suite}", shown))
    median = dashboard.to_first_contact
    rows.append(("working_days_sample_to_first_contact_attempt:assessments", median.shown))
    rows.append(
        (
            "working_days_sample_to_first_contact_attempt:median",
            "" if median.median is None else f"{median.median:g}",
        )
    )
    return rows
