"""A year of out-of-court disposals (Pathfinder) across the four counties of Dyfed-Powys.

The year, and the quarter before it: the dashboard's reoffending figure follows
each disposal for twelve months, so it counts only those issued a year ago or
more, and some of their people are back for another disposal in the year.

Every disposal is made through the services, in the order things happen, with
Django's clock set to the moment of each step (`demo_clock`, as the custody
year does): the officer records the decision and its conditions, the inspector
authorises it (now and then returns it first), the officer issues it and its
conditions' referrals go to the treatment provider of the county; the provider
accepts, tries to reach the person, books and records the appointment and
closes the referral; the officer records the conditions they check themselves,
decides breaches and clears their tasks; the overdue-conditions job runs each
working morning before today. So the dates of decision, the records' creation, the
submitted, authorised and issued times, the referrals' steps and timelines,
the condition deadlines (working days from the day of the decision, as the
service sets them) and the audit trail all carry the dates of a real year,
and nothing needs updating afterwards.

The mix: mostly community resolutions for low-gravity offences (possession of
cannabis, shop theft, drunk and disorderly), conditional cautions at gravity 3
with a drug or alcohol assessment at the treatment provider, Outcome 22
diversions with a drug awareness course, a few decisions other than Pont's
recommendation (with the officer's reason), victims' views of every kind, and
some people back for a second disposal within the year. Most conditions are
done; some fail and the officer decides the breach (prosecution, no further
action, or more time).

Then, whatever the dice said, the walk-through of docs/disposals-demo.md: the
front-line officer persona's conditional caution authorised and ready to issue,
one awaiting the inspector, one issued whose condition passed its deadline on
the last working day (the overdue job, which `pont up` runs at once, raises the
officer's task), one breached awaiting the breach decision, one just issued
whose referral waits at the provider, and one draft; and the custody officer's
caution whose assessment the provider has booked for the days ahead.

Every notice is the real one (WeasyPrint), as issuing makes it. The people are
invented; their phone numbers are in Ofcom's drama ranges (landlines: the phone
library rejects the drama mobile range, and a referral needs a number that
parses), their addresses invented with postcodes of each county's form.
"""

import functools
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from pont.accounts.models import Organisation, User
from pont.core.working_days import add_working_days, is_working_day, working_days_between
from pont.directory.models import Service
from pont.disposals import services as disposals
from pont.disposals.models import Disposal, DisposalCondition, DisposalTask, ScrutinySample
from pont.disposals.scrutiny_services import (
    scrutiny_review_record,
    scrutiny_sample_close,
    scrutiny_samples_draw_due,
)
from pont.people import services as people
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Appointment, Referral

from .custody import FAMILY, GIVEN, LONDON, close_if_open, demo_clock

SEED = 20191101  # Pathfinder's launch in Dyfed-Powys
COUNT = 130  # disposals over the last year, before the walk-through's own
# And a fifth as many in the quarter before: the reoffending figure follows each disposal for
# a year, so it counts only those issued a year ago or more.
EARLIER_DAYS = 91

Status = Disposal.Status
Decision = Disposal.BreachDecision
Views = Disposal.VictimViews
SERVICE_CONDITIONS = frozenset({"drug_assessment", "alcohol_assessment", "drug_awareness_course"})


@dataclass(frozen=True)
class County:
    weight: int
    provider: str  # the treatment provider's slug
    place: str  # where its appointments are
    towns: tuple[tuple[str, str, str], ...]  # (town, street, postcode)


# Where each provider sees people sent from outside the county it usually serves.
PROVIDER_PLACES = {
    "ddas": "DDAS Aberystwyth, 3 Ffordd y Môr, Aberystwyth SY23 1DX",
    "kaleidoscope": "Kaleidoscope, The Old School, Ffordd Hafren, Newtown SY16 2AB",
}

COUNTIES = {
    "carmarthenshire": County(
        34,
        "ddas",
        "DDAS Llanelli, Unit 2, Heol y Bont, Llanelli SA15 3AB",
        (
            ("Llanelli", "Heol y Dŵr", "SA15 1AB"),
            ("Carmarthen", "Heol y Prior", "SA31 1DP"),
            ("Ammanford", "Wind Street", "SA18 3DN"),
        ),
    ),
    "ceredigion": County(
        20,
        "ddas",
        "DDAS Aberystwyth, 3 Ffordd y Môr, Aberystwyth SY23 1DX",
        (
            ("Aberystwyth", "Ffordd y Gogledd", "SY23 2EE"),
            ("Lampeter", "Bridge Street", "SA48 7HG"),
            ("Cardigan", "Pendre", "SA43 1JL"),
        ),
    ),
    "pembrokeshire": County(
        24,
        "ddas",
        "DDAS Haverfordwest, 5 Victoria Place, Haverfordwest SA61 2LH",
        (
            ("Haverfordwest", "Dew Street", "SA61 1ST"),
            ("Pembroke Dock", "Dimond Street", "SA72 6JA"),
            ("Milford Haven", "Charles Street", "SA73 2HW"),
        ),
    ),
    "powys": County(
        22,
        "kaleidoscope",
        "Kaleidoscope, The Old School, Ffordd Hafren, Newtown SY16 2AB",
        (
            ("Newtown", "Broad Street", "SY16 2LU"),
            ("Brecon", "The Struet", "LD3 7LL"),
            ("Llandrindod Wells", "Middleton Street", "LD1 5DG"),
            ("Welshpool", "Berriew Street", "SY21 7SQ"),
        ),
    ),
}

SHOP_THEFTS = [
    ("a bottle of vodka", 1800),
    ("meat and cheese", 4200),
    ("two bottles of wine", 1600),
    ("razor blades", 3500),
    ("chocolate and coffee", 2400),
    ("perfume", 5800),
]
SHOPS = ["the Co-op", "Tesco", "Boots", "Aldi", "a corner shop", "Spar"]

OFFICER_DONE = {
    "apology": "Letter of apology seen and passed to the victim.",
    "compensation": "Paid in full at the station; the money has gone to the victim.",
    "repair": "The damage is put right; the owner confirmed it by phone.",
    "financial_penalty": "Paid in full.",
}
OFFICER_NOT_DONE = {
    "apology": "No letter by the deadline and no reason given.",
    "compensation": "Not paid by the deadline.",
    "repair": "The damage is still there; the owner has heard nothing.",
    "financial_penalty": "Not paid by the deadline.",
}


# The plans ----------------------------------------------------------------------------


