"""Finding records that may be the same person before a new one is created."""

from datetime import date

import pytest

from pont.people.matching import (
    REASON_SAME_DOB,
    REASON_SAME_PNC,
    REASON_SWAPPED_DOB,
    fold,
    likely_duplicates,
    names_similar,
)
from pont.people.models import Person
from pont.people.selectors import person_duplicates_for
from pont.people.services import person_create

# fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Rhŷs", "rhys"),
        ("Ŵyn", "wyn"),
        ("Siân", "sian"),
        ("Dafydd ap Gruffydd", "dafydd ap gruffydd"),
        ("Zoë Brontë", "zoe bronte"),
        ("O'Brien", "o brien"),
        ("Jones-Williams", "jones williams"),
        ("  St.  John  ", "st john"),
        ("MORGAN", "morgan"),
        ("R2D2", "r d"),
        ("", ""),
    ],
)
def test_fold_removes_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


def test_fold_treats_none_as_empty():
    assert fold(None) == ""


def test_folded_names_with_and_without_a_circumflex_are_equal():
    assert fold("Rhŷs Owen") == fold("RHYS OWEN")


# names_similar


def test_the_same_name_is_similar():
    assert names_similar("Rhys", "Owen", "Rhys", "Owen")


def test_names_differing_only_in_accents_and_case_are_similar():
    assert names_similar("Rhys", "Owen", "RHŶS", "owen")


@pytest.mark.parametrize(
    ("given_b", "family_b"),
    [("Rhys", "Owne"), ("Rhy", "Owen"), ("Rhys", "Owens"), ("Rees", "Owen")],
)
def test_names_with_a_typo_are_similar(given_b, family_b):
    assert names_similar("Rhys", "Owen", given_b, family_b)


def test_first_and_last_names_the_other_way_round_are_similar():
    assert names_similar("Rhys", "Owen", "Owen", "Rhys")
    assert names_similar("Siân", "Morgan", "Morgan", "Sian")


def test_an_initial_with_the_same_family_name_is_similar():
    # Too short to pass on overall likeness: only the initial rule matches it.
    assert names_similar("J", "Williams", "Jonathan", "Williams")
    assert names_similar("Jonathan", "Williams", "J.", "Williams")


def test_a_different_initial_with_the_same_family_name_is_not_similar():
    assert not names_similar("K", "Williams", "Jonathan", "Williams")


@pytest.mark.parametrize(
    ("given_a", "family_a", "given_b", "family_b"),
    [
        ("Rhys", "Owen", "Siân", "Morgan"),
        ("Gareth", "Jones", "Gareth", "Davies"),
        ("Gareth", "Jones", "Eleri", "Jones"),
        ("Catherine", "Evans", "Mohammed", "Evans"),
    ],
)
def test_clearly_different_names_are_not_similar(given_a, family_a, given_b, family_b):
    assert not names_similar(given_a, family_a, given_b, family_b)


def test_a_name_without_a_family_name_is_never_similar():
    assert not names_similar("Rhys", "", "Rhys", "")
    assert not names_similar("Rhys", "Owen", "Rhys", "")


# likely_duplicates, with real records


def _person(world, given_name, family_name, date_of_birth, pnc_id=""):
    return person_create(
        actor=world.users["custody"],
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        gender=Person.Gender.MALE,
        pnc_id=pnc_id,
        confirmed_new=True,
    )


def test_a_person_with_the_same_birth_date_and_a_similar_name_is_found(world):
    rhys = _person(world, "Rhŷs", "Owen", date(1990, 3, 14))
    _person(world, "Siân", "Morgan", date(1990, 3, 14))  # same date, different name

    matches = likely_duplicates(
        Person.objects.all(), given_name="Rhys", family_name="Owen", date_of_birth=date(1990, 3, 14)
    )

    assert [m.person for m in matches] == [rhys]
    assert matches[0].reasons == [str(REASON_SAME_DOB)]


def test_a_person_with_the_names_swapped_and_the_same_birth_date_is_found(world):
    rhys = _person(world, "Rhys", "Owen", date(1990, 3, 14))

    matches = likely_duplicates(
        Person.objects.all(), given_name="Owen", family_name="Rhys", date_of_birth=date(1990, 3, 14)
    )

    assert [m.person for m in matches] == [rhys]


