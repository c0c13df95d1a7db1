"""A year of synthetic Test on Arrest activity across the six Dyfed-Powys custody suites.

Every record is made through the services, in the order things happen, with
Django's clock set to the moment each step happens (`demo_clock`): tests, the
Required Assessments and their notices, the provider's acceptance, contact
attempts and attendance, follow-ups, breaches and their decisions, court
results and the monthly quality-assurance samples all carry the dates of a
real year, so the dashboards and the funnel show a year of history. The
random choices come from a fixed seed: the same demo every time.

The people are invented; the rates are in the range the Home Office's DToA
programme data reports (about half of tests positive).
"""

import functools
import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models as django_models
from django.utils import timezone

from pont.accounts.models import Organisation, User
from pont.core.working_days import add_working_days
from pont.directory.models import Service
from pont.drug_testing import services as drug_testing
from pont.drug_testing.models import DrugTest, SuiteArrangement
from pont.people import services as people
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Referral

LONDON = ZoneInfo("Europe/London")
SEED = 20260401

# suite slug -> (tests a month, provider slug, treatment service town for the appointment)
SUITES = {
    "custody-llanelli": (5, "ddas", "DDAS Llanelli, Unit 2, Heol y Bont, Llanelli SA15 3AB"),
    "custody-haverfordwest": (
        4,
        "ddas",
        "DDAS Haverfordwest, 5 Victoria Place, Haverfordwest SA61 2LH",
    ),
    "custody-aberystwyth": (3, "ddas", "DDAS Aberystwyth, 9 Heol y Wig, Aberystwyth SY23 2LN"),
    "custody-ammanford": (2, "ddas", "DDAS Ammanford, 14 Wind Street, Ammanford SA18 3DN"),
    "custody-newtown": (2, "kaleidoscope", "Kaleidoscope, 3 Broad Street, Newtown SY16 2LU"),
    "custody-brecon": (2, "kaleidoscope", "Kaleidoscope, 8 The Struet, Brecon LD3 7LL"),
}
GIVEN = [
    "Aled", "Bryn", "Caio", "Dewi", "Emyr", "Gethin", "Gruffydd", "Hywel", "Iestyn", "Llŷr",
    "Macsen", "Osian", "Rhodri", "Steffan", "Tomos", "Alys", "Cerys", "Eirlys", "Ffion", "Gwen",
    "Heledd", "Lleucu", "Nerys", "Rhian", "Seren", "Tegan", "Kyle", "Jordan", "Liam", "Chloe",
]  # fmt: skip
FAMILY = [
    "Bevan", "Davies", "Evans", "Griffiths", "Harries", "Hopkins", "Jenkins", "Jones", "Llewellyn",
    "Lloyd", "Morgan", "Owen", "Parry", "Phillips", "Powell", "Price", "Rees", "Richards",
    "Thomas", "Walters", "Watkins", "Williams",
]  # fmt: skip
TRIGGERS = [
    ("theft", 40), ("burglary", 12), ("handling", 6), ("robbery", 3), ("going_equipped", 3),
    ("taking_conveyance", 4), ("fraud", 5), ("mda_possession", 15), ("mda_possession_intent", 6),
    ("attempted_theft", 3), ("begging", 1),
]  # fmt: skip
OFFENCE_WORDS = {
    "theft": "Theft from a shop",
    "burglary": "Burglary of a dwelling",
    "handling": "Handling stolen goods",
    "robbery": "Robbery",
    "going_equipped": "Going equipped for theft",
    "taking_conveyance": "Taking a vehicle without consent",
    "fraud": "Fraud by false representation (bank card)",
    "mda_possession": "Possession of a Class A drug (cocaine)",
    "mda_possession_intent": "Possession with intent to supply a Class A drug (heroin)",
    "attempted_theft": "Attempted theft from a motor vehicle",
    "begging": "Begging",
}


# The clock ------------------------------------------------------------------------

_real_now = timezone.now


def _fields_defaulting_to_now() -> list[django_models.Field[Any, Any]]:
    from django.apps import apps

    return [
        model_field
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if model_field.default is _real_now
    ]