@dataclass
class Wanted:
    """A condition to add, and how it will go: done, rejected (then sent to another
    service), dna_rebooked, dna_closed, dna_extended, failed, failed_extended; or, for the
    walk-through, waiting (the provider has not yet acted) and unreached (accepted, never
    reached)."""

    code: str
    fate: str = "done"
    details: str = ""
    amount_pence: int | None = None


@dataclass
class Plan:
    officer: str  # persona username
    county: str
    offences: list[tuple[str, str]]
    scheme: str
    victim_views: str = Views.NO_VICTIM
    victim_note: str = ""
    admission: bool = True
    aggravating: list[str] = field(default_factory=list)
    mitigating: list[str] = field(default_factory=list)
    reason: str = ""
    conditions: list[Wanted] = field(default_factory=list)
    repeat: bool = False  # someone with a disposal earlier in the year, when there is one
    returned: bool = False  # the inspector returns it once, asking for an apology
    stop: str = ""  # draft, submitted, authorised: the walk-through's stopping points
    decide: bool = True  # the officer decides a breach (not the walk-through's)
    person: tuple[str, str, int] | None = None  # given, family, age: the walk-through's people
    at: dict[str, datetime] = field(default_factory=dict)  # the walk-through's fixed times


def _service_fate(rng: random.Random, code: str) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "rejected"  # the person has moved: the officer sends it to the other provider
    if code == "drug_awareness_course":
        return "done" if roll < 0.8 else "dna_rebooked" if roll < 0.88 else "dna_closed"
    if roll < 0.76:
        return "done"
    return "dna_rebooked" if roll < 0.86 else "dna_closed" if roll < 0.94 else "dna_extended"


def _officer_fate(rng: random.Random) -> str:
    roll = rng.random()
    return "done" if roll < 0.86 else "failed" if roll < 0.93 else "failed_extended"


def _views(rng: random.Random, opposes_reason: str, who: str = "the victim") -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.6:
        return {
            "victim_views": Views.SUPPORTS,
            "victim_note": f"Spoke to {who}: content with an out-of-court disposal.",
        }
    if roll < 0.85:
        return {"victim_views": Views.NOT_OBTAINED, "victim_note": f"Three calls to {who}."}
    return {
        "victim_views": Views.OPPOSES,
        "victim_note": f"{who.capitalize()} wanted a prosecution.",
        "reason": opposes_reason,
    }


def _plan(rng: random.Random, kind: str, county: str, officer: str) -> Plan:
    """The facts and decision of one disposal of this kind, and how its conditions will go."""
    town = rng.choice(COUNTIES[county].towns)[0]
    o = _officer_fate
    s = _service_fate
    if kind == "cannabis":
        grams = rng.choice([1, 2, 2, 3, 4])
        roll = rng.random()
        conditions = (
            []
            if roll < 0.45
            else [Wanted("drug_awareness_course", s(rng, "drug_awareness_course"))]
            if roll < 0.85
            else [Wanted("drug_assessment", s(rng, "drug_assessment"))]
        )
        return Plan(
            officer,
            county,
            [("possession_class_b", f"About {grams} g of cannabis found in a search in {town}.")],
            "community_resolution",
            mitigating=["single_small_amount"] if rng.random() < 0.4 else [],
            conditions=conditions,
        )
    if kind == "shop_theft":
        item, pence = rng.choice(SHOP_THEFTS)
        shop = rng.choice(SHOPS)
        plan = Plan(
            officer,
            county,
            [("shop_theft", f"Took {item} (£{pence // 100}) from {shop} in {town}.")],
            "community_resolution",
            **_views(
                rng,
                "First offence, goods recovered and paid for: a community resolution is "
                "proportionate; the manager's view is recorded.",
                "the store manager",
            ),
        )
        if rng.random() < 0.6:
            plan.conditions.append(Wanted("apology", o(rng), "A letter to the store manager."))
        if rng.random() < 0.4:
            plan.conditions.append(
                Wanted("compensation", o(rng), "The goods not recovered.", pence)
            )
        if rng.random() < 0.2:
            plan.conditions.append(Wanted("drug_assessment", s(rng, "drug_assessment")))
        return plan
    if kind == "drunk":
        return Plan(
            officer,
            county,
            [("drunk_disorderly", f"Shouting and swearing at door staff in {town} town centre.")],
            "community_resolution",
            conditions=[Wanted("alcohol_assessment", s(rng, "alcohol_assessment"))]
            if rng.random() < 0.65
            else [],
        )
    if kind == "damage":
        plan = Plan(
            officer,
            county,
            [("criminal_damage", f"Kicked in the panel of a bus shelter in {town}.")],
            "community_resolution",
            **_views(
                rng,
                "The damage is small and will be repaired; no previous offences.",
                "the council",
            ),
        )
        plan.conditions.append(Wanted("repair", o(rng), "Pay for the new panel."))
        if rng.random() < 0.3:
            plan.conditions.append(Wanted("alcohol_assessment", s(rng, "alcohol_assessment")))
        return plan
    if kind == "section_5":
        plan = Plan(
            officer,
            county,
            [("harassment_alarm_distress", f"Abusive to a bus driver in {town}.")],
            "community_resolution",
            **_views(rng, "Apologised at the scene; no previous offences.", "the driver"),
        )
        plan.conditions.append(Wanted("apology", o(rng), "A letter to the driver."))
        return plan
    if kind == "common_assault":
        plan = Plan(
            officer,
            county,
            [("common_assault", f"Pushed a man over in a queue for a taxi in {town}.")],
            "community_resolution",
            **_views(rng, "No injury; the man pushed first by the witnesses' account."),
        )
        plan.conditions.append(Wanted("apology", o(rng), "A letter to the victim."))
        if rng.random() < 0.5:
            plan.conditions.append(Wanted("alcohol_assessment", s(rng, "alcohol_assessment")))
        return plan
    if kind == "abh":
        plan = Plan(
            officer,
            county,
            [("actual_bodily_harm", f"Punched a man outside a pub in {town}; cut lip.")],
            "conditional_caution",
            **_views(
                rng,
                "The injury is minor and the conditions address the drinking behind it; the "
                "victim's wish is weighed and recorded.",
            ),
        )
        code = "alcohol_assessment" if rng.random() < 0.7 else "drug_assessment"
        plan.conditions.append(Wanted(code, s(rng, code)))
        if rng.random() < 0.5:
            pounds = rng.choice([50, 75, 100, 150, 250])
            plan.conditions.append(Wanted("compensation", o(rng), "For the injury.", pounds * 100))
        elif rng.random() < 0.2:
            plan.conditions.append(Wanted("financial_penalty", o(rng), "", 5000))
        return plan
    if kind == "class_a_repeat":
        drug = rng.choice(["cocaine", "cocaine", "crack cocaine", "heroin"])
        return Plan(
            officer,
            county,
            [("possession_class_a", f"Two wraps of {drug} found in a search in {town}.")],
            "conditional_caution",
            aggravating=["relevant_previous"],
            conditions=[Wanted("drug_assessment", s(rng, "drug_assessment"), f"Use of {drug}.")],
            repeat=rng.random() < 0.5,  # else the previous offending is not a disposal
        )
    if kind == "theft_on_bail":
        return Plan(
            officer,
            county,
            [("theft", f"Took a bicycle from a garden in {town} while on bail.")],
            "conditional_caution",
            **_views(rng, "The bicycle was returned undamaged; the owner's view is recorded."),
            aggravating=["on_bail"],
            conditions=[
                Wanted("drug_assessment", s(rng, "drug_assessment"), "Says they stole for drugs."),
                Wanted("compensation", o(rng), "For the lock.", 2500),
            ],
        )
    if kind == "diversion":
        code = rng.choice(["possession_class_b", "possession_class_b", "possession_class_a"])
        return Plan(
            officer,
            county,
            [(code, f"Drugs found in a car stopped in {town}; made no comment in interview.")],
            "outcome_22",
            admission=False,
            conditions=[Wanted("drug_awareness_course", s(rng, "drug_awareness_course"))],
        )
    if kind == "diversion_chosen":
        return Plan(
            officer,
            county,
            [("possession_class_a", f"One wrap of cocaine found in a search in {town}.")],
            "outcome_22",
            mitigating=["single_small_amount"],
            reason="Pathfinder drugs diversion: a personal amount and a first time; the course "
            "addresses the use, and the prosecution stays deferred until it is done.",
            conditions=[Wanted("drug_awareness_course", s(rng, "drug_awareness_course"))],
        )
    if kind == "abh_lower":
        return Plan(
            officer,
            county,
            [("actual_bodily_harm", f"Slapped her partner's brother at a party in {town}.")],
            "community_resolution",
            victim_views=Views.SUPPORTS,
            victim_note="Wants an apology and nothing more.",
            reason="The victim asked only for an apology; a bruise, a first offence, and "
            "the family reconciled: the lower tier is enough.",
            conditions=[Wanted("apology", o(rng), "A letter to the victim.")],
        )
    if kind == "theft_upper":
        item, pence = rng.choice(SHOP_THEFTS)
        return Plan(
            officer,
            county,
            [("shop_theft", f"Took {item} from {rng.choice(SHOPS)} in {town}.")],
            "conditional_caution",
            victim_views=Views.SUPPORTS,
            victim_note="The manager wants the thefts to stop.",
            aggravating=["relevant_previous"],
            reason="The fourth shop theft this year, each to pay for drugs: conditions that "
            "reach the drug use, with prosecution if they are not done, are needed.",
            conditions=[
                Wanted("drug_assessment", s(rng, "drug_assessment")),
                Wanted("compensation", o(rng), "The goods.", pence),
            ],
            repeat=rng.random() < 0.5,
        )
    raise ValueError(kind)


