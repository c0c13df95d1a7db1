"""The list's address with and without its slash, and updated_since's refusal in words."""

import pytest
from django.test import Client

from pont.accounts import services as accounts
from pont.referrals.api import UPDATED_SINCE_NOT_A_DATE_TIME
from pont.testing.personas import SYSADMIN
from pont.testing.referrals import reachable_person, referral_in


def _key(world, organisation, scopes=("referrals:read",)):
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN], organisation=organisation, name="system", scopes=list(scopes)
    )
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("address", ["/api/v1/referrals", "/api/v1/referrals/"])
def test_the_list_answers_at_its_address_with_or_without_the_slash(world, address):
    referral_in(world, "requested", person=reachable_person(world, given_name="Ann"))
    referral_in(world, "requested", which="b", person=reachable_person(world, given_name="Dai"))
    listed = Client().get(address, {"limit": 10}, headers=_key(world, world.provider_a))
    assert listed.status_code == 200  # not Django's 301 to the address with the slash
    assert [i["person"]["given_name"] for i in listed.json()["items"]] == ["Ann"]
    other = Client().get(address, headers=_key(world, world.provider_b)).json()
    assert [i["person"]["given_name"] for i in other["items"]] == ["Dai"]
    unscoped = Client().get(address, headers=_key(world, world.provider_a, scopes=()))
    assert unscoped.status_code == 403
    assert Client().get(address).status_code == 401
    posted = Client().post(address, headers=_key(world, world.provider_a))
    assert posted.status_code == 405
    assert posted.json()["extra"] == {"allowed": ["GET", "HEAD"]}


def test_the_schema_lists_the_list_once_at_its_address_with_the_slash(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/referrals/" in paths
    assert "/api/v1/referrals" not in paths


@pytest.mark.parametrize(
    "updated_since",
    [
        "2026-11-27T10:00:00 00:00",  # a raw + in the query string, decoded as a space
        "2026-11-27",  # a date alone
        "yesterday",
    ],
)
def test_an_unreadable_updated_since_is_refused_naming_it_and_the_cure(world, updated_since):
    headers = _key(world, world.provider_a)
    refused = Client().get("/api/v1/referrals/", {"updated_since": updated_since}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["extra"] == {
        "fields": {"updated_since": [str(UPDATED_SINCE_NOT_A_DATE_TIME)]}
    }
    message = refused.json()["extra"]["fields"]["updated_since"][0]
    assert message.startswith("updated_since must be an ISO 8601 date and time with its offset")
    assert "%2B" in message
    assert "date or" not in message  # pydantic's "a valid datetime or date"


def test_a_raw_plus_sent_as_a_space_is_refused_but_the_same_moment_encoded_is_taken(world):
    referral_in(world, "requested")
    headers = _key(world, world.provider_a)
    raw = Client().get(
        "/api/v1/referrals/?updated_since=2020-11-27T10:00:00+00:00", headers=headers
    )
    assert raw.status_code == 422
    encoded = Client().get(
        "/api/v1/referrals/?updated_since=2020-11-27T10:00:00%2B00:00", headers=headers
    )
    assert encoded.status_code == 200
    assert len(encoded.json()["items"]) == 1
