"""Session policy and the second factor, enforced for every view unless it opts out.

Fail closed: a new view needs nothing to be protected. A view that must
be reachable without signing in says so with Django's `login_not_required`;
one that must be reachable between password and code (the code page
itself, signing out) says so with `second_factor_not_required`. API views
authenticate each request by bearer key instead and are left to the API.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .otp import confirmed_device_for

LAST_SEEN_KEY = "pont_last_seen"
AUTH_TIME_KEY = "pont_auth_time"
# Refresh the idle clock at most once a minute, so reads do not write the session every time.
_TOUCH_EVERY_SECONDS = 60

API_NAMESPACE = "api"


def second_factor_not_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let a signed-in user who has not yet given their code reach this view."""
    view.second_factor_required = False  # type: ignore[attr-defined]  # read by the middleware
    return view


def _is_api(request: HttpRequest) -> bool:
    match = request.resolver_match
    return bool(match and API_NAMESPACE in match.namespaces)


class SessionPolicyMiddleware:
    """Sign out sessions that are idle too long or older than the absolute limit (ASVS 7.3)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY, now)
            auth_time = session.get(AUTH_TIME_KEY, now)
            idle = now - last_seen > settings.PONT_SESSION_IDLE_SECONDS
            expired = now - auth_time > settings.SESSION_COOKIE_AGE
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out because you had not used Pont for a while.")
                    if idle
                    else _("You were signed out because your session reached its time limit."),
                )
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
            if now - last_seen >= _TOUCH_EVERY_SECONDS or LAST_SEEN_KEY not in session:
                session[LAST_SEEN_KEY] = now
            session.setdefault(AUTH_TIME_KEY, now)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Every staff view needs a signed-in user who has also given a valid code.

    Also sends a user whose password must be changed (an initial password)
    to the change page before anything else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True) or _is_api(request):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if not getattr(view_func, "second_factor_required", True):
            return None
        if not user.is_verified():
            target = "accounts:otp_verify" if confirmed_device_for(user) else "accounts:otp_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        if getattr(user, "must_change_password", False) and not getattr(
            view_func, "allowed_before_password_change", False
        ):
            change = reverse("accounts:password_change")
            if request.method in ("GET", "HEAD"):  # back to this page once it is changed
                change = f"{change}?{urlencode({'next': request.get_full_path()})}"
            return redirect(change)
        return None
