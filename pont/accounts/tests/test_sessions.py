"""Sessions end when they should: idle, too old, signed out, account disabled, role removed."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pont.accounts import services
from pont.accounts.middleware import AUTH_TIME_KEY, LAST_SEEN_KEY
from pont.audit.models import AuditEvent
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, FRONTLINE, SYSADMIN

PEOPLE = "/people/"


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_longer_than_the_limit_is_signed_out(world, as_persona, settings):
    client = as_persona(CUSTODY)
    assert client.get(PEOPLE).status_code == 200
    _age_session(client, **{LAST_SEEN_KEY: settings.PONT_SESSION_IDLE_SECONDS + 5})
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    # The session is gone on the server, not just forgotten by the browser.
    assert client.get(PEOPLE).status_code == 302


def test_a_session_just_inside_the_idle_limit_stays_signed_in(world, as_persona, settings):
    client = as_persona(CUSTODY)
    client.get(PEOPLE)
    _age_session(client, **{LAST_SEEN_KEY: settings.PONT_SESSION_IDLE_SECONDS - 5})
    assert client.get(PEOPLE).status_code == 200


def test_a_session_older_than_the_absolute_limit_is_signed_out_even_if_busy(
    world, as_persona, settings
):
    client = as_persona(CUSTODY)
    client.get(PEOPLE)
    _age_session(client, **{AUTH_TIME_KEY: settings.SESSION_COOKIE_AGE + 5, LAST_SEEN_KEY: 1})
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_signing_out_destroys_the_session_on_the_server(world, as_persona):
    client = as_persona(CUSTODY)
    key = client.session.session_key
    response = post_form(client, reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets nowhere.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get(PEOPLE).status_code == 302


def test_sign_out_by_get_is_refused(world, as_persona):
    client = as_persona(CUSTODY)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(PEOPLE).status_code == 200


def test_deactivating_an_account_ends_all_its_sessions_at_once(world, as_persona):
    officer = as_persona(FRONTLINE)
    assert officer.get(PEOPLE).status_code == 200
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    response = post_form(admin, reverse("accounts:user_deactivate", args=[target.pk]))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert target.deactivated_at
    assert officer.get(PEOPLE).status_code == 302
    assert not target.active_memberships().exists()
    events = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(target.pk))
    assert events.last().detail["deactivated"] is True


def test_an_administrator_cannot_deactivate_themselves(world, as_persona):
    admin = as_persona(SYSADMIN)
    response = post_form(
        admin, reverse("accounts:user_deactivate", args=[world.users[SYSADMIN].pk])
    )
    assert response.status_code == 302
    assert world.users[SYSADMIN].__class__.objects.get(pk=world.users[SYSADMIN].pk).is_active


def test_ending_a_membership_removes_its_capabilities_on_the_next_request(world, as_persona):
    client = as_persona(CUSTODY)
    assert client.get(PEOPLE).status_code == 200
    membership = world.users[CUSTODY].active_memberships().get()
    services.membership_end(actor=world.users[SYSADMIN], membership=membership)
    assert client.get(PEOPLE).status_code == 403


def test_resetting_the_second_factor_ends_sessions_and_forces_enrolment(world, as_persona):
    officer = as_persona(FRONTLINE)
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    response = post_form(admin, reverse("accounts:user_second_factor_reset", args=[target.pk]))
    assert response.status_code == 302
    assert not target.totpdevice_set.exists()
    assert officer.get(PEOPLE).status_code == 302


def test_changing_password_needs_the_current_one_and_ends_other_sessions(world, as_persona):
    first = as_persona(CUSTODY)
    second = as_persona(CUSTODY)
    url = reverse("accounts:password_change")
    refused = post_form(
        first,
        url,
        {
            "old_password": "wrong",
            "new_password1": "Llyn-Brianne-Dam-77",
            "new_password2": "Llyn-Brianne-Dam-77",
        },
    )
    assert refused.status_code == 400
    assert "Your old password was entered incorrectly" in refused.content.decode()
    # Register both sessions as the sign-in flow does.
    for client in (first, second):
        services.session_started(
            user=world.users[CUSTODY], session_key=client.session.session_key, user_agent="t"
        )
    done = post_form(
        first,
        url,
        {
            "old_password": "Correct-Horse-Battery-Staple-42",
            "new_password1": "Llyn-Brianne-Dam-77",
            "new_password2": "Llyn-Brianne-Dam-77",
        },
    )
    assert done.status_code == 302
    assert first.get(PEOPLE).status_code == 200
    assert second.get(PEOPLE).status_code == 302


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short-one", "too short"),
        ("12345678901234", "entirely numeric"),
        ("Dyfed-Powys-2026", "connected with this service"),
        ("x" * 129, "128 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(world, as_persona, password, fragment):
    client = as_persona(CUSTODY)
    response = post_form(
        client,
        reverse("accounts:password_change"),
        {
            "old_password": "Correct-Horse-Battery-Staple-42",
            "new_password1": password,
            "new_password2": password,
        },
    )
    assert response.status_code == 400
    assert fragment in response.content.decode()


def test_demo_otp_prints_the_current_code_only_where_demo_tools_are_allowed(
    world, settings, capsys
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=world.users[CUSTODY], name="phone", confirmed=True)
    settings.PONT_DEMO_TOOLS = True
    call_command("demo-otp", world.users[CUSTODY].username)
    assert capsys.readouterr().out.strip().isdigit()
    settings.PONT_DEPLOYMENT = "production"
    with pytest.raises(CommandError, match="disabled"):
        call_command("demo-otp", world.users[CUSTODY].username)
    settings.PONT_DEPLOYMENT = "local"
    settings.PONT_DEMO_TOOLS = False
    with pytest.raises(CommandError, match="disabled"):
        call_command("demo-otp", world.users[CUSTODY].username)


def test_the_system_check_refuses_demo_tools_under_production_settings(settings):
    from pont.accounts.checks import demo_tools_off_in_production

    settings.PONT_DEPLOYMENT = "production"
    settings.PONT_DEMO_TOOLS = True
    assert [e.id for e in demo_tools_off_in_production()] == ["accounts.E001"]
    settings.PONT_DEMO_TOOLS = False
    assert demo_tools_off_in_production() == []


def test_a_forgotten_password_is_reset_to_a_temporary_one_shown_once(world, as_persona):
    import re

    officer = as_persona(FRONTLINE)
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    reset = post_form(admin, reverse("accounts:user_password_reset", args=[target.pk]))
    shown = reverse("accounts:user_password_shown", args=[target.pk])
    assert (reset.status_code, reset["Location"]) == (302, shown)
    page = admin.get(shown).content.decode()
    temporary = re.search(r'id="initial-password">([^<]+)<', page).group(1)
    target.refresh_from_db()
    assert target.check_password(temporary)
    assert target.must_change_password
    assert officer.get(PEOPLE).status_code == 302  # their sessions have ended
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(target.pk)).last()
    assert event.detail["password_reset"] is True
    assert temporary not in str(event.detail)
    # Shown once: a reload says so, and changes nothing.
    again = admin.get(shown).content.decode()
    assert temporary not in again
    assert "The temporary password has already been shown" in again
    assert target.__class__.objects.get(pk=target.pk).check_password(temporary)
    # Not one's own (the account page does that); not without the capability.
    own = post_form(admin, reverse("accounts:user_password_reset", args=[world.users[SYSADMIN].pk]))
    assert own.status_code == 302
    assert "from your account page" in admin.get(own["Location"]).content.decode()
    refused = post_form(
        as_persona(CUSTODY), reverse("accounts:user_password_reset", args=[target.pk])
    )
    assert refused.status_code == 403


def test_a_new_users_temporary_password_is_shown_once_and_a_reload_adds_no_one(world, as_persona):
    admin = as_persona(SYSADMIN)
    created = post_form(
        admin,
        reverse("accounts:user_create"),
        {
            "username": "nerys",
            "given_name": "Nerys",
            "family_name": "Prosser",
            "email": "nerys@example.test",
            "preferred_language": "cy",
            "organisation": world.carmarthenshire.pk,
            "role": "frontline_officer",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    user = world.users[SYSADMIN].__class__.objects.get(username="nerys")
    assert created["Location"] == reverse("accounts:user_password_shown", args=[user.pk])
    assert 'id="initial-password"' in admin.get(created["Location"]).content.decode()
    assert 'id="initial-password"' not in admin.get(created["Location"]).content.decode()
    assert admin.get(created["Location"]).status_code == 200
    assert world.users[SYSADMIN].__class__.objects.filter(username="nerys").count() == 1


def test_a_temporary_password_cannot_be_changed_to_itself(world, as_persona):
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    temporary = services.user_password_reset(actor=world.users[SYSADMIN], user=target)
    assert admin.get(reverse("accounts:user_list")).status_code == 200
    officer = as_persona(FRONTLINE)
    kept = post_form(
        officer,
        reverse("accounts:password_change"),
        {"old_password": temporary, "new_password1": temporary, "new_password2": temporary},
    )
    assert kept.status_code == 400
    assert "different from the one you use now" in kept.content.decode()
    target.refresh_from_db()
    assert target.must_change_password


def test_the_add_user_form_says_what_is_wrong_in_words(world, as_persona):
    admin = as_persona(SYSADMIN)
    taken = post_form(
        admin,
        reverse("accounts:user_create"),
        {
            "username": world.users[CUSTODY].username,
            "given_name": "A",
            "family_name": "B",
            "email": "a@example.test",
            "preferred_language": "en",
            "organisation": world.provider_a.pk,
            "role": "frontline_officer",
        },
    )
    page = taken.content.decode()
    assert "That username is already taken." in page
    assert ">taken<" not in page
    empty = post_form(admin, reverse("accounts:user_create"), {}).content.decode()
    for message in ("Enter a username", "Enter a first name", "Select an organisation"):
        assert message in empty
    assert "This field is required." not in empty
    assert post_form(as_persona(CUSTODY), reverse("accounts:user_create"), {}).status_code == 403


def test_resetting_a_password_or_deactivating_an_account_asks_first(world, as_persona):
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    officer = as_persona(FRONTLINE)
    for name, question in (
        ("accounts:user_password_reset", "Reset the password of"),
        ("accounts:user_deactivate", "Deactivate the account of"),
    ):
        url = reverse(name, args=[target.pk])
        assert f'href="{url}"' in admin.get(reverse("accounts:user_list")).content.decode()
        page = admin.get(url)
        assert page.status_code == 200
        assert question in page.content.decode()
        # Asking changes nothing: the account still signs in, its sessions go on.
        target.refresh_from_db()
        assert target.is_active
        assert not target.must_change_password
        assert officer.get(PEOPLE).status_code == 200
        # Without the capability: refused.
        assert as_persona(CUSTODY).get(url).status_code == 403


def test_resetting_the_authenticator_asks_first_and_resets_only_on_the_button(world, as_persona):
    admin = as_persona(SYSADMIN)
    target = world.users[FRONTLINE]
    officer = as_persona(FRONTLINE)  # enrols the officer's authenticator
    url = reverse("accounts:user_second_factor_reset", args=[target.pk])
    # The list of users links to the question; it holds no form that resets at once.
    listed = admin.get(reverse("accounts:user_list")).content.decode()
    assert f'href="{url}"' in listed
    assert f'action="{url}"' not in listed
    # Asking changes nothing: the authenticator stays, the officer's session goes on.
    page = admin.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Reset the authenticator app of {escape(str(target))}?" in html
    assert "set up an authenticator app again" in html
    assert target.totpdevice_set.exists()
    assert officer.get(PEOPLE).status_code == 200
    events = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(target.pk))
    assert not [e for e in events if e.detail.get("second_factor_reset")]
    # Without the capability: refused, by either method, and nothing changes.
    custody = as_persona(CUSTODY)
    assert custody.get(url).status_code == 403
    assert post_form(custody, url).status_code == 403
    assert target.totpdevice_set.exists()
    # An account that does not exist: not found (only the system administrator manages
    # accounts, all of them: there is no other organisation's account to hide).
    missing = reverse("accounts:user_second_factor_reset", args=[target.pk + 10_000])
    assert admin.get(missing).status_code == 404
    assert post_form(admin, missing).status_code == 404
    # The button resets: the authenticator goes, sessions end, one audit event.
    done = post_form(admin, url)
    assert (done.status_code, done["Location"]) == (302, reverse("accounts:user_list"))
    assert not target.totpdevice_set.exists()
    assert officer.get(PEOPLE).status_code == 302
    resets = [e for e in events.all() if e.detail.get("second_factor_reset")]
    assert len(resets) == 1
    assert resets[0].actor_id == world.users[SYSADMIN].pk
    assert resets[0].operation == "alteration"
    assert resets[0].detail == {"second_factor_reset": True}


def test_an_administrator_cannot_reset_their_own_or_a_deactivated_accounts_authenticator(
    world, as_persona
):
    admin = as_persona(SYSADMIN)
    himself = world.users[SYSADMIN]
    own = post_form(admin, reverse("accounts:user_second_factor_reset", args=[himself.pk]))
    assert own.status_code == 302
    assert himself.totpdevice_set.exists()
    shown = admin.get(own["Location"]).content.decode()
    assert "Ask another administrator to reset your own authenticator app." in shown
    assert admin.get(reverse("accounts:user_list")).status_code == 200  # still signed in

    target = world.users[FRONTLINE]
    as_persona(FRONTLINE)  # enrols the officer's authenticator
    services.user_deactivate(actor=himself, user=target)
    refused = post_form(admin, reverse("accounts:user_second_factor_reset", args=[target.pk]))
    assert refused.status_code == 302
    assert target.totpdevice_set.exists()
    assert "That account has been deactivated." in admin.get(refused["Location"]).content.decode()
    events = AuditEvent.objects.filter(object_type="accounts.user")
    assert not [e for e in events if e.detail.get("second_factor_reset")]