@contextmanager
def demo_clock(moment: datetime) -> Iterator[None]:
    """Make Django's clock (and every `default=timezone.now`) say `moment` for a while."""
    fields = _fields_defaulting_to_now()

    def frozen() -> datetime:
        return moment

    for model_field in fields:
        model_field.default = frozen
        model_field.__dict__.pop("_get_default", None)  # a cached_property of the old default
    timezone.now = frozen
    try:
        yield
    finally:
        timezone.now = _real_now
        for model_field in fields:
            model_field.default = _real_now
            model_field.__dict__.pop("_get_default", None)


# The year ---------------------------------------------------------------------------


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class Cast:
    officer: User
    inspector: User
    workers: dict[str, User]
    services: dict[str, Service]
    suites: dict[str, Organisation]


class Year:
    """Schedules each case's steps and plays them back in time order."""

    def __init__(self, cast: Cast, *, end: datetime, rng: random.Random) -> None:
        self.cast, self.end, self.rng = cast, end, rng
        self.queue: list[Step] = []
        self.counter = itertools.count()
        self.people: list[Person] = []
        self.tests = 0
        # Tests whose person misses the assessment and whose breach waits for the inspector.
        self.missing: set[Any] = set()

    def at(self, moment: datetime, run: Callable[[], object]) -> None:
        if moment <= self.end:
            heapq.heappush(self.queue, Step(moment, next(self.counter), run))

    def play(self) -> None:
        while self.queue:
            step = heapq.heappop(self.queue)
            with demo_clock(step.at):
                step.run()

    # People --------------------------------------------------------------------

    def person(self, moment: datetime, *, young: bool = False) -> Person:
        """A new person, or (one time in five) someone tested before."""
        if self.people and not young and self.rng.random() < 0.2:
            return self.rng.choice(self.people)
        today = moment.date()
        age = self.rng.randint(15, 17) if young else self.rng.choice(range(18, 58))
        born = today - timedelta(days=age * 365 + self.rng.randint(30, 330))
        index = len(self.people) + 1
        person = people.person_create(
            actor=self.cast.officer,
            given_name=self.rng.choice(GIVEN),
            family_name=self.rng.choice(FAMILY),
            date_of_birth=born,
            gender=self.rng.choice(["male", "male", "male", "female", "female"]),
            confirmed_new=True,
        )
        people.contact_route_add(
            actor=self.cast.officer,
            person_id=person.pk,
            kind="phone",
            use="mobile",
            values={"phone": _drama_number(index)},
            is_preferred=True,
        )
        if not young:
            self.people.append(person)
        return person

    def release_address(self, person: Person) -> None:
        if person.contact_routes.filter(use="release", ended_at__isnull=True).exists():
            return
        people.contact_route_add(
            actor=self.cast.officer,
            person_id=person.pk,
            kind="address",
            use="release",
            values={
                "address_line_1": f"{self.rng.randint(1, 80)} Heol y Dŵr",
                "town": "Llanelli",
                "postcode": "SA15 1AB",
            },
        )

    # One case ---------------------------------------------------------------------

    def case(
        self,
        slug: str,
        moment: datetime,
        *,
        imposed: bool = False,
        missed: bool = False,
        rejected: bool = False,
    ) -> None:
        """One arrest and what follows; `imposed` makes it a positive test with an RA imposed,
        `missed` (with `imposed`) one whose person misses it, the breach not yet decided,
        `rejected` (with `imposed`) one whose referral the service rejects before the
        assessment, which cancels its appointment."""
        rng = self.rng
        suite = self.cast.suites[slug]
        young = rng.random() < 0.03 and not imposed
        person = self.person(moment, young=young)
        if rng.random() < 0.85:
            self.release_address(person)  # the rest are found missing at the first try
        authorised = rng.random() < 0.12
        trigger = "" if authorised else _weighted(rng, TRIGGERS)
        positive = rng.random() < 0.56 or imposed
        refused = rng.random() < 0.04 and not imposed
        cocaine = positive and rng.random() < 0.75
        opiates = positive and (not cocaine or rng.random() < 0.3)
        arrested = moment - timedelta(hours=rng.randint(2, 6))
        charged = young or rng.random() < 0.1
        self.tests += 1
        number = f"{slug.split('-')[1][:2].upper()}/{self.tests:05d}/{moment:%y}"
        values: dict[str, Any] = {
            "actor": self.cast.officer,
            "person_id": person.pk,
            "custody_suite_id": suite.pk,
            "custody_record_number": number,
            "arrested_at": arrested,
            "offences": OFFENCE_WORDS.get(trigger, "Assault occasioning actual bodily harm"),
            "condition": "charge" if charged else "arrest",
            "charged_at": moment - timedelta(hours=1) if charged else None,
            "trigger_offence": trigger,
            "class_a_confirmed": trigger.startswith("mda"),
            "warning_given": True,
            "appropriate_adult": "Parent (appropriate adult)" if young else "",
            "outcome": "refused" if refused else "tested",
            "sample_taken_at": None if refused else moment,
            "results": {
                "cocaine": "positive" if cocaine else "negative",
                "opiates": "positive" if opiates else "negative",
            },
        }
        if authorised:
            values.update(
                authorising_inspector="Insp. Sian Howells",
                authorising_rank="inspector",
                authorisation_grounds="Said they had used crack cocaine before the offence.",
                authorised_at=arrested + timedelta(hours=1),
                told_of_authorisation=True,
            )
        disputed = positive and not refused and rng.random() < 0.04 and not imposed
        if disputed:
            values.update(disputed=True, confirmatory_sent_at=moment + timedelta(hours=2))
        test = drug_testing.drug_test_record(**values)
        if missed:
            self.missing.add(test.pk)
        if refused:
            self.at(moment + timedelta(days=rng.randint(1, 5)), lambda: self.refusal_done(test))
            return
        if not positive or young:
            return
        if disputed:
            sent = moment + timedelta(hours=2)
            confirmed = rng.random() < 0.7
            answer_at = _working_moment(add_working_days(sent.date(), rng.randint(3, 5)), 11)
            self.at(answer_at, lambda: self.confirmation(test, confirmed))
            if not confirmed:
                return
            earliest = add_working_days(sent.date(), 5)
            after_answer = add_working_days(answer_at.date(), rng.randint(1, 2))
            appointment = _working_moment(max(earliest, after_answer), 10)
            self.at(answer_at + timedelta(hours=1), lambda: self.impose(test, slug, appointment))
            return
        if rng.random() < 0.82 or imposed:
            day = add_working_days(moment.date(), rng.randint(1, 4))
            if day > moment.date() + timedelta(days=6):  # holidays: keep within the window
                day = add_working_days(moment.date(), 1)
            appointment = _working_moment(day, rng.choice([10, 11, 14, 15]))
            self.at(
                moment + timedelta(minutes=40),
                lambda: self.impose(test, slug, appointment, vary=imposed, rejected=rejected),
            )

    def refusal_done(self, test: DrugTest) -> None:
        task = test.tasks.filter(done_at__isnull=True).first()
        if task is not None and self.rng.random() < 0.8:
            drug_testing.task_complete(
                actor=self.cast.officer, task_id=task.pk, note="Charged with refusing a sample."
            )

    def confirmation(self, test: DrugTest, confirmed: bool) -> None:
        test.refresh_from_db()
        drug_testing.drug_test_confirmation_record(
            actor=self.cast.officer,
            test_id=test.pk,
            confirmed=confirmed,
            received_at=timezone.now(),
            expected_version=test.version,
        )

    def impose(
        self,
        test: DrugTest,
        slug: str,
        appointment: datetime,
        *,
        vary: bool = False,
        rejected: bool = False,
    ) -> None:
        """Impose the initial assessment (RA1); now and then it is moved (RA2) soon after."""
        _count, provider, place = SUITES[slug]
        arguments: dict[str, Any] = {
            "actor": self.cast.officer,
            "test_id": test.pk,
            "service_id": self.cast.services[provider].pk,
            "appointment_at": appointment,
            "place": place,
        }
        try:
            assessment = drug_testing.required_assessment_impose(**arguments)
        except referrals.ContactDetailsIncomplete:
            # The officer asks for the release address and tries again.
            self.release_address(test.person)
            assessment = drug_testing.required_assessment_impose(**arguments)
        worker = self.cast.workers[provider]
        if rejected:
            # The service finds the person lives outside its area: rejecting the referral
            # cancels the appointment, and the officer who imposed it gets a task.
            self.at(
                timezone.now() + timedelta(minutes=20),
                lambda: referrals.referral_reject(
                    actor=worker,
                    referral_id=assessment.referral_id,
                    reason="Lives outside our area: please refer to the service where they live.",
                ),
            )
            return
        rng = self.rng
        self.at(
            timezone.now() + timedelta(hours=rng.randint(1, 20)),
            lambda: self.accept(assessment.referral_id, worker),
        )
        self.at(
            timezone.now() + timedelta(hours=rng.randint(21, 40)),
            lambda: self.contact(assessment.referral_id, worker),
        )
        if vary or rng.random() < 0.06:
            # The person has a court hearing at that time: the officer moves the appointment.
            moved = _working_moment(add_working_days(appointment.date(), 1), 14)
            self.at(
                timezone.now() + timedelta(minutes=20),
                lambda: self.vary(assessment.pk, moved, place),
            )
            appointment = moved
        self.at(appointment + timedelta(minutes=50), lambda: self.attend(assessment.pk, worker))

    def vary(self, assessment_id: Any, appointment: datetime, place: str) -> None:
        from pont.drug_testing.models import RequiredAssessment

        assessment = RequiredAssessment.objects.get(pk=assessment_id)
        drug_testing.required_assessment_vary(
            actor=self.cast.officer,
            assessment_id=assessment_id,
            appointment_at=appointment,
            place=place,
            expected_version=assessment.version,
        )

    def accept(self, referral_id: Any, worker: User) -> None:
        if Referral.objects.filter(pk=referral_id, status="requested").exists():
            referrals.referral_accept(
                actor=worker, referral_id=referral_id, already_known=self.rng.random() < 0.35
            )

    def contact(self, referral_id: Any, worker: User) -> None:
        referral = Referral.objects.get(pk=referral_id)
        if referral.status not in ("accepted", "in-progress"):
            return
        referrals.contact_attempt_log(
            actor=worker,
            referral_id=referral_id,
            method=self.rng.choice(["phone", "text"]),
            attempted_at=timezone.now(),
            result=self.rng.choice(["reached", "reached", "no_answer"]),
        )

    def attend(self, assessment_id: Any, worker: User, *, follow_up: bool = False) -> None:
        from pont.drug_testing.models import RequiredAssessment

        assessment = RequiredAssessment.objects.get(pk=assessment_id)
        self.accept(assessment.referral_id, worker)
        appointment = (
            assessment.follow_up_appointment if follow_up else assessment.initial_appointment
        )
        assert appointment is not None  # noqa: S101 - scheduled with its appointment
        roll = self.rng.random()
        attendance = "attended" if roll < 0.7 else "did_not_attend" if roll < 0.9 else "left_early"
        awaiting = assessment.test_id in self.missing and not follow_up
        if awaiting:
            attendance = "did_not_attend"
        referrals.attendance_record(
            actor=worker,
            referral_id=assessment.referral_id,
            appointment_id=appointment.pk,
            attendance=attendance,
        )
        referral_id = assessment.referral_id
        if attendance != "attended":
            if awaiting:
                return  # the inspector has not decided yet
            self.at(
                timezone.now() + timedelta(days=self.rng.randint(2, 9)),
                lambda: self.decide(assessment_id),
            )
            # The provider closes the referral once the person stays away.
            gone = "dna_before_treatment" if follow_up else "dna_before_assessment"
            self.close_later(referral_id, worker, (20, 45), [(gone, 1)])
            return
        if follow_up:
            if self.rng.random() < 0.4:
                started = timezone.now() + timedelta(days=self.rng.randint(7, 20))
                self.at(
                    started,
                    lambda: referrals.treatment_start(
                        actor=worker,
                        referral_id=referral_id,
                        started_at=timezone.now() - timedelta(hours=1),
                    ),
                )
                ended = (
                    ("planned_complete", 40),
                    ("planned_substance_free", 15),
                    ("planned_gp_prescribing", 20),
                    ("dna_during_treatment", 25),
                )
                self.close_later(referral_id, worker, (40, 120), list(ended), after=started)
            else:
                # A planned closure needs treatment to have started (the engine's rule).
                self.close_later(referral_id, worker, (10, 30), [("client_declined", 1)])
            return
        assessment.refresh_from_db()
        if self.rng.random() < 0.6:
            when = _working_moment(
                add_working_days(timezone.localdate(), self.rng.randint(5, 10)), 10
            )
            drug_testing.follow_up_require(
                actor=worker,
                assessment_id=assessment_id,
                appointment_at=when,
                place=appointment.place,
            )
            self.at(
                when + timedelta(minutes=50),
                lambda: self.attend(assessment_id, worker, follow_up=True),
            )
        else:
            drug_testing.follow_up_cease(actor=worker, assessment_id=assessment_id)
            # The assessment found no need of treatment, or the person wants none.
            assessed = [("inappropriate_referral", 40), ("client_declined", 60)]
            self.close_later(referral_id, worker, (3, 15), assessed)

    def close_later(
        self,
        referral_id: Any,
        worker: User,
        days: tuple[int, int],
        reasons: list[tuple[str, int]],
        *,
        after: datetime | None = None,
    ) -> None:
        """The provider closes the referral some days on (if it is still open then): a year
        of referrals does not leave every one open."""
        when = (after or timezone.now()) + timedelta(days=self.rng.randint(*days))
        reason = _weighted(self.rng, reasons)
        self.at(when, lambda: close_if_open(referral_id, worker, reason))

    def decide(self, assessment_id: Any) -> None:
        from pont.drug_testing.models import BreachCase

        for breach in BreachCase.objects.filter(assessment_id=assessment_id, decision=""):
            roll = self.rng.random()
            decision = "charge" if roll < 0.4 else "nfa" if roll < 0.85 else "other"
            reason = {
                "charge": "No good cause given for failing to attend; charged under the Drugs "
                "Act 2005.",
                "nfa": "Attended the rearranged appointment with the provider; not in the public "
                "interest.",
                "other": "Community resolution agreed with the custody inspector.",
            }[decision]
            decided = drug_testing.breach_decide(
                actor=self.cast.inspector,
                breach_id=breach.pk,
                decision=decision,
                reason=reason,
                expected_version=breach.version,
            )
            if decision == "charge":
                self.at(
                    timezone.now() + timedelta(days=self.rng.randint(20, 60)),
                    functools.partial(self.court, decided.pk),
                )

    def court(self, breach_id: Any) -> None:
        from pont.drug_testing.models import BreachCase

        breach = BreachCase.objects.get(pk=breach_id)
        result = _weighted(
            self.rng, [("convicted", 6), ("withdrawn", 2), ("acquitted", 1), ("other", 1)]
        )
        drug_testing.breach_court_result_record(
            actor=self.cast.inspector,
            breach_id=breach.pk,
            result=result,
            on=timezone.localdate(),
            note="Llanelli Magistrates' Court" if result == "convicted" else "",
            expected_version=breach.version,
        )

    def quality(self, month: date) -> None:
        sample = drug_testing.qa_sample_draw(actor=self.cast.inspector, month=month)
        for review in sample.reviews.all():
            roll = self.rng.random()
            finding = "compliant" if roll < 0.8 else "minor" if roll < 0.95 else "serious"
            drug_testing.qa_review_record(
                actor=self.cast.inspector,
                review_id=review.pk,
                finding=finding,
                notes=""
                if finding == "compliant"
                else "Grounds for the authorisation not recorded in the custody record.",
            )


