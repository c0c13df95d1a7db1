"""People searches kept in the session between the POST that asks and the GET that shows.

A search is sent by POST so that names and dates of birth never go into addresses or logs.
The POST keeps its terms here, in the user's own session, under a short random token, and
redirects to the search page with only that token in its address (POST/redirect/GET): the
page's GET runs the search again and shows it, so Back and reload never ask to send the form
again. Only the newest KEPT_AT_MOST searches are kept, each for KEPT_FOR_SECONDS, and each
only for the user who made it; signing out ends the session and them with it.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

SESSION_KEY = "pont.people.searches"
KEPT_AT_MOST = 10
KEPT_FOR_SECONDS = 30 * 60


@dataclass(frozen=True)
class KeptSearch:
    """What a search asked for, and why (the search purpose's parameters)."""

    name: str
    date_of_birth: date | None
    pnc_id: str
    purpose: dict[str, str]


def keep_search(
    request: HttpRequest,
    *,
    name: str,
    date_of_birth: date | None,
    pnc_id: str,
    purpose: dict[str, str],
) -> str:
    """Keep the search's terms for the page that shows its results; return their token."""
    now = timezone.now().timestamp()
    kept = _current(request, now)
    token = secrets.token_urlsafe(9)
    kept[token] = {
        "user": request.user.pk,
        "at": now,
        "name": name,
        "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
        "pnc_id": pnc_id,
        "purpose": dict(purpose),
    }
    newest = sorted(kept.items(), key=lambda item: item[1]["at"])[-KEPT_AT_MOST:]
    request.session[SESSION_KEY] = dict(newest)
    return token


def kept_search(request: HttpRequest, token: str) -> KeptSearch | None:
    """The search kept under this token for this user; None if unknown, expired or another's."""
    kept = _current(request, timezone.now().timestamp())
    if SESSION_KEY in request.session and kept != request.session[SESSION_KEY]:
        request.session[SESSION_KEY] = kept
    entry = kept.get(token)
    if entry is None or entry.get("user") != request.user.pk:
        return None
    try:
        born = date.fromisoformat(entry["date_of_birth"]) if entry["date_of_birth"] else None
        purpose = {str(key): str(value) for key, value in entry["purpose"].items()}
        return KeptSearch(
            name=str(entry["name"]),
            date_of_birth=born,
            pnc_id=str(entry["pnc_id"]),
            purpose=purpose,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # not one this module kept: as if unknown


def _current(request: HttpRequest, now: float) -> dict[str, dict[str, Any]]:
    """The kept searches that have not expired (none if the session holds something else)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return {}
    return {
        token: entry
        for token, entry in kept.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("at"), int | float)
        # No lower bound: another app server's clock may run a little ahead of this one's.
        and now - entry["at"] < KEPT_FOR_SECONDS
    }
