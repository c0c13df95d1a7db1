"""The browser's middleware is passed by for partner API calls, and only for them."""

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client, RequestFactory
from django.utils.module_loading import import_string

from pont.core import web_middleware
from pont.core.middleware import API_CONTENT_SECURITY_POLICY
from pont.testing.http import api_key_headers
from pont.testing.personas import CUSTODY, SYSADMIN


def _request(path):
    return RequestFactory().get(path)


@pytest.mark.parametrize(
    ("path", "partner"),
    [
        ("/api/v1/referrals/", True),
        ("/api/v1/openapi.json", True),
        ("/api/v1/no-such-thing", True),
        ("/api/v1/docs", False),  # the interactive docs: a page for signed-in staff
        ("/people/", False),
        ("/apiary", False),
        ("/", False),
    ],
)
def test_which_requests_are_partner_api_calls(path, partner):
    assert web_middleware.is_partner_api_request(_request(path)) is partner


def test_each_web_only_class_is_the_middleware_it_names_and_all_are_in_the_settings():
    named = {
        "WhiteNoiseMiddleware": "whitenoise.middleware.WhiteNoiseMiddleware",
        "SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
        "AuthenticationMiddleware": "django.contrib.auth.middleware.AuthenticationMiddleware",
        "OTPMiddleware": "django_otp.middleware.OTPMiddleware",
        "MessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
        "CSPMiddleware": "csp.middleware.CSPMiddleware",
    }
    for name, original in named.items():
        assert issubclass(getattr(web_middleware, name), import_string(original))
        assert f"pont.core.web_middleware.{name}" in settings.MIDDLEWARE
        assert original not in settings.MIDDLEWARE  # not run twice


def test_a_web_only_middleware_runs_for_pages_and_is_passed_by_for_the_api():
    calls = []

    def next_layer(request):
        calls.append(hasattr(request, "session"))
        return HttpResponse("ok")

    middleware = web_middleware.SessionMiddleware(next_layer)
    middleware(_request("/people/"))
    middleware(_request("/api/v1/referrals/"))
    middleware(_request("/api/v1/docs"))
    assert calls == [True, False, True]


def test_its_hooks_are_passed_by_for_the_api_and_run_for_pages():
    view = lambda request: HttpResponse("ok")  # noqa: E731 - not exempt from CSRF
    api_post = RequestFactory().post("/api/v1/referrals/")
    page_post = RequestFactory().post("/people/")
    with mock.patch.object(CsrfViewMiddleware, "process_view", return_value="ran") as hook:
        wrapped = web_middleware.web_only(CsrfViewMiddleware)
        assert issubclass(wrapped, CsrfViewMiddleware)
        middleware = wrapped(lambda request: HttpResponse("ok"))
        assert middleware.process_view(api_post, view, (), {}) is None
        assert middleware.process_view(page_post, view, (), {}) == "ran"
    hook.assert_called_once()


def test_a_template_response_hook_is_refused_rather_than_passed_by_wrongly():
    class WithTemplateHook(DjangoSessionMiddleware):
        def process_template_response(self, request, response):
            return response

    with pytest.raises(TypeError, match="template-response hook"):
        web_middleware.web_only(WithTemplateHook)


def test_an_api_answer_keeps_its_security_headers_and_sets_no_cookie(db):
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) == 32
    assert not response.cookies


def test_a_signed_in_browser_gets_nothing_from_its_session_on_the_api(world, as_persona):
    staff = as_persona(SYSADMIN)
    response = staff.get("/api/v1/me")
    assert response.status_code == 401  # the session is not read: only a key counts
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    # The same browser's pages still see the session and the user.
    assert staff.get("/accounts/account").status_code == 200


def test_the_api_docs_keep_the_whole_stack(world, as_persona):
    assert Client().get("/api/v1/docs").status_code == 302
    response = as_persona(CUSTODY).get("/api/v1/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]  # the pages' policy


def test_an_unknown_api_path_answers_in_the_api_error_shape(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}
    # A page that does not exist is still the bilingual page.
    assert "text/html" in Client().get("/no-such-page")["Content-Type"]


def test_api_errors_are_still_in_the_language_asked_for(world):
    headers = api_key_headers(world, scopes=["referrals:read"])
    for language, message in (("en", "The cursor is not valid"), ("cy", "Nid yw'r cyrchwr")):
        response = Client().get(
            "/api/v1/referrals/?cursor=not-a-cursor",
            headers={**headers, "Accept-Language": language},
        )
        assert response.status_code == 422  # a field error, as on every API path
        assert response.json()["message"].startswith(message)
