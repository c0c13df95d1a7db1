"""The shell's own pages: home, health, public information pages and error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .api import not_found_body, too_large_body
from .middleware import with_api_headers, with_page_headers
from .navigation import nav_items_for
from .web_middleware import API_PREFIX, is_partner_api_request


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public landing page, or the signed-in user's home for their roles."""
    user = request.user
    if not user.is_authenticated or not user.is_verified():
        return render(request, "core/landing.html")
    # Memberships come from the user model itself, so core needs no import from accounts.
    memberships = user.active_memberships().select_related("organisation")
    items = [item for item in nav_items_for(user) if item.key != "core"]
    return render(request, "core/home.html", {"memberships": memberships, "items": items})


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process is up and answering."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and every migration has been applied."""
    checks: dict[str, str] = {}
    ready = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
        ready = not pending
    except DatabaseError:
        checks["database"] = "unavailable"
        ready = False
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@login_not_required
@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/cookies.html",
        {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        },
    )


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        # Refused by Django before the API saw it: answered in the API's error shape. A body
        # over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 (Content Too Large), not a bare 400.
        if isinstance(exception, RequestDataTooBig):
            return with_api_headers(JsonResponse(too_large_body(), status=413))
        body = {"message": _("The request is not valid."), "extra": {}}
        return with_api_headers(JsonResponse(body, status=400))
    return _error(request, "errors/400.html", 400)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """A body over what the address takes, refused unread (`pont.core.uploads`): 413, in the
    API's error shape on the API (as Django's own refusal of a form too large is answered)."""
    if request.path.startswith(API_PREFIX):
        return with_api_headers(JsonResponse(too_large_body(), status=413))
    # Answered before the headers' middleware runs.
    return with_page_headers(
        render(request, "errors/413.html", {"limit": filesizeformat(limit)}, status=413)
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_partner_api_request(request):
        # No such endpoint: answered in the API's error shape, as its own 404s are.
        return JsonResponse(not_found_body(), status=404)
    return _error(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: whatever failed may fail again.
    from django.template import loader

    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({"request": None}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, "errors/csrf.html", 403)