# kind -> weight (about 70% community resolutions, 20% conditional cautions, 10% Outcome 22)
KINDS = {
    "cannabis": 22,
    "shop_theft": 18,
    "drunk": 14,
    "damage": 7,
    "section_5": 5,
    "common_assault": 6,
    "abh": 10,
    "class_a_repeat": 8,
    "theft_on_bail": 4,
    "diversion": 9,
    "diversion_chosen": 3,
    "abh_lower": 2,
    "theft_upper": 2,
}
REPEATABLE = ("shop_theft", "drunk", "class_a_repeat", "theft_upper")


# Times -------------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _working_after(moment: datetime, hours: float, rng: random.Random) -> datetime:
    """The first moment in office hours (09:00-17:00, working days) `hours` after `moment`."""
    then = (moment + timedelta(hours=hours)).astimezone(LONDON)
    if is_working_day(then.date()) and 9 <= then.hour < 17:
        return then
    day = then.date()
    if not is_working_day(day) or then.hour >= 17:
        day = add_working_days(day, 1)
    return _at(day, 9, rng.randint(0, 50))


def _on_shift(moment: datetime, hours: float, rng: random.Random) -> datetime:
    """An officer's moment `hours` after `moment`, between 08:00 and 22:00."""
    then = (moment + timedelta(hours=hours)).astimezone(LONDON)
    if 8 <= then.hour < 22:
        return then
    day = then.date() + timedelta(days=1 if then.hour >= 22 else 0)
    return _at(day, 8, rng.randint(0, 50))


# The year ------------------------------------------------------------------------------


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class Cast:
    officers: dict[str, User]
    inspector: User
    workers: dict[str, User]  # provider slug -> worker
    services: dict[str, Service]  # provider slug -> its drug and alcohol service
    areas: dict[str, Organisation]


