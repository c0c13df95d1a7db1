"""Signing in and out, the second factor, passwords, accounts and API clients."""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError
from pont.core.forms import apply_application_error, form_status
from pont.core.refusals import not_found
from pont.core.shown_once import keep_to_show_once, take_to_show

from . import otp, selectors, services
from .api_scopes import known_scopes
from .forms import ApiClientCreateForm, CodeForm, PasswordChangeForm, SignInForm, UserCreateForm
from .http import AuthenticatedRequest
from .middleware import AUTH_TIME_KEY, second_factor_not_required
from .models import ApiClient, User
from .roles import MANAGE_ALL_API_CLIENTS, MANAGE_API_CLIENTS, MANAGE_USERS

security_log = logging.getLogger("pont.security")


def _safe_next(request: HttpRequest, fallback: str = "core:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: "NaN" or "a:b" is not an address, and redirect() would take
    # it for the name of a view.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def _after_sign_in(request: HttpRequest) -> str:
    """Where a signed-in user goes next: on to `next`, but first to change a temporary password
    (kept `next` for after the change), so no page is seen before it is changed."""
    target = _safe_next(request)
    if getattr(request.user, "must_change_password", False):
        return f"{reverse('accounts:password_change')}?{urlencode({'next': target})}"
    return target


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@login_not_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: username and password. django-axes locks out repeated failures."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_after_sign_in(request))
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            request.session[AUTH_TIME_KEY] = int(time.time())
            security_log.info(
                "password accepted for %s from %s", user.get_username(), _client_ip(request)
            )
            step = "accounts:otp_verify" if otp.confirmed_device_for(user) else "accounts:otp_setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': _safe_next(request)})}")
        security_log.warning("sign-in failed from %s", _client_ip(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=form_status(form),
    )


def _signed_in(request: AuthenticatedRequest, device: Any, event: str) -> HttpResponse:
    """Finish signing in once the second factor is given: new session key, session listed."""
    otp_login(request, device)
    request.session.cycle_key()
    services.session_started(
        user=request.user,
        session_key=request.session.session_key or "",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    security_log.info("%s for %s", event, request.user.get_username())
    return redirect(_after_sign_in(request))


@second_factor_not_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthenticatedRequest) -> HttpResponse:
    """Step two: the code from the user's authenticator app."""
    user = request.user
    if user.is_verified():
        return redirect(_after_sign_in(request))
    device = otp.confirmed_device_for(user)
    if device is None:
        return redirect("accounts:otp_setup")
    form = CodeForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            throttled = True
            form.add_error(
                "token", _("Too many wrong codes. Wait a minute, then enter the newest code.")
            )
        elif otp.verify_sign_in(user, device, form.cleaned_data["token"]):
            return _signed_in(request, device, "second factor accepted")
        else:
            security_log.warning("second factor refused for %s", user.get_username())
            form.add_error(
                "token", _("The code is not right. Enter the newest code from your app.")
            )
    demo_code = otp.current_code(device) if otp.demo_tools_enabled() else None
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _safe_next(request), "demo_code": demo_code, "throttled": throttled},
        status=form_status(form),
    )


@second_factor_not_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def otp_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator app by QR code, once, for an account that has none."""
    user = request.user
    if otp.confirmed_device_for(user) is not None:
        return redirect("accounts:otp_verify")
    key = request.session.get(otp.SETUP_SESSION_KEY)
    if not key:
        key = otp.new_setup_key()
        request.session[otp.SETUP_SESSION_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp.verify_enrolment(user, key, form.cleaned_data["token"])
        if device is not None:
            del request.session[otp.SETUP_SESSION_KEY]
            messages.success(request, _("Your authenticator app is set up."))
            return _signed_in(request, device, "authenticator enrolled")
        form.add_error(
            "token",
            _("The code is not right. Check the app shows Pont, then enter the newest code."),
        )
    uri = otp.provisioning_uri(user, key)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": otp.qr_code_svg(uri),
            "manual_key": otp.manual_entry_key(key),
            "next": _safe_next(request),
        },
        status=form_status(form),
    )


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out: the session is destroyed on the server (ASVS 7.4.1)."""
    if request.user.is_authenticated:
        security_log.info("signed out %s", request.user.get_username())
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.user_password_changed(user=user, session_key=request.session.session_key)
        messages.success(
            request, _("Your password has been changed. Any other sessions have been signed out.")
        )
        # On to the page the user was going to when sent here (after signing in with a
        # temporary password), if it is on this site; else their account page.
        return redirect(_safe_next(request, fallback="accounts:account"))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "must_change": request.user.must_change_password},
        status=form_status(form),
    )


