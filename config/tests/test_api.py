"""The API shell: bearer keys, the single error shape, the schema and the docs page."""

import json

import pytest
from django.test import Client

from pont.accounts import services
from pont.testing.personas import CUSTODY, SYSADMIN


@pytest.fixture
def key_a(world):
    _client, key = services.api_client_create(
        actor=world.users[SYSADMIN], organisation=world.provider_a, name="Case system A"
    )
    return key


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_health_answers_without_a_key(db):
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_valid_key_identifies_its_client_and_organisation(key_a):
    response = Client().get("/api/v1/me", headers=_bearer(key_a))
    assert response.status_code == 200
    assert response.json() == {"name": "Case system A", "organisation": "Provider A", "scopes": []}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer ",
        "Bearer nonsense",
        "Bearer pont_000000000000_notarealsecret",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_requests_without_a_valid_key_get_401_in_the_error_shape(db, header):
    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "A valid API key is required.", "extra": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_key_with_a_changed_secret_is_refused(key_a):
    tampered = key_a[:-4] + ("AAAA" if not key_a.endswith("AAAA") else "BBBB")
    assert Client().get("/api/v1/me", headers=_bearer(tampered)).status_code == 401


def test_a_revoked_key_stops_working_at_once(world, key_a):
    client = world.provider_a.api_clients.get()
    services.api_client_revoke(actor=world.users[SYSADMIN], client=client)
    assert Client().get("/api/v1/me", headers=_bearer(key_a)).status_code == 401


def test_the_key_is_stored_only_as_a_digest(world, key_a):
    client = world.provider_a.api_clients.get()
    assert key_a not in (client.key_digest, client.key_prefix)
    assert client.key_digest == client.digest(key_a)
    assert key_a.startswith(f"pont_{client.key_prefix}_")


def test_a_provider_manager_cannot_create_a_client_for_another_organisation(world):
    from pont.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.api_client_create(
            actor=world.users["prov_a_mgr"], organisation=world.provider_b, name="sneaky"
        )
    assert refused.value.status == 403
    assert not world.provider_b.api_clients.exists()


def test_unknown_scopes_are_refused_and_named(world):
    from pont.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.api_client_create(
            actor=world.users[SYSADMIN],
            organisation=world.provider_a,
            name="x",
            scopes=["root:all"],
        )
    assert refused.value.extra == {"fields": {"scopes": ["root:all"]}}


def test_an_unknown_api_path_gets_404(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404


def test_the_openapi_schema_is_public_and_describes_the_api(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Pont API"
    assert "/api/v1/health" in schema["paths"]
    assert "/api/v1/me" in schema["paths"]


def test_the_openapi_document_names_no_key_twice(db):
    """Every object's keys are unique: a strict parser (Swagger UI's) refuses a document that
    names a key twice, and a lenient one keeps only the last, losing what the first said."""
    repeated: list[set[str]] = []

    def strict(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _value in pairs]
        if len(set(keys)) != len(keys):
            repeated.append({key for key in keys if keys.count(key) > 1})
        return dict(pairs)

    schema = json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=strict)
    assert repeated == []
    # The referral's ETag is described on the same 200 as its body.
    for method in ("get", "patch"):
        ok = schema["paths"]["/api/v1/referrals/{referral_id}"][method]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ReferralOut"
        }
        assert set(ok["headers"]) == {"ETag"}
        assert ok["links"]["ChangeItsStatus"]["parameters"]["header.If-Match"] == (
            "$response.header.ETag"
        )


def test_the_docs_page_is_for_signed_in_staff_only(world, as_persona):
    signed_out = Client().get("/api/v1/docs")
    assert signed_out.status_code == 302
    assert "/accounts/sign-in" in signed_out["Location"]
    assert as_persona(CUSTODY).get("/api/v1/docs").status_code == 200


def test_a_session_cookie_does_not_authenticate_api_calls(world, as_persona):
    assert as_persona(CUSTODY).get("/api/v1/me").status_code == 401


def test_api_client_pages_show_the_key_once(world, as_persona):
    from pont.testing.http import post_form

    admin = as_persona(SYSADMIN)
    created = post_form(
        admin,
        "/accounts/api-clients/new",
        {
            "name": "DDAS case system",
            "organisation": world.provider_a.pk,
            "scopes": ["referrals:read"],
        },
    )
    assert created.status_code == 302  # to the page that shows the key, once
    page = admin.get(created["Location"]).content.decode()
    client = world.provider_a.api_clients.get()
    assert f"pont_{client.key_prefix}_" in page
    listing = admin.get("/accounts/api-clients").content.decode()
    assert "DDAS case system" in listing
    assert f"pont_{client.key_prefix}_…" in listing
    full_key = page.split('id="api-key">')[1].split("<")[0]
    assert full_key not in listing