def test_a_person_with_day_and_month_of_birth_swapped_is_found(world):
    rhys = _person(world, "Rhys", "Owen", date(1990, 7, 3))

    matches = likely_duplicates(
        Person.objects.all(), given_name="Rhys", family_name="Owen", date_of_birth=date(1990, 3, 7)
    )

    assert [m.person for m in matches] == [rhys]
    assert matches[0].reasons == [str(REASON_SWAPPED_DOB)]


def test_a_person_with_the_same_pnc_id_is_found_whatever_their_name(world):
    held = _person(world, "Rhys", "Owen", date(1990, 3, 14), pnc_id="2019/0123456E")

    matches = likely_duplicates(
        Person.objects.all(),
        given_name="Eleri",
        family_name="Price",
        date_of_birth=date(1985, 11, 2),
        pnc_id="2019/0123456E",
    )

    assert [m.person for m in matches] == [held]
    assert matches[0].reasons == [str(REASON_SAME_PNC)]


def test_a_person_with_the_same_pnc_id_birth_date_and_name_gives_both_reasons(world):
    held = _person(world, "Rhys", "Owen", date(1990, 3, 14), pnc_id="2019/0123456E")

    matches = likely_duplicates(
        Person.objects.all(),
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1990, 3, 14),
        pnc_id="2019/0123456E",
    )

    assert [m.person for m in matches] == [held]
    assert matches[0].reasons == [str(REASON_SAME_PNC), str(REASON_SAME_DOB)]


def test_a_match_on_pnc_id_is_listed_before_a_match_on_name(world):
    by_name = _person(world, "Rhys", "Owen", date(1990, 3, 14))
    by_pnc = _person(world, "Eleri", "Price", date(1985, 11, 2), pnc_id="2019/0123456E")

    matches = likely_duplicates(
        Person.objects.all(),
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1990, 3, 14),
        pnc_id="2019/0123456E",
    )

    assert [m.person for m in matches] == [by_pnc, by_name]


def test_a_different_name_with_day_and_month_of_birth_swapped_is_not_found(world):
    _person(world, "Siân", "Morgan", date(1990, 7, 3))

    matches = likely_duplicates(
        Person.objects.all(), given_name="Rhys", family_name="Owen", date_of_birth=date(1990, 3, 7)
    )

    assert matches == []


def test_a_similar_name_with_a_different_birth_date_is_not_found(world):
    _person(world, "Rhys", "Owen", date(1990, 3, 14))

    matches = likely_duplicates(
        Person.objects.all(), given_name="Rhys", family_name="Owen", date_of_birth=date(1991, 3, 14)
    )

    assert matches == []


def test_a_birth_date_that_cannot_be_swapped_finds_only_the_same_date(world):
    # Day 14 cannot be a month, so 14 March has no swapped form to search.
    _person(world, "Rhys", "Owen", date(1990, 3, 13))

    matches = likely_duplicates(
        Person.objects.all(), given_name="Rhys", family_name="Owen", date_of_birth=date(1990, 3, 14)
    )

    assert matches == []


def test_no_more_matches_than_the_limit_are_returned(world):
    for given_name in ("Rhys", "Rhŷs", "Rhys", "Rhys"):
        _person(world, given_name, "Owen", date(1990, 3, 14))

    matches = likely_duplicates(
        Person.objects.all(),
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1990, 3, 14),
        limit=2,
    )

    assert len(matches) == 2


def test_only_people_in_the_candidates_given_are_considered(world):
    rhys = _person(world, "Rhys", "Owen", date(1990, 3, 14))

    matches = likely_duplicates(
        Person.objects.exclude(pk=rhys.pk),
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1990, 3, 14),
    )

    assert matches == []


def test_a_provider_is_not_shown_a_possible_duplicate_recorded_by_the_police(world):
    rhys = _person(world, "Rhys", "Owen", date(1990, 3, 14), pnc_id="2019/0123456E")
    described = {
        "given_name": "Rhys",
        "family_name": "Owen",
        "date_of_birth": date(1990, 3, 14),
        "pnc_id": "2019/0123456E",
    }

    # Another officer of the same force sees the match; a provider does not.
    for_officer = person_duplicates_for(user=world.users["frontline"], **described)
    for_provider = person_duplicates_for(user=world.users["prov_a"], **described)

    assert [m.person for m in for_officer] == [rhys]
    assert for_provider == []
