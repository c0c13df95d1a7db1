"""The partner API's key check (`api_client_for_key`): only an active client of an active
organisation, with the whole key right, is let in; the client read equals the ORM's."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.api_auth import ApiKeyAuth, api_client_for_key
from pont.accounts.models import ApiClient, Organisation


@pytest.fixture
def client_and_key(world):
    return accounts.api_client_create(
        actor=world.users["sysadmin"],
        organisation=world.provider_a,
        name="Case system",
        scopes=["referrals:read"],
    )


def test_the_right_key_finds_its_client_read_as_the_orm_reads_it(client_and_key):
    client, key = client_and_key
    found = api_client_for_key(key)

    assert isinstance(found, ApiClient)
    expected = ApiClient.objects.get(pk=client.pk)
    for field in ApiClient._meta.concrete_fields:  # every column, type for type
        value, wanted = getattr(found, field.attname), getattr(expected, field.attname)
        assert (value, type(value)) == (wanted, type(wanted)), field.attname
    assert found.has_scope("referrals:read")
    assert not found.has_scope("referrals:write")
    assert found.organisation == client.organisation  # loaded when first used


@pytest.mark.parametrize(
    "wrong",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # the secret part altered
        lambda key: key.replace(key.split("_")[1], "0" * 12),  # an unknown prefix
        lambda key: key.split("_")[0],  # no prefix or secret at all
        lambda key: "",
        lambda key: key.replace(key.split("_")[1], key.split("_")[1][:6] + "\x00"),  # a NUL
        lambda key: key.replace(key.split("_")[1], "é" * 12),  # not what Pont makes
        lambda key: key.replace(key.split("_")[1], "a" * 17),  # longer than any prefix
    ],
)
def test_a_wrong_key_finds_nothing(client_and_key, wrong):
    _client, key = client_and_key
    assert api_client_for_key(wrong(key)) is None


def test_an_inactive_client_or_organisation_is_refused(client_and_key):
    client, key = client_and_key
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    assert api_client_for_key(key) is None

    ApiClient.objects.filter(pk=client.pk).update(is_active=True)
    Organisation.objects.filter(pk=client.organisation_id).update(is_active=False)
    assert api_client_for_key(key) is None

    Organisation.objects.filter(pk=client.organisation_id).update(is_active=True)
    assert api_client_for_key(key) == client


def test_use_is_recorded_at_most_once_a_minute(client_and_key):
    client, key = client_and_key
    request = RequestFactory().get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert ApiKeyAuth()(request) == client
    first = ApiClient.objects.get(pk=client.pk).last_used_at
    assert first is not None
    ApiKeyAuth()(request)
    assert ApiClient.objects.get(pk=client.pk).last_used_at == first

    ApiClient.objects.filter(pk=client.pk).update(last_used_at=first - timedelta(minutes=2))
    ApiKeyAuth()(request)
    assert ApiClient.objects.get(pk=client.pk).last_used_at > first - timedelta(seconds=1)
    assert ApiClient.objects.get(pk=client.pk).last_used_at <= timezone.now()
