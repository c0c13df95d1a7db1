"""Signing in: password, then a TOTP code; lockout; enrolment; no way round the second factor."""

import time
from binascii import unhexlify

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.accounts import otp, services
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, TEST_PASSWORD

SIGN_IN = reverse("accounts:login")
CODE = reverse("accounts:otp_verify")
SET_UP = reverse("accounts:otp_setup")


def _code(key_hex: str, offset_steps: int = 0) -> str:
    totp = TOTP(unhexlify(key_hex))
    totp.time = time.time() + offset_steps * 30
    return f"{totp.token():06d}"


@pytest.fixture
def officer(world):
    user = world.users[CUSTODY]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def _password(client: Client, username: str, password: str = TEST_PASSWORD, **extra):
    return post_form(client, SIGN_IN, {"username": username, "password": password}, **extra)


def test_a_correct_password_leads_to_the_code_page_not_into_pont(officer):
    user, _device = officer
    client = Client(enforce_csrf_checks=True)
    response = _password(client, user.username)
    assert response.status_code == 302
    assert response["Location"].startswith(CODE)
    # Signed in by password only: every staff page still sends the user to the code page.
    for path in (
        "/",
        reverse("people:search"),
        reverse("accounts:account"),
        reverse("audit:search"),
    ):
        page = client.get(path)
        if path == "/":
            assert b"Hello" not in page.content
        else:
            assert page.status_code == 302
            assert page["Location"].startswith(CODE)


