"""May a drug test be required? The conditions of PACE 1984 s.63B, as a pure function.

`assess(facts, rules)` returns every condition with whether it is met, why,
and the section that sets it; the test is allowed only when all are met. It
reads nothing from the database: the caller passes the facts of the case and
the rules in force on the day (ages and lists are dated reference data), so
the whole law of the thing is testable as a table of cases.

The conditions (PACE 1984 s.63B, as amended by the Drugs Act 2005 s.7):
- the arrest condition (s.63B(1A)): arrested, not charged, and either arrested
  for a trigger offence or a test authorised by an inspector who suspects that
  misuse of a specified Class A drug caused or contributed to the offence;
- or the charge condition (s.63B(2)): charged with a trigger offence, or
  authorised as above;
- the age condition (s.63B(3)): 18 or over on the arrest condition, 14 or over
  on the charge condition;
- the request condition (s.63B(4)): an officer asks for the sample;
- the notification condition (s.63B(4A)-(4B)): the Secretary of State has
  notified arrangements for testing at this police station, for this condition;
- the warning (s.63B(5)(a)): the person is warned that refusing without
  good cause may lead to prosecution (the offence is s.63B(8), its penalty
  s.63C(1)); where an inspector authorised the test, the person is also told of
  the authorisation and its grounds (s.63B(5)(b));
- for someone under 17, an appropriate adult is present (s.63B(5A)).
Trigger offences are those of the Criminal Justice and Court Services Act 2000,
Schedule 6; its Misuse of Drugs Act offences count only "if committed in
respect of a specified Class A drug".
"""

from dataclasses import dataclass, field

from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

ARREST = "arrest"
CHARGE = "charge"

# Ranks that may authorise a test: inspector and above (s.63B(1A)(b), (2)(b)).
AUTHORISING_RANKS = (
    ("inspector", _("Inspector")),
    ("chief_inspector", _("Chief Inspector")),
    ("superintendent", _("Superintendent")),
    ("chief_superintendent", _("Chief Superintendent")),
    ("assistant_chief_constable", _("Assistant Chief Constable")),
    ("deputy_chief_constable", _("Deputy Chief Constable")),
    ("chief_constable", _("Chief Constable")),
)
_RANK_CODES = frozenset(code for code, _label in AUTHORISING_RANKS)


@dataclass(frozen=True)
class Trigger:
    code: str
    label_en: str
    class_a_only: bool
    label_cy: str = ""

    @property
    def label(self) -> str:
        """The offence's name in the active language (an explanation is written in each)."""
        welsh = (get_language() or "en").startswith("cy")
        return self.label_cy if welsh and self.label_cy else self.label_en


@dataclass(frozen=True)
class Facts:
    """What the custody officer knows when deciding whether to require a sample."""

    condition: str  # ARREST or CHARGE
    charged: bool
    age: int
    trigger: Trigger | None = None
    class_a_confirmed: bool = (
        False  # for a drugs trigger offence: it concerns a specified Class A drug
    )
    authorising_inspector: str = ""
    authorising_rank: str = ""
    authorisation_grounds: str = ""
    # The suite's notified arrangement on the day, for this condition: None when there is none.
    notified: bool | None = None
    warning_given: bool = False
    told_of_authorisation: bool = False  # s.63B(5)(b), when the test rests on an authorisation
    appropriate_adult: str = ""


@dataclass(frozen=True)
class Rules:
    """The numbers in force on the day (reference data: DrugTestingRule)."""

    arrest_min_age: int
    charge_min_age: int
    appropriate_adult_under_age: int


