"""The bilingual error pages: the reader's language first, one h1, and no database needed.

Each page is rendered by what renders it in the running app (the error handlers, the 405
and 503 middleware) in tests that have no database: pytest-django refuses any query, so a
page that needed one would fail here, as it would when the database is what failed.
"""

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.test import Client, RequestFactory
from django.utils import translation

from pont.core import views
from pont.core.middleware import MethodNotAllowedMiddleware, database_unavailable


def _request() -> HttpRequest:
    request = RequestFactory().get("/somewhere")
    request.user = AnonymousUser()
    return request


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return MethodNotAllowedMiddleware(lambda _request: HttpResponseNotAllowed(["POST"]))(request)


def _unavailable(request: HttpRequest) -> HttpResponse:
    response = database_unavailable(request, OperationalError("server closed the connection"))
    assert response is not None
    return response


# (status, what renders the page, its heading in English)
PAGES: list[tuple[int, Callable[[HttpRequest], HttpResponse], str]] = [
    (400, lambda request: views.bad_request(request, None), "Sorry, there is a problem with your"),
    (403, lambda request: views.permission_denied(request, None), "You cannot use this page"),
    (404, lambda request: views.page_not_found(request, None), "Page not found"),
    (405, _not_allowed, "This page cannot be opened like this"),
    (500, views.server_error, "Sorry, there is a problem with the service"),
    (503, _unavailable, "Sorry, the service is unavailable"),
    (403, lambda request: views.csrf_failure(request, "CSRF token missing"), "Your form has"),
]
IDS = ["400", "403", "404", "405", "500", "503", "csrf"]


def _sections(html: str) -> list[tuple[str, str]]:
    """The page's language sections, in order: (lang, content)."""
    return re.findall(r'<section lang="(en|cy)">(.*?)</section>', html, re.DOTALL)


def _english_and_welsh_headings(render: Callable[[HttpRequest], HttpResponse]) -> list[str]:
    """The page's first heading in each language, English then Welsh, as the page gives them."""
    with translation.override("en"):
        english = _sections(render(_request()).content.decode())
    return [re.search(r"<h[12][^>]*>(.*?)</h[12]>", body).group(1) for _lang, body in english]


@pytest.mark.parametrize(("status", "render", "heading"), PAGES, ids=IDS)
@pytest.mark.parametrize("language", ["en", "cy"])
def test_an_error_page_shows_the_readers_language_first_under_the_one_h1(
    status, render, heading, language
):
    other = "cy" if language == "en" else "en"
    with translation.override(language):
        response = render(_request())
    assert response.status_code == status
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    sections = _sections(html)
    assert [lang for lang, _body in sections] == [language, other]
    assert html.count("<h1") == 1
    assert "<h1" in sections[0][1]
    assert "<h1" not in sections[1][1]
    assert sections[1][1].lstrip().startswith('<h2 class="govuk-heading-l">')
    english = sections[0][1] if language == "en" else sections[1][1]
    assert heading in english


@pytest.mark.parametrize(("status", "render", "heading"), PAGES, ids=IDS)
def test_an_error_pages_title_is_in_the_readers_language(status, render, heading):
    _english, welsh = _english_and_welsh_headings(render)
    with translation.override("cy"):
        html = render(_request()).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert welsh in title


def test_the_404_page_follows_the_language_the_site_chose_from_the_browser(db):
    welsh = Client(headers={"Accept-Language": "cy"}).get("/no/such/page").content.decode()
    english = Client(headers={"Accept-Language": "en"}).get("/no/such/page").content.decode()
    assert [lang for lang, _body in _sections(welsh)] == ["cy", "en"]
    assert [lang for lang, _body in _sections(english)] == ["en", "cy"]


def test_the_500_page_follows_the_language_switchs_cookie(db, settings):
    from unittest import mock

    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    with mock.patch("pont.core.views.render", side_effect=RuntimeError("broken")):
        response = client.get("/accessibility")
    assert response.status_code == 500
    html = response.content.decode()
    assert [lang for lang, _body in _sections(html)] == ["cy", "en"]
    assert html.count("<h1") == 1
