"""The roll-up the figures are counted from equals the searches, through every kind of change:
searches recorded, outcomes amended (in both directions, twice), police.uk months imported,
re-imported and spilling into the next month in UK time; and `check` can fail."""

from datetime import UTC, date, datetime
from io import BytesIO

import pytest

from pont.stop_search import figures, services, tallies
from pont.stop_search.models import PublishedSearch, Search, SearchTally
from pont.testing.personas import FRONTLINE, INSPECTOR
from pont.testing.stop_search import amended, recorded_search, stop_search_reference

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
    "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
    "Outcome linked to object of search,Removal of more than just outer clothing\n"
)
ROW = (
    "Person search,{when},,,,,Male,18-24,White - English/Welsh/Scottish/Northern Irish/British,"
    "White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,{outcome},{linked},False\n"
)


def _file(rows: list[tuple[str, str, str]]) -> BytesIO:
    body = HEADER + "".join(ROW.format(when=w, outcome=o, linked=lk) for w, o, lk in rows)
    return BytesIO(body.encode())


def _same_as_searches(controller_id: int, *months: date) -> None:
    for month in months:
        assert tallies.check(controller_id, month), month
    total = sum(SearchTally.objects.values_list("searches", flat=True))
    assert total == Search.objects.count() + PublishedSearch.objects.count()


@pytest.fixture
def codes(world, settings):
    settings.POLICEUK_FORCES = {"dyfed-powys": world.force.slug}
    return stop_search_reference()


def test_recording_and_amending_keep_the_tallies_equal_to_the_searches(world, codes):
    first = recorded_search(world)
    month = first.local_date.replace(day=1)
    second = recorded_search(world, outcome=codes["nfa"], outcome_linked=False)
    _same_as_searches(world.force.pk, month)
    amended(second, actor=world.users[FRONTLINE], outcome=codes["arrest"], outcome_linked=True)
    _same_as_searches(world.force.pk, month)
    amended(
        second,
        actor=world.users[FRONTLINE],
        outcome=codes["nfa"],
        outcome_linked=False,
    )
    amended(
        first,
        actor=world.users[INSPECTOR],
        outcome=codes["community_resolution"],
        outcome_linked=True,
    )
    _same_as_searches(world.force.pk, month)
    now = figures.compute()
    at_search = figures.compute(basis=figures.AT_SEARCH)
    assert [(c, n) for c, _l, n in now.outcomes] == [
        (codes["community_resolution"], 1),
        (codes["nfa"], 1),
    ]
    assert [(c, n) for c, _l, n in at_search.outcomes] == [
        (codes["arrest"], 1),
        (codes["nfa"], 1),
    ]


def test_an_import_and_its_replacement_are_counted_in_uk_months(world, codes):
    september = [
        # 23:00 UTC on 31 August is midnight on 1 September in UK time: September's.
        ("2019-08-31T23:00:00+00:00", "Arrest", "True"),
        ("2019-09-15T10:00:00+00:00", "A no further action disposal", ""),
        ("2019-09-30T10:00:00+00:00", "Arrest", "True"),
    ]
    name = "2019-09-dyfed-powys-stop-and-search.csv"
    force = services.policeuk_import(actor=None, file_name=name, stream=_file(september))
    controller_id = force.policeuk_import.controller_id
    assert controller_id == world.force.pk
    _same_as_searches(controller_id, date(2019, 8, 1), date(2019, 9, 1))
    assert [(r.month, r.searches) for r in figures.compute().by_month] == [(date(2019, 9, 1), 3)]
    # Re-issued with one search fewer: the month is replaced and counted again.
    again = services.policeuk_import(actor=None, file_name=name, stream=_file(september[:2]))
    assert (force.rows, again.rows, again.replaced) == (3, 2, 3)
    _same_as_searches(controller_id, date(2019, 8, 1), date(2019, 9, 1))
    assert [(r.month, r.searches) for r in figures.compute().by_month] == [(date(2019, 9, 1), 2)]
    # Counted again from nothing, the published searches count in their import's UK month.
    tallies.rebuild()
    _same_as_searches(controller_id, date(2019, 8, 1), date(2019, 9, 1))
    assert [(r.month, r.searches) for r in figures.compute().by_month] == [(date(2019, 9, 1), 2)]


def test_an_import_beside_searches_recorded_in_pont_counts_both(world, codes):
    # A search recorded in Pont in the month that police.uk then publishes: the import adds to
    # the month's tallies and the replacement takes away only what the first import added.
    recorded = recorded_search(
        world,
        occurred_at=datetime(2019, 9, 15, 10, tzinfo=UTC),
        outcome=codes["arrest"],
        outcome_linked=True,
    )
    name = "2019-09-dyfed-powys-stop-and-search.csv"
    rows = [
        ("2019-09-15T10:00:00+00:00", "Arrest", "True"),  # the recorded search's outcome
        ("2019-09-16T10:00:00+00:00", "Arrest", "False"),
        ("2019-09-17T10:00:00+00:00", "A no further action disposal", ""),
    ]
    services.policeuk_import(actor=None, file_name=name, stream=_file(rows))
    september = date(2019, 9, 1)
    _same_as_searches(recorded.controller_id, september)
    assert sum(t.searches for t in SearchTally.objects.filter(month=september)) == 4
    again = services.policeuk_import(actor=None, file_name=name, stream=_file(rows[1:2]))
    assert again.replaced == 3
    _same_as_searches(recorded.controller_id, september)
    assert sorted((t.outcome, t.outcome_linked, t.searches) for t in SearchTally.objects.all()) == [
        (codes["arrest"], False, 1),
        (codes["arrest"], True, 1),
    ]  # no tally left at zero


def test_check_fails_when_the_tallies_disagree_and_rebuild_mends_them(world, codes):
    search = recorded_search(world)
    month = search.local_date.replace(day=1)
    SearchTally.objects.update(searches=2)
    assert not tallies.check(world.force.pk, month)
    tallies.rebuild()
    assert tallies.check(world.force.pk, month)


def test_two_rows_with_one_key_are_summed(world, codes):
    search = recorded_search(world)
    SearchTally.objects.create(**tallies.key_of(search), searches=1)
    assert figures.compute().total == 2  # both rows count: as if two such searches were made
    assert not tallies.check(world.force.pk, search.local_date.replace(day=1))
