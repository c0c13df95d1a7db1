"""The recommendation rules as a table of cases: facts in, tier and its first reason out."""

import pytest

from pont.disposals.recommendation import (
    CHARGE,
    NOT_ELIGIBLE,
    Case,
    OffenceFacts,
    SchemeFacts,
    adjusted_gravity,
    recommend,
)

NPCC_2017 = [
    SchemeFacts("community_resolution", "lower", 18, True),
    SchemeFacts("conditional_caution", "upper", 18, True),
    SchemeFacts("outcome_22", "diversion", 18, False),
]
STATUTORY = [
    SchemeFacts("community_caution", "lower", 18, True),
    SchemeFacts("diversionary_caution", "upper", 18, True),
    SchemeFacts("outcome_22", "diversion", 18, False),
]
CANNABIS = OffenceFacts("possession_class_b", "Possession (Class B)", 1)
ABH = OffenceFacts("actual_bodily_harm", "ABH", 3)
SUPPLY = OffenceFacts("supply_class_a", "Supply (Class A)", 4)
ROBBERY = OffenceFacts("robbery", "Robbery", 4, exclusion="indictable only")


def case(**overrides):
    values = {
        "offences": [CANNABIS],
        "age": 30,
        "admission": True,
        "evidential_test_met": True,
    }
    values.update(overrides)
    return Case(**values)


@pytest.mark.parametrize(
    ("facts", "schemes", "expected", "gravity", "first_reason"),
    [
        # gravity 1-2: lower tier, in each framework
        (case(), NPCC_2017, "community_resolution", 1, "A gravity of 1 or 2"),
        (case(), STATUTORY, "community_caution", 1, "A gravity of 1 or 2"),
        # gravity 3: upper tier
        (case(offences=[ABH]), NPCC_2017, "conditional_caution", 3, "A gravity of 3"),
        (case(offences=[ABH]), STATUTORY, "diversionary_caution", 3, "A gravity of 3"),
        # the most serious offence counts
        (case(offences=[CANNABIS, ABH]), NPCC_2017, "conditional_caution", 3, "A gravity of 3"),
        # one step up for aggravating factors (however many), one down for mitigating ones
        (case(aggravating=2), NPCC_2017, "community_resolution", 2, "A gravity of 1 or 2"),
        (case(offences=[ABH], aggravating=1), NPCC_2017, CHARGE, 4, "A gravity of 4"),
        (case(offences=[ABH], mitigating=1), NPCC_2017, "community_resolution", 2, "A gravity"),
        (
            case(offences=[ABH], aggravating=1, mitigating=1),
            NPCC_2017,
            "conditional_caution",
            3,
            "A gravity of 3",
        ),
        (
            case(offences=[SUPPLY], mitigating=3),
            NPCC_2017,
            "conditional_caution",
            3,
            "A gravity of 3",
        ),
        (case(mitigating=1), NPCC_2017, "community_resolution", 1, "A gravity of 1 or 2"),
        # gravity 4: charge
        (case(offences=[SUPPLY]), NPCC_2017, CHARGE, 4, "A gravity of 4"),
        # excluded offences point to charge whatever the score
        (case(offences=[ROBBERY], mitigating=1), NPCC_2017, CHARGE, 3, "Robbery is excluded"),
        # no admission: diversion where a scheme offers one, else charge
        (case(admission=False), NPCC_2017, "outcome_22", 1, "There is no admission"),
        (case(admission=False), NPCC_2017[:2], CHARGE, 1, "There is no admission"),
        # no evidential test, or under the adult age: no out-of-court disposal
        (case(evidential_test_met=False), NPCC_2017, NOT_ELIGIBLE, 1, "The evidential test"),
        (case(age=17), NPCC_2017, NOT_ELIGIBLE, 1, "The adult schemes are for people aged 18"),
        # no scheme of the tier in force that day
        (case(offences=[ABH]), NPCC_2017[:1], NOT_ELIGIBLE, 3, "No disposal of this tier"),
    ],
)
def test_recommendation_table(facts, schemes, expected, gravity, first_reason):
    advice = recommend(facts, schemes)
    assert advice.recommended == expected
    assert advice.gravity == gravity
    assert str(advice.reasons[0]).startswith(first_reason)
    assert not advice.reason_needed


def test_the_victims_opposition_asks_for_a_reason_without_changing_the_tier():
    advice = recommend(case(victim_opposes=True), NPCC_2017)
    assert advice.recommended == "community_resolution"
    assert advice.reason_needed
    assert str(advice.reasons[-1]).startswith("The victim opposes")


@pytest.mark.parametrize(
    ("base", "up", "down", "expected"),
    [(1, 0, 0, 1), (1, 0, 1, 1), (4, 1, 0, 4), (2, 1, 0, 3), (3, 0, 2, 2), (2, 3, 3, 2)],
)
def test_gravity_moves_one_step_within_one_to_four(base, up, down, expected):
    assert adjusted_gravity(base, aggravating=up, mitigating=down) == expected
