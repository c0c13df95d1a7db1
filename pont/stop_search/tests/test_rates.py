"""Rates, ratios and intervals on an example worked by hand.

White: 100 searches among 100,000 people = 1.0 per 1,000.
Black: 10 searches among 1,000 people = 10.0 per 1,000, so the ratio is 10.
  SE(ln RR) = sqrt(1/10 - 1/1000 + 1/100 - 1/100000) = sqrt(0.10899) = 0.330136
  95% CI = exp(ln 10 -/+ 1.96 x 0.330136) = exp(2.302585 -/+ 0.647054) = 5.236 to 19.099
Asian: 2 searches among 2,000 people = 1.0 per 1,000, ratio 1.
  SE = sqrt(1/2 - 1/2000 + 1/100 - 1/100000) = sqrt(0.50949) = 0.713786
  95% CI = exp(-/+ 1.96 x 0.713786) = 0.247 to 4.051: far too few to say anything.
Mixed: no searches: rate 0, ratio undefined (not 0).
Other: searches but no population given: no rate.
Outcome test, Black: 3 of 10 linked = 30%, Wilson 95% interval 10.8% to 60.3%.
"""

import pytest

from pont.stop_search.rates import (
    GROUPS,
    disproportionality,
    rate_per_thousand,
    rate_ratio,
    wilson_interval,
)

SEARCHES = {"white": 100, "black": 10, "asian": 2, "mixed": 0, "other": 4, "not_stated": 7}
LINKED = {"white": 25, "black": 3, "asian": 0}
POPULATION = {"white": 100_000, "black": 1_000, "asian": 2_000, "mixed": 3_000}


@pytest.fixture
def result():
    return disproportionality(SEARCHES, LINKED, POPULATION)


def _group(result, name):
    return next(row for row in result.groups if row.group == name)


def test_rates_per_thousand(result):
    assert _group(result, "white").rate == pytest.approx(1.0)
    assert _group(result, "black").rate == pytest.approx(10.0)
    assert _group(result, "asian").rate == pytest.approx(1.0)
    assert _group(result, "mixed").rate == 0
    assert _group(result, "other").rate is None  # no population to divide by


def test_ratio_to_the_white_rate_with_its_95_percent_interval(result):
    black = _group(result, "black")
    assert black.ratio == pytest.approx(10.0)
    assert black.ratio_interval.low == pytest.approx(5.236, abs=5e-4)
    assert black.ratio_interval.high == pytest.approx(19.099, abs=5e-4)
    asian = _group(result, "asian")
    assert asian.ratio == pytest.approx(1.0)
    assert asian.ratio_interval.low == pytest.approx(0.247, abs=5e-4)
    assert asian.ratio_interval.high == pytest.approx(4.051, abs=5e-4)
    white = _group(result, "white")
    assert (white.ratio, white.ratio_interval.low, white.ratio_interval.high) == (1.0, 1.0, 1.0)


def test_a_ratio_with_no_searches_is_undefined_not_zero(result):
    mixed = _group(result, "mixed")
    assert mixed.ratio is None
    assert mixed.ratio_interval is None
    assert rate_ratio(5, 100, 0, 1000) is None  # no White searches to compare with
    assert rate_ratio(5, 0, 5, 1000) is None
    assert rate_ratio(50, 10, 5, 1000) is None  # more searches than people: not a rate


def test_the_outcome_test_share_and_wilson_interval(result):
    black = _group(result, "black")
    assert (black.linked, black.linked_share) == (3, pytest.approx(0.3))
    assert black.linked_interval.low == pytest.approx(0.1078, abs=5e-4)
    assert black.linked_interval.high == pytest.approx(0.6032, abs=5e-4)
    asian = _group(result, "asian")
    assert asian.linked_share == 0
    assert asian.linked_interval.low == 0
    assert 0 < asian.linked_interval.high < 1
    assert _group(result, "mixed").linked_share is None
    assert wilson_interval(0, 0) is None
    everything = wilson_interval(10, 10)
    assert everything.high == pytest.approx(1.0)
    assert everything.low < 1.0


def test_searches_with_no_stated_ethnicity_are_counted_and_left_out_of_rates(result):
    assert result.not_stated == 7
    assert [row.group for row in result.groups] == list(GROUPS)
    assert sum(row.searches for row in result.groups) == 116


def test_no_population_gives_no_rate():
    assert rate_per_thousand(5, 0) is None
    assert rate_per_thousand(0, 10) == 0
