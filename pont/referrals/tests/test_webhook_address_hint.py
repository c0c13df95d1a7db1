"""The webhook form's hint says what the running settings accept, as registration decides it."""

import html

import pytest

from pont.referrals import outbox
from pont.referrals.forms import WebhookCreateForm
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR

CREATE = "/referrals/webhooks/new"
PRODUCTION = (
    "It must start with https:// and be on the public internet, "
    "for example https://example.org/pont-webhooks"
)


def _hint(settings, *, private: bool, local_http: bool) -> str:
    settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = private
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = local_http
    return str(WebhookCreateForm().fields["url"].help_text)


def test_in_production_the_hint_says_https_on_the_public_internet_only(settings):
    assert _hint(settings, private=False, local_http=False) == PRODUCTION
    assert outbox.endpoint_url_problem("http://127.0.0.1:8001/events") is not None
    assert outbox.endpoint_url_problem("https://10.0.0.5/events") is not None


def test_in_the_demo_the_hint_says_plainly_that_local_addresses_are_accepted_too(settings):
    hint = _hint(settings, private=True, local_http=True)
    assert hint.startswith("It must start with https://")
    assert "This is a demo, so it also accepts an address on the computer Pont runs on" in hint
    assert "http://127.0.0.1:8001/events" in hint
    assert "A live Pont accepts only https:// addresses on the public internet." in hint
    # What the hint offers, registration takes.
    assert outbox.endpoint_url_problem("http://127.0.0.1:8001/events") is None
    assert outbox.endpoint_url_problem("https://10.0.0.5/events") is None


def test_with_private_addresses_but_no_plain_http_the_hint_does_not_offer_http(settings):
    hint = _hint(settings, private=True, local_http=False)
    assert "http://127.0.0.1" not in hint
    assert "private network" in hint
    assert outbox.endpoint_url_problem("http://127.0.0.1:8001/events") is not None
    assert outbox.endpoint_url_problem("https://10.0.0.5/events") is None


def test_the_page_shows_the_hint_of_the_running_settings_to_managers_only(
    world, as_persona, settings
):
    settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    page = html.unescape(as_persona(PROV_A_MGR).get(CREATE).content.decode())
    assert PRODUCTION in page
    settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = True
    page = html.unescape(as_persona(PROV_B_MGR).get(CREATE).content.decode())
    assert "This is a demo" in page
    assert PRODUCTION not in page
    assert as_persona(PROV_A).get(CREATE).status_code == 403


@pytest.mark.parametrize(("private", "local_http"), [(False, False), (True, False), (True, True)])
def test_every_hint_gives_an_https_example(settings, private, local_http):
    assert "https://example.org/pont-webhooks" in _hint(
        settings, private=private, local_http=local_http
    )
