"""Stop and search figures and the public page: counts by month, county and outcome, either
outcome basis, disproportionality wired to the Census, and small numbers suppressed."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from pont.stop_search import figures, rates, tallies
from pont.stop_search.models import Search

LONDON = ZoneInfo("Europe/London")
WHITE, BLACK = "white_british", "black_african"
# The four counties at the 2021 Census (TS021), as loaded by the migration.
WHITE_POPULATION = 182_652 + 68_776 + 120_375 + 130_160
BLACK_POPULATION = 455 + 366 + 244 + 221


def _search(world, day: date, ethnicity: str, outcome: str, linked: bool | None, area=None):
    return Search.objects.create(
        controller=world.force,
        area=area,
        search_type=Search.Type.PERSON,
        occurred_at=datetime.combine(day, time(14), tzinfo=LONDON),
        local_date=day,
        self_defined_ethnicity=ethnicity,
        grounds="Smelt strongly of cannabis; seen passing a package.",
        outcome_at_search=outcome,
        linked_at_search=linked,
        outcome=outcome,
        outcome_linked=linked,
    )


@pytest.fixture
def searches(world):
    made = []
    for n in range(10):
        made.append(
            _search(
                world,
                date(2026, 9, 1 + n),
                WHITE,
                "arrest" if n < 4 else "no_further_action",
                n < 4,
                area=world.carmarthenshire,
            )
        )
    for n in range(9):
        made.append(
            _search(
                world,
                date(2026, 10, 1 + n),
                BLACK,
                "no_further_action",
                n < 3,
                world.carmarthenshire,
            )
        )
    made.append(_search(world, date(2026, 10, 20), "", "arrest", True))
    made.append(_search(world, date(2026, 10, 21), "", "no_further_action", False))
    # A later amendment: nothing was found at the time, cannabis was confirmed by the lab.
    Search.objects.filter(pk=made[9].pk).update(outcome="arrest", outcome_linked=True)
    tallies.rebuild()  # made without the services, which keep the roll-up as they go
    return made


def test_counts_by_month_county_and_outcome(searches):
    result = figures.compute()
    assert result.total == 21
    assert [(row.month, row.searches, row.found, row.linked) for row in result.by_month] == [
        (date(2026, 9, 1), 10, 5, 5),  # with the amendment: 5 arrests, 5 linked
        (date(2026, 10, 1), 11, 1, 4),
    ]
    assert result.by_county == [("Carmarthenshire", 19), ("", 2)]
    assert [(code, n) for code, _label, n in result.outcomes] == [
        ("no_further_action", 15),
        ("arrest", 6),
    ]


def test_the_outcome_at_the_time_of_the_search_is_kept_for_reports(searches):
    result = figures.compute(basis=figures.AT_SEARCH)
    assert [(row.searches, row.found, row.linked) for row in result.by_month] == [
        (10, 4, 4),
        (11, 1, 4),
    ]
    assert [(code, n) for code, _label, n in result.outcomes] == [
        ("no_further_action", 16),
        ("arrest", 5),
    ]


def test_disproportionality_uses_the_census_population_of_the_force_and_each_county(searches):
    result = figures.compute(basis=figures.AT_SEARCH)
    force = result.disproportionality[figures.FORCE]
    expected = rates.disproportionality(
        {"white": 10, "black": 9, "not_stated": 2},
        {"white": 4, "black": 3},
        {
            "white": WHITE_POPULATION,
            "black": BLACK_POPULATION,
            "asian": 5_823,
            "mixed": 4_920,
            "other": 1_907,
        },
    )
    assert force.groups[0] == expected.groups[0]  # white
    black = next(row for row in force.groups if row.group == "black")
    assert black == next(row for row in expected.groups if row.group == "black")
    assert black.rate == pytest.approx(9 * 1000 / BLACK_POPULATION)
    assert force.not_stated == 2
    county = result.disproportionality["Carmarthenshire"]
    white = next(row for row in county.groups if row.group == "white")
    assert (white.searches, white.population) == (10, 182_652)
    assert county.not_stated == 0


def test_the_public_page_needs_no_sign_in_and_suppresses_small_numbers(searches):
    page = Client().get("/stop-search/public")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stop and search in Dyfed-Powys: the figures" in html
    # 21 searches round to 20; 9 to 10; the 2 without a stated ethnicity are *.
    assert '<dd class="govuk-summary-list__value" id="total-searches">20</dd>' in html
    assert "not in the rates: *." in html
    assert "Carmarthenshire" in html
    assert "Census 2021" in html


def test_the_public_page_in_welsh(searches):
    client = Client()
    client.cookies["pont_language"] = "cy"
    html = client.get("/stop-search/public").content.decode()
    assert 'lang="cy"' in html
    assert "Stop and search in Dyfed-Powys: the figures" not in html


def test_a_bad_choice_on_the_public_page_names_the_field(searches):
    response = Client().get("/stop-search/public", {"basis": "sometimes"})
    assert response.status_code == 400
    assert 'href="#id_basis' in response.content.decode()


# The staff page -------------------------------------------------------------------------------

STAFF = "/stop-search/figures"


def _trend_row(html: str, label: str) -> list[str]:
    """The cells of a month's row of the trend table."""
    table = html.split('id="table-trend"', 1)[1].split("</table>", 1)[0]
    row = table.split(f">{label}</th>", 1)[1].split("</tr>", 1)[0]
    return [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<td")[1:]]


def test_the_force_sees_its_own_figures_exactly_with_the_trend_by_county(
    searches, world, as_persona
):
    from pont.testing.stop_search import other_force

    gwent, newport = other_force()
    _search(world, date(2026, 10, 2), WHITE, "arrest", True, area=newport)
    Search.objects.filter(area=newport).update(controller=gwent)  # another force's search
    tallies.rebuild()
    html = as_persona("inspector").get(STAFF).content.decode()
    assert '<dd class="govuk-summary-list__value" id="total-searches">21</dd>' in html  # not 22
    assert "Newport" not in html
    assert _trend_row(html, "September 2026") == ["10", "0"]  # Carmarthenshire, no county
    assert _trend_row(html, "October 2026") == ["9", "2"]
    october = as_persona("inspector").get(STAFF, {"since": "2026-10", "until": "2026-10"})
    assert 'id="total-searches">11</dd>' in october.content.decode()


def test_the_commissioners_office_sees_the_figures_suppressed(searches, as_persona):
    html = as_persona("opcc").get(STAFF).content.decode()
    assert 'id="total-searches">20</dd>' in html
    assert _trend_row(html, "October 2026") == ["10", "*"]


def test_the_staff_page_names_a_bad_month_and_refuses_a_backwards_range(searches, as_persona):
    client = as_persona("analyst")
    bad = client.get(STAFF, {"since": "2026-13"})
    assert bad.status_code == 400
    assert 'href="#id_since' in bad.content.decode()
    backwards = client.get(STAFF, {"since": "2026-10", "until": "2026-09"})
    assert backwards.status_code == 400
    assert 'href="#id_until' in backwards.content.decode()


def test_the_staff_page_is_refused_to_those_who_do_not_read_searches(searches, as_persona):
    assert as_persona("frontline").get(STAFF).status_code == 403
    assert as_persona("panel").get(STAFF).status_code == 403


# Disclosure: no exact count from a rate, a ratio or a share ---------------------------------
#
# A count shown as 10 may be 8 to 12 searches; a rate per 1,000 people to two places of the
# exact count, against the published Census population, gives it back (9 Black people
# searched among 1,286 is 7.00 per 1,000, and 7.00 x 1.286 is 9.00), and so do a ratio or a
# share of exact counts. In public every one of them is of the counts as shown.

BLACK_RATE_OF_9 = f"{9 * 1000 / BLACK_POPULATION:.2f}"  # 7.00: the leak


def _group_rows(html: str, table: int = 1) -> dict[str, list[str]]:
    """A disproportionality table (1 = the force) by group: searches, population, rate,
    ratio and outcome test, as shown."""
    body = html.split(f'id="table-disproportionality-{table}"', 1)[1].split("</table>", 1)[0]
    rows = body.split("<tbody", 1)[1].split("<tr")[1:]
    cells = [
        [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<td")[1:]] for row in rows
    ]
    return dict(zip(rates.GROUPS, cells, strict=True))


def _figures_shown(html: str) -> str:
    """The page's figures, from the totals to the last table of rates."""
    start = html.index('id="total-searches"')
    return html[start : html.index("</table>", html.rindex('id="table-disproportionality-'))]


def _ratio_shown(a: int, n1: int, b: int, n2: int) -> str:
    found = rates.rate_ratio(a, n1, b, n2)
    assert found is not None
    ratio, interval = found
    return f"{ratio:.1f} ({interval.low:.1f} to {interval.high:.1f})"


def _outcome_test_shown(linked: int, searches: int) -> str:
    interval = rates.wilson_interval(linked, searches)
    assert interval is not None
    return (
        f"{round(linked * 100 / searches)}% "
        f"({round(interval.low * 100)}% to {round(interval.high * 100)}%)"
    )


def test_the_count_a_page_works_rates_from():
    assert [figures.shown_count(n, public=True) for n in (0, 1, 7, 8, 9, 12, 13)] == [
        0,
        None,
        None,
        10,
        10,
        10,
        15,
    ]
    assert figures.shown_count(9, public=False) == 9


def test_a_public_rate_is_that_of_the_rounded_count_so_the_exact_one_is_not_recoverable(
    searches,
):
    black = _group_rows(Client().get("/stop-search/public").content.decode())["black"]
    searched, population, rate, ratio, _linked = black
    assert (searched, population) == ("10", f"{BLACK_POPULATION:,}")  # 9 searches
    assert rate == f"{10 * 1000 / BLACK_POPULATION:.2f}" == "7.78"
    assert rate != BLACK_RATE_OF_9
    # What a reader works back from the rate is the count shown, not the 9 behind it.
    assert round(float(rate) * BLACK_POPULATION / 1000) == 10
    # The ratio to the White rate (10 searches, shown as 10), of the counts shown too.
    assert ratio == _ratio_shown(10, BLACK_POPULATION, 10, WHITE_POPULATION)
    assert ratio != _ratio_shown(9, BLACK_POPULATION, 10, WHITE_POPULATION)


def test_every_public_rate_is_of_the_count_shown_or_suppressed_with_it(searches):
    html = Client().get("/stop-search/public").content.decode()
    tables = html.count('id="table-disproportionality-')
    assert tables == 2  # the force and Carmarthenshire
    for table in range(1, tables + 1):
        for group, (searched, population, rate, ratio, linked) in _group_rows(html, table).items():
            people = int(population.replace(",", ""))
            if searched == "*":
                assert (rate, ratio, linked) == ("*", "*", "*"), group
            else:
                assert rate == f"{int(searched) * 1000 / people:.2f}", group


def test_the_public_figures_are_the_same_for_exact_counts_that_round_alike(searches, world):
    """The page is a function of the counts as shown: one more search that rounds to the same
    counts everywhere changes nothing on it, so nothing on it tells 9 from 10."""
    before = Client().get("/stop-search/public").content.decode()
    _search(world, date(2026, 10, 10), BLACK, "no_further_action", False, world.carmarthenshire)
    tallies.rebuild()
    black = next(
        g for g in figures.compute().disproportionality[figures.FORCE].groups if g.group == "black"
    )
    assert black.searches == 10  # was 9
    after = Client().get("/stop-search/public").content.decode()
    assert _figures_shown(after) == _figures_shown(before)
    assert BLACK_RATE_OF_9 not in _figures_shown(before)


def test_the_forces_own_staff_still_see_rates_of_the_exact_counts(searches, as_persona):
    black = _group_rows(as_persona("inspector").get(STAFF).content.decode())["black"]
    assert black[:3] == ["9", f"{BLACK_POPULATION:,}", BLACK_RATE_OF_9]
    assert black[3] == _ratio_shown(9, BLACK_POPULATION, 10, WHITE_POPULATION)
    # The commissioner's office, which sees aggregates only, gets the public arithmetic.
    office = _group_rows(as_persona("opcc").get(STAFF).content.decode())["black"]
    assert office[:3] == ["10", f"{BLACK_POPULATION:,}", "7.78"]


@pytest.fixture
def linked_searches(world):
    """23 White people searched, 12 with a linked outcome (shown as 25 and 10), and 3 Asian
    people (shown as *)."""
    for n in range(23):
        _search(world, date(2026, 9, 1 + n), WHITE, "arrest", n < 12, world.carmarthenshire)
    for n in range(3):
        _search(world, date(2026, 9, 1 + n), "asian_indian", "arrest", True, world.carmarthenshire)
    tallies.rebuild()


def test_public_shares_are_of_the_rounded_counts_and_suppressed_with_them(linked_searches):
    html = Client().get("/stop-search/public").content.decode()
    # 15 linked of 26 searches (58%) shown as 15 of 25: the share shown is 60%.
    assert 'id="linked-share">60%</dd>' in html
    rows = _group_rows(html)
    white = rows["white"]
    assert white[0] == "25"
    assert white[2] == f"{25 * 1000 / WHITE_POPULATION:.2f}"
    # 12 of 23 (52%) shown as 10 of 25: the outcome test is 40%, its interval of 10 and 25.
    assert white[4] == _outcome_test_shown(10, 25)
    assert white[4] != _outcome_test_shown(12, 23)
    # 3 Asian people searched: the count, its rate, ratio and outcome test are all *.
    assert rows["asian"] == ["*", f"{5_823:,}", "*", "*", "*"]
    # No one of the other groups: a rate of 0, no ratio, no outcome test.
    assert rows["mixed"][2:] == ["0.00", "–", "–"]


def test_a_share_is_suppressed_when_those_left_out_of_it_are_few(searches, world):
    # 21 searches of which 10 linked: 11 not linked, both shown. Then the few not linked.
    for n in range(9):
        _search(world, date(2026, 9, 11 + n), WHITE, "arrest", True, world.carmarthenshire)
    tallies.rebuild()
    html = Client().get("/stop-search/public").content.decode()
    white = _group_rows(html)["white"]
    # 19 White searches, 14 linked (at present), 5 not: a share would give the 5 away.
    assert (white[0], white[4]) == ("20", "*")


def test_suppressed_outcomes_are_listed_by_name_not_by_their_hidden_sizes(searches, world):
    for n in range(4):
        _search(world, date(2026, 10, 10 + n), WHITE, "community_resolution", True, None)
    for n in range(2):
        _search(world, date(2026, 10, 15 + n), WHITE, "caution", True, None)
    tallies.rebuild()
    public = Client().get("/stop-search/public").content.decode()
    table = public.split("Outcomes of searches")[-1]
    assert table.index("Caution (simple or conditional)") < table.index("Community resolution")
    world.carmarthenshire.name_cy = "Sir Gaerfyrddin"
    world.carmarthenshire.save()
    client = Client()
    client.cookies["pont_language"] = "cy"
    welsh = client.get("/stop-search/public").content.decode()
    assert "Sir Gaerfyrddin" in welsh  # the county by its Welsh name on a Welsh page
    assert ">Carmarthenshire<" not in welsh
