"""The API client pages: the key shown once (POST-redirect-GET), at least one scope, and
revoking after a confirmation. Another organisation's manager is told the client does not
exist (404); a user without the capability is refused (403)."""

import html
import re

from django.test import Client

from pont.accounts import services as accounts
from pont.accounts.models import ApiClient
from pont.audit.models import AuditEvent
from pont.testing.http import post_form
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR, SYSADMIN

CREATE = "/accounts/api-clients/new"
LIST = "/accounts/api-clients"
KEY = re.compile(r'<p class="pont-secret" id="api-key">([^<]+)</p>')


def _form(world, **changes):
    return {
        "name": "Case system",
        "organisation": world.provider_a.pk,
        "scopes": ["referrals:read"],
        **changes,
    }


def _me(key):
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})


def test_the_new_key_is_shown_once_and_a_reload_creates_nothing(world, as_persona):
    manager = as_persona(PROV_A_MGR)
    before = AuditEvent.objects.count()
    created = post_form(manager, CREATE, _form(world))
    client = ApiClient.objects.get()
    page = f"/accounts/api-clients/{client.pk}/added"
    assert (created.status_code, created["Location"]) == (302, page)
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.object_id) == ("collection", str(client.pk))
    # Another provider's manager: no such client; a worker without the capability: refused;
    # the same manager signed in elsewhere: the key is not theirs to see.
    for persona, status in ((PROV_B_MGR, 404), (PROV_A, 403), (PROV_A_MGR, 200)):
        other = as_persona(persona).get(page)
        assert other.status_code == status
        assert not KEY.search(other.content.decode())
    shown = manager.get(page)
    assert shown.status_code == 200
    (key,) = KEY.findall(shown.content.decode())
    assert ApiClient.digest(key) == client.key_digest
    assert _me(key).json()["organisation"] == world.provider_a.name
    reloaded = manager.get(page)
    assert reloaded.status_code == 200
    text = html.unescape(reloaded.content.decode())
    assert key not in text
    assert "The key has already been shown" in text
    assert "add a client again to get a new key, then revoke this one" in text
    assert post_form(manager, page).status_code == 405  # it only shows: a reload adds nothing
    assert ApiClient.objects.count() == 1
    assert AuditEvent.objects.count() == before + 1
    assert key not in manager.get(LIST).content.decode()


def test_a_client_needs_at_least_one_scope_and_the_page_says_so(world, as_persona):
    message = "Select at least one scope: what the partner system may do"
    refused = post_form(as_persona(PROV_A_MGR), CREATE, _form(world, scopes=[]))
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 400
    assert f'<a href="#id_scopes_0">{message}</a>' in page  # in the summary, linked
    assert page.count(message) == 2  # and at the field
    assert "This field is required." not in page
    empty = html.unescape(post_form(as_persona(PROV_A_MGR), CREATE, {"name": ""}).content.decode())
    assert "This field is required." not in empty
    assert "Enter the name of the partner system" in empty
    assert "Select the organisation" not in empty  # their only organisation is chosen
    assert not ApiClient.objects.exists()
    # A worker without the capability is refused; another provider's manager cannot make a
    # client for provider A (its organisation is not theirs to choose).
    assert post_form(as_persona(PROV_A), CREATE, _form(world)).status_code == 403
    refused = post_form(as_persona(PROV_B_MGR), CREATE, _form(world))
    assert refused.status_code == 400
    message = f"You can add an API client for {world.provider_b.name} only"
    assert f'<a href="#id_organisation">{message}</a>' in html.unescape(refused.content.decode())
    assert not ApiClient.objects.exists()
    assert post_form(as_persona(PROV_A_MGR), CREATE, _form(world)).status_code == 302


def test_a_manager_of_one_organisation_sees_it_named_not_a_select(world, as_persona):
    page = html.unescape(as_persona(PROV_A_MGR).get(CREATE).content.decode())
    assert f'<span id="only-organisation">{world.provider_a.name}</span>' in page
    assert 'name="organisation"' not in page
    assert world.provider_b.name not in page
    created = post_form(as_persona(PROV_A_MGR), CREATE, _form(world, organisation=""))
    assert created.status_code == 302
    assert ApiClient.objects.get().organisation == world.provider_a


def test_whoever_may_choose_among_organisations_gets_the_select_with_nothing_chosen(
    world, as_persona
):
    admin = as_persona(SYSADMIN)
    page = html.unescape(admin.get(CREATE).content.decode())
    assert '<select class="govuk-select" id="id_organisation" name="organisation"' in page
    assert 'id="only-organisation"' not in page
    assert f">{world.provider_a.name}</option>" in page
    assert f">{world.provider_b.name}</option>" in page
    refused = post_form(admin, CREATE, _form(world, organisation=""))
    assert refused.status_code == 400
    assert "Select the organisation whose records the client sees" in html.unescape(
        refused.content.decode()
    )
    assert not ApiClient.objects.exists()
    assert (
        post_form(admin, CREATE, _form(world, organisation=world.provider_b.pk)).status_code == 302
    )
    assert ApiClient.objects.get().organisation == world.provider_b


def test_revoking_a_client_asks_first_and_only_its_own_managers_may(world, as_persona):
    client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="Case system",
        scopes=["referrals:read"],
    )
    page = f"/accounts/api-clients/{client.pk}/revoke"
    manager = as_persona(PROV_A_MGR)
    listing = manager.get(LIST).content.decode()
    # The list links to the question; it has no button that revokes at once.
    assert f'href="{page}"' in listing
    assert f'action="{page}"' not in listing
    asked = manager.get(page)
    assert asked.status_code == 200
    text = html.unescape(asked.content.decode())
    assert "Revoke the key for Case system?" in text
    assert f"pont_{client.key_prefix}_" in text
    assert "Revoke the key" in text
    assert "Cancel" in text
    assert _me(key).status_code == 200  # asking changes nothing
    before = AuditEvent.objects.count()
    for persona, status in ((PROV_B_MGR, 404), (PROV_A, 403)):
        assert as_persona(persona).get(page).status_code == status
        assert post_form(as_persona(persona), page).status_code == status
    assert _me(key).status_code == 200
    assert AuditEvent.objects.count() == before
    done = post_form(manager, page)
    assert (done.status_code, done["Location"]) == (302, LIST)
    assert not ApiClient.objects.get().is_active
    assert _me(key).status_code == 401
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.object_id, event.detail) == (
        "alteration",
        str(client.pk),
        {"revoked": True},
    )
    # Asked again once revoked: back to the list, which says so.
    again = html.unescape(manager.get(page, follow=True).content.decode())
    assert "The key for Case system is already revoked." in again
    assert f'href="{page}"' not in manager.get(LIST).content.decode()


def test_the_list_says_what_each_key_may_do(world, as_persona):
    from pont.accounts.api_scopes import known_scopes

    manager = as_persona(PROV_A_MGR)
    assert post_form(manager, CREATE, _form(world, name="Reader")).status_code == 302
    listing = manager.get(LIST).content.decode()
    assert str(known_scopes()["referrals:read"]) in listing
    assert str(known_scopes()["referrals:write"]) not in listing
    # Another provider's manager does not see it; a worker may not open the list.
    assert "Reader" not in as_persona(PROV_B_MGR).get(LIST).content.decode()
    assert as_persona(PROV_A).get(LIST).status_code == 403