password_change.allowed_before_password_change = True  # type: ignore[attr-defined]


@require_http_methods(["GET"])
def account(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in user's own account: roles, sessions, links to change password."""
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "sessions": request.user.signed_in_sessions.all(),
            "current_session": request.session.session_key,
        },
    )


@capability_required(MANAGE_USERS)
@require_http_methods(["GET"])
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    users = selectors.user_list_visible_to(user=request.user)
    return render(request, "accounts/user_list.html", {"users": users})


@capability_required(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user, initial = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    email=data["email"],
                    preferred_language=data["preferred_language"],
                )
                services.membership_create(
                    actor=request.user,
                    user=user,
                    organisation=data["organisation"],
                    role=data["role"],
                )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            # POST-redirect-GET: the temporary password is shown once, and a reload adds nothing.
            if initial is not None:  # always here: this form sets no password of its own
                keep_to_show_once(request, "temporary_password", user.pk, initial)
            return redirect("accounts:user_password_shown", user_id=user.pk)
    return render(request, "accounts/user_create.html", {"form": form}, status=form_status(form))


@capability_required(MANAGE_USERS)
@require_http_methods(["GET"])
def user_password_shown(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """A new or reset temporary password, shown once: taken out of the session as it is shown;
    a reload says it was shown and how to give the user another."""
    target = _managed_user_or_404(request, user_id)
    initial = take_to_show(request, "temporary_password", target.pk)
    return render(
        request,
        "accounts/user_created.html",
        {"new_user": target, "initial_password": initial},
    )


@capability_required(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_password_reset(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    target = _managed_user_or_404(request, user_id)
    if request.method == "GET":
        return _confirm_user_action(
            request,
            target,
            question=_("Reset the password of %(name)s?") % {"name": target},
            warning=_(
                "Do this only once you are sure who is asking. Their password stops working "
                "at once and they are signed out; you will see a temporary one to give them."
            ),
            button=_("Reset the password"),
        )
    try:
        initial = services.user_password_reset(actor=request.user, user=target)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("accounts:user_list")
    keep_to_show_once(request, "temporary_password", target.pk, initial)
    return redirect("accounts:user_password_shown", user_id=target.pk)


def _managed_user_or_404(request: AuthenticatedRequest, user_id: int):
    target = selectors.user_get_for_manager(user=request.user, user_id=user_id)
    if target is None:
        raise not_found(request, User, user_id)
    return target


def _confirm_user_action(
    request: AuthenticatedRequest, target: Any, *, question: str, warning: str, button: str
) -> HttpResponse:
    """The page that asks before an action on an account (GET); its button does it (POST)."""
    return render(
        request,
        "accounts/user_confirm.html",
        {"target": target, "question": question, "warning": warning, "button": button},
    )


def _asked_then_done(
    request: AuthenticatedRequest,
    user_id: int,
    *,
    question: str,
    warning: str,
    button: str,
    act: Callable[..., Any],
    done: str,
) -> HttpResponse:
    """An action on an account that asks first: GET shows the question (`question` and `done`
    take the account as %(name)s), its button's POST does `act` and goes back to the list,
    saying what was done or why it was refused."""
    target = _managed_user_or_404(request, user_id)
    if request.method == "GET":
        return _confirm_user_action(
            request,
            target,
            question=question % {"name": target},
            warning=warning,
            button=button,
        )
    try:
        act(actor=request.user, user=target)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"name": target})
    return redirect("accounts:user_list")


@capability_required(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_deactivate(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    return _asked_then_done(
        request,
        user_id,
        question=_("Deactivate the account of %(name)s?"),
        warning=_(
            "They will be signed out at once and cannot sign in again. Their records and "
            "what they did in Pont are kept."
        ),
        button=_("Deactivate the account"),
        act=services.user_deactivate,
        done=_("%(name)s can no longer sign in. Their sessions have ended."),
    )


@capability_required(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_second_factor_reset(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    return _asked_then_done(
        request,
        user_id,
        question=_("Reset the authenticator app of %(name)s?"),
        warning=_(
            "Do this only once you are sure who is asking, for example for a lost phone. "
            "The codes from their authenticator app stop working at once and they are "
            "signed out; when they next sign in, they set up an authenticator app again."
        ),
        button=_("Reset the authenticator app"),
        act=services.user_second_factor_reset,
        done=_("%(name)s will set up a new authenticator app when they next sign in."),
    )


@capability_required(MANAGE_API_CLIENTS, MANAGE_ALL_API_CLIENTS)
@require_http_methods(["GET"])
def api_client_list(request: AuthenticatedRequest) -> HttpResponse:
    clients = list(selectors.api_client_list_visible_to(user=request.user))
    labels = known_scopes()
    for client in clients:  # what each key may do, as the form that made it said
        client.scope_labels = [  # type: ignore[attr-defined]
            str(labels.get(scope, scope)) for scope in client.scopes or []
        ]
    return render(request, "accounts/api_client_list.html", {"clients": clients})


def _api_client_or_404(request: AuthenticatedRequest, client_id: int) -> ApiClient:
    client = selectors.api_client_get_for_user(user=request.user, client_id=client_id)
    if client is None:
        raise not_found(request, ApiClient, client_id)
    return client


@capability_required(MANAGE_API_CLIENTS, MANAGE_ALL_API_CLIENTS)
@require_http_methods(["GET", "POST"])
def api_client_create(request: AuthenticatedRequest) -> HttpResponse:
    organisations = selectors.organisations_for_api_clients(user=request.user)
    form = ApiClientCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            client, key = services.api_client_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            # POST-redirect-GET: reloading the page that shows the key creates nothing more.
            keep_to_show_once(request, "api_key", client.pk, key)
            return redirect("accounts:api_client_created", client_id=client.pk)
    return render(
        request, "accounts/api_client_create.html", {"form": form}, status=form_status(form)
    )


@capability_required(MANAGE_API_CLIENTS, MANAGE_ALL_API_CLIENTS)
@require_http_methods(["GET"])
def api_client_created(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    """The new client's key, shown once: taken out of the session as it is shown, so a reload
    (or another manager) is told it was shown and how to get a new one."""
    client = _api_client_or_404(request, client_id)
    key = take_to_show(request, "api_key", client.pk)
    return render(request, "accounts/api_client_created.html", {"client": client, "key": key})


@capability_required(MANAGE_API_CLIENTS, MANAGE_ALL_API_CLIENTS)
@require_http_methods(["GET", "POST"])
def api_client_revoke(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    """Revoke a client's key: a page asks to confirm (GET), its button revokes (POST)."""
    client = _api_client_or_404(request, client_id)
    if request.method == "GET":
        if not client.is_active:
            messages.info(
                request, _("The key for %(name)s is already revoked.") % {"name": client.name}
            )
            return redirect("accounts:api_client_list")
        return render(request, "accounts/api_client_revoke.html", {"client": client})
    services.api_client_revoke(actor=request.user, client=client)
    messages.success(request, _("The key for %(name)s no longer works.") % {"name": client.name})
    return redirect("accounts:api_client_list")