class Pathfinder:
    """Schedules each disposal's steps and plays them back in time order."""

    def __init__(self, cast: Cast, *, end: datetime, rng: random.Random) -> None:
        self.cast, self.end, self.rng = cast, end, rng
        self.queue: list[Step] = []
        self.counter = itertools.count()
        self.people: list[tuple[Person, str, datetime]] = []  # person, county, first decision
        self.plans: dict[Any, Plan] = {}  # disposal id -> its plan
        self.fates: dict[int, str] = {}  # condition id -> how it goes
        self.providers: dict[int, str] = {}  # condition id -> its provider, when not the county's
        self.closed_breaches = itertools.count()  # breaches over a referral the service closed
        self.created = 0
        self.clock: datetime | None = None  # the moment of the step being played

    def at(self, moment: datetime, run: Callable[[], object]) -> None:
        if self.clock is not None and moment <= self.clock:
            moment = self.clock + timedelta(minutes=1)  # never back in time
        if moment <= self.end:
            heapq.heappush(self.queue, Step(moment, next(self.counter), run))

    def play(self) -> None:
        while self.queue:
            step = heapq.heappop(self.queue)
            self.clock = step.at
            with demo_clock(step.at):
                step.run()

    def now(self) -> datetime:
        return timezone.now()

    # People --------------------------------------------------------------------------

    def person(self, plan: Plan) -> Person:
        """Someone back for a second disposal, when the plan says so and there is one; else
        a new person with a way to reach them."""
        now = self.now()
        if plan.repeat:
            earlier = [(p, c) for p, c, first in self.people if first < now - timedelta(days=21)]
            chosen = [p for p, c in earlier if c == plan.county] or [p for p, _c in earlier]
            if chosen:
                return self.rng.choice(chosen)
        rng = self.rng
        if plan.person is not None:
            given, family, age = plan.person
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            age = 18 + int(rng.betavariate(1.6, 4.0) * 44)
        born = now.date() - timedelta(days=age * 365 + rng.randint(20, 340))
        officer = self.cast.officers[plan.officer]
        person = people.person_create(
            actor=officer,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=rng.choice(["male", "male", "male", "female", "female"]),
            preferred_language="cy" if rng.random() < 0.2 else "en",
            confirmed_new=True,
        )
        index = len(self.people)
        roll = rng.random()
        if roll < 0.85:
            people.contact_route_add(
                actor=officer,
                person_id=person.pk,
                kind="phone",
                use="home",
                values={"phone": _drama_number(index)},
                is_preferred=True,
            )
        if roll > 0.7:
            town, street, postcode = rng.choice(COUNTIES[plan.county].towns)
            people.contact_route_add(
                actor=officer,
                person_id=person.pk,
                kind="address",
                use="home",
                values={
                    "address_line_1": f"{rng.randint(1, 90)} {street}",
                    "town": town,
                    "postcode": postcode,
                },
                is_preferred=roll >= 0.85,
            )
        self.people.append((person, plan.county, now))
        return person

    # The police side -------------------------------------------------------------------

    def disposal(self, disposal_id: Any) -> Disposal:
        return Disposal.objects.select_related("scheme").get(pk=disposal_id)

    def record(self, plan: Plan) -> None:
        officer = self.cast.officers[plan.officer]
        person = self.person(plan)
        today = timezone.localdate()
        disposal = disposals.disposal_record(
            actor=officer,
            person_id=person.pk,
            area_id=self.cast.areas[plan.county].pk,
            offences=plan.offences,
            offence_date=today - timedelta(days=self.rng.choice([0, 0, 1, 2, 5, 9, 16])),
            admission=plan.admission,
            evidential_test_met=True,
            victim_views=plan.victim_views,
            victim_views_note=plan.victim_note,
            aggravating=plan.aggravating,
            mitigating=plan.mitigating,
            scheme_code=plan.scheme,
            decision_reason=plan.reason,
        )
        self.created += 1
        self.plans[disposal.pk] = plan
        service = self.cast.services[COUNTIES[plan.county].provider]
        for wanted in plan.conditions:
            self.add(disposal.pk, wanted, service)
        if plan.stop != "draft":
            moment = plan.at.get("submitted") or self.now() + timedelta(
                minutes=self.rng.randint(10, 40)
            )
            self.at(moment, functools.partial(self.submit, disposal.pk))

    def add(self, disposal_id: Any, wanted: Wanted, service: Service) -> None:
        plan = self.plans[disposal_id]
        condition = disposals.condition_add(
            actor=self.cast.officers[plan.officer],
            disposal_id=disposal_id,
            condition_type_code=wanted.code,
            expected_version=self.disposal(disposal_id).version,
            details=wanted.details,
            amount_pence=wanted.amount_pence,
            service_id=service.pk if wanted.code in SERVICE_CONDITIONS else None,
        )
        self.fates[condition.pk] = wanted.fate

    def submit(self, disposal_id: Any) -> None:
        plan = self.plans[disposal_id]
        disposals.disposal_submit(
            actor=self.cast.officers[plan.officer],
            disposal_id=disposal_id,
            expected_version=self.disposal(disposal_id).version,
        )
        if plan.stop == "submitted":
            return
        moment = plan.at.get("authorised") or _working_after(
            self.now(), self.rng.uniform(0.5, 20), self.rng
        )
        self.at(moment, functools.partial(self.authorise, disposal_id))

    def authorise(self, disposal_id: Any) -> None:
        plan = self.plans[disposal_id]
        if plan.returned:
            plan.returned = False
            disposals.disposal_authorise(
                actor=self.cast.inspector,
                disposal_id=disposal_id,
                approve=False,
                note="The victim asked for an apology: add it as a condition, then send it back.",
                expected_version=self.disposal(disposal_id).version,
            )
            self.at(_on_shift(self.now(), 20, self.rng), functools.partial(self.amend, disposal_id))
            return
        disposals.disposal_authorise(
            actor=self.cast.inspector,
            disposal_id=disposal_id,
            approve=True,
            expected_version=self.disposal(disposal_id).version,
        )
        if plan.stop == "authorised":
            return
        moment = plan.at.get("issued") or _on_shift(self.now(), self.rng.uniform(1, 30), self.rng)
        self.at(moment, functools.partial(self.issue, disposal_id))

    def amend(self, disposal_id: Any) -> None:
        """The officer adds the apology the inspector asked for and sends it back."""
        plan = self.plans[disposal_id]
        wanted = Wanted("apology", _officer_fate(self.rng), "A letter to the victim.")
        self.add(disposal_id, wanted, self.cast.services[COUNTIES[plan.county].provider])
        self.submit(disposal_id)

    def issue(self, disposal_id: Any) -> None:
        plan = self.plans[disposal_id]
        disposal = disposals.disposal_issue(
            actor=self.cast.officers[plan.officer],
            disposal_id=disposal_id,
            agreement_confirmed=True,
            expected_version=self.disposal(disposal_id).version,
        )
        for condition in disposal.conditions.select_related("condition_type"):
            if condition.referral_id is not None:
                self.provider_story(condition, plan)
            else:
                self.officer_story(condition, plan)

    def officer_story(
        self, condition: DisposalCondition, plan: Plan, *, again: bool = False
    ) -> None:
        rng = self.rng
        fate = "done" if again else self.fates[condition.pk]
        if fate == "done":
            today = timezone.localdate()
            days = max(1, working_days_between(today, condition.deadline) - 1)
            day = add_working_days(today, rng.randint(1, days))
            moment = _at(day, rng.randint(9, 20), rng.randint(0, 59))
        else:
            moment = _on_shift(_at(condition.deadline, 18), rng.uniform(14, 60), rng)
        self.at(moment, functools.partial(self.officer_record, condition.pk, fate))

    def officer_record(self, condition_id: int, fate: str) -> None:
        condition = DisposalCondition.objects.select_related("condition_type").get(pk=condition_id)
        plan = self.plans[condition.disposal_id]
        if (
            condition.status != DisposalCondition.Status.PENDING
            or self.disposal(condition.disposal_id).status not in Disposal.OPEN_STATUSES
        ):
            return
        done = fate == "done"
        code = condition.condition_type.code
        disposals.condition_record(
            actor=self.cast.officers[plan.officer],
            condition_id=condition_id,
            outcome=DisposalCondition.Status.COMPLETE if done else DisposalCondition.Status.FAILED,
            note=(OFFICER_DONE if done else OFFICER_NOT_DONE).get(code, "Checked."),
            expected_version=condition.version,
        )
        self.follow(condition.disposal_id)

    def follow(self, disposal_id: Any) -> None:
        """After an outcome: the breach decision to come, or the tasks to clear."""
        disposal = self.disposal(disposal_id)
        plan = self.plans[disposal_id]
        if disposal.status == Status.BREACHED and plan.decide:
            moment = _on_shift(self.now(), self.rng.uniform(30, 160), self.rng)
            self.at(moment, functools.partial(self.decide, disposal_id))
        elif disposal.status in (Status.COMPLETED, Status.CLOSED):
            moment = _on_shift(self.now(), self.rng.uniform(12, 48), self.rng)
            self.at(moment, functools.partial(self.tidy, disposal_id))

    def decide(self, disposal_id: Any) -> None:
        disposal = self.disposal(disposal_id)
        if disposal.status != Status.BREACHED:
            return
        plan = self.plans[disposal_id]
        failed = list(disposal.conditions.filter(status=DisposalCondition.Status.FAILED))
        closed = disposals.conditions_to_send_again(disposal)
        allowed = {value for value, _label in disposals.breach_decisions_for(disposal)}
        wants_time = any(self.fates.get(c.pk, "").endswith("extended") for c in failed)
        # Every third breach over a referral the service closed is given more time, the
        # condition sent to the same service again (the person had a good reason).
        again = bool(closed) and next(self.closed_breaches) % 3 == 2
        if (wants_time and not closed) or again:
            decision = Decision.EXTEND
        elif Decision.PROSECUTE in allowed and self.rng.random() < 0.6:
            decision = Decision.PROSECUTE
        else:
            decision = Decision.NO_FURTHER_ACTION
        reason = {
            Decision.EXTEND: "Gave a good reason (in hospital that week, letter seen); agreed a "
            "new date.",
            Decision.PROSECUTE: "No reason given for not doing the condition: charged with the "
            "original offence.",
            Decision.NO_FURTHER_ACTION: "Has done the rest and not offended since; a prosecution "
            "is not in the public interest."
            if Decision.PROSECUTE in allowed
            else "A community resolution carries no sanction on breach: recorded and closed.",
        }[decision]
        today = timezone.localdate()
        disposals.breach_decide(
            actor=self.cast.officers[plan.officer],
            disposal_id=disposal_id,
            decision=decision,
            reason=reason,
            expected_version=disposal.version,
            new_deadline=add_working_days(today, 10) if decision == Decision.EXTEND else None,
            send_to={c.pk: c.service_id for c in closed} if decision == Decision.EXTEND else None,
        )
        if decision != Decision.EXTEND:
            self.follow(disposal_id)
            return
        sent = {c.pk for c in closed}
        for condition in DisposalCondition.objects.select_related("condition_type").filter(
            pk__in=[c.pk for c in failed]
        ):
            self.fates[condition.pk] = "done"
            if condition.pk in sent:
                self.provider_story(condition, plan)  # a new referral, from its start
            elif condition.referral_id is not None:
                worker = self.worker(condition.pk)
                moment = _working_after(self.now(), self.rng.uniform(2, 20), self.rng)
                starts = _at(add_working_days(today, self.rng.randint(3, 5)), 11)
                self.at(
                    moment,
                    functools.partial(self.book, condition.pk, worker, starts, attended=True),
                )
            else:
                self.officer_story(condition, plan, again=True)

    def tidy(self, disposal_id: Any) -> None:
        """The officer clears the disposal's open tasks once it is over."""
        disposal = self.disposal(disposal_id)
        officer = self.cast.officers[self.plans[disposal_id].officer]
        for task in DisposalTask.objects.filter(disposal=disposal, done_at__isnull=True):
            disposals.task_complete(
                actor=officer,
                task_id=task.pk,
                note="Checked with the service: nothing more to do."
                if disposal.status == Status.COMPLETED
                else "The breach is decided.",
            )

    def dna_task_done(self, disposal_id: Any) -> None:
        plan = self.plans[disposal_id]
        for task in DisposalTask.objects.filter(
            disposal_id=disposal_id, kind=DisposalTask.Kind.DID_NOT_ATTEND, done_at__isnull=True
        ):
            disposals.task_complete(
                actor=self.cast.officers[plan.officer],
                task_id=task.pk,
                note="Phoned them: they had the wrong day. Asked them to call the service.",
            )

    def overdue_job(self) -> None:
        disposals.overdue_conditions_flag()

    # The provider's side ---------------------------------------------------------------

    def provider(self, condition_id: int) -> str:
        plan = self.plans[DisposalCondition.objects.get(pk=condition_id).disposal_id]
        return self.providers.get(condition_id, COUNTIES[plan.county].provider)

    def worker(self, condition_id: int) -> User:
        return self.cast.workers[self.provider(condition_id)]

    def place(self, condition_id: int, plan: Plan) -> str:
        county = COUNTIES[plan.county]
        provider = self.provider(condition_id)
        return county.place if provider == county.provider else PROVIDER_PLACES[provider]

    def provider_story(self, condition: DisposalCondition, plan: Plan) -> None:
        """Schedule what the provider does with the condition's referral, as its fate says."""
        fate = self.fates[condition.pk]
        if fate == "waiting":
            return
        rng, worker, referral_id = self.rng, self.worker(condition.pk), condition.referral_id
        accepted = _working_after(self.now(), rng.uniform(0.5, 20), rng)
        if fate == "rejected":
            self.at(accepted, functools.partial(self.reject, condition.pk, worker))
            return
        self.at(accepted, functools.partial(self.accept, referral_id, worker))
        contact = _working_after(accepted, rng.uniform(1, 24), rng)
        if fate == "unreached":
            for _try in range(2):
                self.at(contact, functools.partial(self.contact, referral_id, worker, "no_answer"))
                contact = _working_after(contact, rng.uniform(30, 60), rng)
            return
        if rng.random() < 0.2:
            self.at(contact, functools.partial(self.contact, referral_id, worker, "no_answer"))
            contact = _working_after(contact, rng.uniform(18, 30), rng)
        self.at(contact, functools.partial(self.contact, referral_id, worker, "reached"))
        course = condition.condition_type.code == "drug_awareness_course"
        issued = timezone.localdate()
        day = add_working_days(issued, rng.randint(8, 18) if course else rng.randint(3, 6))
        day = min(day, add_working_days(condition.deadline, -1))
        if day <= contact.date():
            day = add_working_days(contact.date(), 1)
        starts = plan.at.get("appointment") or _at(day, rng.choice([10, 11, 14, 15]))
        self.at(
            contact + timedelta(minutes=5),
            functools.partial(self.book, condition.pk, worker, starts, attended=fate == "done"),
        )

    def reject(self, condition_id: int, worker: User) -> None:
        condition = DisposalCondition.objects.get(pk=condition_id)
        if not Referral.objects.filter(
            disposal_condition=condition, status=Referral.Status.REQUESTED
        ).exists():
            return
        other = "kaleidoscope" if self.provider(condition_id) == "ddas" else "ddas"
        referrals.referral_reject(
            actor=worker,
            referral_id=condition.referral_id,
            reason="Has moved out of our area (says so on the phone): please refer to "
            + ("Kaleidoscope in Powys." if other == "kaleidoscope" else "DDAS."),
        )
        moment = _on_shift(self.now(), self.rng.uniform(3, 20), self.rng)
        self.at(moment, functools.partial(self.refer_again, condition_id, other))

    def refer_again(self, condition_id: int, other: str) -> None:
        """The officer sends the rejected condition to the other provider (the task closes)."""
        condition = DisposalCondition.objects.select_related("condition_type").get(pk=condition_id)
        plan = self.plans[condition.disposal_id]
        if self.disposal(condition.disposal_id).status not in Disposal.OPEN_STATUSES:
            return
        condition = disposals.condition_refer_again(
            actor=self.cast.officers[plan.officer],
            condition_id=condition_id,
            service_id=self.cast.services[other].pk,
            expected_version=condition.version,
        )
        self.providers[condition_id] = other
        self.fates[condition_id] = "done"
        condition.refresh_from_db()
        self.provider_story(condition, plan)

    def accept(self, referral_id: Any, worker: User) -> None:
        if Referral.objects.filter(pk=referral_id, status=Referral.Status.REQUESTED).exists():
            referrals.referral_accept(
                actor=worker, referral_id=referral_id, already_known=self.rng.random() < 0.3
            )

    def contact(self, referral_id: Any, worker: User, result: str) -> None:
        if not Referral.objects.filter(
            pk=referral_id, status__in=(Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS)
        ).exists():
            return
        referrals.contact_attempt_log(
            actor=worker,
            referral_id=referral_id,
            method=self.rng.choice(["phone", "phone", "text"]),
            attempted_at=self.now(),
            result=result,
        )

    def book(self, condition_id: int, worker: User, starts: datetime, *, attended: bool) -> None:
        condition = DisposalCondition.objects.select_related("condition_type").get(pk=condition_id)
        plan = self.plans[condition.disposal_id]
        referral_id = condition.referral_id
        if not Referral.objects.filter(
            disposal_condition=condition,
            status__in=(Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS),
        ).exists():
            return
        course = condition.condition_type.code == "drug_awareness_course"
        if starts < self.now() + timedelta(hours=2):  # the person is told in good time
            starts = _at(add_working_days(self.now().date(), 1), 14)
        appointment = referrals.appointment_book(
            actor=worker,
            referral_id=referral_id,
            starts_at=starts,
            place=self.place(condition_id, plan),
            kind=Appointment.Kind.TREATMENT if course else Appointment.Kind.ASSESSMENT,
        )
        self.at(
            starts + timedelta(minutes=self.rng.randint(70, 240)),
            functools.partial(self.attend, condition_id, worker, appointment.pk, attended),
        )

    def attend(self, condition_id: int, worker: User, appointment_id: int, attended: bool) -> None:
        condition = DisposalCondition.objects.select_related("condition_type").get(pk=condition_id)
        plan = self.plans[condition.disposal_id]
        rng, referral_id = self.rng, condition.referral_id
        referrals.attendance_record(
            actor=worker,
            referral_id=referral_id,
            appointment_id=appointment_id,
            attendance=Appointment.Attendance.ATTENDED
            if attended
            else Appointment.Attendance.DID_NOT_ATTEND,
        )
        course = condition.condition_type.code == "drug_awareness_course"
        now = self.now()
        if attended:
            if course:
                # The course is the intervention: it starts, then closes complete.
                self.at(
                    now + timedelta(minutes=15), functools.partial(self.treat, referral_id, worker)
                )
                self.at(
                    now + timedelta(minutes=30),
                    functools.partial(self.close, referral_id, worker, "planned_complete"),
                )
            else:
                self.aftercare(referral_id, worker)
            self.follow(condition.disposal_id)
            return
        fate = self.fates[condition_id]
        if fate == "dna_rebooked":
            self.at(
                _on_shift(now, rng.uniform(16, 30), rng),
                functools.partial(self.dna_task_done, condition.disposal_id),
            )
            starts = _at(add_working_days(now.date(), rng.randint(3, 5)), rng.choice([10, 14]))
            self.at(
                _working_after(now, rng.uniform(18, 30), rng),
                functools.partial(self.book, condition_id, worker, starts, attended=True),
            )
        elif fate == "dna_closed":
            reason = "dna_before_treatment" if course else "dna_before_assessment"
            moment = plan.at.get("closed") or _working_after(now, rng.uniform(48, 110), rng)
            self.at(moment, functools.partial(self.close, referral_id, worker, reason))
            self.at(
                _on_shift(now, rng.uniform(16, 30), rng),
                functools.partial(self.dna_task_done, condition.disposal_id),
            )
        elif fate == "dna_extended":
            self.at(
                _on_shift(now, rng.uniform(20, 50), rng),
                functools.partial(self.officer_fails, condition_id),
            )

    def officer_fails(self, condition_id: int) -> None:
        """The officer records a service's condition not done: the person missed it."""
        condition = DisposalCondition.objects.get(pk=condition_id)
        plan = self.plans[condition.disposal_id]
        if condition.status != DisposalCondition.Status.PENDING:
            return
        disposals.condition_record(
            actor=self.cast.officers[plan.officer],
            condition_id=condition_id,
            outcome=DisposalCondition.Status.FAILED,
            note="Did not attend the assessment and has not been in touch with the service.",
            expected_version=condition.version,
        )
        self.dna_task_done(condition.disposal_id)
        self.follow(condition.disposal_id)

    def aftercare(self, referral_id: Any, worker: User) -> None:
        """After the assessment (the condition is done): treatment for some, then closure."""
        rng, now = self.rng, self.now()
        closes = _working_after(now, rng.uniform(15, 60) * 24, rng)
        treated = rng.random() < 0.4
        if treated:
            started = _working_after(now, rng.uniform(4, 12) * 24, rng)
            self.at(started, functools.partial(self.treat, referral_id, worker))
            closes = max(closes, started + timedelta(days=14))
        # Treatment complete, or GP-led prescribing, only after treatment started.
        reason = rng.choices(
            [
                "planned_complete",
                "planned_referred_on",
                "planned_gp_prescribing",
                "client_declined",
            ],
            weights=[50, 25, 10, 15] if treated else [0, 60, 0, 40],
        )[0]
        self.at(closes, functools.partial(self.close, referral_id, worker, reason))

    def treat(self, referral_id: Any, worker: User) -> None:
        if Referral.objects.filter(pk=referral_id, status=Referral.Status.IN_PROGRESS).exists():
            referrals.treatment_start(actor=worker, referral_id=referral_id, started_at=self.now())

    def close(self, referral_id: Any, worker: User, reason: str) -> None:
        if not close_if_open(referral_id, worker, reason):
            return
        condition = DisposalCondition.objects.filter(referral_id=referral_id).first()
        if condition is not None:
            self.follow(condition.disposal_id)


