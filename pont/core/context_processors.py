"""What every page's shell needs: navigation for this user, languages, the demo banner."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from .navigation import nav_items_for

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = bool(
        user and user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    )
    current_language = (get_language() or "en")[:2]
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    # Navigation appears only once the second factor has been given.
    items = nav_items_for(user) if verified else []
    # The most specific entry wins ("referrals:funnel" over "referrals:").
    matching = [item for item in items if item.is_current_for(view_name)]
    current = max(matching, key=lambda item: len(item.match or item.key)).key if matching else ""
    return {
        "shell": {
            "nav_items": items,
            "current": current,
            "languages": [
                {
                    "code": code,
                    "name": LANGUAGE_NAMES.get(code, code),
                    "current": code == current_language,
                }
                for code, _name in settings.LANGUAGES
            ],
            "demo_banner": settings.PONT_SHOW_DEMO_BANNER,
            "language_next": language_next(request),
        }
    }


def language_next(request: HttpRequest) -> str:
    """The page to show again in the other language: this one, or, for a page that answers a
    form sent by POST (its errors), the page the form was on. Its address may only take
    a POST, and the form's answers are not kept anyway."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"
