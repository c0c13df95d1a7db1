"""The law of PACE 1984 s.63B as a table of cases: each row says what must happen and why.

Every case names the condition that decides it and the section that sets it;
the engine must agree on the outcome, on which conditions fail, and on the
citation it gives.
"""

from dataclasses import replace

import pytest

from pont.drug_testing.eligibility import ARREST, CHARGE, Facts, Rules, Trigger, assess

RULES = Rules(arrest_min_age=18, charge_min_age=14, appropriate_adult_under_age=17)
THEFT = Trigger("theft", "Theft", class_a_only=False)
POSSESSION = Trigger("mda_possession", "Possessing a controlled drug", class_a_only=True)

# An adult arrested for theft at a notified suite, warned: the plain allowed case.
BASE = Facts(
    condition=ARREST, charged=False, age=30, trigger=THEFT, notified=True, warning_given=True
)
AUTHORISED = replace(
    BASE,
    trigger=None,
    authorising_inspector="Insp. Rhian Morgan",
    authorising_rank="inspector",
    authorisation_grounds="Admitted using crack cocaine before the assault.",
    told_of_authorisation=True,
)

# (case, facts, allowed, {failing condition: citation it must give})
CASES = [
    ("arrest for a trigger offence, adult, warned", BASE, True, {}),
    (
        "arrest, aged 17: under the arrest age",
        replace(BASE, age=17, appropriate_adult="Mam"),
        False,
        {"age": "PACE 1984 s.63B(3)"},
    ),
    ("arrest, aged exactly 18", replace(BASE, age=18), True, {}),
    (
        "charge, aged 14 with an appropriate adult",
        replace(BASE, condition=CHARGE, charged=True, age=14, appropriate_adult="Mr Evans (AA)"),
        True,
        {},
    ),
    (
        "charge, aged 13",
        replace(BASE, condition=CHARGE, charged=True, age=13, appropriate_adult="AA"),
        False,
        {"age": "PACE 1984 s.63B(3)"},
    ),
    (
        "charge, aged 16, no appropriate adult",
        replace(BASE, condition=CHARGE, charged=True, age=16),
        False,
        {"appropriate_adult": "PACE 1984 s.63B(5A)"},
    ),
    (
        "charge, aged 17: no appropriate adult needed",
        replace(BASE, condition=CHARGE, charged=True, age=17),
        True,
        {},
    ),
    (
        "arrest condition but already charged",
        replace(BASE, charged=True),
        False,
        {"arrest_condition": "PACE 1984 s.63B(1A)"},
    ),
    (
        "charge condition but not charged",
        replace(BASE, condition=CHARGE, charged=False),
        False,
        {"charge_condition": "PACE 1984 s.63B(2)"},
    ),
    (
        "not a trigger offence and no authorisation",
        replace(BASE, trigger=None),
        False,
        {"offence_basis": "PACE 1984 s.63B(1A)"},
    ),
    ("inspector's authorisation instead of a trigger offence", AUTHORISED, True, {}),
    (
        "authorisation by a sergeant",
        replace(AUTHORISED, authorising_rank="sergeant"),
        False,
        {"offence_basis": "PACE 1984 s.63B(1A)"},
    ),
    (
        "authorisation without grounds",
        replace(AUTHORISED, authorisation_grounds=" "),
        False,
        {"offence_basis": "PACE 1984 s.63B(1A)"},
    ),
    (
        "authorised on charge, by a superintendent",
        replace(AUTHORISED, condition=CHARGE, charged=True, authorising_rank="superintendent"),
        True,
        {},
    ),
    (
        "authorised, but the person was not told of it",
        replace(AUTHORISED, told_of_authorisation=False),
        False,
        {"warning": "PACE 1984 s.63B(5)(b)"},
    ),
    (
        "possession of a drug not shown to be Class A",
        replace(BASE, trigger=POSSESSION),
        False,
        {"trigger_offence": "CJCSA 2000 Sch 6 para 2"},
    ),
    (
        "possession of a specified Class A drug",
        replace(BASE, trigger=POSSESSION, class_a_confirmed=True),
        True,
        {},
    ),
    (
        "no arrangements notified for the suite",
        replace(BASE, notified=None),
        False,
        {"notification": "PACE 1984 s.63B(4A)-(4B)"},
    ),
    (
        "arrangements notified for charge only, tested on arrest",
        replace(BASE, notified=False),
        False,
        {"notification": "PACE 1984 s.63B(4A)-(4B)"},
    ),
    (
        "no warning that refusal is an offence",
        replace(BASE, warning_given=False),
        False,
        {"warning": "PACE 1984 s.63B(5); s.63B(8); s.63C(1)"},
    ),
    (
        "several failures at once are all reported",
        replace(BASE, age=16, trigger=None, warning_given=False, notified=None),
        False,
        {
            "age": "PACE 1984 s.63B(3)",
            "offence_basis": "PACE 1984 s.63B(1A)",
            "notification": "PACE 1984 s.63B(4A)-(4B)",
            "warning": "PACE 1984 s.63B(5); s.63B(8); s.63C(1)",
            "appropriate_adult": "PACE 1984 s.63B(5A)",
        },
    ),
]


@pytest.mark.parametrize(("case", "facts", "allowed", "failing"), CASES, ids=[c[0] for c in CASES])
def test_the_law_as_a_table(case, facts, allowed, failing):
    result = assess(facts, RULES)
    assert result.allowed is allowed, case
    assert {c.code: c.citation for c in result.unmet} == failing
    # Every condition, met or not, explains itself and cites the law.
    for condition in result.conditions:
        assert str(condition.explanation)
        assert condition.citation.startswith(("PACE 1984", "CJCSA 2000"))


def test_the_met_conditions_say_why_the_test_is_lawful():
    reasons = {c.code: c for c in assess(BASE, RULES).conditions}
    assert set(reasons) == {"arrest_condition", "trigger_offence", "age", "notification", "warning"}
    assert "Theft is a trigger offence" in str(reasons["trigger_offence"].explanation)
    assert reasons["trigger_offence"].citation == "CJCSA 2000 Sch 6; PACE 1984 s.63B(1A)"
    assert str(reasons["age"].explanation) == "Aged 30: at least 18."


def test_changed_ages_in_reference_data_change_the_answer_without_new_code():
    # If the law lowered the arrest age to 16 (the Secretary of State may, s.63B(6A)):
    lowered = Rules(arrest_min_age=16, charge_min_age=14, appropriate_adult_under_age=17)
    sixteen = replace(BASE, age=16, appropriate_adult="AA")
    assert not assess(sixteen, RULES).allowed
    assert assess(sixteen, lowered).allowed


def test_the_record_kept_with_a_test_is_plain_json():
    record = assess(AUTHORISED, RULES).as_record()
    assert record[1] == {
        "code": "inspector_authorisation",
        "met": True,
        "explanation": (
            "Authorised by an officer of at least the rank of inspector, who suspects that misuse "
            "of a specified Class A drug caused or contributed to the offence."
        ),
        "citation": "PACE 1984 s.63B(1A)(b)",
        "explanation_cy": (
            "Wedi'i awdurdodi gan swyddog o reng arolygydd o leiaf, sy'n amau bod camddefnyddio "
            "cyffur Dosbarth A penodedig wedi achosi'r drosedd neu wedi cyfrannu ati."
        ),
    }
