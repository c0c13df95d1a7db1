"""Optimistic concurrency: a change applies only to the version the writer read."""

from datetime import UTC, date, datetime

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import ConflictError
from pont.people.models import Person
from pont.people.services import person_create

LATER = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def person(world):
    return person_create(
        actor=world.users["custody"],
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1990, 3, 14),
        gender=Person.Gender.MALE,
        confirmed_new=True,
    )


def test_a_new_record_starts_at_version_one(person):
    person.refresh_from_db()
    assert person.version == 1


def test_an_update_at_the_version_read_applies_the_fields_and_bumps_the_version(person):
    update_if_version(person, expected_version=1, fields={"given_name": "Rhŷs", "pnc_id": ""})

    stored = Person.objects.get(pk=person.pk)
    assert stored.given_name == "Rhŷs"
    assert stored.family_name == "Owen"
    assert stored.version == 2


def test_an_update_also_changes_the_instance_in_memory(person):
    update_if_version(person, expected_version=1, fields={"given_name": "Rhŷs"})

    assert person.given_name == "Rhŷs"
    assert person.version == 2


def test_successive_updates_each_bump_the_version(person):
    update_if_version(person, expected_version=1, fields={"given_name": "Rhŷs"})
    update_if_version(person, expected_version=2, fields={"family_name": "Owens"})

    stored = Person.objects.get(pk=person.pk)
    assert (stored.given_name, stored.family_name, stored.version) == ("Rhŷs", "Owens", 3)


@pytest.mark.parametrize("version", [-1, 2**63, 10**26])
def test_a_version_no_row_can_have_is_stale_not_an_overflow(person, version):
    with pytest.raises(ConflictError) as refused:
        update_if_version(person, expected_version=version, fields={"given_name": "Rhŷs"})
    assert refused.value.message == str(STALE_VERSION)
    assert Person.objects.get(pk=person.pk).version == 1


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(person):
    # Someone else saves first, from the same version 1.
    update_if_version(
        Person.objects.get(pk=person.pk), expected_version=1, fields={"family_name": "Owens"}
    )
    before = Person.objects.get(pk=person.pk)

    with pytest.raises(ConflictError) as caught:
        update_if_version(person, expected_version=1, fields={"given_name": "Dai"})

    assert caught.value.status == 409
    assert caught.value.message == str(STALE_VERSION)
    assert caught.value.extra == {"expected_version": 1}
    after = Person.objects.get(pk=person.pk)
    assert (after.given_name, after.family_name, after.version) == ("Rhys", "Owens", 2)
    assert after.updated_at == before.updated_at


def test_a_refused_update_leaves_the_instance_in_memory_unchanged(person):
    with pytest.raises(ConflictError):
        update_if_version(person, expected_version=7, fields={"given_name": "Dai"})

    assert person.given_name == "Rhys"
    assert person.version == 1


def test_an_update_stamps_updated_at(person, monkeypatch):
    created_at = Person.objects.get(pk=person.pk).created_at
    monkeypatch.setattr(timezone, "now", lambda: LATER)

    update_if_version(person, expected_version=1, fields={"given_name": "Rhŷs"})

    stored = Person.objects.get(pk=person.pk)
    assert stored.updated_at == LATER
    assert person.updated_at == LATER
    assert stored.created_at == created_at


def test_an_update_that_gives_updated_at_keeps_the_value_given(person):
    chosen = datetime(2029, 6, 1, 12, 0, tzinfo=UTC)

    update_if_version(
        person, expected_version=1, fields={"given_name": "Rhŷs", "updated_at": chosen}
    )

    assert Person.objects.get(pk=person.pk).updated_at == chosen


def test_an_update_does_not_change_the_fields_dictionary_given(person):
    fields = {"given_name": "Rhŷs"}

    update_if_version(person, expected_version=1, fields=fields)

    assert fields == {"given_name": "Rhŷs"}


def test_an_expression_as_a_value_is_applied_by_the_database_at_the_version_read(person):
    """Plain values go by the written-out UPDATE; an expression still goes by the ORM's."""
    renamed = {"family_name": Concat(F("family_name"), Value("s"))}
    update_if_version(person, expected_version=1, fields=renamed)

    stored = Person.objects.get(pk=person.pk)
    assert (stored.family_name, stored.version) == ("Owens", 2)
    with pytest.raises(ConflictError):
        update_if_version(person, expected_version=1, fields=renamed)
    assert Person.objects.get(pk=person.pk).family_name == "Owens"