def test_the_right_code_completes_sign_in_and_each_code_works_only_once(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    code = _code(device.key)
    response = post_form(client, CODE, {"token": code, "next": "/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200

    # Sign out and in again: the same code is refused (no replay).
    post_form(client, reverse("accounts:logout"))
    _password(client, user.username)
    again = post_form(client, CODE, {"token": code})
    assert again.status_code == 400
    assert "The code is not right" in again.content.decode()


def test_a_wrong_code_is_refused_and_then_even_the_right_code_must_wait(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    wrong = "000000" if _code(device.key) != "000000" else "111111"
    first = post_form(client, CODE, {"token": wrong})
    assert "The code is not right" in first.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Throttled (django-otp back-off): the right code is refused until the delay passes.
    throttled = post_form(client, CODE, {"token": _code(device.key)})
    assert "Too many wrong codes" in throttled.content.decode()
    assert client.get("/people/").status_code == 302


@pytest.mark.parametrize("token", ["12ab", "²²²²²²", "١٢٣٤٥٦"])  # digits to isdigit(), not codes
def test_a_malformed_code_counts_as_a_failure(officer, token):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    response = post_form(client, CODE, {"token": token})
    assert "The code is not right" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_wrong_username_and_wrong_password_give_the_same_message(officer):
    user, _device = officer
    unknown = _password(Client(enforce_csrf_checks=True), "nobody-here")
    wrong = _password(Client(enforce_csrf_checks=True), user.username, "not-the-password")
    assert unknown.status_code == wrong.status_code == 400
    message = "Enter a correct username and password"
    assert message in unknown.content.decode()
    assert message in wrong.content.decode()


def test_a_username_longer_than_any_is_refused_as_a_wrong_one_without_a_try(officer):
    """Found by the form fuzzing on PostgreSQL: a 3,000-character username reached
    django-axes's record of the failure (a column of 255) and was a server error."""
    from axes.models import AccessAttempt

    long = _password(Client(enforce_csrf_checks=True), "x" * 3000)
    assert long.status_code == 400
    assert "Enter a correct username and password" in long.content.decode()
    assert not AccessAttempt.objects.filter(username__startswith="xxx").exists()


def test_repeated_failures_lock_out_that_username_from_that_address(officer, settings):
    user, _device = officer
    limit = settings.AXES_FAILURE_LIMIT
    client = Client(enforce_csrf_checks=True)
    for _ in range(limit):
        _password(client, user.username, "wrong-password-123", REMOTE_ADDR="10.0.0.1")
    locked = _password(client, user.username, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    # The same user from another address, and another user from this address, are not locked.
    elsewhere = _password(Client(enforce_csrf_checks=True), user.username, REMOTE_ADDR="10.0.0.2")
    assert elsewhere.status_code == 302


def test_one_failure_fewer_than_the_limit_does_not_lock_out(officer, settings):
    user, _device = officer
    client = Client(enforce_csrf_checks=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _password(client, user.username, "wrong-password-123", REMOTE_ADDR="10.0.0.9")
    ok = _password(client, user.username, REMOTE_ADDR="10.0.0.9")
    assert ok.status_code == 302


def test_an_account_without_an_authenticator_must_enrol_by_qr_code(world):
    user = world.users[CUSTODY]
    client = Client(enforce_csrf_checks=True)
    response = _password(client, user.username)
    assert response["Location"].startswith(SET_UP)
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert b"<svg" in page.content
    key = client.session[otp.SETUP_SESSION_KEY]
    assert otp.manual_entry_key(key).replace(" ", "") in page.content.decode().replace(" ", "")
    assert not TOTPDevice.objects.filter(
        user=user
    ).exists()  # nothing stored before a code proves the app

    bad = post_form(client, SET_UP, {"token": "000000" if _code(key) != "000000" else "111111"})
    assert bad.status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()

    good = post_form(client, SET_UP, {"token": _code(key), "next": "/people/"})
    assert good.status_code == 302
    assert good["Location"] == "/people/"
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.key == key
    assert client.get("/people/").status_code == 200


def test_an_enrolled_account_cannot_enrol_a_second_authenticator(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    assert client.get(SET_UP)["Location"].startswith(CODE)
    assert otp.verify_enrolment(user, otp.new_setup_key(), "123456") is None
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_sign_in_refuses_to_redirect_to_another_site(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    response = post_form(
        client, CODE, {"token": _code(device.key), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", ["NaN", "2026-02-30T25:61", "-1", "people:list"])
def test_a_next_that_is_not_a_path_goes_home_not_to_a_view_of_that_name(officer, target):
    """redirect() takes "a:b" or "NaN" for the name of a view (a 500 when there is none)."""
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    response = post_form(client, CODE, {"token": _code(device.key), "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")
    again = client.get(reverse("accounts:login"), {"next": target})
    assert (again.status_code, again["Location"]) == (302, "/")


def test_the_session_key_changes_when_the_second_factor_is_given(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    before = client.session.session_key
    post_form(client, CODE, {"token": _code(device.key)})
    assert client.session.session_key != before


def test_signing_in_records_the_session_for_the_user(officer):
    user, device = officer
    client = Client(enforce_csrf_checks=True, headers={"User-Agent": "TestBrowser/1.0"})
    _password(client, user.username)
    post_form(client, CODE, {"token": _code(device.key)})
    session = user.signed_in_sessions.get()
    assert session.session_key == client.session.session_key
    assert session.user_agent == "TestBrowser/1.0"
    page = client.get(reverse("accounts:account"))
    assert "TestBrowser/1.0" in page.content.decode()


def test_the_demo_code_hint_appears_only_when_demo_tools_are_on(officer, settings):
    user, device = officer
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username)
    settings.PONT_DEMO_TOOLS = True
    assert b'id="demo-code"' in client.get(CODE).content
    settings.PONT_DEMO_TOOLS = False
    assert b'id="demo-code"' not in client.get(CODE).content
    settings.PONT_DEMO_TOOLS = True
    settings.PONT_DEPLOYMENT = "production"
    assert b'id="demo-code"' not in client.get(CODE).content


def test_an_initial_password_must_be_changed_before_anything_else(world, signed_in):
    user, initial = services.user_create(
        actor=world.users["sysadmin"],
        username="newstarter",
        given_name="New",
        family_name="Starter",
        email="new@example.test",
    )
    assert initial
    assert user.must_change_password
    services.membership_create(
        actor=world.users["sysadmin"],
        user=user,
        organisation=world.llanelli,
        role="custody_officer",
    )
    client = signed_in(Client(enforce_csrf_checks=True), user)
    response = client.get("/people/")
    assert response.status_code == 302
    # The change page keeps the page asked for, to go on to once the password is changed.
    change = f"{reverse('accounts:password_change')}?next=%2Fpeople%2F"
    assert response["Location"] == change
    changed = post_form(
        client,
        change,
        {
            "old_password": initial,
            "new_password1": "Afon-Teifi-yn-llifo-99",
            "new_password2": "Afon-Teifi-yn-llifo-99",
        },
    )
    assert (changed.status_code, changed["Location"]) == (302, "/people/")
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/people/").status_code == 200


def test_signing_in_with_a_temporary_password_goes_straight_to_the_change_page(officer, world):
    """Not to the page asked for (the public home page would show, unchanged, until the next
    click): `next` is kept for after the change, if it is on this site."""
    user, device = officer
    temporary = services.user_password_reset(actor=world.users["sysadmin"], user=user)
    change = reverse("accounts:password_change")
    client = Client(enforce_csrf_checks=True)
    password = post_form(
        client, f"{SIGN_IN}?next=/people/", {"username": user.username, "password": temporary}
    )
    assert password["Location"] == f"{CODE}?next=%2Fpeople%2F"
    signed = post_form(client, password["Location"], {"token": _code(device.key)})
    assert (signed.status_code, signed["Location"]) == (302, f"{change}?next=%2Fpeople%2F")
    page = client.get(signed["Location"])
    assert page.status_code == 200
    assert "You signed in with a temporary password" in page.content.decode()
    changed = post_form(
        client,
        signed["Location"],
        {
            "old_password": temporary,
            "new_password1": "Afon-Teifi-yn-llifo-99",
            "new_password2": "Afon-Teifi-yn-llifo-99",
        },
    )
    assert (changed.status_code, changed["Location"]) == (302, "/people/")
    user.refresh_from_db()
    assert not user.must_change_password
    # Signed in again with the new password: on to the page asked for, no change page.
    post_form(client, reverse("accounts:logout"))
    _password(client, user.username, "Afon-Teifi-yn-llifo-99")
    again = post_form(client, CODE, {"token": _code(device.key, 1), "next": "/people/"})
    assert again["Location"] == "/people/"


def test_after_changing_a_temporary_password_another_site_is_not_the_next_page(officer, world):
    user, device = officer
    temporary = services.user_password_reset(actor=world.users["sysadmin"], user=user)
    change = reverse("accounts:password_change")
    client = Client(enforce_csrf_checks=True)
    _password(client, user.username, temporary)
    signed = post_form(client, CODE, {"token": _code(device.key), "next": "https://evil.example/"})
    assert signed["Location"] == f"{change}?next=%2F"
    changed = post_form(
        client,
        f"{change}?next=https://evil.example/",
        {
            "old_password": temporary,
            "new_password1": "Afon-Teifi-yn-llifo-99",
            "new_password2": "Afon-Teifi-yn-llifo-99",
        },
    )
    assert (changed.status_code, changed["Location"]) == (302, reverse("accounts:account"))


def test_ten_sign_ins_racing_with_one_code_let_exactly_one_in(audit_flushable):
    """T2: a code seen over a shoulder and sent at the same moment as the user's own (ten
    times over) is spent once: django-otp locks the device row while it checks the code
    (`verify_token`, SELECT ... FOR UPDATE in its transaction). PostgreSQL: real
    concurrent transactions, one connection a thread."""
    from pont.testing.concurrency import at_once, needs_postgresql
    from pont.testing.personas import build_world

    needs_postgresql()
    user = build_world().users[CUSTODY]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = _code(device.key)

    def sign_in() -> bool:
        mine = TOTPDevice.objects.get(pk=device.pk)  # each request loads its own
        return otp.verify_sign_in(user, mine, code)

    assert sorted(at_once(sign_in, 10)) == [False] * 9 + [True]
