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