def _drama_number(index: int) -> str:
    """A unique number from Ofcom's drama ranges (valid, but never anyone's)."""
    prefix = ["0114 496 0", "0116 496 0", "0118 496 0", "0131 496 0"][index // 1000 % 4]
    return f"{prefix}{index % 1000:03d}"


# The walk-through ---------------------------------------------------------------------


def _walk_through(now: datetime) -> list[tuple[datetime, Plan]]:
    """The front-line officer's disposals a visitor takes on (docs/disposals-demo.md)."""
    today = timezone.localdate(now)
    due = add_working_days(today, -1)  # the overdue one's deadline: the last working day
    overdue_recorded = _at(add_working_days(due, -10), 11, 20)
    breached_recorded = _at(add_working_days(today, -12), 15, 5)
    booked_recorded = _at(add_working_days(today, -4), 9, 40)
    return [
        # Authorised this morning: the officer issues it; the referral appears at DDAS.
        (
            now - timedelta(hours=27),
            Plan(
                "frontline",
                "ceredigion",
                [
                    (
                        "possession_class_a",
                        "Three wraps of cocaine found in a search in Aberystwyth.",
                    )
                ],
                "conditional_caution",
                aggravating=["relevant_previous"],
                conditions=[Wanted("drug_assessment", "waiting", "Use of cocaine.")],
                person=("Dion", "Rowlands", 27),
                stop="authorised",
                at={"submitted": now - timedelta(hours=26), "authorised": now - timedelta(hours=2)},
            ),
        ),
        # Sent to the inspector this afternoon.
        (
            now - timedelta(hours=5),
            Plan(
                "frontline",
                "carmarthenshire",
                [("actual_bodily_harm", "Head-butted a man in a pub in Llanelli; broken nose.")],
                "conditional_caution",
                victim_views=Views.SUPPORTS,
                victim_note="Wants the drinking dealt with and his dental costs paid.",
                conditions=[
                    Wanted("alcohol_assessment", "waiting"),
                    Wanted("compensation", "done", "Dental treatment.", 18000),
                ],
                person=("Kyle", "Beynon", 34),
                stop="submitted",
                at={"submitted": now - timedelta(hours=4, minutes=30)},
            ),
        ),
        # Issued a fortnight ago; never reached by DDAS; the deadline passed yesterday.
        (
            overdue_recorded,
            Plan(
                "frontline",
                "pembrokeshire",
                [("possession_class_b", "Cannabis and a grinder found in a car in Pembroke Dock.")],
                "community_resolution",
                conditions=[Wanted("drug_assessment", "unreached")],
                person=("Nerys", "Protheroe", 23),
                at={
                    "submitted": overdue_recorded + timedelta(minutes=20),
                    "authorised": overdue_recorded + timedelta(hours=1),
                    "issued": overdue_recorded + timedelta(hours=2),
                },
            ),
        ),
        # Missed the assessment; Kaleidoscope closed the referral: the breach awaits a decision.
        (
            breached_recorded,
            Plan(
                "frontline",
                "powys",
                [("possession_class_a", "Heroin and foil found in a search in Newtown.")],
                "conditional_caution",
                aggravating=["relevant_previous"],
                conditions=[Wanted("drug_assessment", "dna_closed", "Use of heroin.")],
                person=("Tomos", "Vaughan", 41),
                decide=False,
                at={
                    "submitted": breached_recorded + timedelta(minutes=30),
                    "authorised": breached_recorded + timedelta(hours=2),
                    "issued": breached_recorded + timedelta(hours=3),
                    "appointment": _at(add_working_days(breached_recorded.date(), 4), 10),
                    "closed": _at(add_working_days(breached_recorded.date(), 7), 12),
                },
            ),
        ),
        # Issued last week; DDAS has booked the assessment for the days ahead.
        (
            booked_recorded,
            Plan(
                "custody",
                "carmarthenshire",
                [("actual_bodily_harm", "Kicked a man on the ground outside a club in Llanelli.")],
                "conditional_caution",
                victim_views=Views.NOT_OBTAINED,
                victim_note="The man has not answered four calls and a letter.",
                conditions=[Wanted("alcohol_assessment", "done")],
                person=("Gethin", "Bowen", 30),
                at={
                    "submitted": booked_recorded + timedelta(minutes=25),
                    "authorised": booked_recorded + timedelta(hours=2),
                    "issued": booked_recorded + timedelta(hours=3),
                    "appointment": _at(add_working_days(today, 2), 10),
                },
            ),
        ),
        # Issued this afternoon: its referral waits in DDAS's queue.
        (
            now - timedelta(hours=3),
            Plan(
                "frontline",
                "ceredigion",
                [("possession_class_b", "Cannabis found in a car in Cardigan; no comment.")],
                "outcome_22",
                admission=False,
                conditions=[Wanted("drug_awareness_course", "waiting")],
                person=("Seren", "Mathias", 19),
                at={
                    "submitted": now - timedelta(hours=2, minutes=50),
                    "authorised": now - timedelta(hours=2),
                    "issued": now - timedelta(hours=1, minutes=30),
                },
            ),
        ),
        # A draft, its conditions still to add.
        (
            now - timedelta(minutes=40),
            Plan(
                "frontline",
                "ceredigion",
                [("shop_theft", "Took razor blades from Boots in Aberystwyth.")],
                "community_resolution",
                victim_views=Views.NOT_OBTAINED,
                victim_note="The manager is on leave until Monday.",
                person=("Liam", "Jenkins", 22),
                stop="draft",
            ),
        ),
    ]


def _provider_service(slug: str) -> Service | None:
    """The provider's service that helps with both drugs and alcohol and takes referrals."""
    return (
        Service.objects.filter(organization__pont_organisation__slug=slug, accepts_referrals=True)
        .filter(needs__code="drugs")
        .filter(needs__code="alcohol")
        .distinct()
        .order_by("name")
        .first()
    )


def load_disposals_year(users: dict[str, User], *, count: int = COUNT) -> int:
    """A year of disposals (`count` of them, a fifth as many in the quarter before) and what
    followed, and the walk-through's, once; returns how many were recorded."""
    if Disposal.objects.exists():
        return 0
    services = {slug: _provider_service(slug) for slug in ("ddas", "kaleidoscope")}
    areas = {o.slug: o for o in Organisation.objects.filter(slug__in=COUNTIES)}
    if None in services.values() or len(areas) != len(COUNTIES):
        return 0  # the directory and the areas come first (load_demo)
    cast = Cast(
        officers={name: users[name] for name in ("frontline", "custody")},
        inspector=users["inspector"],
        workers={"ddas": users["provider"], "kaleidoscope": users["providerb"]},
        services={slug: service for slug, service in services.items() if service is not None},
        areas=areas,
    )
    now = timezone.now()
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not security
    year = Pathfinder(cast, end=now - timedelta(minutes=5), rng=rng)
    today = timezone.localdate(now)
    year_start = today - timedelta(days=365)
    first = year_start - timedelta(days=EARLIER_DAYS)
    # The year up to yesterday (today belongs to the walk-through), and the quarter before it.
    days = [
        year_start + timedelta(days=int((i + rng.random()) * 364 / count)) for i in range(count)
    ]
    earlier = count // 5
    days[:0] = [
        first + timedelta(days=int((i + rng.random()) * EARLIER_DAYS / earlier))
        for i in range(earlier)
    ]
    counties = list(COUNTIES)
    weights = [COUNTIES[c].weight for c in counties]
    kinds, kind_weights = list(KINDS), list(KINDS.values())
    for day in days:
        moment = _at(day, rng.randint(8, 21), rng.randint(0, 59))
        county = rng.choices(counties, weights=weights)[0]
        again = rng.random() < 0.09  # someone back within the year
        kind = rng.choice(REPEATABLE) if again else rng.choices(kinds, weights=kind_weights)[0]
        local = 0.75 if county == "ceredigion" else 0.5  # the persona works from Aberystwyth
        officer = "frontline" if rng.random() < local else "custody"
        plan = _plan(rng, kind, county, officer)
        plan.repeat = plan.repeat or again
        plan.returned = (
            rng.random() < 0.25
            and plan.victim_views == Views.SUPPORTS
            and all(wanted.code != "apology" for wanted in plan.conditions)
        )
        year.at(moment, functools.partial(year.record, plan))
    # The overdue-conditions job, each working morning before today's.
    day = first
    while day < today:
        if is_working_day(day):
            year.at(_at(day, 7), year.overdue_job)
        day += timedelta(days=1)
    for moment, plan in _walk_through(now):
        year.at(moment, functools.partial(year.record, plan))
    year.play()
    return year.created


# The scrutiny panel's months ------------------------------------------------------------

SCRUTINY_MONTHS = 3
SCRUTINY_COMMENTS = [
    "Proportionate: the condition addressed the drug use behind the offence.",
    "The victim's views are recorded and weighed; the reason for the decision is clear.",
    "A caution might have been more consistent with similar cases this month.",
    "Good use of the drug assessment; the deadline was realistic.",
    "The reason for departing from the recommendation should say more about the history.",
]


def load_scrutiny(users: dict[str, User]) -> int:
    """The scrutiny panel's last three months, drawn by the periodic job on the 2nd of the next
    month: the oldest reviewed and closed, the next half reviewed, the last just drawn.
    Returns how many samples were drawn (none if any exists)."""
    if ScrutinySample.objects.exists():
        return 0
    rng = random.Random(SEED + 1)  # noqa: S311 - a repeatable demo, not security
    first_of_this_month = timezone.localdate().replace(day=1)
    months = []
    month = first_of_this_month
    for _index in range(SCRUTINY_MONTHS):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    drawn = 0
    for age, month in enumerate(reversed(months)):
        next_month = (month + timedelta(days=32)).replace(day=1)
        with demo_clock(_at(next_month + timedelta(days=1), 6)):
            samples = scrutiny_samples_draw_due(today=next_month + timedelta(days=1))
        drawn += len(samples)
        if age == SCRUTINY_MONTHS - 1:
            continue  # the latest month: just drawn, for the panel to review
        meeting = _at(next_month + timedelta(days=15), 14)
        for sample in samples:
            cases = list(sample.cases.order_by("position"))
            reviewed = cases if age == 0 else cases[: len(cases) // 2]
            with demo_clock(meeting):
                for case in reviewed:
                    scrutiny_review_record(
                        actor=users["panel"],
                        case_id=case.pk,
                        appropriate="no" if rng.random() < 0.15 else "yes",
                        consistent="no" if rng.random() < 0.2 else "yes",
                        comments=rng.choice(SCRUTINY_COMMENTS) if rng.random() < 0.6 else "",
                    )
            if age == 0 and reviewed:
                with demo_clock(meeting + timedelta(days=2)):
                    scrutiny_sample_close(actor=users["opcc"], sample_id=sample.pk)
    return drawn
