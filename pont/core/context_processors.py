"""What every page's shell needs: navigation for this user, languages, the demo banner."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
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
        }
    }