@dataclass(frozen=True)
class Condition:
    code: str
    met: bool
    explanation: StrOrPromise
    citation: str

    def as_record(self) -> dict[str, object]:
        """For keeping with the test record (JSON): the wording of the day, in the language
        active (`Eligibility.as_record` keeps it in each of Pont's languages)."""
        return {
            "code": self.code,
            "met": self.met,
            "explanation": str(self.explanation),
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Eligibility:
    conditions: tuple[Condition, ...] = field(default_factory=tuple)
    # What they were assessed from, so the record can be written in each language.
    facts: Facts | None = field(default=None, compare=False)
    rules: Rules | None = field(default=None, compare=False)

    @property
    def allowed(self) -> bool:
        return bool(self.conditions) and all(c.met for c in self.conditions)

    @property
    def unmet(self) -> list[Condition]:
        return [c for c in self.conditions if not c.met]

    def as_record(self) -> list[dict[str, object]]:
        """The conditions as kept with the test record: `explanation` in English, the wording
        of the day whatever language the officer used, and `explanation_cy` in Welsh, so each
        reader sees it in theirs (the explanations carry the case's values, an age or an
        offence, so they are kept as written, not looked up again)."""
        if self.facts is None or self.rules is None:  # made by hand, not by assess()
            return [c.as_record() for c in self.conditions]
        with override("en"):  # each made into text while its language is the one active
            english = [c.as_record() for c in assess(self.facts, self.rules).conditions]
        with override("cy"):
            welsh = [str(c.explanation) for c in assess(self.facts, self.rules).conditions]
        return [{**c, "explanation_cy": cy} for c, cy in zip(english, welsh, strict=True)]


def explanation_in(condition: dict[str, object], language: str) -> tuple[object, str]:
    """A kept condition's explanation in the reader's language if it was kept in it (tests
    recorded before the Welsh was kept have English only), and the language it is in."""
    if language == "cy" and condition.get("explanation_cy"):
        return condition["explanation_cy"], "cy"
    return condition.get("explanation", ""), "en"


def _offence_basis(facts: Facts) -> Condition:
    citation = "PACE 1984 s.63B(1A)" if facts.condition == ARREST else "PACE 1984 s.63B(2)"
    trigger = facts.trigger
    if trigger is not None and (not trigger.class_a_only or facts.class_a_confirmed):
        return Condition(
            "trigger_offence",
            True,
            _("%(offence)s is a trigger offence.") % {"offence": trigger.label},
            "CJCSA 2000 Sch 6; " + citation,
        )
    authorised = (
        facts.authorising_inspector.strip()
        and facts.authorising_rank in _RANK_CODES
        and facts.authorisation_grounds.strip()
    )
    if authorised:
        return Condition(
            "inspector_authorisation",
            True,
            _(
                "Authorised by an officer of at least the rank of inspector, who suspects that "
                "misuse of a specified Class A drug caused or contributed to the offence."
            ),
            citation + "(b)",
        )
    explanation: StrOrPromise
    if trigger is not None:  # a drugs offence not shown to concern a specified Class A drug
        explanation = _(
            "%(offence)s is a trigger offence only if it was committed in respect of a specified "
            "Class A drug; confirm that, or get an inspector's authorisation."
        ) % {"offence": trigger.label}
        return Condition("trigger_offence", False, explanation, "CJCSA 2000 Sch 6 para 2")
    if facts.authorising_inspector.strip() or facts.authorisation_grounds.strip():
        explanation = _(
            "An authorisation needs the inspector's name, a rank of inspector or above, and "
            "the grounds."
        )
    else:
        explanation = _(
            "The offence is not a trigger offence and no inspector has authorised a test."
        )
    return Condition("offence_basis", False, explanation, citation)


def _condition(facts: Facts) -> Condition:
    if facts.condition == ARREST:
        if facts.charged:
            return Condition(
                "arrest_condition",
                False,
                _("The arrest condition is for someone not yet charged: use the charge condition."),
                "PACE 1984 s.63B(1A)",
            )
        return Condition(
            "arrest_condition",
            True,
            _("Arrested for an offence and not yet charged."),
            "PACE 1984 s.63B(1)(a), (1A)",
        )
    if facts.condition == CHARGE:
        if not facts.charged:
            return Condition(
                "charge_condition",
                False,
                _("The charge condition needs the person to have been charged."),
                "PACE 1984 s.63B(2)",
            )
        return Condition(
            "charge_condition", True, _("Charged with an offence."), "PACE 1984 s.63B(1)(b), (2)"
        )
    return Condition(
        "condition", False, _("Choose the arrest or the charge condition."), "PACE 1984 s.63B(1)"
    )


def _age(facts: Facts, rules: Rules) -> Condition:
    minimum = rules.arrest_min_age if facts.condition == ARREST else rules.charge_min_age
    if facts.age >= minimum:
        return Condition(
            "age",
            True,
            _("Aged %(age)s: at least %(minimum)s.") % {"age": facts.age, "minimum": minimum},
            "PACE 1984 s.63B(3)",
        )
    return Condition(
        "age",
        False,
        _("Aged %(age)s: under %(minimum)s, so a test may not be required on this condition.")
        % {"age": facts.age, "minimum": minimum},
        "PACE 1984 s.63B(3)",
    )


def _notification(facts: Facts) -> Condition:
    if facts.notified:
        return Condition(
            "notification",
            True,
            _("Testing arrangements have been notified for this suite and condition."),
            "PACE 1984 s.63B(4A)-(4B)",
        )
    if facts.notified is None:
        explanation = _("No testing arrangements are recorded for this suite on this date.")
    else:
        explanation = _("This suite's notified arrangements do not cover this condition.")
    return Condition("notification", False, explanation, "PACE 1984 s.63B(4A)-(4B)")


def _warning(facts: Facts, basis: Condition) -> Condition:
    citation = "PACE 1984 s.63B(5); s.63B(8); s.63C(1)"
    if not facts.warning_given:
        return Condition(
            "warning",
            False,
            _("Give the warning that refusing without good cause may lead to prosecution."),
            citation,
        )
    if basis.code == "inspector_authorisation" and not facts.told_of_authorisation:
        return Condition(
            "warning",
            False,
            _("Tell the person of the inspector's authorisation and its grounds, before asking."),
            "PACE 1984 s.63B(5)(b)",
        )
    return Condition(
        "warning", True, _("Warned that refusing without good cause is an offence."), citation
    )


def _appropriate_adult(facts: Facts, rules: Rules) -> Condition | None:
    if facts.age >= rules.appropriate_adult_under_age:
        return None
    if facts.appropriate_adult.strip():
        return Condition(
            "appropriate_adult",
            True,
            _("An appropriate adult is present."),
            "PACE 1984 s.63B(5A)",
        )
    return Condition(
        "appropriate_adult",
        False,
        _(
            "Under %(age)s: the request, the warning and the sample need an appropriate adult "
            "present. Name them."
        )
        % {"age": rules.appropriate_adult_under_age},
        "PACE 1984 s.63B(5A)",
    )


def assess(facts: Facts, rules: Rules) -> Eligibility:
    """Every condition of s.63B for this case, met or not, each with its section."""
    basis = _offence_basis(facts)
    conditions = [
        _condition(facts),
        basis,
        _age(facts, rules),
        _notification(facts),
        _warning(facts, basis),
    ]
    adult = _appropriate_adult(facts, rules)
    if adult is not None:
        conditions.append(adult)
    return Eligibility(tuple(conditions), facts=facts, rules=rules)