def _drama_number(index: int) -> str:
    """A unique number from Ofcom's ranges for drama (valid, but never anyone's)."""
    prefix = ["0117 496 0", "0113 496 0", "0121 496 0", "0161 496 0"][index // 1000 % 4]
    return f"{prefix}{index % 1000:03d}"


def close_if_open(referral_id: Any, worker: User, reason: str) -> bool:
    """The provider closes a referral it is still working, unless an attendance waits to be
    recorded (then it leaves it open, as the engine would refuse); whether it closed it."""
    referral = Referral.objects.get(pk=referral_id)
    if referral.status not in (Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS):
        return False
    if referrals.pending_appointments(referral).started:
        return False
    referrals.referral_close(actor=worker, referral_id=referral_id, closure_reason=reason)
    return True


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _working_moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON)


def load_custody_year(users: dict[str, User], *, months: int = 12) -> int:
    """A year of tests and what followed, once; returns how many tests were recorded."""
    if DrugTest.objects.exists():
        return 0
    suites = {o.slug: o for o in Organisation.objects.filter(slug__in=SUITES)}
    start_of_year = date(2019, 4, 1)  # the arrangements the demo relies on were notified then
    for suite in suites.values():
        SuiteArrangement.objects.get_or_create(
            suite=suite,
            effective_from=start_of_year,
            defaults={"source": "Home Office notification to Dyfed-Powys Police (demo)"},
        )
    services = {
        slug: Service.objects.filter(
            organization__pont_organisation__slug=slug, accepts_referrals=True
        )
        .order_by("name")
        .first()
        for slug in ("ddas", "kaleidoscope")
    }
    cast = Cast(
        officer=users["custody"],
        inspector=users["inspector"],
        workers={"ddas": users["provider"], "kaleidoscope": users["providerb"]},
        services={k: v for k, v in services.items() if v is not None},
        suites=suites,
    )
    now = _real_now()
    year = Year(cast, end=now - timedelta(minutes=5), rng=random.Random(SEED))  # noqa: S311 - a repeatable demo
    first = (timezone.localdate() - timedelta(days=30 * months)).replace(day=1)
    day = first
    while day < timezone.localdate():
        for slug, (per_month, _provider, _place) in SUITES.items():
            if year.rng.random() < per_month / 30:
                hour = year.rng.choice([1, 3, 9, 11, 14, 16, 19, 22])
                moment = datetime.combine(day, time(hour, year.rng.randint(0, 59)), tzinfo=LONDON)
                if moment < now - timedelta(hours=1):
                    year.at(moment, functools.partial(year.case, slug, moment))
        if day.day == 1 and day > first:
            previous = (day - timedelta(days=1)).replace(day=1)
            year.at(
                datetime.combine(day + timedelta(days=6), time(9, 30), tzinfo=LONDON),
                functools.partial(year.quality, previous),
            )
        day += timedelta(days=1)
    # This morning's arrest: an assessment still to come, whatever the dice said above.
    this_morning = now - timedelta(hours=3)
    year.at(
        this_morning, functools.partial(year.case, "custody-llanelli", this_morning, imposed=True)
    )
    # A fortnight ago: an assessment missed, its breach awaiting the inspector's decision,
    # whatever the dice and the hour (without it, whether one is waiting depended on when
    # the demo was loaded). The appointment falls within the week after (see `case`).
    fortnight_ago = now - timedelta(days=14)
    year.at(
        fortnight_ago,
        functools.partial(year.case, "custody-brecon", fortnight_ago, imposed=True, missed=True),
    )
    # Two hours ago: an assessment whose referral the service rejected before it took place
    # (its appointment cancelled with it, the officer given a task), whatever the dice.
    two_hours_ago = now - timedelta(hours=2)
    year.at(
        two_hours_ago,
        functools.partial(
            year.case, "custody-llanelli", two_hours_ago, imposed=True, rejected=True
        ),
    )
    year.play()
    return year.tests
