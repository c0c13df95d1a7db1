"""A download that records a disclosure is asked for, never merely fetched.

The person's copy of a search record, a provider's caseload, the panels' session
reports: each is recorded in the audit log as handed over. They are buttons (a POST),
so that the record is made once each time someone asks for the file, and never because
a browser prefetched a link, a link checker followed it or a tab was restored. For
every download in the policy table: the page that offers it carries its button; a GET
is refused (405) and records nothing; each POST records one disclosure.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from pont.audit.models import AuditEvent
from pont.testing.personas import World, sign_in
from pont.testing.policy import Rule, collect_rules, policy_scene

# Each download and the page that offers it.
OFFERED_ON = {
    "referrals:export": "referrals:list",
    "stop_search:copy": "stop_search:detail",
    "stop_search:panel_report": "stop_search:panel_session",
    "disposals:scrutiny_report": "disposals:scrutiny_sample",
}
DOWNLOADS = [rule for rule in collect_rules() if rule.download]


def _events() -> list[tuple[str, str]]:
    return list(AuditEvent.objects.order_by("sequence").values_list("operation", "object_type"))


def test_every_download_is_listed_with_the_page_that_offers_it():
    assert {rule.name for rule in DOWNLOADS} == set(OFFERED_ON)


@pytest.mark.django_db
@pytest.mark.parametrize("rule", DOWNLOADS, ids=lambda rule: rule.name)
def test_a_download_is_a_button_a_get_records_nothing_and_each_ask_is_recorded(
    rule: Rule, world: World
):
    scene = policy_scene(world, rule)
    kwargs = {arg: scene[ref].pk for arg, ref in rule.kwargs.items()}
    url = reverse(rule.name, kwargs=kwargs)
    persona = next(p for p, expected in rule.expect["POST"].items() if expected == 200)
    client = sign_in(Client(), world.user(persona))

    page = client.get(reverse(OFFERED_ON[rule.name], kwargs=kwargs)).content.decode()
    button = rf'<form method="post" action="{re.escape(url)}"[^>]*>(.*?)</form>'
    form = re.search(button, page, re.S)
    assert form, f"{rule.name}: no button on the page that offers it"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'type="submit"' in form.group(1)

    before = _events()
    assert client.get(url).status_code == 405
    assert client.head(url).status_code == 405
    assert _events() == before

    recorded = []
    for _ in range(2):
        response = client.post(url)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        after = _events()
        recorded.append(after[len(before) :])
        before = after
    # Each ask records its disclosures (the caseload's: one for each person in it), and
    # the second ask records them again, exactly as the first.
    assert any(operation == "disclosure" for operation, _ in recorded[0])
    assert recorded[1] == recorded[0]
