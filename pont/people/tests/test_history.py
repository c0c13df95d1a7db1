"""The registry of later events in people's lives: other modules register how to find them,
and an outcome measure reads them all without importing those modules."""

from datetime import UTC, datetime

import pytest

from pont.people import history


@pytest.fixture
def registered():
    """A made-up kind of event for the test, forgotten afterwards."""
    calls: list[tuple[list[int], datetime]] = []
    moments = {
        1: [datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)],
        2: [datetime(2024, 1, 1, tzinfo=UTC)],
    }

    def visits(person_ids, since):
        calls.append((list(person_ids), since))
        return {p: moments[p] for p in person_ids if p in moments}

    history.register_later_events("visit", visits, label="A visit")
    yield calls
    history.unregister_later_events("visit")


def test_the_modules_that_record_arrests_and_disposals_register_them():
    kinds = {k.kind: str(k.label) for k in history.registered_kinds()}
    assert kinds["arrest"] == "Arrested again (a drug test in custody)"
    assert kinds["disposal"] == "Another out-of-court disposal, for a later offence"


def test_events_at_or_after_since_are_returned_sorted_by_kind_and_person(registered):
    since = datetime(2024, 6, 1, tzinfo=UTC)
    found = history.later_events([2, 1, 1, 3], since, kinds=["visit"])
    # Person 2's only visit is before `since` even though the function returned it.
    assert found == {
        "visit": {1: [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)]}
    }
    assert registered == [([1, 2, 3], since)]


def test_no_people_no_calls(registered):
    assert history.later_events([], datetime(2024, 1, 1, tzinfo=UTC), kinds=["visit"]) == {
        "visit": {}
    }
    assert registered == []


def test_many_people_are_asked_about_in_batches(registered):
    history.later_events(range(1, 1201), datetime(2024, 1, 1, tzinfo=UTC), kinds=["visit"])
    assert [len(ids) for ids, _since in registered] == [500, 500, 200]


def test_a_second_function_for_a_kind_already_registered_is_refused(registered):
    def other(person_ids, since):
        return {}

    with pytest.raises(RuntimeError):
        history.register_later_events("visit", other)


def test_the_arrests_drug_testing_registers_are_found_for_the_person(world):
    from datetime import timedelta

    from django.utils import timezone

    from pont.testing.drug_testing import positive_test

    test = positive_test(world)
    found = history.later_events(
        [test.person_id], timezone.now() - timedelta(days=1), kinds=["arrest"]
    )
    assert found == {"arrest": {test.person_id: [test.arrested_at]}}
    assert history.later_events([test.person_id], timezone.now(), kinds=["arrest"]) == {
        "arrest": {}
    }
