"""The funnel's filter errors: one problem is said once in the error summary, linked to the
first field that has it, and each field still shows its own message."""

import html
import re

from pont.referrals.forms import ONE_FILTER_AT_A_TIME
from pont.testing.personas import CUSTODY, OPCC
from pont.testing.referrals import referral_in


def _summary(page: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert found, "no error summary"
    return found.group(0)


def test_two_filters_at_once_is_said_once_in_the_summary_and_at_each_field(world, as_persona):
    referral_in(world, "requested")
    office = as_persona(OPCC)
    refused = office.get("/referrals/funnel", {"county": "Carmarthenshire", "source": "voluntary"})
    assert refused.status_code == 400
    page = html.unescape(refused.content.decode())
    sentence = str(ONE_FILTER_AT_A_TIME)
    summary = _summary(page)
    assert summary.count(sentence) == 1
    # Linked to the first of the two fields on the page (source comes before county).
    assert f'<a href="#id_source">{sentence}</a>' in summary
    # Each field still says it at the field.
    for field in ("source", "county"):
        message = re.search(
            rf'<p id="id_{field}-error" class="govuk-error-message">.*?</p>', page, re.S
        )
        assert message, field
        assert sentence in message.group(0)
    assert 'id="id_provider-error"' not in page


def test_other_errors_are_each_listed_in_the_fields_order(world, as_persona):
    referral_in(world, "requested")
    office = as_persona(OPCC)
    refused = office.get(
        "/referrals/funnel",
        {"source": "voluntary", "county": "Carmarthenshire", "provider": "999999"},
    )
    assert refused.status_code == 400
    summary = _summary(html.unescape(refused.content.decode()))
    links = re.findall(r'<a href="#(id_\w+)">', summary)
    assert links == ["id_source", "id_provider"]
    assert "Select a provider from the list." in summary
    assert summary.count(str(ONE_FILTER_AT_A_TIME)) == 1


def test_the_csv_with_two_filters_shows_the_same_page(world, as_persona):
    referral_in(world, "requested")
    refused = as_persona(OPCC).get(
        "/referrals/funnel.csv", {"county": "Carmarthenshire", "source": "voluntary"}
    )
    assert refused.status_code == 400
    summary = _summary(html.unescape(refused.content.decode()))
    assert summary.count(str(ONE_FILTER_AT_A_TIME)) == 1
    assert as_persona(CUSTODY).get("/referrals/funnel.csv").status_code == 403
