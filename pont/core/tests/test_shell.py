"""The web shell: security headers, health endpoints, error pages, language switch."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, DPO, PANEL, SYSADMIN


@pytest.mark.parametrize(
    "path", ["/", "/accounts/sign-in", "/healthz", "/does-not-exist", "/people/"]
)
def test_every_response_carries_the_security_headers(db, path):
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    assert len(response["X-Request-ID"]) == 32
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_contain_no_inline_script_or_style(world, as_persona):
    for path in ("/", "/people/", "/accounts/account", "/accounts/sign-in"):
        html = as_persona(CUSTODY).get(path).content.decode()
        assert "<script>" not in html
        assert "<script >" not in html
        assert " style=" not in html
        assert "<style" not in html
        assert "onclick=" not in html


def test_each_request_gets_its_own_request_id(db):
    client = Client()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_healthz_says_alive(db):
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers_and_migrations_are_applied(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_is_not_ready_when_migrations_are_pending(db):
    with mock.patch("pont.core.views.MigrationExecutor") as executor:
        executor.return_value.migration_plan.return_value = [("app", "0002")]
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 pending"


def test_readyz_is_not_ready_when_the_database_is_unreachable(db):
    with mock.patch("pont.core.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_the_404_page_is_shown_in_english_and_welsh(db):
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="en"' in html
    assert 'lang="cy"' in html
    assert "Page not found" in html


def test_a_page_a_role_may_not_use_gives_the_bilingual_403_page(world, as_persona):
    response = as_persona(PANEL).get("/people/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot use this page" in html
    assert 'lang="cy"' in html


def test_the_500_page_is_bilingual_and_leaks_nothing(db, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client = Client(raise_request_exception=False)
    with mock.patch("pont.core.views.render", side_effect=RuntimeError("secret internals")):
        response = client.get("/accessibility")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'lang="cy"' in html
    assert "secret internals" not in html
    assert "Traceback" not in html


def test_a_form_without_its_csrf_token_is_refused_with_the_expired_form_page(world, as_persona):
    client = as_persona(CUSTODY)
    response = client.post(reverse("people:create"), {"given_name": "X"})
    assert response.status_code == 403
    assert "Your form has expired" in response.content.decode()


def test_the_language_switch_shows_pages_in_welsh(db):
    client = Client(enforce_csrf_checks=True)
    response = post_form(
        client, reverse("set_language"), {"language": "cy", "next": "/accessibility"}
    )
    assert response.status_code == 302
    page = client.get("/accessibility")
    assert page["Content-Language"] == "cy"
    assert '<html lang="cy"' in page.content.decode()


def test_the_language_switch_will_not_redirect_to_another_site(db):
    client = Client(enforce_csrf_checks=True)
    response = post_form(
        client, reverse("set_language"), {"language": "cy", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil")


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        (CUSTODY, ["People"], ["Audit log", "Users", "API clients", "Emails"]),
        (DPO, ["Audit log"], ["People", "Users", "Emails"]),
        (SYSADMIN, ["Users", "API clients", "Emails"], ["People", "Audit log"]),
        (PANEL, [], ["People", "Audit log", "Users", "API clients", "Emails"]),
        ("prov_a_mgr", ["People", "API clients", "Emails"], ["Users", "Audit log"]),
        ("prov_a", ["People"], ["API clients", "Emails"]),
    ],
)
def test_navigation_shows_each_role_only_what_it_may_use(world, as_persona, persona, shown, hidden):
    html = as_persona(persona).get("/").content.decode()
    nav = html.split('id="navigation"')[1].split("</ul>")[0]
    for label in shown:
        assert f">{label}<" in nav or f"{label}</strong>" in nav
    for label in hidden:
        assert f">{label}<" not in nav


def test_navigation_is_hidden_until_the_second_factor_is_given(world, as_persona):
    html = as_persona("unverified").get("/").content.decode()
    assert 'id="navigation"' not in html


def test_a_multiple_choice_field_renders_as_checkboxes_not_radios():
    from django import forms
    from django.template import Context, Template

    class Choose(forms.Form):
        scopes = forms.MultipleChoiceField(
            choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
        )

    html = Template("{% load govuk %}{% govuk_field form.scopes %}").render(
        Context({"form": Choose()})
    )
    assert 'type="checkbox"' in html
    assert 'type="radio"' not in html


def test_switching_language_on_a_page_answering_a_post_goes_back_to_the_form_page(
    world, as_persona
):
    """A form sent with errors is answered at its action's address, which takes only POST:
    the language switch there leads back to the page the form was on (same site only)."""
    import re

    from pont.testing.personas import PROV_A
    from pont.testing.referrals import referral_in

    referral = referral_in(world, "accepted")
    page = f"/referrals/{referral.pk}"
    client = as_persona(PROV_A)

    def next_of(response) -> str:
        html = response.content.decode()
        return re.search(r'name="next" value="([^"]*)"', html).group(1)

    assert next_of(client.get(page)) == page
    answered = post_form(
        client, f"{page}/close", {}, headers={"Referer": f"http://testserver{page}"}
    )
    assert answered.status_code == 400
    back = next_of(answered)
    assert back == f"http://testserver{page}"
    switched = post_form(client, reverse("set_language"), {"language": "cy", "next": back})
    assert switched.status_code == 302
    assert switched["Location"].endswith(page)
    assert client.get(switched["Location"]).status_code == 200
    # No referer, or another site's: the home page.
    assert next_of(post_form(client, f"{page}/close", {})) == "/"
    elsewhere = post_form(
        client, f"{page}/close", {}, headers={"Referer": "https://evil.example/x"}
    )
    assert next_of(elsewhere) == "/"
