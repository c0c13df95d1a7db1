"""The Census 2021 denominators load from the shipped ONS file, exactly."""

from datetime import date

import pytest

from pont.stop_search.models import CensusPopulation

pytestmark = pytest.mark.django_db


def _count(area: str, group: str) -> int:
    return CensusPopulation.objects.get(area_name=area, group=group).usual_residents


def test_each_county_and_wales_has_the_five_broad_groups_from_ts021():
    rows = CensusPopulation.objects.filter(census_day=date(2021, 3, 21))
    assert rows.count() == 25
    assert _count("Carmarthenshire", "white") == 182_652
    assert _count("Ceredigion", "black") == 366
    assert _count("Powys", "asian") == 1_247
    assert _count("Wales", "mixed") == 48_598


def test_the_four_counties_add_up_to_the_force_area():
    counties = CensusPopulation.objects.exclude(area_name="Wales")
    assert sum(counties.values_list("usual_residents", flat=True)) == 515_899
    assert {row.source for row in counties} == {
        "Office for National Statistics, Census 2021, table TS021 (Ethnic group), usual "
        "residents; Open Government Licence v3.0"
    }
