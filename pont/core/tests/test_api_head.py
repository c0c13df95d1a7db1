"""Every GET of the API answers HEAD: the same status and headers, no body (RFC 9110 9.3.2).

The referral API's HEADs (keys, scopes, 404, audit) are tested in
pont/referrals/tests/test_api_http.py; here, every GET the OpenAPI document lists, and the
document and reference page themselves.
"""

import pytest
from django.test import Client

from pont.accounts import services as accounts
from pont.testing.personas import CUSTODY, SYSADMIN
from pont.testing.referrals import provider_service, referral_in

PER_ANSWER = {"X-Request-ID"}


def _headers(response):
    return {name: value for name, value in response.items() if name not in PER_ANSWER}


@pytest.fixture
def addresses(world):
    """Every GET address of the document, its path parameters filled with real records, and
    a key of the organisation they belong to."""
    from config.api import api

    referral = referral_in(world, "requested")
    service = provider_service(world)
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="head",
        scopes=["referrals:read"],
    )
    values = {"{referral_id}": str(referral.pk), "{id}": str(service.pk)}
    paths = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        assert "head" not in operations, path  # the GET, described once
        if "get" in operations:
            for name, value in values.items():
                path = path.replace(name, value)
            assert "{" not in path, path
            paths.append(path)
    return paths, {"Authorization": f"Bearer {key}"}


def test_every_get_of_the_api_answers_head_with_its_status_and_headers_and_no_body(addresses):
    paths, headers = addresses
    assert len(paths) >= 7  # health, me, the HSDS root, services and service, referrals
    for path in [*paths, "/api/v1/openapi.json"]:
        for asked_with in (headers, {}):  # with a key, and without (401 where one is needed)
            get = Client().get(path, headers=asked_with)
            head = Client().head(path, headers=asked_with)
            assert head.status_code == get.status_code, path
            assert get.status_code in (200, 401), path
            assert head.content == b"", path
            assert head["Content-Length"] == str(len(get.content)), path
            assert _headers(head) == _headers(get), path


def test_the_reference_page_answers_head_as_get(world, as_persona):
    get = as_persona(CUSTODY).get("/api/v1/docs")
    head = as_persona(CUSTODY).head("/api/v1/docs")
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    signed_out = Client().head("/api/v1/docs")
    assert signed_out.status_code == 302  # to sign in, as a GET is


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/health", "GET, HEAD"),
        ("/api/v1/me", "GET, HEAD"),
        ("/api/v1/hsds/services", "GET, HEAD"),
        ("/api/v1/openapi.json", "GET, HEAD"),
    ],
)
def test_a_405_lists_head_in_allow_beside_get(db, path, allowed):
    refused = Client().post(path, "{}", content_type="application/json")
    assert refused.status_code == 405
    assert refused["Allow"] == allowed
    assert refused.json()["extra"] == {"allowed": allowed.split(", ")}


def test_a_head_refused_with_405_has_the_refusals_headers_and_no_body(world):
    """A HEAD at an address that takes only POST: the 405 Pont writes (JSON on the API, a page
    elsewhere) with its headers, Content-Length its body's length. The body itself is dropped
    by the server (gunicorn and Django's own handlers do, for any HEAD; checked against
    gunicorn on 2026-12-01), as the test client drops it here."""
    referral = referral_in(world, "requested")
    api_address = f"/api/v1/referrals/{referral.pk}/contact-attempts"
    refused = ((api_address, "application/json"), ("/accounts/sign-out", "text/html"))
    for path, content_type in refused:
        get = Client().get(path)
        head = Client().head(path)
        assert get.status_code == head.status_code == 405, path
        assert get.content, path
        assert head.content == b"", path
        # The API's refusal names the method it was asked with ("does not take HEAD").
        said_to_head = get.content.replace(b"take GET", b"take HEAD")
        assert head["Content-Length"] == str(len(said_to_head)), path
        assert head["Allow"] == get["Allow"] == "POST", path
        assert head["Content-Type"].startswith(content_type), path
